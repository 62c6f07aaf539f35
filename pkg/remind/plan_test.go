package remind

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

func mustCalendar(tb testing.TB) *calendar.Calendar {
	tb.Helper()
	c, err := calendar.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func moscow(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := deadlines.LoadZone("Europe/Moscow")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// d parses a date as dd.mm.yyyy, the way the tables below are written from
// the printed production calendar.
func d(s string) calendar.Date {
	t, err := time.Parse("02.01.2006", s)
	if err != nil {
		panic(err)
	}
	return calendar.DateOf(t)
}

var (
	anna = Recipient{UserID: "anna", Email: "anna@example.org", Settings: DefaultSettings()}
	oleg = Recipient{UserID: "oleg", Email: "oleg@example.org", Settings: DefaultSettings()}
	olga = Recipient{UserID: "olga", Email: "olga@example.org",
		Settings: Settings{Digest: true, SoonDays: 5, TomorrowDays: 2, SendHour: 8}}
	officers = []Recipient{oleg, olga}
)

// access is an access request (152-FZ art. 14 part 3, art. 20 part 1: 10
// working days) received on 25.12.2025: the term runs across the New Year
// holidays to 20.01.2026.
func access(tb testing.TB) Obligation {
	return Obligation{RequestID: "r1", Number: "2025-000001", ObligationID: "access.answer",
		Target: d("20.01.2026"), Legal: d("20.01.2026"), Open: true, Assignee: &anna,
		Location: moscow(tb), Registered: d("25.12.2025")}
}

func TestStageOn(t *testing.T) {
	p := NewPlanner(mustCalendar(t))
	def := DefaultSettings()
	tests := []struct {
		name  string
		edit  func(*Obligation)
		s     Settings
		day   string
		want  Stage // "" for none
		escal bool
	}{
		{"soon on its day", nil, def, "15.01.2026", StageSoon, false},
		{"nothing between soon and tomorrow", nil, def, "16.01.2026", "", false},
		{"tomorrow", nil, def, "19.01.2026", StageTomorrow, false},
		{"due on the target", nil, def, "20.01.2026", StageDue, false},
		{"first overdue day escalates", nil, def, "21.01.2026", StageOverdue, true},
		{"overdue every working day", nil, def, "22.01.2026", StageOverdue, false},
		{"nothing on a day off", nil, def, "24.01.2026", "", false},
		{"nothing in the New Year holidays", nil, def, "05.01.2026", "", false},
		{"before the target: nothing", nil, def, "14.01.2026", "", false},
		{"answered: nothing", func(o *Obligation) { o.Open = false }, def, "20.01.2026", "", false},
		{"answered: no overdue", func(o *Obligation) { o.Open = false }, def, "21.01.2026", "", false},
		{"registered between soon and tomorrow: soon on its first day",
			func(o *Obligation) { o.Registered = d("16.01.2026") }, def, "16.01.2026", StageSoon, false},
		{"registered late: soon is not sent again the next day",
			func(o *Obligation) { o.Registered = d("16.01.2026") }, def, "19.01.2026", StageTomorrow, false},
		{"registered on a Saturday before tomorrow: tomorrow, no old soon",
			func(o *Obligation) { o.Registered = d("17.01.2026") }, def, "19.01.2026", StageTomorrow, false},
		{"registered on the target day: due alone",
			func(o *Obligation) { o.Registered = d("20.01.2026") }, def, "20.01.2026", StageDue, false},
		{"registered after the term ran out: overdue and escalation on its first working day",
			func(o *Obligation) { o.Registered = d("24.01.2026") }, def, "26.01.2026", StageOverdue, true},
		{"registered after the term ran out: no escalation the day after",
			func(o *Obligation) { o.Registered = d("24.01.2026") }, def, "27.01.2026", StageOverdue, false},
		{"not before it was registered",
			func(o *Obligation) { o.Registered = d("19.01.2026") }, def, "15.01.2026", "", false},
		{"extended to 27.01.2026 (art. 20 part 2): no due on the old date",
			func(o *Obligation) { o.Target, o.Legal = d("27.01.2026"), d("27.01.2026") }, def, "20.01.2026", "", false},
		{"extended: soon three working days before the new date",
			func(o *Obligation) { o.Target, o.Legal = d("27.01.2026"), d("27.01.2026") }, def, "22.01.2026", StageSoon, false},
		{"extended: not overdue the day after the old date",
			func(o *Obligation) { o.Target, o.Legal = d("27.01.2026"), d("27.01.2026") }, def, "21.01.2026", "", false},
		{"own offsets: soon five working days before", nil, olga.Settings, "13.01.2026", StageSoon, false},
		{"own offsets: tomorrow two working days before", nil, olga.Settings, "16.01.2026", StageTomorrow, false},
		{"soon_days equal to tomorrow_days: tomorrow alone",
			nil, Settings{SoonDays: 1, TomorrowDays: 1, SendHour: 9}, "19.01.2026", StageTomorrow, false},
		// An hour term (incident, 152-FZ art. 21 part 3.1 item 1) that runs
		// out on Saturday 17.01.2026: due on Friday, overdue from Monday.
		{"hour term ending on a Saturday: due the Friday before",
			func(o *Obligation) {
				o.Target, o.Legal, o.Registered = d("17.01.2026"), d("17.01.2026"), d("16.01.2026")
			}, def, "16.01.2026", StageDue, false},
		{"hour term ending on a Saturday: overdue on Monday",
			func(o *Obligation) {
				o.Target, o.Legal, o.Registered = d("17.01.2026"), d("17.01.2026"), d("16.01.2026")
			}, def, "19.01.2026", StageOverdue, true},
		// A calendar-day term whose last day is a day off: target the last
		// working day before it, legal date the next working day after it
		// (Civil Code art. 193); between them nothing.
		{"moved term: due on the target",
			func(o *Obligation) { o.Target, o.Legal = d("08.05.2026"), d("12.05.2026") }, def, "08.05.2026", StageDue, false},
		{"moved term: not overdue on the legal date",
			func(o *Obligation) { o.Target, o.Legal = d("08.05.2026"), d("12.05.2026") }, def, "12.05.2026", "", false},
		{"moved term: registered on the legal date: due",
			func(o *Obligation) {
				o.Target, o.Legal, o.Registered = d("08.05.2026"), d("12.05.2026"), d("12.05.2026")
			}, def, "12.05.2026", StageDue, false},
		{"moved term: overdue after the legal date",
			func(o *Obligation) { o.Target, o.Legal = d("08.05.2026"), d("12.05.2026") }, def, "13.05.2026", StageOverdue, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := access(t)
			if tt.edit != nil {
				tt.edit(&o)
			}
			got, ok := p.StageOn(o, tt.s, d(tt.day))
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("StageOn(%s) = %q, %v; want %q", tt.day, got, ok, tt.want)
			}
			if e := p.EscalatesOn(o, d(tt.day)); e != tt.escal {
				t.Errorf("EscalatesOn(%s) = %v, want %v", tt.day, e, tt.escal)
			}
		})
	}
}

func TestPlanRecipients(t *testing.T) {
	p := NewPlanner(mustCalendar(t))
	o := access(t)
	got := func(rs []Reminder) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s %s", r.Stage, r.RecipientID))
		}
		slices.Sort(out)
		return out
	}
	t.Run("assigned: the assignee alone before the term", func(t *testing.T) {
		if g := got(p.Plan(o, officers, d("20.01.2026"))); !slices.Equal(g, []string{"due anna"}) {
			t.Errorf("got %v", g)
		}
	})
	t.Run("first overdue day: assignee overdue, officers escalation", func(t *testing.T) {
		if g := got(p.Plan(o, officers, d("21.01.2026"))); !slices.Equal(g, []string{"escalation oleg", "escalation olga", "overdue anna"}) {
			t.Errorf("got %v", g)
		}
	})
	t.Run("an officer assigned gets the escalation alone on that day", func(t *testing.T) {
		o := o
		o.Assignee = &oleg
		if g := got(p.Plan(o, officers, d("21.01.2026"))); !slices.Equal(g, []string{"escalation oleg", "escalation olga"}) {
			t.Errorf("got %v", g)
		}
	})
	t.Run("unassigned: every officer at the stages of their own settings", func(t *testing.T) {
		o := o
		o.Assignee = nil
		if g := got(p.Plan(o, officers, d("16.01.2026"))); !slices.Equal(g, []string{"tomorrow olga"}) {
			t.Errorf("got %v", g)
		}
		if g := got(p.Plan(o, officers, d("19.01.2026"))); !slices.Equal(g, []string{"tomorrow oleg"}) {
			t.Errorf("got %v", g)
		}
	})
	t.Run("unassigned and no officer: nobody to tell", func(t *testing.T) {
		o := o
		o.Assignee = nil
		if g := p.Plan(o, nil, d("20.01.2026")); len(g) != 0 {
			t.Errorf("got %v", g)
		}
	})
	t.Run("send hour and digest from the recipient's settings, in the request's zone", func(t *testing.T) {
		o := o
		o.Assignee = nil
		rs := p.Plan(o, officers, d("20.01.2026"))
		if len(rs) != 2 {
			t.Fatalf("got %d reminders", len(rs))
		}
		for _, r := range rs {
			want, digest := "2026-01-20T06:00:00Z", false // 09:00 Moscow
			if r.RecipientID == "olga" {
				want, digest = "2026-01-20T05:00:00Z", true // 08:00 Moscow
			}
			if g := r.SendAt.UTC().Format(time.RFC3339); g != want || r.Digest != digest {
				t.Errorf("%s: send_at %s digest %v; want %s %v", r.RecipientID, g, r.Digest, want, digest)
			}
			if r.Target != d("20.01.2026") || r.Legal != d("20.01.2026") || r.Number != "2025-000001" {
				t.Errorf("%s: %+v", r.RecipientID, r)
			}
		}
	})
}

// TestClockWalk walks a clock day by day across the New Year holidays of
// 2026, the May holidays of 2026 and the working Saturday of 01.11.2025, and
// compares every reminder planned with a table written by hand from the
// production calendar (постановления Правительства РФ on the moves of days
// off for 2025 and 2026).
func TestClockWalk(t *testing.T) {
	c := mustCalendar(t)
	p := NewPlanner(c)
	eng := deadlines.New(c)
	loc := moscow(t)

	// obligation computes the term with the engine, checks it against the
	// dates read off the calendar by hand, and returns the planner's view.
	obligation := func(t *testing.T, id string, typ deadlines.RequestType, received time.Time, target, legal string, assignee *Recipient) Obligation {
		t.Helper()
		ds, err := eng.ForRequest(typ, received, loc)
		if err != nil {
			t.Fatal(err)
		}
		dl := ds[0]
		if dl.Target != d(target) || dl.Due != d(legal) {
			t.Fatalf("%s: engine says target %s legal %s; the calendar by hand says %s, %s", id, dl.Target, dl.Due, target, legal)
		}
		return Obligation{RequestID: id, Number: id, ObligationID: dl.Obligation.ID, Target: dl.Target, Legal: dl.Due,
			Open: true, Assignee: assignee, Location: loc, Registered: calendar.DateOf(received)}
	}
	walk := func(o Obligation, from, to string) []string {
		var out []string
		for day := d(from); day <= d(to); day++ {
			// the clock at 10:00 local each day; the planner reads nothing else
			now := day.Start(loc).Add(10 * time.Hour)
			for _, r := range p.Plan(o, officers, calendar.DateOf(now.In(loc))) {
				y, m, dd := r.LocalDate.Civil()
				out = append(out, fmt.Sprintf("%02d.%02d.%d %s %s", dd, m, y, r.Stage, r.RecipientID))
			}
		}
		return out
	}
	tests := []struct {
		name     string
		o        func(t *testing.T) Obligation
		from, to string
		want     []string
	}{{
		// Access, 10 working days from Thursday 25.12.2025: 26, 29, 30.12;
		// 31.12.2025 and 01-11.01.2026 are days off; 12, 13, 14, 15, 16,
		// 19, 20.01.2026 → 20.01.2026 (Tuesday).
		name: "access across the New Year",
		o: func(t *testing.T) Obligation {
			return obligation(t, "A", deadlines.TypeAccess, time.Date(2025, 12, 25, 10, 0, 0, 0, loc), "20.01.2026", "20.01.2026", &anna)
		},
		from: "24.12.2025", to: "31.01.2026",
		want: []string{
			"15.01.2026 soon anna",
			"19.01.2026 tomorrow anna",
			"20.01.2026 due anna",
			"21.01.2026 overdue anna", "21.01.2026 escalation oleg", "21.01.2026 escalation olga",
			"22.01.2026 overdue anna",
			"23.01.2026 overdue anna",
			"26.01.2026 overdue anna",
			"27.01.2026 overdue anna",
			"28.01.2026 overdue anna",
			"29.01.2026 overdue anna",
			"30.01.2026 overdue anna",
		},
	}, {
		// Withdrawal of consent, 30 calendar days from Thursday 09.04.2026
		// (152-FZ art. 21 part 5): the last day, Saturday 09.05.2026, is a
		// day off, and so are 10.05 and 11.05 (9 May moved to Monday): the
		// legal date is Tuesday 12.05, the target Friday 08.05. 01-03.05
		// are days off too. Unassigned: each officer by their own offsets
		// (oleg 3/1, olga 5/2).
		name: "unassigned withdrawal around the May holidays",
		o: func(t *testing.T) Obligation {
			return obligation(t, "B", deadlines.TypeWithdrawal, time.Date(2026, 4, 9, 10, 0, 0, 0, loc), "08.05.2026", "12.05.2026", nil)
		},
		from: "09.04.2026", to: "20.05.2026",
		want: []string{
			"30.04.2026 soon olga",
			"05.05.2026 soon oleg",
			"06.05.2026 tomorrow olga",
			"07.05.2026 tomorrow oleg",
			"08.05.2026 due oleg", "08.05.2026 due olga",
			"13.05.2026 escalation oleg", "13.05.2026 escalation olga",
			"14.05.2026 overdue oleg", "14.05.2026 overdue olga",
			"15.05.2026 overdue oleg", "15.05.2026 overdue olga",
			"18.05.2026 overdue oleg", "18.05.2026 overdue olga",
			"19.05.2026 overdue oleg", "19.05.2026 overdue olga",
			"20.05.2026 overdue oleg", "20.05.2026 overdue olga",
		},
	}, {
		// Access, 10 working days from Monday 20.10.2025: the tenth is the
		// working Saturday 01.11.2025 (its day off moved to 03.11); 02.11
		// is Sunday, 03.11 the moved day off, 04.11 a holiday: overdue from
		// Wednesday 05.11.
		name: "access due on a working Saturday",
		o: func(t *testing.T) Obligation {
			return obligation(t, "C", deadlines.TypeAccess, time.Date(2025, 10, 20, 10, 0, 0, 0, loc), "01.11.2025", "01.11.2025", &anna)
		},
		from: "15.10.2025", to: "07.11.2025",
		want: []string{
			"29.10.2025 soon anna",
			"31.10.2025 tomorrow anna",
			"01.11.2025 due anna",
			"05.11.2025 overdue anna", "05.11.2025 escalation oleg", "05.11.2025 escalation olga",
			"06.11.2025 overdue anna",
			"07.11.2025 overdue anna",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walk(tt.o(t), tt.from, tt.to)
			if !slices.Equal(got, tt.want) {
				t.Errorf("walk:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}
