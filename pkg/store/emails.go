package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Emails keeps the incoming emails requests are registered from: the raw
// message, what was read from it, and who sent it in (the receipts).
type Emails struct{ *core }

var (
	_ intake.Store    = (*Emails)(nil)
	_ register.Emails = (*Emails)(nil)
)

// emailRow is an email as stored, without its raw bytes (read on their own).
type emailRow struct {
	ID            string     `gorm:"column:id"`
	SHA256        string     `gorm:"column:sha256"`
	MessageID     string     `gorm:"column:message_id"`
	BodySHA256    string     `gorm:"column:body_sha256"`
	Size          int64      `gorm:"column:size"`
	FromName      *string    `gorm:"column:from_name"`
	FromEmail     *string    `gorm:"column:from_email"`
	DateAt        *time.Time `gorm:"column:date_at"`
	DateOffset    *int       `gorm:"column:date_offset"`
	Subject       string     `gorm:"column:subject"`
	Text          string     `gorm:"column:text"`
	SuggestedType *string    `gorm:"column:suggested_type"`
	Attachments   string     `gorm:"column:attachments"`
	Warnings      string     `gorm:"column:warnings"`
	StoredAt      time.Time  `gorm:"column:stored_at"`
	StoredBy      string     `gorm:"column:stored_by"`
	ReceivedAt    *time.Time `gorm:"column:received_at"`
	MailboxID     *string    `gorm:"column:mailbox_id"`
}

// emailColumns are the columns of emailRow.
const emailColumns = `id, sha256, message_id, body_sha256, size, from_name, from_email, date_at, date_offset, subject, text,
	suggested_type, attachments, warnings, stored_at, stored_by, received_at, mailbox_id`

func toEmailRow(e *intake.Email, bodyHash string) (emailRow, error) {
	atts, err := json.Marshal(e.Attachments)
	if err != nil {
		return emailRow{}, err
	}
	if e.Attachments == nil {
		atts = []byte("[]")
	}
	warns, err := json.Marshal(e.Warnings)
	if err != nil {
		return emailRow{}, err
	}
	if e.Warnings == nil {
		warns = []byte("[]")
	}
	row := emailRow{ID: e.ID, SHA256: e.SHA256, MessageID: e.MessageID, BodySHA256: bodyHash, Size: e.Size,
		Subject: e.Subject, Text: e.Text, Attachments: string(atts), Warnings: string(warns),
		StoredAt: utc(e.StoredAt), StoredBy: e.StoredBy, ReceivedAt: utcPtr(e.ReceivedAt)}
	if e.MailboxID != "" {
		row.MailboxID = strPtr(e.MailboxID)
	}
	if e.From != nil {
		row.FromName, row.FromEmail = strPtr(e.From.Name), strPtr(e.From.Email)
	}
	if e.Date != nil {
		_, off := e.Date.Zone()
		row.DateAt, row.DateOffset = utcPtr(e.Date), &off
	}
	if e.SuggestedType != nil {
		row.SuggestedType = strPtr(string(*e.SuggestedType))
	}
	return row, nil
}

func toEmail(row emailRow) (*intake.Email, error) {
	e := &intake.Email{ID: row.ID, MessageID: row.MessageID, Subject: row.Subject, Text: row.Text, Size: row.Size,
		SHA256: row.SHA256, StoredAt: row.StoredAt.UTC(), StoredBy: row.StoredBy, MailboxID: str(row.MailboxID)}
	if row.ReceivedAt != nil {
		r := row.ReceivedAt.UTC()
		e.ReceivedAt = &r
	}
	if row.FromEmail != nil || row.FromName != nil {
		e.From = &intake.Address{Name: str(row.FromName), Email: str(row.FromEmail)}
	}
	if row.DateAt != nil {
		d := emailDate(*row.DateAt, row.DateOffset)
		e.Date = &d
	}
	if row.SuggestedType != nil {
		t := deadlines.RequestType(*row.SuggestedType)
		e.SuggestedType = &t
	}
	if err := json.Unmarshal([]byte(row.Attachments), &e.Attachments); err != nil {
		return nil, fmt.Errorf("store: email %s: attachments: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Warnings), &e.Warnings); err != nil {
		return nil, fmt.Errorf("store: email %s: warnings: %w", row.ID, err)
	}
	if e.Attachments == nil {
		e.Attachments = []intake.Attachment{}
	}
	if e.Warnings == nil {
		e.Warnings = []string{}
	}
	return e, nil
}

// emailDate is the instant at with the header's own offset (seconds east of
// UTC), as the Date header said it.
func emailDate(at time.Time, offset *int) time.Time {
	if offset == nil {
		return at.UTC()
	}
	return at.In(time.FixedZone("", *offset))
}

// PutEmail implements intake.Store. The insert does nothing when a unique
// index holds the same email (the same SHA-256, or the same Message-ID and
// body hash); the one stored is then read back. Concurrent duplicates are
// safe: on PostgreSQL the second insert waits on the index for the first to
// commit, then does nothing and reads it; SQLite has one writer.
func (s *Emails) PutEmail(ctx context.Context, e *intake.Email, raw []byte, bodyHash string, trail intake.Trail) (string, bool, error) {
	row, err := toEmailRow(e, bodyHash)
	if err != nil {
		return "", false, fmt.Errorf("store: put email: %w", err)
	}
	id, created := e.ID, true
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO emails (`+emailColumns+`, raw)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			row.ID, row.SHA256, row.MessageID, row.BodySHA256, row.Size, row.FromName, row.FromEmail, row.DateAt, row.DateOffset,
			row.Subject, row.Text, row.SuggestedType, row.Attachments, row.Warnings, row.StoredAt, row.StoredBy,
			row.ReceivedAt, row.MailboxID, raw)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			created = false
			var ids []string
			if err := tx.Raw(`SELECT id FROM emails WHERE sha256 = ?
				UNION ALL SELECT id FROM emails WHERE message_id = ? AND message_id <> '' AND body_sha256 = ?`,
				row.SHA256, row.MessageID, row.BodySHA256).Scan(&ids).Error; err != nil {
				return err
			}
			if len(ids) == 0 {
				return errors.New("an email conflicts with a stored one that cannot be found")
			}
			id = ids[0]
			// The same message sent in by hand first, then fetched from a
			// mailbox, gains its arrival; one fetched first keeps it.
			if row.ReceivedAt != nil {
				if err := tx.Exec(`UPDATE emails SET received_at = ?, mailbox_id = ? WHERE id = ? AND received_at IS NULL`,
					row.ReceivedAt, row.MailboxID, id).Error; err != nil {
					return err
				}
			}
		}
		if created {
			if err := triageAtIngest(tx, id, e); err != nil {
				return err
			}
		}
		if err := tx.Exec(`INSERT INTO email_receipts (email_id, actor_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			id, row.StoredBy, row.StoredAt).Error; err != nil {
			return err
		}
		if trail == nil {
			return nil
		}
		entries, err := trail(id, created)
		if err != nil {
			return err
		}
		return appendAudit(tx, entries)
	})
	if err != nil {
		return "", false, s.wrap("put email", err)
	}
	return id, created, nil
}

// Email implements intake.Store.
func (s *Emails) Email(ctx context.Context, id string) (*intake.Email, error) {
	if !validID(id) {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	var rows []emailRow
	if err := s.db.WithContext(ctx).Raw(`SELECT `+emailColumns+` FROM emails WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, s.wrap("get email", err)
	}
	if len(rows) == 0 {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	return toEmail(rows[0])
}

// EmailRaw implements intake.Store.
func (s *Emails) EmailRaw(ctx context.Context, id string) ([]byte, error) {
	if !validID(id) {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	var rows []struct{ Raw []byte }
	if err := s.db.WithContext(ctx).Raw(`SELECT raw FROM emails WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, s.wrap("get raw email", err)
	}
	if len(rows) == 0 {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	return rows[0].Raw, nil
}

// EmailSentBy implements intake.Store.
func (s *Emails) EmailSentBy(ctx context.Context, id, actorID string) (bool, error) {
	if !validID(id) {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM email_receipts WHERE email_id = ? AND actor_id = ?`, id, actorID).Scan(&n).Error
	if err != nil {
		return false, s.wrap("email receipt", err)
	}
	return n > 0, nil
}

// EmailIngestedBy implements register.Emails: a receipt by the user
// themselves (a browser session, the command line) or by any of their API
// tokens, whose actor ids are "token:<token id>".
func (s *Emails) EmailIngestedBy(ctx context.Context, id, userID string) (bool, error) {
	if !validID(id) || !validID(userID) {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM email_receipts WHERE email_id = ?
		AND (actor_id = ? OR actor_id IN (SELECT 'token:' || id FROM api_tokens WHERE user_id = ?))`, id, userID, userID).Scan(&n).Error
	if err != nil {
		return false, s.wrap("email receipt of a user", err)
	}
	return n > 0, nil
}

// EmailLinks implements register.Emails.
func (s *Emails) EmailLinks(ctx context.Context, id string) ([]register.EmailLink, error) {
	if !validID(id) {
		return nil, nil
	}
	var rows []struct {
		ID         string
		Assignee   string
		AssigneeID *string
		CreatedBy  string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT id, assignee, assignee_id, created_by FROM requests WHERE email_id = ? ORDER BY id`, id).
		Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("requests of an email", err)
	}
	out := make([]register.EmailLink, len(rows))
	for i, r := range rows {
		out[i] = register.EmailLink{RequestID: r.ID, Assignee: r.Assignee, AssigneeID: str(r.AssigneeID), CreatedBy: r.CreatedBy}
	}
	return out, nil
}

// EmailsWithMessageID implements intake.Store.
func (s *Emails) EmailsWithMessageID(ctx context.Context, messageID string) ([]intake.Key, error) {
	var rows []struct {
		ID         string
		SHA256     string `gorm:"column:sha256"`
		BodySHA256 string `gorm:"column:body_sha256"`
	}
	err := s.db.WithContext(ctx).Raw(`SELECT id, sha256, body_sha256 FROM emails WHERE message_id = ? AND message_id <> ''
		ORDER BY stored_at, id`, messageID).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("emails by message id", err)
	}
	out := make([]intake.Key, len(rows))
	for i, r := range rows {
		out[i] = intake.Key{ID: r.ID, SHA256: r.SHA256, BodyHash: r.BodySHA256}
	}
	return out, nil
}

// EmailDate implements register.Emails: when the operator's mail server
// received the email (its arrival in a mailbox, the INTERNALDATE), else
// its Date header with the header's own offset.
func (s *Emails) EmailDate(ctx context.Context, id string) (*time.Time, error) {
	if !validID(id) {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	var rows []struct {
		DateAt     *time.Time
		DateOffset *int
		ReceivedAt *time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT date_at, date_offset, received_at FROM emails WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, s.wrap("email date", err)
	}
	if len(rows) == 0 {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	if r := rows[0].ReceivedAt; r != nil {
		at := r.UTC()
		return &at, nil
	}
	if rows[0].DateAt == nil {
		return nil, nil
	}
	d := emailDate(*rows[0].DateAt, rows[0].DateOffset)
	return &d, nil
}

// validID reports whether id is a UUID as Srok writes them (lower case,
// with hyphens): anything else names no email, and must not reach
// PostgreSQL's uuid type as an error.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}
