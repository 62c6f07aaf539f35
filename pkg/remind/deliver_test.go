package remind_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const publicURL = "https://srok.example.ru"

// start is a Monday morning in Moscow.
var start = time.Date(2026, 5, 18, 9, 0, 0, 0, dt.Zone)

type env struct {
	st    *store.Store
	sink  *mailertest.Sink
	clock *storetest.Clock
	d     *remind.Deliverer
	ctx   context.Context
}

// newDeliverer sends through sink in batches of 10 (a benchmark passes its
// own size).
func newDeliverer(t testing.TB, st *store.Store, sink *mailertest.Sink, clock *storetest.Clock, instance string, batch ...int) *remind.Deliverer {
	t.Helper()
	s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
		From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
	if err != nil {
		t.Fatal(err)
	}
	return remind.NewDeliverer(remind.DelivererConfig{Store: st, Sender: s, Now: clock.Now, Instance: instance,
		Composer: &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar, Domain: "example.ru"}, BatchSize: append(batch, 10)[0]})
}

func forEachStore(t *testing.T, fn func(t *testing.T, e env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		sink := mailertest.Start(t)
		clock := storetest.NewClock(start)
		fn(t, env{st: st, sink: sink, clock: clock, d: newDeliverer(t, st, sink, clock, "test-1"), ctx: context.Background()})
	})
}

// parsed is an email the sink got, parsed by enmime.
type parsed struct {
	env *enmime.Envelope
	ids []string
}

func mustParse(t *testing.T, sink *mailertest.Sink) []parsed {
	t.Helper()
	var out []parsed
	for _, m := range sink.Mail() {
		e, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("not valid MIME: %v\n%s", err, m.Raw)
		}
		if len(e.Errors) > 0 {
			t.Errorf("MIME errors %v in\n%s", e.Errors, m.Raw)
		}
		out = append(out, parsed{env: e, ids: strings.Split(e.GetHeader("X-Srok-Reminders"), ",")})
	}
	return out
}

// wantOnceEach checks that every row id arrived in exactly one email.
func wantOnceEach(t *testing.T, sink *mailertest.Sink, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, p := range mustParse(t, sink) {
		for _, id := range p.ids {
			seen[id]++
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct reminders arrived, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("reminder %s arrived %d times", id, c)
		}
	}
}

func TestDeliverSeeded(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		alice := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
		bob := dt.MustUser(t, e.st, "bob@example.ru", srok.RoleOfficer)
		r1 := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		r2 := dt.MustRequest(t, e.st, start.Add(-10*24*time.Hour), alice, "alice@example.ru")
		r3 := dt.MustRequest(t, e.st, start.Add(-9*24*time.Hour), bob, "bob@example.ru")
		r4 := dt.MustRequest(t, e.st, start.Add(-8*24*time.Hour), bob, "bob@example.ru")
		today := calendar.DateOf(start)
		dt.MustReminders(t, e.st,
			dt.Row{Request: r1, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: r2, Stage: "due", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: r3, Stage: "tomorrow", RecipientID: bob, RecipientEmail: "bob@example.ru", LocalDate: today, Due: start, Digest: true},
			dt.Row{Request: r4, Stage: "soon", RecipientID: bob, RecipientEmail: "bob@example.ru", LocalDate: today, Due: start, Digest: true},
			// Not due yet.
			dt.Row{Request: r1, Stage: "tomorrow", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today.AddDays(1), Due: start.Add(24 * time.Hour)},
		)
		sent, err := e.d.Deliver(e.ctx, e.clock.Now())
		if err != nil || sent != 4 {
			t.Fatalf("Deliver: %d, %v; want 4 rows sent", sent, err)
		}
		mail := mustParse(t, e.sink)
		if len(mail) != 3 {
			t.Fatalf("%d emails, want 3 (two to alice, bob's digest)", len(mail))
		}
		wantOnceEach(t, e.sink, 4)
		byTo := map[string][]*enmime.Envelope{}
		for _, p := range mail {
			byTo[p.env.GetHeader("To")] = append(byTo[p.env.GetHeader("To")], p.env)
			if p.env.Text == "" || p.env.HTML == "" {
				t.Errorf("%q: text and HTML parts wanted", p.env.GetHeader("Subject"))
			}
			if strings.Contains(p.env.Text, "Иван") || strings.Contains(p.env.HTML, "ivan.petrov") {
				t.Errorf("the subject's personal data in the email:\n%s", p.env.Text)
			}
		}
		var subjects []string
		for _, m := range byTo["<alice@example.ru>"] {
			subjects = append(subjects, m.GetHeader("Subject"))
		}
		slices.Sort(subjects)
		r1Legal, r2Legal := r1.Obligations[0].EffectiveDue(), r2.Obligations[0].EffectiveDue()
		if len(subjects) != 2 || !strings.HasPrefix(subjects[0], "[Srok] "+r1.Number+": срок ответа на запрос (ст. 20 ч. 1) — ") ||
			!strings.Contains(subjects[0], msgDate(r1Legal)+", осталось ") ||
			!strings.HasPrefix(subjects[1], "[Srok] "+r2.Number+": срок ответа на запрос (ст. 20 ч. 1) — "+msgDate(r2Legal)) {
			t.Errorf("alice's subjects %q", subjects)
		}
		for _, m := range byTo["<alice@example.ru>"] {
			id := r1.ID
			if strings.Contains(m.GetHeader("Subject"), r2.Number) {
				id = r2.ID
			}
			if link := publicURL + "/requests/" + id; !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
				t.Errorf("link %s missing in\n%s", link, m.Text)
			}
		}
		digest := byTo["<bob@example.ru>"]
		if len(digest) != 1 || digest[0].GetHeader("Subject") != "[Srok] Сроки на 18.05.2026: 2 обращения" {
			t.Fatalf("bob's digest: %d emails, subject %q", len(digest), digest[0].GetHeader("Subject"))
		}
		for _, r := range []*register.Request{r3, r4} {
			if !strings.Contains(digest[0].Text, r.Number) || !strings.Contains(digest[0].Text, publicURL+"/requests/"+r.ID) {
				t.Errorf("digest lacks %s:\n%s", r.Number, digest[0].Text)
			}
		}

		// Rows, attempts, message ids and the timeline.
		if got := dt.Statuses(t, e.st); got["sent"] != 4 || got["pending"] != 1 {
			t.Errorf("statuses %v", got)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts WHERE outcome = 'sent' AND smtp_code = 250`); n != 4 {
			t.Errorf("%d sent attempts, want 4", n)
		}
		for _, p := range mail {
			mid := strings.Trim(p.env.GetHeader("Message-ID"), "<>")
			if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminders WHERE message_id = ? AND status = 'sent'`, mid); n != len(p.ids) {
				t.Errorf("message_id %s on %d rows, want %d", mid, n, len(p.ids))
			}
		}
		tl, err := e.st.Timeline(e.ctx, r3.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		last := tl[len(tl)-1]
		if last.Kind != remind.EventReminderSent || last.ActorID != "system:reminders" || last.ActorName != "Srok" ||
			last.After["stage"] != "tomorrow" || last.After["recipient"] != "bob@example.ru" {
			t.Errorf("timeline's last event %+v", last)
		}

		// Nothing twice: the next round sends nothing, the row of tomorrow
		// goes out tomorrow.
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 0 {
			t.Fatalf("second Deliver: %d, %v", sent, err)
		}
		e.clock.Set(start.Add(24 * time.Hour))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 1 {
			t.Fatalf("tomorrow's Deliver: %d, %v", sent, err)
		}
		wantOnceEach(t, e.sink, 5)
	})
}

func msgDate(d calendar.Date) string {
	y, m, day := d.Civil()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Format("02.01.2006")
}

// seedN seeds n individual reminders due now for one operator.
func seedN(t *testing.T, e env, n int) {
	t.Helper()
	u := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
	dt.Many(t, e.st, n, start, u, "alice@example.ru")
}

func TestDeliverRefused4xx(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 25)
		e.sink.RefuseAll(true)
		sent, err := e.d.Deliver(e.ctx, e.clock.Now())
		if err != nil || sent != 0 {
			t.Fatalf("Deliver while refused: %d, %v", sent, err)
		}
		if got := dt.Statuses(t, e.st); got["pending"] != 25 {
			t.Fatalf("statuses %v, want all pending", got)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts WHERE outcome = 'temporary' AND smtp_code = 451`); n != 25 {
			t.Errorf("%d temporary attempts with 451, want 25", n)
		}
		// Backoff: one minute ±20% after the first failure.
		lo, hi := start.Add(48*time.Second), start.Add(72*time.Second)
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminders WHERE attempts = 1 AND next_attempt_at >= ? AND next_attempt_at <= ?`,
			lo.UTC(), hi.UTC()); n != 25 {
			t.Errorf("%d rows retry within 48-72 s, want 25", n)
		}
		e.sink.RefuseAll(false)
		if sent, _ := e.d.Deliver(e.ctx, e.clock.Now()); sent != 0 {
			t.Fatalf("retried before the backoff ran out: %d", sent)
		}
		e.clock.Set(start.Add(2 * time.Minute))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 25 {
			t.Fatalf("Deliver after: %d, %v", sent, err)
		}
		wantOnceEach(t, e.sink, 25)
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminders WHERE status = 'sent' AND attempts = 2`); n != 25 {
			t.Errorf("%d rows sent on their 2nd attempt, want 25", n)
		}
	})
}

func TestDeliverServerDown(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 30)
		e.sink.Stop()
		for i := range 3 { // down for three rounds
			e.clock.Set(start.Add(time.Duration(i) * 2 * time.Hour))
			if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err == nil || sent != 0 {
				t.Fatalf("Deliver with the server down: %d, %v", sent, err)
			}
		}
		e.sink.Restart(t)
		e.clock.Set(start.Add(8 * time.Hour))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 30 {
			t.Fatalf("Deliver after the server came back: %d, %v", sent, err)
		}
		wantOnceEach(t, e.sink, 30)
		if got := dt.Statuses(t, e.st); got["sent"] != 30 {
			t.Errorf("statuses %v", got)
		}
	})
}

func TestDeliverPermanentFailure(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		alice := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
		gone := dt.MustUser(t, e.st, "gone@example.ru", srok.RoleOperator)
		r1 := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		r2 := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), gone, "gone@example.ru")
		today := calendar.DateOf(start)
		dt.MustReminders(t, e.st,
			dt.Row{Request: r1, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: r2, Stage: "soon", RecipientID: gone, RecipientEmail: "gone@example.ru", LocalDate: today, Due: start})
		e.sink.Reject("gone@example.ru")
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 1 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		if got := dt.Statuses(t, e.st); got["failed"] != 1 || got["sent"] != 1 {
			t.Errorf("statuses %v", got)
		}
		if n, err := e.st.FailedReminders(e.ctx); err != nil || n != 1 {
			t.Errorf("FailedReminders: %d, %v", n, err)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts WHERE outcome = 'permanent' AND smtp_code = 550`); n != 1 {
			t.Errorf("%d permanent attempts, want 1", n)
		}
		tl, _ := e.st.Timeline(e.ctx, r2.ID, 0, 100)
		if last := tl[len(tl)-1]; last.Kind != remind.EventReminderFailed || last.After["smtp_code"] != float64(550) {
			t.Errorf("timeline's last event %+v", last)
		}
		// No retry of a permanent failure.
		e.clock.Set(start.Add(24 * time.Hour))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 0 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts`); n != 2 {
			t.Errorf("%d attempts, want 2", n)
		}
	})
}

func TestDeliverCancelsStale(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		alice := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
		bob := dt.MustUser(t, e.st, "bob@example.ru", srok.RoleOperator)
		carol := dt.MustUser(t, e.st, "carol@example.ru", srok.RoleOperator)
		reassigned := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		closed := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		unassigned := dt.MustRequest(t, e.st, start.Add(-20*24*time.Hour), "", "")
		disabled := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), carol, "carol@example.ru")
		today := calendar.DateOf(start)
		dt.MustReminders(t, e.st,
			dt.Row{Request: reassigned, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: closed, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: unassigned, Stage: "escalation", RecipientID: bob, RecipientEmail: "bob@example.ru", LocalDate: today, Due: start},
			dt.Row{Request: disabled, Stage: "due", RecipientID: carol, RecipientEmail: "carol@example.ru", LocalDate: today, Due: start})
		dt.Exec(t, e.st, `UPDATE requests SET assignee_id = ? WHERE id = ?`, bob, reassigned.ID)
		dt.Exec(t, e.st, `UPDATE requests SET status = 'cancelled' WHERE id = ?`, closed.ID)
		dt.Exec(t, e.st, `UPDATE users SET active = ? WHERE id = ?`, false, carol)
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 0 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		if got := dt.Statuses(t, e.st); got["cancelled"] != 4 {
			t.Errorf("statuses %v, want 4 cancelled (bob is an operator, not an officer: no escalation)", got)
		}
		if e.sink.Count() != 0 {
			t.Errorf("%d emails for stale reminders", e.sink.Count())
		}
	})
}

func TestDeliverSaysTheDateChanged(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		alice := dt.MustUser(t, e.st, "alice@example.ru", srok.RoleOperator)
		r := dt.MustRequest(t, e.st, start.Add(-7*24*time.Hour), alice, "alice@example.ru")
		o := r.Obligations[0]
		today := calendar.DateOf(start)
		dt.MustReminders(t, e.st, dt.Row{Request: r, Stage: "soon", RecipientID: alice, RecipientEmail: "alice@example.ru",
			LocalDate: today.AddDays(-1), Due: start.Add(-24 * time.Hour)})
		e.clock.Set(start.Add(-24 * time.Hour))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 1 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		// A new decree moves the legal date a day later after that reminder.
		was, moved := o.Due, o.Due.AddDays(1)
		if err := e.st.AppendEvents(e.ctx, []register.Event{{RequestID: r.ID, At: start.Add(-time.Hour), ActorID: "system", ActorName: "Srok",
			Kind:   register.EventRecomputed,
			Before: map[string]any{o.ID: map[string]any{"due_date": was.String()}},
			After:  map[string]any{o.ID: map[string]any{"due_date": moved.String()}}}}, nil); err != nil {
			t.Fatal(err)
		}
		dt.MustReminders(t, e.st, dt.Row{Request: r, Stage: "tomorrow", RecipientID: alice, RecipientEmail: "alice@example.ru",
			LocalDate: today, Due: start})
		e.clock.Set(start)
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 1 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		mail := mustParse(t, e.sink)
		want := "Срок изменён: был " + msgDate(was) + ", стал " + msgDate(moved)
		if strings.Contains(mail[0].env.Text, "Срок изменён") {
			t.Errorf("the first reminder says the date changed:\n%s", mail[0].env.Text)
		}
		if !strings.Contains(mail[1].env.Text, want) || !strings.Contains(mail[1].env.HTML, want) {
			t.Errorf("want %q in\n%s", want, mail[1].env.Text)
		}
	})
}

// TestDeliverServerDiesMidBatch: the SMTP server goes away in the middle of
// a batch; what it accepted is sent, the rest waits and arrives once it is
// back.
func TestDeliverServerDiesMidBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 8)
		e.sink.OnRcpt(func(n int) {
			if n == 3 {
				go e.sink.Stop()
				time.Sleep(100 * time.Millisecond)
			}
		})
		sent, err := e.d.Deliver(e.ctx, e.clock.Now())
		if err == nil || sent != 2 {
			t.Fatalf("Deliver: %d, %v; want 2 sent and an error", sent, err)
		}
		if got := dt.Statuses(t, e.st); got["sent"] != 2 || got["pending"] != 6 {
			t.Fatalf("statuses %v", got)
		}
		e.sink.OnRcpt(nil)
		e.sink.Restart(t)
		e.clock.Set(start.Add(time.Hour))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 6 {
			t.Fatalf("Deliver after: %d, %v", sent, err)
		}
		wantOnceEach(t, e.sink, 8)
	})
}

// TestLeaseOfADeadInstance: rows claimed by an instance that died are
// claimable again once its lease ran out, not before.
func TestLeaseOfADeadInstance(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 5)
		claimed, err := e.st.ClaimReminders(e.ctx, "dead", start, start.Add(2*time.Minute), 3)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		if sent, err := e.d.Deliver(e.ctx, start); err != nil || sent != 2 {
			t.Fatalf("Deliver within the lease: %d, %v; want the 2 unclaimed", sent, err)
		}
		e.clock.Set(start.Add(2 * time.Minute))
		if sent, err := e.d.Deliver(e.ctx, e.clock.Now()); err != nil || sent != 3 {
			t.Fatalf("Deliver after the lease: %d, %v", sent, err)
		}
		wantOnceEach(t, e.sink, 5)
	})
}

// TestConcurrentDeliverers: instances delivering the same outbox at once
// (on PostgreSQL, each with its own pool) send each reminder once.
func TestConcurrentDeliverers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 200)
		e.sink.SetDelay(time.Millisecond)
		var wg sync.WaitGroup
		total := make([]int, 4)
		for i := range total {
			d := newDeliverer(t, e.st, e.sink, e.clock, "test-"+string(rune('a'+i)))
			wg.Go(func() {
				n, err := d.Deliver(e.ctx, e.clock.Now())
				if err != nil {
					t.Error(err)
				}
				total[i] = n
			})
		}
		wg.Wait()
		if sum := total[0] + total[1] + total[2] + total[3]; sum != 200 {
			t.Errorf("sent %v = %d, want 200", total, sum)
		}
		wantOnceEach(t, e.sink, 200)
		if e.sink.Count() != 200 {
			t.Errorf("the sink got %d emails, want 200", e.sink.Count())
		}
	})
}
