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
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
)

// Acknowledgements (SROK_ACK_EMAILS=on): the subject of a request
// registered from an email is told, by email, its registration number and
// the date by which the answer is due. The registration itself is what
// 152-FZ asks the operator to do; telling the subject is a courtesy that
// also spares them a second request. Each is a row of an outbox keyed by
// the request, so it is sent once, and not lost while the SMTP server is
// away.

// AckItem is an acknowledgement claimed for sending.
type AckItem struct {
	RequestID, To string
	Attempts      int
}

// AckStore keeps the acknowledgements (pkg/store).
type AckStore interface {
	// QueueAcknowledgements queues one for each request registered from an
	// email at or after since, with a subject's email, not cancelled, and
	// not queued before; it returns how many it queued.
	QueueAcknowledgements(ctx context.Context, since, now time.Time) (int, error)
	// ClaimAcknowledgements leases up to limit pending ones due at now
	// until until.
	ClaimAcknowledgements(ctx context.Context, now, until time.Time, limit int) ([]AckItem, error)
	// AckSent marks one sent, and keeps its Message-ID for replies.
	AckSent(ctx context.Context, requestID, messageID string, at time.Time) error
	// AckRetry counts a failed attempt and waits until next.
	AckRetry(ctx context.Context, requestID, problem string, next time.Time) error
	// AckFailed fails one for good.
	AckFailed(ctx context.Context, requestID, problem string) error
	// Request reads a request (its number and terms).
	Request(ctx context.Context, id string) (*register.Request, error)
	AckTemplateStore
	// OperatorName returns the operator's short name, or its full name
	// when it has none ("" when the details were never saved).
	OperatorName(ctx context.Context) (string, error)
}

// AckWindow is how far back a round looks for requests to acknowledge: a
// request registered while no instance sent them is acknowledged when one
// starts within a day; older ones (before the setting was on) are not.
const AckWindow = 24 * time.Hour

// Acknowledger queues and sends the acknowledgements.
type Acknowledger struct {
	Store  AckStore
	Sender *mailer.Sender
	Now    func() time.Time
	// Zone is the operator's zone, the dates' zone.
	Zone *time.Location
	// Domain is the right-hand side of the Message-IDs.
	Domain string
	// Lease is how long a round holds what it sends.
	Lease time.Duration
	Log   *slog.Logger
	// jitter spreads retries; rand by default.
	jitter func() float64
}

// Round queues what is new and sends what is due, at most 50 at a time.
func (a *Acknowledger) Round(ctx context.Context) error {
	now := a.Now()
	if _, err := a.Store.QueueAcknowledgements(ctx, now.Add(-AckWindow), now); err != nil {
		return err
	}
	if a.Sender == nil {
		return nil // no SMTP server: they wait in the outbox
	}
	items, err := a.Store.ClaimAcknowledgements(ctx, now, now.Add(max(a.Lease, time.Minute)), 50)
	if err != nil || len(items) == 0 {
		return err
	}
	conn, err := a.Sender.Dial(ctx)
	if err != nil {
		for _, it := range items {
			if err := a.retry(ctx, it, err, now); err != nil {
				return err
			}
		}
		return nil
	}
	defer func() { _ = conn.Close() }()
	// The latest version when the round renders: an edit applies to what
	// is sent from the next round on.
	tpl, err := CurrentAck(ctx, a.Store)
	if err != nil {
		return err
	}
	operator, err := a.Store.OperatorName(ctx)
	if err != nil {
		return err
	}
	for _, it := range items {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r, err := a.Store.Request(ctx, it.RequestID)
		if err != nil {
			return err
		}
		m, err := a.Compose(tpl, operator, r, it.To, now)
		if err != nil {
			if err := a.Store.AckFailed(ctx, it.RequestID, err.Error()); err != nil {
				return err
			}
			continue
		}
		if _, err := conn.Send(m); err != nil {
			var me *mailer.Error
			if errors.As(err, &me) && !me.Temporary {
				a.log().WarnContext(ctx, "acknowledgement refused for good", "request", it.RequestID, "code", me.Code)
				if err := a.Store.AckFailed(ctx, it.RequestID, err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := a.retry(ctx, it, err, now); err != nil {
				return err
			}
			continue
		}
		if err := a.Store.AckSent(ctx, it.RequestID, m.MessageID, a.Now()); err != nil {
			return err
		}
	}
	return nil
}

func (a *Acknowledger) retry(ctx context.Context, it AckItem, cause error, now time.Time) error {
	j := a.jitter
	if j == nil {
		j = func() float64 { return 0.5 }
	}
	return a.Store.AckRetry(ctx, it.RequestID, cause.Error(), now.Add(Backoff(it.Attempts+1, j())))
}

func (a *Acknowledger) log() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

// ackView is what the acknowledgement's placeholders become.
type ackView struct {
	Name, Number, Received, Due, Operator string
}

// Compose writes the acknowledgement of r to to from tpl (operator is the
// operator's name): the number and the legal date of its first obligation
// (the answer, counted on the production calendar; an extension is told
// separately, as the law asks).
func (a *Acknowledger) Compose(tpl AckTemplate, operator string, r *register.Request, to string, now time.Time) (mailer.Message, error) {
	if len(r.Obligations) == 0 {
		return mailer.Message{}, fmt.Errorf("remind: request %s has no term to tell", r.ID)
	}
	v := ackView{Name: r.Subject.Name, Number: r.Number, Received: ru.DateLong(calendar.DateOf(r.ReceivedAt.In(a.Zone))),
		Due: ru.DateLong(r.Obligations[0].EffectiveDue()), Operator: operator}
	subject, text := renderAck(tpl, v)
	var b [6]byte
	_, _ = rand.Read(b[:])
	domain := a.Domain
	if domain == "" {
		domain = "srok.invalid"
	}
	return mailer.Message{To: to, Subject: subject, Text: text, Date: now,
		MessageID: fmt.Sprintf("srok.ack.%s.%s@%s", r.ID, hex.EncodeToString(b[:]), domain)}, nil
}
