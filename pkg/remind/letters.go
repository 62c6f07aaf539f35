package remind

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/ru"
)

// Letters issued by email (pkg/organisation) go through their own outbox:
// the issued letter's row is queued in the transaction that issues it, and
// sent once, the PDF attached, retried with backoff while the SMTP server
// answers 4xx or is away, failed for good on 5xx. Its Message-ID is kept
// in sent_messages, so that the subject's reply finds the request.

// LetterItem is an issued letter claimed for sending.
type LetterItem struct {
	ID, RequestID string
	// RequestNumber is the request's registration number.
	RequestNumber string
	Kind          letters.Kind
	Number        string
	IssuedOn      calendar.Date
	To            string
	// ReplyTo is the operator's contact email, Operator its name.
	ReplyTo, Operator string
	// PDF is the letter as issued, File its name.
	PDF      []byte
	File     string
	Attempts int
}

// LetterStore keeps the letters' outbox (pkg/store).
type LetterStore interface {
	// ClaimLetterEmails leases up to limit letters queued and due at now
	// until until.
	ClaimLetterEmails(ctx context.Context, now, until time.Time, limit int) ([]LetterItem, error)
	// LetterEmailSent marks one sent and keeps its Message-ID for replies.
	LetterEmailSent(ctx context.Context, id, requestID, messageID string, at time.Time) error
	// LetterEmailRetry counts a failed attempt and waits until next.
	LetterEmailRetry(ctx context.Context, id, problem string, next time.Time) error
	// LetterEmailFailed fails one for good.
	LetterEmailFailed(ctx context.Context, id, problem string) error
}

// LetterSender sends the letters issued by email.
type LetterSender struct {
	Store  LetterStore
	Sender *mailer.Sender
	Now    func() time.Time
	// Domain is the right-hand side of the Message-IDs.
	Domain string
	// Lease is how long a round holds what it sends.
	Lease time.Duration
	Log   *slog.Logger
	// jitter spreads retries; rand by default.
	jitter func() float64
}

// Round sends what is due, at most 20 at a time (each carries a PDF).
func (l *LetterSender) Round(ctx context.Context) error {
	if l.Sender == nil {
		return nil // no SMTP server: they wait in the outbox
	}
	now := l.Now()
	items, err := l.Store.ClaimLetterEmails(ctx, now, now.Add(max(l.Lease, time.Minute)), 20)
	if err != nil || len(items) == 0 {
		return err
	}
	conn, err := l.Sender.Dial(ctx)
	if err != nil {
		for _, it := range items {
			if err := l.retry(ctx, it, err, now); err != nil {
				return err
			}
		}
		return nil
	}
	defer func() { _ = conn.Close() }()
	for _, it := range items {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m := l.Compose(it, now)
		if _, err := conn.Send(m); err != nil {
			var me *mailer.Error
			if errors.As(err, &me) && !me.Temporary {
				l.log().WarnContext(ctx, "letter refused for good", "letter", it.ID, "code", me.Code)
				if err := l.Store.LetterEmailFailed(ctx, it.ID, err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := l.retry(ctx, it, err, now); err != nil {
				return err
			}
			continue
		}
		if err := l.Store.LetterEmailSent(ctx, it.ID, it.RequestID, m.MessageID, l.Now()); err != nil {
			return err
		}
	}
	return nil
}

// Compose writes the email of letter it: Subject in Russian with the
// outgoing number and the request's, Reply-To the operator's address, the
// letter attached as issued.
func (l *LetterSender) Compose(it LetterItem, now time.Time) mailer.Message {
	var b [6]byte
	_, _ = rand.Read(b[:])
	domain := l.Domain
	if domain == "" {
		domain = "srok.invalid"
	}
	return mailer.Message{To: it.To, ReplyTo: it.ReplyTo, Date: now,
		Subject:     ru.LetterSubject(it.Kind, it.Number, it.IssuedOn, it.RequestNumber),
		Text:        ru.LetterEmailText(it.Kind, it.Number, it.IssuedOn, it.Operator),
		MessageID:   fmt.Sprintf("srok.letter.%s.%s@%s", it.ID, hex.EncodeToString(b[:]), domain),
		Attachments: []mailer.Attachment{{Name: it.File, ContentType: "application/pdf", Data: it.PDF}}}
}

func (l *LetterSender) retry(ctx context.Context, it LetterItem, cause error, now time.Time) error {
	j := l.jitter
	if j == nil {
		j = func() float64 { return 0.5 }
	}
	return l.Store.LetterEmailRetry(ctx, it.ID, cause.Error(), now.Add(Backoff(it.Attempts+1, j())))
}

func (l *LetterSender) log() *slog.Logger {
	if l.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Log
}
