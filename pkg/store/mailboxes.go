package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/srok"
)

// IMAP keeps the mailboxes Srok fetches over IMAP: each one's cursor
// (UIDVALIDITY, last UID), lease and status; the password of a mailbox
// connected from the page only sealed (mailbox.Sealer), never in clear, and
// never read back but by ConnectedMailboxes for the fetchers. (Not named
// Mailboxes: the part's name would hide its method.)
type IMAP struct{ *core }

var _ mailbox.Store = (*IMAP)(nil)

// mailboxRow is a mailbox as stored: never a password.
type mailboxRow struct {
	ID          string     `gorm:"column:id"`
	Source      string     `gorm:"column:source"`
	Address     string     `gorm:"column:address"`
	Host        string     `gorm:"column:host"`
	Port        int        `gorm:"column:port"`
	TLS         string     `gorm:"column:tls"`
	Folder      string     `gorm:"column:folder"`
	Active      bool       `gorm:"column:active"`
	State       string     `gorm:"column:state"`
	ErrorCode   string     `gorm:"column:error_code"`
	ErrorDetail string     `gorm:"column:error_detail"`
	ErrorAt     *time.Time `gorm:"column:error_at"`
	LastFetchAt *time.Time `gorm:"column:last_fetch_at"`
	DoneFolder  string     `gorm:"column:done_folder"`
	Waiting     int        `gorm:"column:waiting"`
}

func toMailbox(r mailboxRow) mailbox.Mailbox {
	src := mailbox.Source{Host: r.Host, Port: r.Port, TLS: mailbox.TLS(r.TLS), Folder: r.Folder}
	m := mailbox.Mailbox{ID: r.ID, Address: r.Address, URL: src.Redacted(), Folder: r.Folder, Source: r.Source, Active: r.Active,
		DoneFolder: r.DoneFolder,
		State:      mailbox.State(r.State), LastError: mailbox.Code(r.ErrorCode), ErrorDetail: r.ErrorDetail, Waiting: r.Waiting}
	if r.ErrorAt != nil {
		t := r.ErrorAt.UTC()
		m.ErrorAt = &t
	}
	if r.LastFetchAt != nil {
		t := r.LastFetchAt.UTC()
		m.LastFetchAt = &t
	}
	if !r.Active {
		m.State = mailbox.StateInactive
	}
	return m
}

// SyncMailboxes implements mailbox.Store. Instances started with the same
// configuration agree on the ids (derived from the URL), so each upsert is
// idempotent; state, cursor and lease are left as they are.
func (s *IMAP) SyncMailboxes(ctx context.Context, sources []mailbox.Source, now time.Time) error {
	now = utc(now)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := make([]string, 0, len(sources))
		for _, src := range sources {
			ids = append(ids, src.ID)
			if err := tx.Exec(`INSERT INTO mailboxes (id, source, address, host, port, tls, folder, active, created_at, updated_at)
				VALUES (?, 'env', ?, ?, ?, ?, ?, TRUE, ?, ?)
				ON CONFLICT (id) DO UPDATE SET active = TRUE, source = 'env', password_sealed = NULL, address = excluded.address,
				updated_at = excluded.updated_at`,
				src.ID, src.Address(), src.Host, src.Port, string(src.TLS), src.Folder, now, now).Error; err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return tx.Exec(`UPDATE mailboxes SET active = FALSE, updated_at = ? WHERE source = 'env' AND active = TRUE`, now).Error
		}
		return tx.Exec(`UPDATE mailboxes SET active = FALSE, updated_at = ? WHERE source = 'env' AND active = TRUE AND id NOT IN ?`, now, ids).Error
	})
	return s.wrap("sync mailboxes", err)
}

// Mailboxes implements mailbox.Store. Waiting counts a mailbox's emails
// that await a decision in the inbox (inboxPending).
func (s *IMAP) Mailboxes(ctx context.Context) ([]mailbox.Mailbox, error) {
	var rows []mailboxRow
	err := s.db.WithContext(ctx).Raw(`SELECT m.id, m.source, m.address, m.host, m.port, m.tls, m.folder, m.active, m.state,
		m.error_code, m.error_detail, m.error_at, m.last_fetch_at, m.done_folder,
		(SELECT count(*) FROM emails e WHERE e.mailbox_id = m.id AND ` + inboxPending + `) AS waiting
		FROM mailboxes m ORDER BY m.active DESC, m.address, m.folder, m.id`).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("list mailboxes", err)
	}
	out := make([]mailbox.Mailbox, len(rows))
	for i, r := range rows {
		out[i] = toMailbox(r)
	}
	return out, nil
}

// TakeMailboxLease implements mailbox.Store: one UPDATE, atomic on both
// databases, so that of two instances asking at once exactly one holds the
// lease (as the reminders' outbox leases its rows).
func (s *IMAP) TakeMailboxLease(ctx context.Context, id, holder string, now, until time.Time) (bool, error) {
	now = utc(now)
	res := s.db.WithContext(ctx).Exec(`UPDATE mailboxes SET lease_holder = ?, lease_until = ?
		WHERE id = ? AND active = TRUE AND (lease_holder IS NULL OR lease_holder = ? OR lease_until IS NULL OR lease_until <= ?)`,
		holder, utc(until), id, holder, now)
	if res.Error != nil {
		return false, s.wrap("take mailbox lease", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseMailboxLease implements mailbox.Store.
func (s *IMAP) ReleaseMailboxLease(ctx context.Context, id, holder string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE mailboxes SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?`,
		id, holder).Error
	return s.wrap("release mailbox lease", err)
}

// MailboxCursor implements mailbox.Store.
func (s *IMAP) MailboxCursor(ctx context.Context, id string) (mailbox.Cursor, error) {
	var rows []struct {
		UIDValidity int64 `gorm:"column:uid_validity"`
		LastUID     int64 `gorm:"column:last_uid"`
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT uid_validity, last_uid FROM mailboxes WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return mailbox.Cursor{}, s.wrap("mailbox cursor", err)
	}
	if len(rows) == 0 {
		return mailbox.Cursor{}, nil
	}
	return mailbox.Cursor{UIDValidity: uint32(rows[0].UIDValidity), LastUID: uint32(rows[0].LastUID)}, nil
}

// SaveMailboxCursor implements mailbox.Store.
func (s *IMAP) SaveMailboxCursor(ctx context.Context, id, holder string, c mailbox.Cursor) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE mailboxes SET uid_validity = ?, last_uid = ? WHERE id = ? AND lease_holder = ?`,
		int64(c.UIDValidity), int64(c.LastUID), id, holder).Error
	return s.wrap("save mailbox cursor", err)
}

// SetMailboxStatus implements mailbox.Store.
func (s *IMAP) SetMailboxStatus(ctx context.Context, id string, st mailbox.Status, now time.Time) error {
	now = utc(now)
	code, detail := "", ""
	var errAt *time.Time
	if st.Err != nil {
		code, detail, errAt = string(st.Err.Code), st.Err.Detail, &now
		if len(detail) > 500 {
			detail = detail[:500]
		}
	}
	var err error
	if st.Fetched != nil {
		err = s.db.WithContext(ctx).Exec(`UPDATE mailboxes SET state = ?, error_code = ?, error_detail = ?, error_at = ?,
			last_fetch_at = ?, updated_at = ? WHERE id = ?`,
			string(st.State), code, detail, errAt, utc(*st.Fetched), now, id).Error
	} else {
		err = s.db.WithContext(ctx).Exec(`UPDATE mailboxes SET state = ?, error_code = ?, error_detail = ?, error_at = ?, updated_at = ? WHERE id = ?`,
			string(st.State), code, detail, errAt, now, id).Error
	}
	return s.wrap("mailbox status", err)
}

// ConnectMailbox implements mailbox.Store: the row and its audit entry in
// one transaction. A row of the same id that is inactive (disconnected, or
// dropped from SROK_IMAP_URL) is taken up again with its cursor, so that
// what was fetched before is not fetched again; an active one is a
// conflict. Two connections of one mailbox at once: on PostgreSQL the
// second INSERT breaks the primary key (a conflict too), SQLite has one
// writer.
func (s *IMAP) ConnectMailbox(ctx context.Context, c mailbox.Connected, trail []*audit.Entry, now time.Time) error {
	now = utc(now)
	src := c.Source
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			Active bool `gorm:"column:active"`
		}
		if err := tx.Raw(`SELECT active FROM mailboxes WHERE id = ?`, src.ID).Scan(&rows).Error; err != nil {
			return err
		}
		switch {
		case len(rows) == 1 && rows[0].Active:
			return &srok.Error{Code: srok.ECONFLICT, Reason: "mailbox_exists", Message: "this mailbox is connected already",
				Fields: []srok.FieldError{{Field: "address", Problem: "connected already: disconnect it first to change its password"}}}
		case len(rows) == 1:
			if err := tx.Exec(`UPDATE mailboxes SET source = 'page', active = TRUE, address = ?, host = ?, port = ?, tls = ?, folder = ?,
				password_sealed = ?, done_folder = ?, connected_by = ?, state = 'new', error_code = '', error_detail = '', error_at = NULL,
				lease_holder = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`,
				src.Address(), src.Host, src.Port, string(src.TLS), src.Folder, c.Sealed, c.DoneFolder, c.By, now, src.ID).Error; err != nil {
				return err
			}
		default:
			if err := tx.Exec(`INSERT INTO mailboxes (id, source, address, host, port, tls, folder, active, password_sealed, done_folder,
				connected_by, created_at, updated_at) VALUES (?, 'page', ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?, ?)`,
				src.ID, src.Address(), src.Host, src.Port, string(src.TLS), src.Folder, c.Sealed, c.DoneFolder, c.By, now, now).Error; err != nil {
				return err
			}
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("connect mailbox", err)
}

// DisconnectMailbox implements mailbox.Store: only a mailbox connected
// from the page, and its sealed password goes with it.
func (s *IMAP) DisconnectMailbox(ctx context.Context, id string, trail []*audit.Entry, now time.Time) error {
	now = utc(now)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE mailboxes SET active = FALSE, password_sealed = NULL, lease_holder = NULL, lease_until = NULL, updated_at = ?
			WHERE id = ? AND source = 'page' AND active = TRUE`, now, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return srok.Errorf(srok.ENOTFOUND, "no connected mailbox has id %q", id)
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("disconnect mailbox", err)
}

// ConnectedMailboxes implements mailbox.Store.
func (s *IMAP) ConnectedMailboxes(ctx context.Context) ([]mailbox.Connected, error) {
	var rows []struct {
		ID         string  `gorm:"column:id"`
		Address    string  `gorm:"column:address"`
		Host       string  `gorm:"column:host"`
		Port       int     `gorm:"column:port"`
		TLS        string  `gorm:"column:tls"`
		Folder     string  `gorm:"column:folder"`
		Sealed     *string `gorm:"column:password_sealed"`
		DoneFolder string  `gorm:"column:done_folder"`
		By         *string `gorm:"column:connected_by"`
	}
	err := s.db.WithContext(ctx).Raw(`SELECT id, address, host, port, tls, folder, password_sealed, done_folder, connected_by
		FROM mailboxes WHERE source = 'page' AND active = TRUE AND password_sealed IS NOT NULL ORDER BY id`).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("connected mailboxes", err)
	}
	out := make([]mailbox.Connected, len(rows))
	for i, r := range rows {
		out[i] = mailbox.Connected{Source: mailbox.Source{ID: r.ID, Host: r.Host, Port: r.Port, TLS: mailbox.TLS(r.TLS), Username: r.Address,
			Folder: r.Folder}, Sealed: *r.Sealed, DoneFolder: r.DoneFolder}
		if r.By != nil {
			out[i].By = *r.By
		}
	}
	return out, nil
}
