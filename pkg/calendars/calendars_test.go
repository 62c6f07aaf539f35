package calendars_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

// made2027 is a made-up 2027 calendar: the day off of Saturday 2 January
// moved to Monday 11 January (the provisional 2027 has 11 January as a
// working day).
const made2027File = "../../cmd/srok/testdata/calendar-2027.json"

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// base is the calendar of a release made before the 2027 decree: the
// tests import a made-up 2027 into it.
var base = shippedBefore2027()

// shippedBefore2027 is the shipped calendar without its 2027: the calendar
// of a release made before the 2027 decree, where 2027 is provisional and a
// made-up 2027 may be imported.
func shippedBefore2027() *calendar.Calendar {
	ys, err := calendar.EmbeddedData()
	if err != nil {
		panic(err)
	}
	ys = slices.DeleteFunc(ys, func(y calendar.Year) bool { return y.Year >= 2027 })
	c, err := calendar.New(ys)
	if err != nil {
		panic(err)
	}
	return c
}

// instance is one srok process on a database: its register and its
// calendar service sharing one live calendar.
type instance struct {
	st    *store.Store
	reg   *register.Service
	cals  *calendars.Service
	trail *audit.Service
}

func newInstance(t *testing.T, st *store.Store, now func() time.Time) instance {
	t.Helper()
	trail := audit.NewService(st, now)
	live := calendar.NewLive(base)
	reg := register.NewService(st, base, moscow, now, register.WithCalendar(live), register.WithAudit(trail))
	cals, err := calendars.NewService(st, base, now, calendars.WithLive(live), calendars.WithRecomputer(reg),
		calendars.WithAudit(trail))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cals.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return instance{st: st, reg: reg, cals: cals, trail: trail}
}

var admin = srok.WithActor(context.Background(), srok.Actor{ID: "admin-1", Name: "Admin", UserID: "admin-1", Role: srok.RoleAdmin})

func create(t *testing.T, reg *register.Service, received string) *register.Request {
	t.Helper()
	r, _, err := reg.Create(admin, register.Input{Type: "access", Channel: "email", ReceivedAt: received,
		Subject: register.SubjectInput{Name: "Иванов Иван", Email: "ivanov@example.ru"}}, nil)
	if err != nil {
		t.Fatalf("create %s: %v", received, err)
	}
	return r
}

func get(t *testing.T, st *store.Store, id string) *register.Request {
	t.Helper()
	r, err := st.Request(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func recomputedEvents(t *testing.T, st *store.Store, id string) []register.Event {
	t.Helper()
	evs, err := st.Timeline(context.Background(), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []register.Event
	for _, e := range evs {
		if e.Kind == register.EventRecomputed {
			out = append(out, e)
		}
	}
	return out
}

func TestImportRecomputesProvisionalTerms(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			clock := storetest.NewClock(time.Date(2027, 12, 20, 12, 0, 0, 0, moscow))
			in := newInstance(t, st, clock.Now)

			// Still provisional after the import: its term reaches into
			// 2028, which has no data; its dates do not move.
			later := create(t, in.reg, "2027-12-20T10:00:00+03:00")
			clock.Set(time.Date(2026, 12, 25, 12, 0, 0, 0, moscow))
			// Received Mon 21.12.2026: 10 working days are 22-25, 28-30
			// December (31 December 2026 is a day off by decree), then, on
			// the provisional 2027 (1-8 January off), 11, 12 and 13
			// January: due 13.01.2027. With the made-up decree 11 January is
			// off: due 14.01.2027; the extended term (+5 working days)
			// moves from 20.01 to 21.01.
			moved := create(t, in.reg, "2026-12-21T10:00:00+03:00")
			// Received Tue 15.12.2026: due 29.12.2026 either way; only the
			// extended term reaches into 2027 (14.01 → 15.01).
			extOnly := create(t, in.reg, "2026-12-15T10:00:00+03:00")
			// Answered: its obligation is done, so it is left alone.
			answered := create(t, in.reg, "2026-12-22T10:00:00+03:00")
			if _, err := in.reg.Assign(admin, answered.ID, 0, "ivanova@example.ru"); err != nil {
				t.Fatal(err)
			}
			if _, err := in.reg.Answer(admin, answered.ID, 0, register.AnswerInput{Outcome: "fulfilled", Text: "Сведения направлены"}); err != nil {
				t.Fatal(err)
			}
			for _, r := range []*register.Request{later, moved, extOnly, answered} {
				if !r.Obligations[0].Provisional {
					t.Fatalf("request received %s: obligation not provisional before the import", r.ReceivedAt)
				}
			}
			if got := moved.Obligations[0].Due; got != date("2027-01-13") {
				t.Fatalf("before the import, due %s, want 2027-01-13", got)
			}
			answered = get(t, st, answered.ID)
			laterBefore := get(t, st, later.ID)
			// On the provisional calendar the moved request is due by the
			// end of 13.01 (next_due_at = 14.01 00:00): in that list now.
			dueBy := time.Date(2027, 1, 14, 0, 0, 0, 0, moscow)
			if !listed(t, st, dueBy, moved.ID) {
				t.Fatal("before the import: not listed as due by 14.01.2027 00:00")
			}

			clock.Set(time.Date(2026, 12, 28, 9, 0, 0, 0, moscow))
			sum, err := in.cals.Import(admin, "calendar-2027.json", mustRead(t, made2027File), false)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if len(sum.Years) != 1 || sum.Years[0].Year != 2027 || sum.Years[0].Status != calendars.YearImported ||
				sum.Years[0].DaysOff != 13 || sum.Years[0].WorkingDays != 248 {
				t.Fatalf("summary years %+v", sum.Years)
			}
			if sum.Recomputed.Requests != 2 || sum.Recomputed.Obligations != 2 || sum.Recomputed.Examined != 3 {
				t.Fatalf("recomputed %+v, want 2 requests, 2 obligations of 3 examined", sum.Recomputed)
			}
			if in.cals.Live().Current().IsWorkday(date("2027-01-11")) {
				t.Fatal("the live calendar still has 11.01.2027 as a working day")
			}

			// The moved request: one day later, no longer provisional.
			m := get(t, st, moved.ID)
			o := m.Obligations[0]
			if o.Due != date("2027-01-14") || *o.ExtendedDue != date("2027-01-21") || o.Provisional {
				t.Fatalf("after the import: due %s, extended %s, provisional %v; want 2027-01-14, 2027-01-21, false", o.Due, o.ExtendedDue, o.Provisional)
			}
			if want := time.Date(2027, 1, 15, 0, 0, 0, 0, moscow); !o.DueAt.Equal(want) || !m.NextDueAt().Equal(want) {
				t.Fatalf("due at %s, next due %s, want %s", o.DueAt, m.NextDueAt(), want)
			}
			fileCal, err := calendar.Load(made2027File)
			if err != nil {
				t.Fatal(err)
			}
			ob, _ := deadlines.ObligationByID(o.ID)
			want, err := deadlines.New(fileCal).Compute(ob, m.ReceivedAt, moscow)
			if err != nil {
				t.Fatal(err)
			}
			if o.Target != want.Target {
				t.Errorf("target %s, want %s", o.Target, want.Target)
			}
			if m.Version != moved.Version+1 {
				t.Errorf("version %d, want %d", m.Version, moved.Version+1)
			}
			// requests.next_due_at moved too: no longer due by 14.01 00:00.
			if listed(t, st, dueBy, moved.ID) {
				t.Error("after the import: still listed as due by 14.01.2027 00:00 (next_due_at not updated)")
			}
			evs := recomputedEvents(t, st, moved.ID)
			if len(evs) != 1 {
				t.Fatalf("%d recomputed events, want 1", len(evs))
			}
			ev := evs[0]
			b, a := entry(t, ev.Before, o.ID), entry(t, ev.After, o.ID)
			for _, c := range []struct{ key, before, after string }{
				{"due_date", "2027-01-13", "2027-01-14"},
				{"extended_due_date", "2027-01-20", "2027-01-21"},
				{"obligation_id", o.ID, o.ID},
				{"target_date", moved.Obligations[0].Target.String(), want.Target.String()},
			} {
				if b[c.key] != c.before || a[c.key] != c.after {
					t.Errorf("event %s: %v → %v, want %s → %s", c.key, b[c.key], a[c.key], c.before, c.after)
				}
			}
			if b["provisional"] != true || a["provisional"] != false {
				t.Errorf("event provisional %v → %v", b["provisional"], a["provisional"])
			}
			if !strings.Contains(ev.Note, "Пересчитано по производственному календарю 2027 (Постановление Правительства РФ от 01.10.2026 № 9999)") {
				t.Errorf("event note %q", ev.Note)
			}
			if ev.ActorID != "admin-1" {
				t.Errorf("event actor %q", ev.ActorID)
			}

			// Only the extended term moved.
			e := get(t, st, extOnly.ID).Obligations[0]
			if e.Due != date("2026-12-29") || *e.ExtendedDue != date("2027-01-15") || e.Provisional {
				t.Errorf("extension-only request: due %s, extended %s, provisional %v", e.Due, e.ExtendedDue, e.Provisional)
			}

			// Untouched: the one whose dates stayed (still provisional, 2028)
			// and the answered one.
			for _, c := range []struct {
				name string
				was  *register.Request
			}{{"reaching 2028", laterBefore}, {"answered", answered}} {
				now := get(t, st, c.was.ID)
				if now.Version != c.was.Version || !now.UpdatedAt.Equal(c.was.UpdatedAt) {
					t.Errorf("%s: written (version %d → %d, updated %s → %s)", c.name, c.was.Version, now.Version, c.was.UpdatedAt, now.UpdatedAt)
				}
				if n := len(recomputedEvents(t, st, c.was.ID)); n != 0 {
					t.Errorf("%s: %d recomputed events", c.name, n)
				}
			}
			if !get(t, st, later.ID).Obligations[0].Provisional {
				t.Error("the term reaching into 2028 is no longer provisional")
			}

			// The import is in the audit trail.
			page, err := in.trail.List(admin, audit.Filter{Action: audit.ActionCalendarImport, Limit: 50}, "")
			if err != nil {
				t.Fatal(err)
			}
			imports := 0
			for _, en := range page.Items {
				if en.RequestID == "" && strings.Contains(en.Detail, "2027") && en.ActorID == "admin-1" {
					imports++
				}
			}
			if imports != 1 {
				t.Errorf("%d audit entries of the import, want 1 (%d entries)", imports, len(page.Items))
			}

			// A second import changes nothing.
			again, err := in.cals.Import(admin, "calendar-2027.json", mustRead(t, made2027File), false)
			if err != nil {
				t.Fatalf("second import: %v", err)
			}
			if again.Years[0].Status != calendars.YearUnchanged || again.Recomputed.Requests != 0 {
				t.Errorf("second import: %+v", again)
			}
			if n := get(t, st, moved.ID).Version; n != m.Version {
				t.Errorf("second import wrote the request: version %d → %d", m.Version, n)
			}
			if n := len(recomputedEvents(t, st, moved.ID)); n != 1 {
				t.Errorf("%d recomputed events after the second import", n)
			}
			stored, err := in.cals.Stored(context.Background())
			if err != nil || len(stored) != 1 || stored[0].Year != 2027 || stored[0].ImportedBy != "admin-1" ||
				stored[0].SHA256 != calendars.Hash(stored[0].Data) {
				t.Fatalf("stored %+v, %v", stored, err)
			}

			// A new instance on the same database starts on the imported year.
			fresh := newInstance(t, st, clock.Now)
			if fresh.cals.Live().Current().IsWorkday(date("2027-01-11")) {
				t.Error("a new instance does not use the imported year")
			}
		})
	}
}

func listed(t *testing.T, st *store.Store, dueBy time.Time, id string) bool {
	t.Helper()
	rs, err := st.ListRequests(context.Background(), register.Filter{DueAtOrBefore: &dueBy, Sort: register.Sort{Key: register.SortDue}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

func entry(t *testing.T, m map[string]any, id string) map[string]any {
	t.Helper()
	e, ok := m[id].(map[string]any)
	if !ok {
		t.Fatalf("event has no entry for %s: %v", id, m)
	}
	return e
}

func TestImportRefusals(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			clock := storetest.NewClock(time.Date(2026, 12, 28, 9, 0, 0, 0, moscow))
			in := newInstance(t, st, clock.Now)
			good := string(mustRead(t, made2027File))
			nothingStored := func(t *testing.T) {
				t.Helper()
				if s, err := in.cals.Stored(context.Background()); err != nil || len(s) != 0 {
					t.Fatalf("stored %d years, %v", len(s), err)
				}
				if !in.cals.Live().Current().IsWorkday(date("2027-01-11")) {
					t.Fatal("the live calendar changed")
				}
			}

			// Two bad years: both are named, nothing is stored.
			bad := `{"years": {
				"2027": {"decree": "Постановление Правительства РФ от 01.10.2026 № 1", "transfers": [],
					"nonworking_weekdays": ["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
					"2027-02-23", "2027-03-08", "2027-11-04", "2028-01-03"], "working_weekends": [], "working_days": 251},
				"2028": {"decree": "без номера", "transfers": [], "nonworking_weekdays": [], "working_weekends": [], "working_days": 1}}}`
			_, err := in.cals.Import(admin, "bad.json", []byte(bad), false)
			wantFields(t, err, map[string]string{
				`years["2027"].nonworking_weekdays[9]`: "2028-01-03 is not in 2027",
				`years["2028"].decree`:                 "does not cite a decree",
			})
			nothingStored(t)

			// A year with verified data is replaced only with force.
			y2026, err := base.Year(2026)
			if err != nil {
				t.Fatal(err)
			}
			same := calendars.Canonical(y2026)
			sum, err := in.cals.Import(admin, "2026.json", same, false)
			if err != nil || sum.Years[0].Status != calendars.YearUnchanged {
				t.Fatalf("the shipped 2026 again: %+v, %v", sum, err)
			}
			nothingStored(t)
			other := strings.Replace(string(same), "№ ", "№ 1", 1)
			_, err = in.cals.Import(admin, "2026.json", []byte(other), false)
			wantFields(t, err, map[string]string{`years["2026"]`: "already has verified decree data"})
			nothingStored(t)
			// The same holds for a file of two years, one of them fine:
			// nothing of it is stored.
			both := strings.Replace(good, `"years": {`, `"years": {"2026": `+strings.TrimSuffix(strings.TrimPrefix(
				strings.TrimPrefix(other, `{"years":{`), `"2026":`), "}}")+",", 1)
			_, err = in.cals.Import(admin, "both.json", []byte(both), false)
			wantFields(t, err, map[string]string{`years["2026"]`: "already has verified decree data"})
			nothingStored(t)
			sum, err = in.cals.Import(admin, "2026.json", []byte(other), true)
			if err != nil || sum.Years[0].Status != calendars.YearReplaced {
				t.Fatalf("forced: %+v, %v", sum, err)
			}
			if y, _ := in.cals.Live().Current().Year(2026); !strings.Contains(y.Decree.Citation, "№ 1") {
				t.Errorf("forced 2026: decree %q", y.Decree.Citation)
			}

			// A year before the shipped calendar, valid as data, is refused.
			_, err = in.cals.Import(admin, "2012.json", plainYear(2012), false)
			wantFields(t, err, map[string]string{`years["2012"]`: "is before 2013, the first year of the shipped calendar"})

			// Not JSON; not allowed.
			_, err = in.cals.Import(admin, "x.json", []byte("{"), false)
			wantFields(t, err, map[string]string{"body": "not valid calendar JSON"})
			viewer := srok.WithActor(context.Background(), srok.Actor{ID: "v", Role: srok.RoleViewer})
			if _, err := in.cals.Import(viewer, "x.json", []byte(good), false); srok.ErrorCode(err) != srok.EFORBIDDEN {
				t.Errorf("a viewer imports: %v", err)
			}
			if !in.cals.Live().Current().IsWorkday(date("2027-01-11")) {
				t.Fatal("a refused import changed the live calendar")
			}
		})
	}
}

// plainYear is a valid file of year y with the holidays of Labour Code
// art. 112 that fall on weekdays as its only days off.
func plainYear(y int) []byte {
	var off []string
	working := 0
	holidays := map[string]bool{"01-01": true, "01-02": true, "01-03": true, "01-04": true, "01-05": true, "01-06": true,
		"01-07": true, "01-08": true, "02-23": true, "03-08": true, "05-01": true, "05-09": true, "06-12": true, "11-04": true}
	for d := calendar.NewDate(y, time.January, 1); d < calendar.NewDate(y+1, time.January, 1); d++ {
		if d.IsWeekend() {
			continue
		}
		if holidays[d.String()[5:]] {
			off = append(off, `"`+d.String()+`"`)
			continue
		}
		working++
	}
	return []byte(fmt.Sprintf(`{"years": {"%d": {"decree": "Постановление Правительства РФ от 01.10.%d № 1", "transfers": [],
		"nonworking_weekdays": [%s], "working_weekends": [], "working_days": %d}}}`, y, y-1, strings.Join(off, ", "), working))
}

// wantFields checks that err is EINVALID naming exactly the fields of want,
// each problem containing its text.
func wantFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	if srok.ErrorCode(err) != srok.EINVALID {
		t.Fatalf("error %v, want invalid", err)
	}
	var se *srok.Error
	se, _ = err.(*srok.Error)
	if se == nil || len(se.Fields) != len(want) {
		t.Fatalf("fields %+v, want %v", se, want)
	}
	for _, f := range se.Fields {
		if w, ok := want[f.Field]; !ok || !strings.Contains(f.Problem, w) {
			t.Errorf("field %s: %q, want one of %v", f.Field, f.Problem, want)
		}
	}
}

// TestSecondInstanceHearsImport runs two instances on one PostgreSQL: an
// import on one reaches the other by NOTIFY (the periodic re-read is set
// to an hour, so that only the announcement can bring it).
func TestSecondInstanceHearsImport(t *testing.T) {
	url := pgtest.MustDatabase(t)
	open := func() *store.Store {
		st, err := store.Open(context.Background(), url, "", store.Options{MaxOpenConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	}
	st1, st2 := open(), open()
	clock := storetest.NewClock(time.Date(2026, 12, 28, 9, 0, 0, 0, moscow))
	one, two := newInstance(t, st1, clock.Now), newInstance(t, st2, clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		two.cals.Watch(ctx, time.Hour, slogDiscard())
	}()
	t.Cleanup(func() { cancel(); <-done })

	waitFor := func(what string, ok func(*calendar.Calendar) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok(two.cals.Live().Current()) {
			if time.Now().After(deadline) {
				t.Fatalf("the second instance never saw %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := one.cals.Import(admin, "2027.json", mustRead(t, made2027File), false); err != nil {
		t.Fatal(err)
	}
	waitFor("11.01.2027 as a day off", func(c *calendar.Calendar) bool { return !c.IsWorkday(date("2027-01-11")) })
	// The second instance's register counts on it.
	r := create(t, two.reg, "2026-12-21T10:00:00+03:00")
	if o := r.Obligations[0]; o.Due != date("2027-01-14") || o.Provisional {
		t.Errorf("created on the second instance: due %s, provisional %v", o.Due, o.Provisional)
	}
	// Now listening for sure (it loaded since its connection): a second
	// import arrives by NOTIFY alone.
	moved := strings.ReplaceAll(string(mustRead(t, made2027File)), "2027-01-11", "2027-01-12")
	if _, err := one.cals.Import(admin, "2027.json", []byte(moved), true); err != nil {
		t.Fatal(err)
	}
	waitFor("12.01.2027 as the day off", func(c *calendar.Calendar) bool {
		return c.IsWorkday(date("2027-01-11")) && !c.IsWorkday(date("2027-01-12"))
	})
}
