package remind

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/ru"
)

// Inbox notices: on a working day on which incoming emails have waited for
// a triage decision longer than one working day, each officer (with no
// officer, each administrator: ReminderOfficers) is told so by email, once
// that day, even when no reminder is due; a request's term runs from its
// email's receipt whether or not anyone has read it (152-FZ art. 14 part 3,
// art. 20). A digest of the day that carries the line already told them:
// then the notice is not sent. Each is a row of an outbox keyed by the
// recipient and the local date, sent like the acknowledgements.

// InboxNoticeItem is an inbox notice claimed for sending.
type InboxNoticeItem struct {
	UserID, To string
	Date       calendar.Date
	Attempts   int
}

// InboxNoticeStore keeps the inbox notices (pkg/store).
type InboxNoticeStore interface {
	// ReminderOfficers returns the active officers, or, with none, the
	// active administrators.
	ReminderOfficers(ctx context.Context) ([]Recipient, error)
	// QueueInboxNotice queues the notice of the user's local date, due at
	// at, unless one is queued (or the digest carried it) already; it
	// reports whether it queued one.
	QueueInboxNotice(ctx context.Context, userID, to string, date calendar.Date, at, now time.Time) (bool, error)
	// ClaimInboxNotices leases up to limit pending ones due at now until
	// until.
	ClaimInboxNotices(ctx context.Context, now, until time.Time, limit int) ([]InboxNoticeItem, error)
	// InboxNoticeSent marks one sent.
	InboxNoticeSent(ctx context.Context, userID string, date calendar.Date, messageID string, at time.Time) error
	// InboxNoticeInDigest records that the user's digest of date carries
	// the line: a notice not sent yet is not sent.
	InboxNoticeInDigest(ctx context.Context, userID string, date calendar.Date, now time.Time) error
	// InboxNoticeSkipped marks one not to send: nothing waits any more, or
	// its day has passed.
	InboxNoticeSkipped(ctx context.Context, userID string, date calendar.Date) error
	// InboxNoticeRetry counts a failed attempt and waits until next.
	InboxNoticeRetry(ctx context.Context, userID string, date calendar.Date, problem string, next time.Time) error
	// InboxNoticeFailed fails one for good.
	InboxNoticeFailed(ctx context.Context, userID string, date calendar.Date, problem string) error
}

// InboxNotifier queues and sends the inbox notices; the reminders'
// Scheduler runs its Round after each delivery, so that a digest due at
// the same hour goes first and spares the notice.
type InboxNotifier struct {
	Store  InboxNoticeStore
	Sender *mailer.Sender
	Now    func() time.Time
	// Calendar tells the working days (the production calendar).
	Calendar calendar.Source
	// Zone is the operator's zone, the local dates' zone.
	Zone *time.Location
	// BaseURL is SROK_PUBLIC_URL: the notice links to BaseURL/inbox.
	BaseURL string
	// Domain is the right-hand side of the Message-IDs.
	Domain string
	// LateEmails counts, for the user with an id, the emails waiting for
	// a decision longer than one working day (the digest's count).
	LateEmails func(userID string) int
	// Lease is how long a round holds what it sends.
	Lease time.Duration
	Log   *slog.Logger
	// jitter spreads retries; 0.5 by default.
	jitter func() float64
}

// Round queues today's notices, on a working day, for the recipients with
// late emails, due at their sending hour (the digest's), and sends what is
// due, at most 50 at a time.
func (n *InboxNotifier) Round(ctx context.Context) error {
	if n.LateEmails == nil {
		return nil
	}
	now := n.Now()
	today := calendar.DateOf(now.In(n.Zone))
	if n.Calendar.Current().IsWorkday(today) {
		rs, err := n.Store.ReminderOfficers(ctx)
		if err != nil {
			return err
		}
		// The recipients are all officers or all administrators, who
		// decide on every email alike: one count serves them all.
		if len(rs) > 0 && n.LateEmails(rs[0].UserID) == 0 {
			rs = nil
		}
		for _, r := range rs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			at := today.Start(n.Zone).Add(time.Duration(r.Settings.SendHour) * time.Hour)
			if _, err := n.Store.QueueInboxNotice(ctx, r.UserID, r.Email, today, at, now); err != nil {
				return err
			}
		}
	}
	if n.Sender == nil {
		return nil // no SMTP server: they wait in the outbox
	}
	items, err := n.Store.ClaimInboxNotices(ctx, now, now.Add(max(n.Lease, time.Minute)), 50)
	if err != nil || len(items) == 0 {
		return err
	}
	conn, err := n.Sender.Dial(ctx)
	if err != nil {
		for _, it := range items {
			if err := n.retry(ctx, it, err, now); err != nil {
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
		// Told as things stand when sent: a notice of a day gone by, or of
		// emails decided on since, is not sent.
		late := 0
		if it.Date == today {
			late = n.LateEmails(it.UserID)
		}
		if late == 0 {
			if err := n.Store.InboxNoticeSkipped(ctx, it.UserID, it.Date); err != nil {
				return err
			}
			continue
		}
		m, err := n.Compose(it, late, now)
		if err != nil {
			if err := n.Store.InboxNoticeFailed(ctx, it.UserID, it.Date, err.Error()); err != nil {
				return err
			}
			continue
		}
		if _, err := conn.Send(m); err != nil {
			var me *mailer.Error
			if errors.As(err, &me) && !me.Temporary {
				n.log().WarnContext(ctx, "inbox notice refused for good", "code", me.Code)
				if err := n.Store.InboxNoticeFailed(ctx, it.UserID, it.Date, err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := n.retry(ctx, it, err, now); err != nil {
				return err
			}
			continue
		}
		if err := n.Store.InboxNoticeSent(ctx, it.UserID, it.Date, m.MessageID, n.Now()); err != nil {
			return err
		}
	}
	return nil
}

func (n *InboxNotifier) retry(ctx context.Context, it InboxNoticeItem, cause error, now time.Time) error {
	j := n.jitter
	if j == nil {
		j = func() float64 { return 0.5 }
	}
	return n.Store.InboxNoticeRetry(ctx, it.UserID, it.Date, cause.Error(), now.Add(Backoff(it.Attempts+1, j())))
}

func (n *InboxNotifier) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}

// inboxView is what the notice's template reads.
type inboxView struct {
	Text, Link string
}

// Compose writes the notice of late emails to its recipient: a count and
// the link to the inbox, nothing of the emails themselves.
func (n *InboxNotifier) Compose(it InboxNoticeItem, late int, now time.Time) (mailer.Message, error) {
	v := inboxView{Text: ru.LateEmails(late), Link: strings.TrimRight(n.BaseURL, "/") + "/inbox"}
	var text bytes.Buffer
	if err := msgText.ExecuteTemplate(&text, "inbox.txt", v); err != nil {
		return mailer.Message{}, fmt.Errorf("remind: template inbox.txt: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	domain := n.Domain
	if domain == "" {
		domain = "srok.invalid"
	}
	return mailer.Message{To: it.To, Subject: ru.InboxNoticeSubject(late), Text: text.String(), Date: now,
		MessageID: fmt.Sprintf("srok.inbox.%s.%s.%s@%s", it.UserID, it.Date, hex.EncodeToString(b[:]), domain)}, nil
}
