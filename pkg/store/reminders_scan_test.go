package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// remindEnv is one database with users, the register and a scanner.
type remindEnv struct {
	st    *store.Store
	acc   *account.Service
	reg   *register.Service
	scan  *remind.Scanner
	clock *storetest.Clock
	sys   context.Context
	users map[string]account.User
}

func newRemindEnv(t *testing.T, d store.Dialect) remindEnv {
	st := storetest.MustOpen(t, d)
	clock := storetest.NewClock(time.Date(2026, 1, 15, 8, 0, 0, 0, moscow))
	acc := account.NewService(st, clock.Now, cheapHash)
	e := remindEnv{st: st, acc: acc, clock: clock, sys: srok.WithActor(context.Background(), srok.System),
		reg:   register.NewService(st, cal, moscow, clock.Now, register.WithUsers(acc)),
		scan:  remind.NewScanner(st, cal),
		users: map[string]account.User{}}
	for _, u := range []struct {
		name string
		role srok.Role
	}{{"anna", srok.RoleOperator}, {"oleg", srok.RoleOfficer}, {"olga", srok.RoleOfficer}, {"dima", srok.RoleOperator},
		{"ivan", srok.RoleOfficer}} {
		x, err := acc.CreateUser(e.sys, account.UserInput{Email: u.name + "@example.org", Name: u.name, Role: u.role, Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = x
	}
	// ivan is a disabled officer: never reminded.
	if _, err := acc.DisableUser(e.sys, "ivan@example.org"); err != nil {
		t.Fatal(err)
	}
	// olga gets a digest at 08:00.
	if err := st.PutReminderSettings(e.sys, e.users["olga"].ID, remind.Settings{Digest: true, SoonDays: 5, TomorrowDays: 2, SendHour: 8},
		clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e remindEnv) create(t *testing.T, received, assignee string) *register.Request {
	t.Helper()
	in := access("Иван Петров", "ivan.petrov@example.org", received)
	if assignee != "" {
		in.Assignee = assignee + "@example.org"
	}
	r, _, err := e.reg.Create(e.sys, in, nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

func (e remindEnv) scanAt(t *testing.T, at time.Time) int {
	t.Helper()
	n, err := e.scan.Scan(context.Background(), at)
	if err != nil {
		t.Fatalf("scan at %s: %v", at, err)
	}
	return n
}

// outbox lists the outbox as "local_date stage recipient number" lines,
// checking the columns every row must have.
func (e remindEnv) outbox(t *testing.T) []string {
	t.Helper()
	rows, err := e.st.SQL().Query(`SELECT r.local_date, r.stage, u.name, q.number, r.obligation_id, r.recipient_email, r.send_at,
		r.next_attempt_at, r.target_date, r.legal_date, r.digest, r.status FROM reminders r
		JOIN users u ON u.id = r.recipient_id JOIN requests q ON q.id = r.request_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			local, target, legal              any
			stage, name, number, obl, em, sts string
			sendAt, next                      time.Time
			digest                            bool
		)
		if err := rows.Scan(&local, &stage, &name, &number, &obl, &em, &sendAt, &next, &target, &legal, &digest, &sts); err != nil {
			t.Fatal(err)
		}
		day := fmt.Sprint(local)[:10]
		if t, ok := local.(time.Time); ok {
			day = t.Format(time.DateOnly)
		}
		hour := 9
		if name == "olga" {
			hour = 8
		}
		if want := sendAt.In(moscow); want.Hour() != hour || want.Format(time.DateOnly) != day || !next.Equal(sendAt) ||
			sts != "pending" || digest != (name == "olga") || em != name+"@example.org" || (obl != "access.answer" && obl != "withdrawal.stop_destroy") {
			t.Errorf("row %s %s %s: send_at %s next %s status %s digest %v email %s", day, stage, name, sendAt, next, sts, digest, em)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", day, stage, name, number))
	}
	slices.Sort(out)
	return out
}

func wantOutbox(t *testing.T, e remindEnv, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := e.outbox(t); !slices.Equal(got, want) {
		t.Errorf("outbox:\n got %q\nwant %q", got, want)
	}
}

func msk(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, moscow)
}

func TestReminderScan(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := newRemindEnv(t, d)
			// Registered on 15.01.2026 (the clock), each with 10 working
			// days of access (152-FZ art. 20 part 1):
			a := e.create(t, "2025-12-25T10:00:00+03:00", "anna") // target 20.01: soon today
			b := e.create(t, "2025-12-22T10:00:00+03:00", "")     // target 15.01: due today, unassigned
			c := e.create(t, "2025-12-01T10:00:00+03:00", "dima") // ran out in December: registered late
			x := e.create(t, "2025-12-22T10:00:00+03:00", "anna") // due today, but cancelled
			if _, err := e.reg.Cancel(e.sys, x.ID, x.Version, register.CancelInput{Reason: "duplicate"}); err != nil {
				t.Fatal(err)
			}
			// dima leaves: his requests go to the officers.
			if _, err := e.acc.DisableUser(e.sys, "dima@example.org"); err != nil {
				t.Fatal(err)
			}
			if n := e.scanAt(t, msk(2026, 1, 15, 7, 59)); n != 0 {
				t.Errorf("before every sending hour: %d queued", n)
			}
			if n := e.scanAt(t, msk(2026, 1, 15, 8, 30)); n != 2 {
				t.Errorf("at 08:30: %d queued, want olga's two", n)
			}
			if n := e.scanAt(t, msk(2026, 1, 15, 9, 0)); n != 3 {
				t.Errorf("at 09:00: %d queued, want 3", n)
			}
			if n := e.scanAt(t, msk(2026, 1, 15, 9, 1)); n != 0 {
				t.Errorf("a second scan queued %d", n)
			}
			wantOutbox(t, e,
				"2026-01-15 soon anna "+a.Number,
				"2026-01-15 due oleg "+b.Number, "2026-01-15 due olga "+b.Number,
				// registered after its term ran out: the escalation on its
				// first day (an officer's "overdue" is in it)
				"2026-01-15 escalation oleg "+c.Number, "2026-01-15 escalation olga "+c.Number,
			)

			// Srok is down on 16.01 and back on Monday 19.01 at 12:00: the
			// 16th's reminders (b's escalation, olga's "tomorrow" of a) are
			// not queued late; the 19th's are, to the new assignee of c.
			if _, err := e.reg.Assign(e.sys, c.ID, c.Version, "anna@example.org"); err != nil {
				t.Fatal(err)
			}
			// a is answered on Friday: its "tomorrow" and "due" are gone.
			e.clock.Set(msk(2026, 1, 16, 10, 0))
			a, err := e.reg.Assign(e.sys, a.ID, a.Version, "anna@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.reg.Answer(e.sys, a.ID, a.Version, register.AnswerInput{Outcome: "fulfilled", Date: "2026-01-16", Text: "Сведения направлены"}); err != nil {
				t.Fatal(err)
			}
			if n := e.scanAt(t, msk(2026, 1, 19, 12, 0)); n != 3 {
				t.Errorf("19.01: %d queued, want 3", n)
			}
			wantOutbox(t, e,
				"2026-01-15 soon anna "+a.Number,
				"2026-01-15 due oleg "+b.Number, "2026-01-15 due olga "+b.Number,
				"2026-01-15 escalation oleg "+c.Number, "2026-01-15 escalation olga "+c.Number,
				"2026-01-19 overdue oleg "+b.Number, "2026-01-19 overdue olga "+b.Number,
				"2026-01-19 overdue anna "+c.Number,
			)

			// The plan of a period reads the same rules and queues nothing.
			plan, err := e.scan.PlanDay(context.Background(), calendar.NewDate(2026, time.January, 20))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range plan {
				got = append(got, fmt.Sprintf("%s %s %s", r.Stage, r.Email, r.Number))
			}
			slices.Sort(got)
			want := []string{"overdue anna@example.org " + c.Number,
				"overdue oleg@example.org " + b.Number, "overdue olga@example.org " + b.Number}
			if !slices.Equal(got, want) {
				t.Errorf("plan of 20.01:\n got %q\nwant %q", got, want)
			}
			if n := len(e.outbox(t)); n != 8 {
				t.Errorf("the plan queued: %d rows", n)
			}
		})
	}
}

// TestReminderScanParallel runs scanners at once, as several instances of
// Srok would: each reminder is queued once, by one of them. "split" makes
// PostgreSQL queue a scan's rows in two statements at once, as it does for a
// large day.
func TestReminderScanParallel(t *testing.T) {
	for _, d := range storetest.Dialects() {
		for _, split := range []int{0, 2} {
			name := string(d)
			if split > 0 {
				if d != store.Postgres {
					continue
				}
				name += "/split"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newRemindEnv(t, d)
				e.st.SetQueueSplit(split)
				const n = 40
				for i := 0; i < n; i++ {
					e.create(t, "2025-12-22T10:00:00+03:00", "") // due 15.01, unassigned: oleg and olga
				}
				var (
					wg     sync.WaitGroup
					mu     sync.Mutex
					queued int
				)
				for i := 0; i < 8; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						k, err := e.scan.Scan(context.Background(), msk(2026, 1, 15, 9, 0))
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						queued += k
						mu.Unlock()
					}()
				}
				wg.Wait()
				rows := e.outbox(t)
				if queued != 2*n || len(rows) != 2*n || len(slices.Compact(rows)) != 2*n {
					t.Errorf("queued %d, %d rows (%d distinct); want %d", queued, len(rows), len(slices.Compact(rows)), 2*n)
				}
			})
		}
	}
}

func TestReminderSettings(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := newRemindEnv(t, d)
			svc := remind.NewSettingsService(e.st, audit.NewService(e.st, e.clock.Now), e.clock.Now)
			anna := e.users["anna"]
			ctx := srok.WithActor(context.Background(), srok.Actor{ID: anna.ID, Name: anna.Name, UserID: anna.ID, Role: srok.RoleOperator})
			got, err := svc.Get(ctx)
			if err != nil || got != remind.DefaultSettings() {
				t.Fatalf("defaults: %+v %v", got, err)
			}
			want := remind.Settings{Digest: true, SoonDays: 4, TomorrowDays: 2, SendHour: 7}
			if _, err := svc.Put(ctx, want); err != nil {
				t.Fatal(err)
			}
			if got, err := svc.Get(ctx); err != nil || got != want {
				t.Errorf("after put: %+v %v", got, err)
			}
			for _, bad := range []struct {
				s     remind.Settings
				field string
			}{
				{remind.Settings{SoonDays: 0, TomorrowDays: 1, SendHour: 9}, "soon_days"},
				{remind.Settings{SoonDays: 31, TomorrowDays: 1, SendHour: 9}, "soon_days"},
				{remind.Settings{SoonDays: 3, TomorrowDays: 4, SendHour: 9}, "tomorrow_days"},
				{remind.Settings{SoonDays: 3, TomorrowDays: 1, SendHour: 24}, "send_hour"},
			} {
				_, err := svc.Put(ctx, bad.s)
				wantField(t, err, bad.field)
			}
			if got, _ := svc.Get(ctx); got != want {
				t.Errorf("a refused put changed the settings: %+v", got)
			}
			if _, err := svc.Get(e.sys); srok.ErrorCode(err) != srok.EFORBIDDEN {
				t.Errorf("the system's settings: %v", err)
			}
			entries, err := e.st.ListAudit(e.sys, audit.Filter{Action: audit.ActionReminderSettings})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].UserID != anna.ID || !slices.Equal(entries[0].Fields, []string{"digest", "soon_days", "tomorrow_days", "send_hour"}) {
				t.Errorf("audit: %+v", entries)
			}
			// The scan reads her offsets too.
			offsets, err := e.st.ReminderOffsets(context.Background())
			if err != nil || !slices.Equal(offsets, []int{1, 2, 3, 4, 5}) {
				t.Errorf("offsets %v %v", offsets, err)
			}
		})
	}
}

// TestReminderClockWalk walks the clock over the working Saturday of
// 01.11.2025, the New Year holidays of 2026 and the May holidays of 2026,
// scanning four times a day, and compares the outbox with a table written
// by hand from the production calendar (the same as pkg/remind's
// TestClockWalk, through the database and the scanner). Each request is
// cancelled at the end of its walk, which stops its reminders.
func TestReminderClockWalk(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := newRemindEnv(t, d)
			walk := func(received time.Time, assignee string, to time.Time) {
				e.clock.Set(received.Add(time.Hour))
				r := e.create(t, received.Format(time.RFC3339), assignee)
				for day := received; !day.After(to); day = day.AddDate(0, 0, 1) {
					y, m, dd := day.Date()
					for _, hm := range [][2]int{{7, 0}, {8, 30}, {9, 30}, {18, 0}} {
						if at := time.Date(y, m, dd, hm[0], hm[1], 0, 0, moscow); at.After(received) {
							e.scanAt(t, at)
						}
					}
				}
				e.clock.Set(to.Add(time.Hour))
				cur, err := e.reg.Get(e.sys, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.reg.Cancel(e.sys, r.ID, cur.Version, register.CancelInput{Reason: "logged_in_error"}); err != nil {
					t.Fatal(err)
				}
			}
			// Access, 10 working days from Monday 20.10.2025: the tenth is
			// the working Saturday 01.11.2025; then 02.11 Sunday, 03.11 the
			// day off moved from it, 04.11 a holiday.
			walk(msk(2025, 10, 20, 10, 0), "anna", msk(2025, 11, 7, 23, 0))
			// Access, 10 working days from Thursday 25.12.2025, across
			// 31.12.2025-11.01.2026: 20.01.2026.
			walk(msk(2025, 12, 25, 10, 0), "anna", msk(2026, 1, 31, 23, 0))
			// Withdrawal, 30 calendar days from 09.04.2026: Saturday 09.05
			// is a day off (and 10, 11.05): legal date 12.05, target 08.05.
			// Unassigned: oleg (3/1 at 09:00) and olga (5/2 at 08:00).
			e.clock.Set(msk(2026, 4, 9, 11, 0))
			in := access("Иван Петров", "ivan.petrov@example.org", "2026-04-09T10:00:00+03:00")
			in.Type = "withdrawal"
			b, _, err := e.reg.Create(e.sys, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			for day := msk(2026, 4, 9, 0, 0); !day.After(msk(2026, 5, 20, 0, 0)); day = day.AddDate(0, 0, 1) {
				for _, h := range []int{7, 8, 9, 18} {
					if at := day.Add(time.Duration(h) * time.Hour); at.After(msk(2026, 4, 9, 11, 0)) {
						e.scanAt(t, at)
					}
				}
			}
			var got []string
			for _, row := range e.outbox(t) {
				f := strings.Fields(row) // date stage name number
				got = append(got, f[0]+" "+f[1]+" "+f[2])
			}
			want := []string{
				"2025-10-29 soon anna", "2025-10-31 tomorrow anna", "2025-11-01 due anna",
				"2025-11-05 overdue anna", "2025-11-05 escalation oleg", "2025-11-05 escalation olga",
				"2025-11-06 overdue anna", "2025-11-07 overdue anna",

				"2026-01-15 soon anna", "2026-01-19 tomorrow anna", "2026-01-20 due anna",
				"2026-01-21 overdue anna", "2026-01-21 escalation oleg", "2026-01-21 escalation olga",
				"2026-01-22 overdue anna", "2026-01-23 overdue anna", "2026-01-26 overdue anna", "2026-01-27 overdue anna",
				"2026-01-28 overdue anna", "2026-01-29 overdue anna", "2026-01-30 overdue anna",

				"2026-04-30 soon olga", "2026-05-05 soon oleg", "2026-05-06 tomorrow olga", "2026-05-07 tomorrow oleg",
				"2026-05-08 due oleg", "2026-05-08 due olga", "2026-05-13 escalation oleg", "2026-05-13 escalation olga",
				"2026-05-14 overdue oleg", "2026-05-14 overdue olga", "2026-05-15 overdue oleg", "2026-05-15 overdue olga",
				"2026-05-18 overdue oleg", "2026-05-18 overdue olga", "2026-05-19 overdue oleg", "2026-05-19 overdue olga",
				"2026-05-20 overdue oleg", "2026-05-20 overdue olga",
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("outbox after the walk:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
			// The reminders of the withdrawal give both its dates.
			var target, legal string
			if err := e.st.SQL().QueryRow(`SELECT target_date, legal_date FROM reminders WHERE request_id = $1 AND stage = 'due' LIMIT 1`,
				b.ID).Scan(&target, &legal); err != nil {
				t.Fatal(err)
			}
			if target[:10] != "2026-05-08" || legal[:10] != "2026-05-12" {
				t.Errorf("due reminder dates: target %s legal %s", target, legal)
			}
		})
	}
}

// TestReminderKeys: an outbox row names an obligation that exists, of a
// request that exists, and a user that exists, on both databases. PostgreSQL
// has no foreign key from the outbox to requests since migration 11: the key
// to obligations, and theirs to requests, keep the request.
func TestReminderKeys(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := newRemindEnv(t, d)
			r := e.create(t, "2025-12-22T10:00:00+03:00", "anna")
			if n := e.scanAt(t, msk(2026, 1, 15, 9, 0)); n == 0 {
				t.Fatal("the scan queued nothing")
			}
			var obl string
			if err := e.st.SQL().QueryRow(`SELECT obligation_id FROM reminders`).Scan(&obl); err != nil {
				t.Fatal(err)
			}
			day := calendar.NewDate(2026, 1, 16)
			good := remind.Reminder{RequestID: r.ID, ObligationID: obl, Stage: remind.StageEscalation, RecipientID: e.users["oleg"].ID,
				Email: "oleg@example.org", LocalDate: day, SendAt: msk(2026, 1, 16, 9, 0), Target: day, Legal: day}
			ctx, now := context.Background(), msk(2026, 1, 16, 9, 0)
			if n, err := e.st.QueueReminders(ctx, []remind.Reminder{good}, now); n != 1 || err != nil {
				t.Fatalf("a good reminder: queued %d, %v", n, err)
			}
			for name, spoil := range map[string]func(*remind.Reminder){
				"unknown obligation": func(x *remind.Reminder) { x.ObligationID = "nope.answer" },
				"unknown request":    func(x *remind.Reminder) { x.RequestID = "00000000-0000-4000-8000-00000000dead" },
				"unknown recipient":  func(x *remind.Reminder) { x.RecipientID = "00000000-0000-4000-8000-00000000beef" },
			} {
				bad := good
				bad.LocalDate = day + 1
				spoil(&bad)
				if n, err := e.st.QueueReminders(ctx, []remind.Reminder{bad}, now); err == nil {
					t.Errorf("%s: queued %d, want an error", name, n)
				}
			}
			for _, q := range []string{
				`DELETE FROM obligations WHERE request_id = '` + r.ID + `'`,
				`DELETE FROM requests WHERE id = '` + r.ID + `'`,
			} {
				if _, err := e.st.SQL().Exec(q); err == nil {
					t.Errorf("%s: deleted what reminders name", q)
				}
			}
		})
	}
}
