package remind_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
)

// planner queues one reminder at its first scan, as the scanner would.
type planner struct {
	mu    sync.Mutex
	scans int
	queue func()
}

func (p *planner) Scan(context.Context, time.Time) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scans++
	if p.scans == 1 {
		p.queue()
		return 1, nil
	}
	return 0, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestSchedulerScansThenDelivers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		alice := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
		r := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		p := &planner{queue: func() {
			dt.MustReminders(t, e.st, dt.Row{Request: r, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru",
				LocalDate: calendar.DateOf(start), Due: start})
		}}
		var logs syncBuffer
		s := &remind.Scheduler{Scanner: p, Deliverer: e.d, Interval: 20 * time.Millisecond, Now: e.clock.Now,
			Log: slog.New(slog.NewJSONHandler(&logs, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for e.sink.Count() < 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // more rounds: nothing more to send
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the scheduler did not stop with its context")
		}
		if e.sink.Count() != 1 {
			t.Errorf("%d emails, want 1", e.sink.Count())
		}
		out := logs.String()
		if !strings.Contains(out, `"msg":"reminders queued","count":1`) || !strings.Contains(out, `"msg":"reminders delivered","sent":1`) {
			t.Errorf("logs:\n%s", out)
		}
		if strings.Contains(out, "alice") || strings.Contains(out, r.Number) {
			t.Errorf("personal data in the logs:\n%s", out)
		}
	})
}

func TestSchedulerWithoutSMTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 2)
		var logs syncBuffer
		d := remind.NewDeliverer(remind.DelivererConfig{Store: e.st, Now: e.clock.Now,
			Composer: &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar}})
		s := &remind.Scheduler{Deliverer: d, Interval: 10 * time.Millisecond, Now: e.clock.Now,
			Log: slog.New(slog.NewJSONHandler(&logs, nil))}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		s.Run(ctx)
		if n := strings.Count(logs.String(), "no SMTP server is configured"); n != 1 {
			t.Errorf("the warning logged %d times, want once:\n%s", n, logs.String())
		}
		if got := dt.Statuses(t, e.st); got["pending"] != 2 {
			t.Errorf("statuses %v, want both pending", got)
		}
	})
}

// TestSchedulerDigestSparesInboxNotice: the inbox notices run after the
// delivery, so that an officer whose digest of the day, due at the same
// hour, carries the line of late emails gets that digest alone.
func TestSchedulerDigestSparesInboxNotice(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		bob := dt.MustUser(t, e.st, "bob@example.ru", srok.RoleOfficer)
		r := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), bob, "bob@example.ru")
		dt.MustReminders(t, e.st, dt.Row{Request: r, Stage: "soon", RecipientID: bob, RecipientEmail: "bob@example.ru",
			LocalDate: calendar.DateOf(start), Due: start, Digest: true})
		late := func(string) int { return 2 }
		sender, err := mailer.New(mailer.Config{Host: e.sink.Host(), Port: e.sink.Port(), TLS: mailer.TLSNone,
			From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
		if err != nil {
			t.Fatal(err)
		}
		d := remind.NewDeliverer(remind.DelivererConfig{Store: e.st, Sender: sender, Now: e.clock.Now, Instance: "test-1",
			Composer: &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar, LateEmails: late,
				InDigest: func(id string, date calendar.Date) {
					if err := e.st.InboxNoticeInDigest(e.ctx, id, date, e.clock.Now()); err != nil {
						t.Error(err)
					}
				}}})
		inbox := &remind.InboxNotifier{Store: e.st, Sender: sender, Now: e.clock.Now, Calendar: dt.Calendar, Zone: dt.Zone,
			BaseURL: publicURL, LateEmails: late}
		s := &remind.Scheduler{Deliverer: d, Inbox: inbox, Interval: 20 * time.Millisecond, Now: e.clock.Now}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for e.sink.Count() < 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // more rounds: no notice follows
		cancel()
		<-done
		if e.sink.Count() != 1 {
			t.Fatalf("%d emails, want the digest alone", e.sink.Count())
		}
		if m := e.sink.Mail()[0]; !strings.Contains(string(m.Raw), "X-Srok-Reminders") {
			t.Fatalf("the email sent is not the digest:\n%s", m.Raw)
		}
	})
}
