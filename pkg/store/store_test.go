package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	moscow = storetest.Moscow
	cal    = storetest.Calendar
)

// env is one database with the register on it and a settable clock.
type env struct {
	st    *store.Store
	reg   *register.Service
	clock *storetest.Clock
	ctx   context.Context
}

// forEachStore runs fn against SQLite and against PostgreSQL.
func forEachStore(t *testing.T, fn func(t *testing.T, e env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := storetest.NewRegister(st)
		fn(t, env{st: st, reg: r.Service, clock: r.Clock, ctx: r.Ctx})
	})
}

var access = storetest.Access

func mustCreate(t *testing.T, e env, in register.Input) *register.Request {
	t.Helper()
	return storetest.MustCreate(t, e.reg, e.ctx, in)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantCode(t *testing.T, err error, code srok.Code) {
	t.Helper()
	if got := srok.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (error: %v)", got, code, err)
	}
}

func TestSchema(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var st *store.Store
			var err error
			if d == store.SQLite {
				st, err = store.Open(ctx, "", t.TempDir(), store.Options{})
			} else {
				st, err = store.Open(ctx, pgtest.MustDatabase(t), "", store.Options{})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaBehind) {
				t.Fatalf("fresh database: CheckSchema = %v, want ErrSchemaBehind", err)
			}
			applied, err := st.Migrate(ctx)
			if err != nil || len(applied) == 0 {
				t.Fatalf("migrate: applied %v, %v", applied, err)
			}
			if err := st.CheckSchema(ctx); err != nil {
				t.Fatalf("after migrate: %v", err)
			}
			again, err := st.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
			}
			cur, target, err := st.SchemaVersion(ctx)
			if err != nil || cur != target || cur < 1 {
				t.Fatalf("version %d/%d, %v", cur, target, err)
			}
		})
	}
}

func TestCreateAndGet(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := register.Input{
			Type: "rectification", Channel: "post", AnswerForm: "email",
			ReceivedAt: "2026-11-20T15:04:05.123456+03:00", TimeZone: "Asia/Vladivostok",
			EvidenceReceivedAt: "2026-11-23T10:00:00+03:00",
			Subject: register.SubjectInput{Name: "Анна Смирнова", Email: "Anna@Example.ru", Phone: "8 (912) 345-67-89",
				PostalAddress: "Владивосток, ул. Светланская, 1"},
			Representative: &register.RepresentativeInput{Name: "Пётр Иванов", Authority: "доверенность 25 АА 123456 от 01.02.2026"},
			Identity: &register.IdentityInput{DocumentNumber: "0512 345678", DocumentDate: "2015-03-04",
				DocumentIssuer: "УФМС", Relation: "договор 77/2024", Verified: true},
			Summary: "Просит исправить адрес", Assignee: "",
		}
		r := mustCreate(t, e, in)
		if r.Number != "2026-000001" || r.Version != 1 || r.Status != register.StatusNew {
			t.Fatalf("number %q version %d status %s", r.Number, r.Version, r.Status)
		}
		got, err := e.reg.Get(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, got.Input()), mustJSON(t, r.Input()); a != b {
			t.Errorf("stored input differs:\n got %s\nwant %s", a, b)
		}
		if !got.ReceivedAt.Equal(r.ReceivedAt) || got.ReceivedAt.Nanosecond() != 123456000 {
			t.Errorf("received_at %v, want %v with microseconds", got.ReceivedAt, r.ReceivedAt)
		}
		if len(got.Obligations) != 1 {
			t.Fatalf("obligations %+v", got.Obligations)
		}
		o := got.Obligations[0]
		// Evidence on Mon 23.11.2026 10:00 MSK = 17:00 in Vladivostok, a
		// local Monday: 7 working days from Tue 24.11 end on Wed 02.12.
		if o.ID != "rectification.rectify" || o.Due.String() != "2026-12-02" || o.Status != register.ObligationOpen {
			t.Errorf("obligation %+v, due %s", o, o.Due)
		}
		vladivostok, err := time.LoadLocation("Asia/Vladivostok")
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 12, 3, 0, 0, 0, 0, vladivostok); !o.DueAt.Equal(want) {
			t.Errorf("due at %v, want %v", o.DueAt, want)
		}
		if !o.TriggerAt.Equal(*r.EvidenceReceivedAt) {
			t.Errorf("trigger %v, want the evidence %v", o.TriggerAt, r.EvidenceReceivedAt)
		}
		if got.CreatedBy != "u1" || got.Version != 1 || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("created %s by %s v%d", got.CreatedAt, got.CreatedBy, got.Version)
		}
		second := mustCreate(t, e, access("Б", "b@example.ru", "2026-11-24"))
		if second.Number != "2026-000002" {
			t.Errorf("second number %q", second.Number)
		}
		// A new year starts a new sequence.
		e.clock.Set(time.Date(2027, 1, 1, 0, 30, 0, 0, moscow))
		third := mustCreate(t, e, access("В", "v@example.ru", "2026-12-31T23:00:00+03:00"))
		if third.Number != "2027-000001" {
			t.Errorf("first number of 2027: %q", third.Number)
		}
		if _, err := e.reg.Get(e.ctx, "01a214ef-c62a-725c-a810-d86c03cca3cd"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("missing id: %v", err)
		}
		if _, err := e.reg.Get(e.ctx, "not-a-uuid"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("bad id: %v", err)
		}
		_, tl, err := e.reg.Timeline(e.ctx, r.ID, 0, 10)
		if err != nil || len(tl) != 1 || tl[0].Kind != register.EventCreated || tl[0].ActorID != "u1" {
			t.Fatalf("timeline %+v, %v", tl, err)
		}
		if tl[0].After["subject.name"] != "Анна Смирнова" {
			t.Errorf("created event after: %v", tl[0].After)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := access("Идем", "idem@example.ru", "2026-11-24T10:00:00+03:00")
		key := &register.IdempotencyKey{Key: "k-1", BodyHash: "h1"}
		var wg sync.WaitGroup
		ids := make([]string, 40)
		replays := make([]bool, 40)
		errs := make([]error, 40)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, rep, err := e.reg.Create(e.ctx, in, key)
				if err == nil {
					ids[i], replays[i] = r.ID, rep
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		first := 0
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("create %d got %s, create 0 got %s", i, ids[i], ids[0])
			}
			if !replays[i] {
				first++
			}
		}
		if first != 1 {
			t.Errorf("%d creates were not replays; want 1", first)
		}
		var n int64
		if err := e.st.SQL().QueryRow("SELECT count(*) FROM requests").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d requests stored (%v); want 1", n, err)
		}
		_, _, err := e.reg.Create(e.ctx, access("Другое", "other@example.ru", "2026-11-24"), &register.IdempotencyKey{Key: "k-1", BodyHash: "h2"})
		wantCode(t, err, srok.ECONFLICT)
		// The same key from another client is another key.
		other := srok.WithActor(context.Background(), srok.Actor{ID: "u2", Name: "Two", UserID: "u2", Role: srok.RoleOfficer})
		r2, rep, err := e.reg.Create(other, in, key)
		if err != nil || rep || r2.ID == ids[0] {
			t.Fatalf("other client's key: %v replayed=%v", err, rep)
		}
	})
}

func TestListAndDashboard(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		// Now: Wed 25.11.2026 09:00 MSK. Access terms are 10 working days.
		mk := func(name, email, received, assignee string) *register.Request {
			in := access(name, email, received)
			in.Assignee = assignee
			return mustCreate(t, e, in)
		}
		overdue := mk("Алексей Просрочкин", "a@example.ru", "2026-11-05T10:00:00+03:00", "ivanova") // due 20.11
		today := mk("Борис Сегодня", "b@example.ru", "2026-11-11T10:00:00+03:00", "ivanova")        // due 25.11
		soon := mk("Вера Скоро", "v@example.ru", "2026-11-13T10:00:00+03:00", "")                   // due 27.11
		later := mk("Галина Позже", "g@example.ru", "2026-11-24T10:00:00+03:00", "petrov")          // due 08.12
		done := mk("Дмитрий Готово", "d@example.ru", "2026-11-06T10:00:00+03:00", "petrov")
		if _, err := e.reg.Assign(e.ctx, done.ID, 0, "petrov"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.reg.Answer(e.ctx, done.ID, 0, register.AnswerInput{Outcome: "fulfilled", Reference: "письмо 5"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			r   *register.Request
			due string
		}{{overdue, "2026-11-19"}, {today, "2026-11-25"}, {soon, "2026-11-27"}, {later, "2026-12-08"}} {
			if d := c.r.Obligations[0].Due.String(); d != c.due {
				t.Fatalf("%s due %s, want %s", c.r.Subject.Name, d, c.due)
			}
		}
		now := e.clock.Now()
		ptr := func(s string) *string { return &s }
		at := func(t time.Time) *time.Time { return &t }
		ids := func(f register.Filter) []string {
			t.Helper()
			p, err := e.reg.List(e.ctx, f, "")
			if err != nil {
				t.Fatalf("list %+v: %v", f, err)
			}
			var out []string
			for _, r := range p.Items {
				out = append(out, r.Subject.Name)
			}
			return out
		}
		byDue := register.Sort{Key: register.SortDue}
		tests := []struct {
			name string
			f    register.Filter
			want []string
		}{
			{"overdue", register.Filter{DueAtOrBefore: at(now), Sort: byDue}, []string{overdue.Subject.Name}},
			{"all by due", register.Filter{Sort: byDue}, []string{overdue.Subject.Name, today.Subject.Name, soon.Subject.Name, later.Subject.Name, done.Subject.Name}},
			{"assignee", register.Filter{Assignee: ptr("ivanova"), Sort: byDue}, []string{overdue.Subject.Name, today.Subject.Name}},
			{"unassigned", register.Filter{Assignee: ptr(""), Sort: byDue}, []string{soon.Subject.Name}},
			{"status", register.Filter{Statuses: []register.Status{register.StatusAnswered}}, []string{done.Subject.Name}},
			{"type none", register.Filter{Types: []deadlines.RequestType{deadlines.TypeErasure}}, nil},
			{"q name part, any case", register.Filter{Q: "СЕГОДНЯ"}, []string{today.Subject.Name}},
			{"q email", register.Filter{Q: "g@example"}, []string{later.Subject.Name}},
			{"q number", register.Filter{Q: later.Number}, []string{later.Subject.Name}},
			{"q wildcard is literal", register.Filter{Q: "%"}, nil},
			{"received range", register.Filter{ReceivedFrom: at(time.Date(2026, 11, 11, 0, 0, 0, 0, moscow)),
				ReceivedUntil: at(time.Date(2026, 11, 14, 0, 0, 0, 0, moscow)), Sort: register.Sort{Key: register.SortReceivedAt}},
				[]string{today.Subject.Name, soon.Subject.Name}},
			{"due window", register.Filter{DueAfter: at(now), DueAtOrBefore: at(time.Date(2026, 11, 28, 0, 0, 0, 0, moscow)), Sort: byDue},
				[]string{today.Subject.Name, soon.Subject.Name}},
		}
		for _, tt := range tests {
			if got := ids(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}

		d, err := e.reg.Dashboard(e.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if d.Overdue.Count != 1 || d.DueToday.Count != 1 || d.DueSoon.Count != 1 {
			t.Fatalf("dashboard counts %d/%d/%d", d.Overdue.Count, d.DueToday.Count, d.DueSoon.Count)
		}
		if d.Overdue.Items[0].ID != overdue.ID || d.DueToday.Items[0].ID != today.ID || d.DueSoon.Items[0].ID != soon.ID {
			t.Errorf("dashboard items wrong")
		}
		if d.Today.String() != "2026-11-25" || d.SoonUntil.String() != "2026-11-30" {
			t.Errorf("today %s soon until %s", d.Today, d.SoonUntil)
		}
		if len(d.ByAssignee) != 2 || d.ByAssignee[0] != (register.GroupCount{Key: "ivanova", Overdue: 1, DueToday: 1}) ||
			d.ByAssignee[1] != (register.GroupCount{Key: "", DueSoon: 1}) {
			t.Errorf("by assignee %+v", d.ByAssignee)
		}
		if len(d.ByType) != 1 || d.ByType[0] != (register.GroupCount{Key: "access", Overdue: 1, DueToday: 1, DueSoon: 1}) {
			t.Errorf("by type %+v", d.ByType)
		}
	})
}

func TestPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		const n = 23
		for i := range n {
			// Pairs share received_at, so that ties are broken by id.
			mustCreate(t, e, access(fmt.Sprintf("P%02d", i), fmt.Sprintf("p%d@example.ru", i),
				fmt.Sprintf("2026-11-%02dT10:00:00+03:00", 1+i/2)))
		}
		for _, sort := range []register.Sort{
			{Key: register.SortReceivedAt}, {Key: register.SortReceivedAt, Desc: true},
			{Key: register.SortDue}, {Key: register.SortDue, Desc: true},
			{Key: register.SortNumber}, {Key: register.SortNumber, Desc: true},
			{Key: register.SortUpdatedAt, Desc: true},
		} {
			var seen []string
			cursor, pages := "", 0
			for {
				p, err := e.reg.List(e.ctx, register.Filter{Sort: sort, Limit: 5}, cursor)
				if err != nil {
					t.Fatalf("%s page %d: %v", sort, pages, err)
				}
				pages++
				for _, r := range p.Items {
					seen = append(seen, r.ID)
				}
				if p.Next == "" {
					break
				}
				cursor = p.Next
			}
			all, err := e.reg.List(e.ctx, register.Filter{Sort: sort, Limit: 200}, "")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range all.Items {
				want = append(want, r.ID)
			}
			if len(want) != n || !slices.Equal(seen, want) || pages != 5 {
				t.Errorf("%s: %d pages, %d items, same order as one page: %v", sort, pages, len(seen), slices.Equal(seen, want))
			}
		}
		p, _ := e.reg.List(e.ctx, register.Filter{Sort: register.Sort{Key: register.SortNumber}, Limit: 5}, "")
		_, err := e.reg.List(e.ctx, register.Filter{Sort: register.Sort{Key: register.SortDue}, Limit: 5}, p.Next)
		wantCode(t, err, srok.EMALFORMED)
		_, err = e.reg.List(e.ctx, register.Filter{Limit: 5}, "garbage!")
		wantCode(t, err, srok.EMALFORMED)
	})
}

func TestTimelineIsAppendOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		r := mustCreate(t, e, access("Т", "t@example.ru", "2026-11-24"))
		if _, _, err := e.reg.AddNote(e.ctx, r.ID, "позвонили субъекту"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SQL().Exec("UPDATE events SET note = 'forged'"); err == nil {
			t.Error("UPDATE of events succeeded")
		}
		if _, err := e.st.SQL().Exec("DELETE FROM events"); err == nil {
			t.Error("DELETE of events succeeded")
		}
		if e.st.Dialect() == store.Postgres {
			// TRUNCATE fires no row trigger: a statement trigger refuses it.
			for _, q := range []string{"TRUNCATE events", "TRUNCATE events RESTART IDENTITY", "TRUNCATE idempotency_keys, events, reminder_attempts, reminders, obligations, sent_messages, acknowledgements, issued_letters, requests, email_receipts, emails"} {
				if _, err := e.st.SQL().Exec(q); err == nil {
					t.Errorf("%s succeeded", q)
				} else if !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v, want the append-only refusal", q, err)
				}
			}
		}
		_, tl, err := e.reg.Timeline(e.ctx, r.ID, 0, 10)
		if err != nil || len(tl) != 2 || tl[1].Note != "позвонили субъекту" || tl[1].Kind != register.EventNote {
			t.Fatalf("timeline %+v %v", tl, err)
		}
		_, later, err := e.reg.Timeline(e.ctx, r.ID, tl[0].ID, 10)
		if err != nil || len(later) != 1 || later[0].ID != tl[1].ID {
			t.Fatalf("timeline after %d: %+v", tl[0].ID, later)
		}
	})
}

func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL")
	}
	ctx := context.Background()
	srv, st := storetest.MustOwnPostgres(t)
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
	e := env{st: st, reg: register.NewService(st, cal, moscow, clock.Now), clock: clock,
		ctx: srok.WithActor(ctx, srok.Actor{ID: "u1", Name: "One", UserID: "u1", Role: srok.RoleOfficer})}
	r := mustCreate(t, e, access("О", "o@example.ru", "2026-11-24"))

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := e.reg.Get(e.ctx, r.ID)
	wantCode(t, err, srok.EUNAVAILABLE)
	_, _, err = e.reg.Create(e.ctx, access("Н", "n@example.ru", "2026-11-24"), nil)
	wantCode(t, err, srok.EUNAVAILABLE)
	wantCode(t, st.Ping(ctx), srok.EUNAVAILABLE)

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var got *register.Request
	for range 50 { // the pool drops its dead connections on first use
		if got, err = e.reg.Get(e.ctx, r.ID); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || got.Number != r.Number {
		t.Fatalf("after restart: %v", err)
	}
	mustCreate(t, e, access("Н", "n@example.ru", "2026-11-24"))
}
