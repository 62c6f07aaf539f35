package deadlines

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/srok/srok/deadlines/calendar"
)

// MustEngine returns an engine on the shipped calendar.
func MustEngine(tb testing.TB) *Engine {
	tb.Helper()
	c, err := calendar.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	return New(c)
}

// MustZone loads an IANA zone.
func MustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// TestDayTerms checks every worked example of the spec and cases around the
// New Year, the May holidays, working Saturdays, 31 December, triggers on days
// off, leap years, year boundaries and time zones far from Moscow. The
// expected dates were counted independently of this package, day by day on the
// published calendar.
func TestDayTerms(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name, obligation, trigger, tz string
		due, target, extended         string
		provisional                   bool
	}{
		{"spec: access received Thu 30.04.2026", "access.answer", "2026-04-30T10:00:00+03:00", "Europe/Moscow", "2026-05-18", "2026-05-18", "2026-05-25", false},
		{"spec: rectification info received 30.04.2026", "rectification.rectify", "2026-04-30T10:00:00+03:00", "Europe/Moscow", "2026-05-13", "2026-05-13", "", false},
		{"spec: unlawful processing detected 30.04.2026", "unlawful.stop", "2026-04-30T10:00:00+03:00", "Europe/Moscow", "2026-05-06", "2026-05-06", "", false},
		{"spec: unlawful processing detected 30.04.2026", "unlawful.destroy", "2026-04-30T10:00:00+03:00", "Europe/Moscow", "2026-05-18", "2026-05-18", "", false},
		{"spec: withdrawal received 13.05.2026", "withdrawal.stop_destroy", "2026-05-13T10:00:00+03:00", "Europe/Moscow", "2026-06-15", "2026-06-11", "", false},
		{"spec: access received Sat 03.01.2026", "access.answer", "2026-01-03T12:00:00+03:00", "Europe/Moscow", "2026-01-23", "2026-01-23", "2026-01-30", false},
		{"new year: access on 30.12.2025, 31.12.2025 is a day off by decree", "access.answer", "2025-12-30T12:00:00+03:00", "Europe/Moscow", "2026-01-23", "2026-01-23", "2026-01-30", false},
		{"new year: access on the day off 31.12.2025", "access.answer", "2025-12-31T09:00:00+03:00", "Europe/Moscow", "2026-01-23", "2026-01-23", "2026-01-30", false},
		{"new year: rectification on Fri 26.12.2025", "rectification.rectify", "2025-12-26T15:00:00+03:00", "Europe/Moscow", "2026-01-16", "2026-01-16", "", false},
		{"new year: access on 30.12.2026 runs into 2027 (decree № 1187)", "access.answer", "2026-12-30T12:00:00+03:00", "Europe/Moscow", "2027-01-22", "2027-01-22", "2027-01-29", false},
		{"new year: 31.12.2026 22:00 UTC is 01.01.2027 in Moscow", "access.answer", "2026-12-31T22:00:00Z", "Europe/Moscow", "2027-01-22", "2027-01-22", "2027-01-29", false},
		{"new year: 31.12.2026 20:00 UTC is still 31.12.2026 in Moscow", "access.answer", "2026-12-31T20:00:00Z", "Europe/Moscow", "2027-01-22", "2027-01-22", "2027-01-29", false},
		{"new year: access on 30.12.2027 runs into 2028 (no decree yet)", "access.answer", "2027-12-30T12:00:00+03:00", "Europe/Moscow", "2028-01-21", "2028-01-21", "2028-01-28", true},
		{"february: 20.02.2027 (Sat) is a working day, 22.02.2027 a day off", "access.answer", "2027-02-15T10:00:00+03:00", "Europe/Moscow", "2027-03-02", "2027-03-02", "2027-03-10", false},
		{"new year: unlawful detected 29.12.2023", "unlawful.stop", "2023-12-29T10:00:00+03:00", "Europe/Moscow", "2024-01-11", "2024-01-11", "", false},
		{"new year: unlawful detected 29.12.2023", "unlawful.destroy", "2023-12-29T10:00:00+03:00", "Europe/Moscow", "2024-01-22", "2024-01-22", "", false},
		{"new year: withdrawal raw end 01.01.2026 moves to 12.01.2026", "withdrawal.stop_destroy", "2025-12-02T10:00:00+03:00", "Europe/Moscow", "2026-01-12", "2025-12-30", "", false},
		{"new year: first data year, trigger 31.12.2012", "access.answer", "2012-12-31T10:00:00+04:00", "Europe/Moscow", "2013-01-22", "2013-01-22", "2013-01-29", false},
		{"may: access on 30.04.2025", "access.answer", "2025-04-30T10:00:00+03:00", "Europe/Moscow", "2025-05-20", "2025-05-20", "2025-05-27", false},
		{"may: stop demand on 08.05.2026 across Victory Day on a Saturday", "stop.stop", "2026-05-08T10:00:00+03:00", "Europe/Moscow", "2026-05-25", "2026-05-25", "2026-06-01", false},
		{"may: erasure on 29.04.2024, 30.04.2024 moved from Sat 02.11.2024", "erasure.destroy", "2024-04-26T10:00:00+03:00", "Europe/Moscow", "2024-05-13", "2024-05-13", "", false},
		{"may: dissemination on 30.04.2021", "dissemination.stop", "2021-04-30T10:00:00+03:00", "Europe/Moscow", "2021-05-06", "2021-05-06", "", false},
		{"may: 2027, 1 May on a Saturday moves to Monday", "unlawful.stop", "2027-04-30T10:00:00+03:00", "Europe/Moscow", "2027-05-06", "2027-05-06", "", false},
		{"may: 2027, 1 May on a Saturday moves to Monday", "unlawful.destroy", "2027-04-30T10:00:00+03:00", "Europe/Moscow", "2027-05-18", "2027-05-18", "", false},
		{"may: 2028 without decree, 1 May on a Monday", "unlawful.stop", "2028-04-28T10:00:00+03:00", "Europe/Moscow", "2028-05-04", "2028-05-04", "", true},
		{"working saturday: access on Fri 31.10.2025, Sat 01.11.2025 works", "access.answer", "2025-10-31T10:00:00+03:00", "Europe/Moscow", "2025-11-17", "2025-11-17", "2025-11-24", false},
		{"working saturday: unlawful detected on the working Sat 01.11.2025", "unlawful.stop", "2025-11-01T10:00:00+03:00", "Europe/Moscow", "2025-11-07", "2025-11-07", "", false},
		{"working saturday: unlawful detected on the working Sat 01.11.2025", "unlawful.destroy", "2025-11-01T10:00:00+03:00", "Europe/Moscow", "2025-11-18", "2025-11-18", "", false},
		{"working saturday: unlawful detected 27.12.2024, Sat 28.12.2024 works", "unlawful.stop", "2024-12-27T10:00:00+03:00", "Europe/Moscow", "2025-01-10", "2025-01-10", "", false},
		{"working saturday: unlawful detected 27.12.2024, Sat 28.12.2024 works", "unlawful.destroy", "2024-12-27T10:00:00+03:00", "Europe/Moscow", "2025-01-21", "2025-01-21", "", false},
		{"working saturday: rectification on 27.04.2018, Sat 28.04.2018 works", "rectification.rectify", "2018-04-27T10:00:00+03:00", "Europe/Moscow", "2018-05-11", "2018-05-11", "", false},
		{"working saturday: dissemination on 19.02.2016, Sat 20.02.2016 works", "dissemination.stop", "2016-02-19T10:00:00+03:00", "Europe/Moscow", "2016-02-25", "2016-02-25", "", false},
		{"working saturday: withdrawal raw end on the working Sat 01.11.2025", "withdrawal.stop_destroy", "2025-10-02T10:00:00+03:00", "Europe/Moscow", "2025-11-01", "2025-11-01", "", false},
		{"calendar days: withdrawal raw end on a Saturday", "withdrawal.stop_destroy", "2026-01-15T10:00:00+03:00", "Europe/Moscow", "2026-02-16", "2026-02-13", "", false},
		{"calendar days: purpose raw end on a working Wednesday", "purpose.destroy", "2026-10-08T10:00:00+03:00", "Europe/Moscow", "2026-11-09", "2026-11-06", "", false},
		{"calendar days: automated objection raw end on 04.11.2026", "automated.objection", "2026-10-05T10:00:00+03:00", "Europe/Moscow", "2026-11-05", "2026-11-03", "", false},
		{"calendar days: withdrawal raw end on 08.03.2026 (Sunday holiday, Monday moved)", "withdrawal.stop_destroy", "2026-02-06T10:00:00+03:00", "Europe/Moscow", "2026-03-10", "2026-03-06", "", false},
		{"leap year: withdrawal raw end on 29.02.2024", "withdrawal.stop_destroy", "2024-01-30T10:00:00+03:00", "Europe/Moscow", "2024-02-29", "2024-02-29", "", false},
		{"leap year: purpose raw end on Sat 02.03.2024", "purpose.destroy", "2024-02-01T10:00:00+03:00", "Europe/Moscow", "2024-03-04", "2024-03-01", "", false},
		{"leap year: access on 28.02.2024", "access.answer", "2024-02-28T10:00:00+03:00", "Europe/Moscow", "2024-03-14", "2024-03-14", "2024-03-21", false},
		{"months: destruction 6 months from 31.08.2025 ends 28.02.2026, a Saturday", "destruction.impossible", "2025-08-31T10:00:00+03:00", "Europe/Moscow", "2026-03-02", "2026-02-27", "", false},
		{"months: destruction 6 months from 31.08.2023 ends on 29.02.2024", "destruction.impossible", "2023-08-31T10:00:00+03:00", "Europe/Moscow", "2024-02-29", "2024-02-29", "", false},
		{"months: destruction 6 months from 12.12.2025 ends on 12.06.2026, a holiday", "destruction.impossible", "2025-12-12T10:00:00+03:00", "Europe/Moscow", "2026-06-15", "2026-06-11", "", false},
		{"months: destruction 6 months from 04.11.2026 runs into 2027", "destruction.impossible", "2026-11-04T10:00:00+03:00", "Europe/Moscow", "2027-05-04", "2027-05-04", "", false},
		{"months: destruction 6 months from 04.11.2027 runs into 2028", "destruction.impossible", "2027-11-04T10:00:00+03:00", "Europe/Moscow", "2028-05-04", "2028-05-04", "", true},
		{"holidays: dissemination on Fri 20.02.2026 across 23.02", "dissemination.stop", "2026-02-20T10:00:00+03:00", "Europe/Moscow", "2026-02-26", "2026-02-26", "", false},
		{"holidays: authority request on 11.06.2026", "authority.answer", "2026-06-11T10:00:00+03:00", "Europe/Moscow", "2026-06-26", "2026-06-26", "2026-07-03", false},
		{"holidays: erasure on 03.11.2026", "erasure.destroy", "2026-11-03T10:00:00+03:00", "Europe/Moscow", "2026-11-13", "2026-11-13", "", false},
		{"holidays: access on 06.03.2026 across 09.03.2026", "access.answer", "2026-03-06T10:00:00+03:00", "Europe/Moscow", "2026-03-23", "2026-03-23", "2026-03-30", false},
		{"holidays: stop on 05.01.2015 in the New Year holidays", "stop.stop", "2015-01-05T10:00:00+03:00", "Europe/Moscow", "2015-01-23", "2015-01-23", "2015-01-30", false},
		{"holidays: access on 22.02.2013, 23.02.2013 moved to 10.05.2013", "access.answer", "2013-02-22T10:00:00+04:00", "Europe/Moscow", "2013-03-11", "2013-03-11", "2013-03-18", false},
		{"zones: 02:00 on 29.04.2026 in Vladivostok", "access.answer", "2026-04-29T02:00:00+10:00", "Asia/Vladivostok", "2026-05-15", "2026-05-15", "2026-05-22", false},
		{"zones: the same instant in Moscow is still 28.04.2026", "access.answer", "2026-04-29T02:00:00+10:00", "Europe/Moscow", "2026-05-14", "2026-05-14", "2026-05-21", false},
		{"zones: 23:30 on 10.06.2026 in Kaliningrad", "access.answer", "2026-06-10T23:30:00+02:00", "Europe/Kaliningrad", "2026-06-25", "2026-06-25", "2026-07-02", false},
		{"zones: the same instant in Moscow is 11.06.2026", "access.answer", "2026-06-10T23:30:00+02:00", "Europe/Moscow", "2026-06-26", "2026-06-26", "2026-07-03", false},
		{"zones: 13:00 UTC 19.02.2026 is 20.02 in Kamchatka", "access.answer", "2026-02-19T13:00:00Z", "Asia/Kamchatka", "2026-03-10", "2026-03-10", "2026-03-17", false},
		{"zones: 13:00 UTC 19.02.2026 is 19.02 in Moscow", "access.answer", "2026-02-19T13:00:00Z", "Europe/Moscow", "2026-03-06", "2026-03-06", "2026-03-16", false},
		{"zones: 23:30 in Vladivostok on 31.12.2025", "rectification.rectify", "2025-12-31T23:30:00+10:00", "Asia/Vladivostok", "2026-01-20", "2026-01-20", "", false},
		{"zones: Yekaterinburg, rectification late on Friday 08.05.2026", "rectification.rectify", "2026-05-08T23:59:59+05:00", "Asia/Yekaterinburg", "2026-05-20", "2026-05-20", "", false},
		{"zones: Moscow time 2014 before the switch to UTC+3", "access.answer", "2014-10-24T23:30:00+04:00", "Europe/Moscow", "2014-11-11", "2014-11-11", "2014-11-18", false},
	}
	if len(tests) < 45 {
		t.Fatalf("the table lost cases: %d", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name+"/"+tc.obligation, func(t *testing.T) {
			loc := MustZone(t, tc.tz)
			trigger, err := time.Parse(time.RFC3339, tc.trigger)
			if err != nil {
				t.Fatal(err)
			}
			o, ok := ObligationByID(tc.obligation)
			if !ok {
				t.Fatalf("no obligation %q", tc.obligation)
			}
			d, err := e.Compute(o, trigger, loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Due.String(); got != tc.due {
				t.Errorf("due %s, want %s", got, tc.due)
			}
			if got := d.Target.String(); got != tc.target {
				t.Errorf("target %s, want %s", got, tc.target)
			}
			gotExt := ""
			if d.HasExtension() {
				gotExt = d.ExtendedDue.String()
			}
			if gotExt != tc.extended {
				t.Errorf("extended %q, want %q", gotExt, tc.extended)
			}
			if d.Provisional != tc.provisional {
				t.Errorf("provisional %v, want %v", d.Provisional, tc.provisional)
			}
			// Civil Code art. 194: the term ends at 24:00 local time of the
			// last day, which is 00:00 of the next day in the operator's zone.
			y, m, day := d.Due.Civil()
			if want := time.Date(y, m, day+1, 0, 0, 0, 0, loc); !d.DueAt.Equal(want) || d.DueAt.Location() != loc {
				t.Errorf("due at %s, want %s", d.DueAt, want)
			}
			if !d.Overdue(d.DueAt) || d.Overdue(d.DueAt.Add(-time.Nanosecond)) {
				t.Errorf("overdue must begin exactly at %s", d.DueAt)
			}
		})
	}
}

// TestHourTerms: incidents run in clock hours from the detection instant,
// through nights, weekends, holidays and offset changes (152-FZ art. 21
// part 3.1).
func TestHourTerms(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name, trigger, tz       string
		notifyAt, investigateAt string
	}{
		{"spec: detected Sat 03.01.2026 21:30 MSK", "2026-01-03T21:30:00+03:00", "Europe/Moscow", "2026-01-04T21:30:00+03:00", "2026-01-06T21:30:00+03:00"},
		{"over New Year in Vladivostok", "2026-12-31T23:00:00+10:00", "Asia/Vladivostok", "2027-01-01T23:00:00+10:00", "2027-01-03T23:00:00+10:00"},
		{"UTC input shown in Kamchatka time", "2026-06-11T20:00:00Z", "Asia/Kamchatka", "2026-06-13T08:00:00+12:00", "2026-06-15T08:00:00+12:00"},
		{"Moscow moved from UTC+4 to UTC+3 on 26.10.2014", "2014-10-25T12:00:00+04:00", "Europe/Moscow", "2014-10-26T11:00:00+03:00", "2014-10-28T11:00:00+03:00"},
		{"a year without decree data does not matter", "2040-03-08T08:15:00+03:00", "Europe/Moscow", "2040-03-09T08:15:00+03:00", "2040-03-11T08:15:00+03:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trigger, err := time.Parse(time.RFC3339, tc.trigger)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := e.ForRequest(TypeIncident, trigger, MustZone(t, tc.tz))
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 2 || ds[0].Obligation.ID != "incident.notify" || ds[1].Obligation.ID != "incident.investigation" {
				t.Fatalf("incident opens %v", ds)
			}
			for i, want := range []string{tc.notifyAt, tc.investigateAt} {
				d := ds[i]
				if got := d.DueAt.Format(time.RFC3339); got != want {
					t.Errorf("%s due at %s, want %s", d.Obligation.ID, got, want)
				}
				if d.Due.String() != want[:10] || d.Target != d.Due {
					t.Errorf("%s due date %s target %s, want %s", d.Obligation.ID, d.Due, d.Target, want[:10])
				}
				if d.HasExtension() || d.Provisional {
					t.Errorf("%s: hour terms have no extension and are never provisional", d.Obligation.ID)
				}
			}
		})
	}
}

// TestRules checks the rules table against the spec: every obligation, its
// term, extension and article, and the obligations of each request type.
func TestRules(t *testing.T) {
	want := map[string]struct {
		term, ext Term
		basis     string
	}{
		"access.answer":           {Term{10, WorkingDays}, Term{5, WorkingDays}, "152-FZ art. 20 part 1"},
		"access.refusal":          {Term{10, WorkingDays}, Term{5, WorkingDays}, "152-FZ art. 20 part 2"},
		"rectification.rectify":   {Term{7, WorkingDays}, Term{}, "152-FZ art. 20 part 3"},
		"erasure.destroy":         {Term{7, WorkingDays}, Term{}, "152-FZ art. 20 part 3"},
		"withdrawal.stop_destroy": {Term{30, CalendarDays}, Term{}, "152-FZ art. 21 part 5"},
		"stop.stop":               {Term{10, WorkingDays}, Term{5, WorkingDays}, "152-FZ art. 21 part 5.1"},
		"unlawful.stop":           {Term{3, WorkingDays}, Term{}, "152-FZ art. 21 part 3"},
		"unlawful.destroy":        {Term{10, WorkingDays}, Term{}, "152-FZ art. 21 part 3"},
		"purpose.destroy":         {Term{30, CalendarDays}, Term{}, "152-FZ art. 21 part 4"},
		"destruction.impossible":  {Term{6, Months}, Term{}, "152-FZ art. 21 part 6"},
		"incident.notify":         {Term{24, Hours}, Term{}, "152-FZ art. 21 part 3.1 item 1"},
		"incident.investigation":  {Term{72, Hours}, Term{}, "152-FZ art. 21 part 3.1 item 2"},
		"authority.answer":        {Term{10, WorkingDays}, Term{5, WorkingDays}, "152-FZ art. 20 part 4"},
		"dissemination.stop":      {Term{3, WorkingDays}, Term{}, "152-FZ art. 10.1 part 14"},
		"automated.objection":     {Term{30, CalendarDays}, Term{}, "152-FZ art. 16 part 4"},
	}
	all := AllObligations()
	if len(all) != len(want) {
		t.Errorf("%d obligations, want %d", len(all), len(want))
	}
	for _, o := range all {
		w, ok := want[o.ID]
		if !ok {
			t.Errorf("unexpected obligation %s", o.ID)
			continue
		}
		if o.Term != w.term || o.Extension != w.ext || o.Basis != w.basis {
			t.Errorf("%s: %v +%v %q, want %v +%v %q", o.ID, o.Term, o.Extension, o.Basis, w.term, w.ext, w.basis)
		}
		if o.Duty == "" || o.Trigger == "" {
			t.Errorf("%s: duty and trigger must be described", o.ID)
		}
	}

	types := map[RequestType][]string{
		"access": {"access.answer"}, "rectification": {"rectification.rectify"}, "erasure": {"erasure.destroy"},
		"withdrawal": {"withdrawal.stop_destroy"}, "stop": {"stop.stop"}, "unlawful": {"unlawful.stop", "unlawful.destroy"},
		"purpose": {"purpose.destroy"}, "incident": {"incident.notify", "incident.investigation"},
		"authority": {"authority.answer"}, "dissemination": {"dissemination.stop"}, "automated": {"automated.objection"},
	}
	if got := RequestTypes(); len(got) != len(types) {
		t.Errorf("%d request types, want %d", len(got), len(types))
	}
	for typ, ids := range types {
		obls, ok := ObligationsOf(typ)
		if !ok || len(obls) != len(ids) {
			t.Errorf("%s opens %v, want %v", typ, obls, ids)
			continue
		}
		for i := range ids {
			if obls[i].ID != ids[i] {
				t.Errorf("%s opens %s, want %s", typ, obls[i].ID, ids[i])
			}
		}
	}
	if _, ok := ObligationsOf("complaint"); ok {
		t.Error("an unknown type must not open obligations")
	}
	if got := (Term{1, WorkingDays}).String(); got != "1 working day" {
		t.Errorf("Term.String = %q", got)
	}
}

// TestExtend: the extension needs a complete notice sent before the base term
// ends, and only extendable obligations have one (152-FZ art. 20 parts 1-2).
func TestExtend(t *testing.T) {
	e := MustEngine(t)
	loc := MustZone(t, "Europe/Moscow")
	trigger := time.Date(2026, 4, 30, 10, 0, 0, 0, loc)
	access, err := e.Compute(accessAnswer, trigger, loc)
	if err != nil {
		t.Fatal(err)
	}
	notice := Notice{SentAt: time.Date(2026, 5, 18, 23, 59, 0, 0, loc), Reasons: "archive records must be retrieved", Channel: "email"}
	ext, err := Extend(access, notice)
	if err != nil {
		t.Fatal(err)
	}
	if ext.Due.String() != "2026-05-25" || ext.Target != ext.Due || ext.DueAt.Format(time.RFC3339) != "2026-05-26T00:00:00+03:00" {
		t.Errorf("extended to %s / %s / %s", ext.Due, ext.Target, ext.DueAt.Format(time.RFC3339))
	}

	late := notice
	late.SentAt = access.DueAt // 24:00 of the last day: the term has run out
	if _, err := Extend(access, late); !errors.Is(err, ErrTermPassed) {
		t.Errorf("a notice at the end of the term: %v, want ErrTermPassed", err)
	}
	for _, n := range []Notice{{Reasons: "x", Channel: "email"}, {SentAt: notice.SentAt, Channel: "email"}, {SentAt: notice.SentAt, Reasons: " ", Channel: "email"}, {SentAt: notice.SentAt, Reasons: "x"}} {
		if _, err := Extend(access, n); !errors.Is(err, ErrNoticeIncomplete) {
			t.Errorf("notice %+v: %v, want ErrNoticeIncomplete", n, err)
		}
	}
	rect, err := e.Compute(rectificationRectify, trigger, loc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Extend(rect, notice); !errors.Is(err, ErrNotExtendable) {
		t.Errorf("rectification: %v, want ErrNotExtendable", err)
	}
}

func TestComputeErrors(t *testing.T) {
	e := MustEngine(t)
	loc := MustZone(t, "Europe/Moscow")
	if _, err := e.ForRequest("complaint", time.Now(), loc); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := e.Compute(accessAnswer, time.Now(), nil); err == nil {
		t.Error("nil zone accepted")
	}
	for _, tr := range []time.Time{time.Date(2011, 5, 1, 0, 0, 0, 0, loc), time.Date(2100, 12, 25, 0, 0, 0, 0, loc), time.Date(2101, 1, 1, 0, 0, 0, 0, loc)} {
		if _, err := e.Compute(accessAnswer, tr, loc); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("trigger %s: %v, want ErrOutOfRange", tr, err)
		}
	}
	if _, err := e.Compute(withdrawalStopDestroy, time.Date(2100, 12, 15, 0, 0, 0, 0, loc), loc); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("a term running past 2100: %v, want ErrOutOfRange", err)
	}
}

func TestParseTrigger(t *testing.T) {
	msk := MustZone(t, "Europe/Moscow")
	tests := []struct {
		in      string
		want    string
		hasTime bool
	}{
		{"2026-04-30T10:00:00+03:00", "2026-04-30T10:00:00+03:00", true},
		{"2026-04-30T07:00:00Z", "2026-04-30T07:00:00Z", true},
		{"2026-04-30T07:00:00.123Z", "2026-04-30T07:00:00Z", true},
		{"2026-04-30T10:00", "2026-04-30T10:00:00+03:00", true},
		{" 2026-04-30 10:00:05 ", "2026-04-30T10:00:05+03:00", true},
		{"2026-04-30", "2026-04-30T00:00:00+03:00", false},
	}
	for _, tc := range tests {
		got, hasTime, err := ParseTrigger(tc.in, msk)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.Format(time.RFC3339) != tc.want || hasTime != tc.hasTime {
			t.Errorf("%q: %s %v, want %s %v", tc.in, got.Format(time.RFC3339), hasTime, tc.want, tc.hasTime)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-02-30", "2026-04-30T25:00", "30.04.2026", "2026-04-30T10:00:00+3"} {
		if _, _, err := ParseTrigger(bad, msk); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "MSK+1"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("zone %q accepted", bad)
		}
	}
}

// FuzzParseTrigger: any input gives a time or an error, never a panic, and a
// parsed time counts without error or lies outside the calendar.
func FuzzParseTrigger(f *testing.F) {
	for _, s := range []string{"2026-04-30T10:00:00+03:00", "2026-04-30T10:00", "2026-04-30", "2026-12-31T23:59:59.999999999-12:00", "0000-01-01T00:00:00Z", "9999-12-31"} {
		f.Add(s)
	}
	e := MustEngine(f)
	loc := MustZone(f, "Asia/Vladivostok")
	f.Fuzz(func(t *testing.T, s string) {
		tr, _, err := ParseTrigger(s, loc)
		if err != nil {
			return
		}
		for _, o := range AllObligations() {
			d, err := e.Compute(o, tr, loc)
			if err != nil {
				if !errors.Is(err, calendar.ErrOutOfRange) {
					t.Fatalf("%q %s: %v", s, o.ID, err)
				}
				continue
			}
			if d.DueAt.Before(tr) || d.Target > d.Due {
				t.Fatalf("%q %s: due %s target %s before trigger", s, o.ID, d.DueAt, d.Target)
			}
		}
	})
}

// What the law says of each request type, in one table: who must be named,
// which terms count from the evidence, which run in hours.
func TestRequestTypeFacts(t *testing.T) {
	tests := []struct {
		typ                        RequestType
		named, evidence, hourTerms bool
	}{
		{TypeAccess, true, false, false},
		{TypeRectification, true, true, false},
		{TypeErasure, true, true, false},
		{TypeWithdrawal, true, false, false},
		{TypeStop, true, false, false},
		{TypeUnlawful, false, false, false},
		{TypePurpose, false, false, false},
		{TypeIncident, false, false, true},
		{TypeAuthority, true, false, false},
		{TypeDissemination, true, false, false},
		{TypeAutomated, true, false, false},
	}
	if len(tests) != len(RequestTypes()) {
		t.Fatalf("%d types in the table, %d known", len(tests), len(RequestTypes()))
	}
	moscow, _ := time.LoadLocation("Europe/Moscow")
	for _, tt := range tests {
		if !tt.typ.Known() || tt.typ.NamedSubject() != tt.named || tt.typ.FromEvidence() != tt.evidence || tt.typ.HourTerms() != tt.hourTerms {
			t.Errorf("%s: known %v named %v evidence %v hours %v", tt.typ, tt.typ.Known(), tt.typ.NamedSubject(), tt.typ.FromEvidence(), tt.typ.HourTerms())
		}
		_, err := tt.typ.ParseTrigger("2026-05-04", moscow)
		if tt.hourTerms != errors.Is(err, ErrNeedsTime) {
			t.Errorf("%s: a date alone gives %v", tt.typ, err)
		}
		if at, err := tt.typ.ParseTrigger("2026-05-04T21:30", moscow); err != nil || !at.Equal(time.Date(2026, 5, 4, 21, 30, 0, 0, moscow)) {
			t.Errorf("%s: a local time gives %v %v", tt.typ, at, err)
		}
	}
	if RequestType("nonsense").Known() {
		t.Error("an unknown type is known")
	}
}
