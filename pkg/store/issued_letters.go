package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// Outgoing keeps the letters issued to data subjects: their outgoing
// numbers (outgoing_counters), their files as issued and the outbox of
// those sent by email (issued_letters).
type Outgoing struct{ *core }

var (
	_ organisation.IssueStore = (*Outgoing)(nil)
	_ remind.LetterStore      = (*Outgoing)(nil)
)

type issuedLetterRow struct {
	ID              string `gorm:"primaryKey"`
	RequestID       string
	Kind            string
	Year            int
	Seq             int
	Number          string
	IssuedOn        dbDate
	IssuedAt        time.Time `gorm:"autoCreateTime:false"`
	IssuedBy        string
	IssuedByName    string
	TemplateVersion int
	Options         string
	PDF             []byte `gorm:"column:pdf"`
	DOCX            []byte `gorm:"column:docx"`
	PDFSHA256       string `gorm:"column:pdf_sha256"`
	DOCXSHA256      string `gorm:"column:docx_sha256"`
	Delivery        string
	RecipientEmail  string
	EmailStatus     *string
	Attempts        int
	NextAttemptAt   *time.Time
	LockedUntil     *time.Time
	MessageID       *string
	LastError       *string
	SentAt          *time.Time
	PostedOn        *dbDate
	Tracking        string
	// PDFSize and DOCXSize are read, never written (the list leaves the
	// files out and asks for their lengths).
	PDFSize  int `gorm:"->;-:migration"`
	DOCXSize int `gorm:"->;-:migration"`
}

func (issuedLetterRow) TableName() string { return "issued_letters" }

// letterOptions is how the options of a letter are kept (JSON).
type letterOptions struct {
	Records []string `json:"records,omitempty"`
	Reasons string   `json:"reasons,omitempty"`
	Ground  string   `json:"ground,omitempty"`
	Missing []string `json:"missing,omitempty"`
	Outcome string   `json:"outcome,omitempty"`
}

func toIssuedLetterRow(l *organisation.IssuedLetter) (issuedLetterRow, error) {
	opt, err := json.Marshal(letterOptions{Records: l.Options.Records, Reasons: l.Options.Reasons, Ground: l.Options.Ground,
		Missing: l.Options.Missing})
	if err != nil {
		return issuedLetterRow{}, err
	}
	row := issuedLetterRow{ID: l.ID, RequestID: l.RequestID, Kind: string(l.Kind), Year: l.Year, Seq: l.Seq, Number: l.Number,
		IssuedOn: dbDate(l.IssuedOn), IssuedAt: utc(l.IssuedAt), IssuedBy: l.IssuedBy, IssuedByName: l.IssuedByName,
		TemplateVersion: l.Template, Options: string(opt), PDF: l.PDF, DOCX: l.DOCX, PDFSHA256: l.PDFSHA256,
		DOCXSHA256: l.DOCXSHA256, Delivery: string(l.Delivery), Tracking: l.Tracking}
	if l.PostedOn != nil {
		d := dbDate(*l.PostedOn)
		row.PostedOn = &d
	}
	if l.Delivery == organisation.DeliveryEmail {
		row.RecipientEmail = l.Email.To
		row.EmailStatus = strPtr(string(organisation.EmailQueued))
		at := utc(l.IssuedAt)
		row.NextAttemptAt = &at
	}
	return row, nil
}

func toIssuedLetter(row *issuedLetterRow) organisation.IssuedLetter {
	var opt letterOptions
	_ = json.Unmarshal([]byte(row.Options), &opt) // written by toIssuedLetterRow
	l := organisation.IssuedLetter{ID: row.ID, RequestID: row.RequestID, Kind: letters.Kind(row.Kind), Number: row.Number,
		Year: row.Year, Seq: row.Seq, IssuedOn: calendar.Date(row.IssuedOn), IssuedAt: row.IssuedAt.UTC(),
		IssuedBy: row.IssuedBy, IssuedByName: row.IssuedByName, Template: row.TemplateVersion,
		Options: organisation.LetterOptions{Records: opt.Records, Reasons: opt.Reasons, Ground: opt.Ground, Missing: opt.Missing},
		PDF:     row.PDF, DOCX: row.DOCX, PDFSHA256: row.PDFSHA256, DOCXSHA256: row.DOCXSHA256,
		PDFSize: row.PDFSize, DOCXSize: row.DOCXSize, Delivery: organisation.Delivery(row.Delivery), Tracking: row.Tracking}
	if row.PDF != nil {
		l.PDFSize, l.DOCXSize = len(row.PDF), len(row.DOCX)
	}
	if row.PostedOn != nil {
		d := calendar.Date(*row.PostedOn)
		l.PostedOn = &d
	}
	if row.EmailStatus != nil {
		l.Email = organisation.LetterEmail{To: row.RecipientEmail, Status: organisation.EmailStatus(*row.EmailStatus),
			Attempts: row.Attempts, MessageID: deref(row.MessageID), LastError: deref(row.LastError), SentAt: utcPtr(row.SentAt)}
	}
	return l
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// IssueLetter implements organisation.IssueStore. The per-year counter row
// serialises issues, like the registration counter: the number is taken,
// the letter rendered with it, the request changed and the letter stored
// in one transaction, so a failure anywhere gives the number back.
func (s *Outgoing) IssueLetter(ctx context.Context, is *organisation.Issue) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l := is.Letter
		year := l.IssuedOn.Year()
		var last int
		if err := tx.Raw(`INSERT INTO outgoing_counters (year, last) VALUES (?, 1)
			ON CONFLICT (year) DO UPDATE SET last = outgoing_counters.last + 1 RETURNING last`, year).Scan(&last).Error; err != nil {
			return err
		}
		l.Year, l.Seq = year, last
		if err := is.Build(organisation.OutgoingNumber(is.Format, year, last)); err != nil {
			return err
		}
		if is.Request != nil {
			if err := updateRequest(tx, is.Request, is.Version, is.Events); err != nil {
				return err
			}
		} else if err := insertEvents(tx, is.Events); err != nil {
			return err
		}
		row, err := toIssuedLetterRow(l)
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return appendAudit(tx, is.Trail)
	})
	if err != nil {
		is.Letter.Number, is.Letter.Seq = "", 0
	}
	return s.wrap("issue letter", err)
}

// listColumns are the columns of a list of letters: the files' lengths,
// not the files.
const listColumns = `id, request_id, kind, year, seq, number, issued_on, issued_at, issued_by, issued_by_name,
	template_version, options, pdf_sha256, docx_sha256, delivery, recipient_email, email_status, attempts,
	next_attempt_at, locked_until, message_id, last_error, sent_at, posted_on, tracking,
	length(pdf) AS pdf_size, length(docx) AS docx_size`

// IssuedLetters implements organisation.IssueStore.
func (s *Outgoing) IssuedLetters(ctx context.Context, requestID string) ([]organisation.IssuedLetter, error) {
	var rows []issuedLetterRow
	err := s.db.WithContext(ctx).Raw(`SELECT `+listColumns+` FROM issued_letters WHERE request_id = ? ORDER BY issued_at, year, seq`,
		requestID).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("issued letters", err)
	}
	out := make([]organisation.IssuedLetter, len(rows))
	for i := range rows {
		out[i] = toIssuedLetter(&rows[i])
	}
	return out, nil
}

// IssuedLetter implements organisation.IssueStore.
func (s *Outgoing) IssuedLetter(ctx context.Context, requestID, id string) (organisation.IssuedLetter, error) {
	var row issuedLetterRow
	err := s.db.WithContext(ctx).Where("id = ? AND request_id = ?", id, requestID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return organisation.IssuedLetter{}, srok.Errorf(srok.ENOTFOUND, "no issued letter %q of this request", id)
	}
	if err != nil {
		return organisation.IssuedLetter{}, s.wrap("issued letter", err)
	}
	return toIssuedLetter(&row), nil
}

// PostLetter implements organisation.IssueStore.
func (s *Outgoing) PostLetter(ctx context.Context, requestID, id string, postedOn *calendar.Date, tracking string, trail []*audit.Entry) error {
	var posted *dbDate
	if postedOn != nil {
		d := dbDate(*postedOn)
		posted = &d
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE issued_letters SET posted_on = ?, tracking = ? WHERE id = ? AND request_id = ? AND delivery = 'paper'`,
			posted, tracking, id, requestID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return srok.Errorf(srok.ENOTFOUND, "no issued letter on paper %q of this request", id)
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("post letter", err)
}

// ClaimLetterEmails implements remind.LetterStore: queued letters due at
// now, not leased, leased until until. On PostgreSQL FOR UPDATE SKIP
// LOCKED keeps instances claiming at once on disjoint rows; SQLite has one
// writer.
func (s *Outgoing) ClaimLetterEmails(ctx context.Context, now, until time.Time, limit int) ([]remind.LetterItem, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []string
	err := s.db.WithContext(ctx).Raw(`UPDATE issued_letters SET locked_until = ?
		WHERE id IN (SELECT id FROM issued_letters
			WHERE email_status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING id`, utc(until), utc(now), utc(now), limit).Scan(&ids).Error
	if err != nil || len(ids) == 0 {
		return nil, s.wrap("claim letters", err)
	}
	var rows []struct {
		ID, RequestID, RequestNumber, Kind, Number string
		Year, Seq                                  int
		IssuedOn                                   dbDate
		RecipientEmail                             string
		PDF                                        []byte `gorm:"column:pdf"`
		Attempts                                   int
		OrgEmail, OrgName                          *string
	}
	err = s.db.WithContext(ctx).Raw(`SELECT l.id, l.request_id, r.number AS request_number, l.kind, l.number, l.year, l.seq, l.issued_on,
			l.recipient_email, l.pdf, l.attempts, o.email AS org_email, o.name AS org_name
		FROM issued_letters l JOIN requests r ON r.id = l.request_id LEFT JOIN organisation o ON o.id = 1
		WHERE l.id IN ? ORDER BY l.next_attempt_at, l.id`, ids).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("claim letters", err)
	}
	out := make([]remind.LetterItem, len(rows))
	for i, r := range rows {
		l := organisation.IssuedLetter{Kind: letters.Kind(r.Kind), Year: r.Year, Seq: r.Seq}
		out[i] = remind.LetterItem{ID: r.ID, RequestID: r.RequestID, RequestNumber: r.RequestNumber, Kind: letters.Kind(r.Kind),
			Number: r.Number, IssuedOn: calendar.Date(r.IssuedOn), To: r.RecipientEmail, ReplyTo: deref(r.OrgEmail),
			Operator: deref(r.OrgName), PDF: r.PDF, File: l.File(organisation.FormatPDF), Attempts: r.Attempts}
	}
	return out, nil
}

// LetterEmailSent implements remind.LetterStore: the letter is sent, and
// its Message-ID kept in sent_messages, so that the subject's reply finds
// the request.
func (s *Outgoing) LetterEmailSent(ctx context.Context, id, requestID, messageID string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE issued_letters SET email_status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1,
			locked_until = NULL, last_error = NULL WHERE id = ?`, messageID, utc(at), id).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO sent_messages (message_id, request_id, kind, sent_at) VALUES (?, ?, 'letter', ?)
			ON CONFLICT DO NOTHING`, messageID, requestID, utc(at)).Error
	})
	return s.wrap("letter sent", err)
}

// LetterEmailRetry implements remind.LetterStore.
func (s *Outgoing) LetterEmailRetry(ctx context.Context, id, problem string, next time.Time) error {
	return s.wrap("letter retry", s.db.WithContext(ctx).Exec(`UPDATE issued_letters SET attempts = attempts + 1,
		next_attempt_at = ?, locked_until = NULL, last_error = ? WHERE id = ?`, utc(next), problem, id).Error)
}

// LetterEmailFailed implements remind.LetterStore.
func (s *Outgoing) LetterEmailFailed(ctx context.Context, id, problem string) error {
	return s.wrap("letter failed", s.db.WithContext(ctx).Exec(`UPDATE issued_letters SET email_status = 'failed',
		attempts = attempts + 1, locked_until = NULL, last_error = ? WHERE id = ?`, problem, id).Error)
}
