package feeds

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

func embedded(tb testing.TB) *calendar.Calendar {
	tb.Helper()
	c, err := calendar.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// The alarm rings at 09:00 of the working day before the target, on the
// production calendar: over a weekend and over the New Year holidays.
func TestAlarmTrigger(t *testing.T) {
	s := NewService(nil, nil, embedded(t), "", time.Now)
	for _, c := range []struct {
		target calendar.Date
		want   string
	}{
		{calendar.NewDate(2026, time.December, 4), "-PT15H"},   // Friday: Thursday 09:00
		{calendar.NewDate(2026, time.December, 7), "-P2DT15H"}, // Monday: Friday 09:00
		// Monday 12 January 2026, after the holidays (31 December 2025 a
		// day off, 1–11 January too): Tuesday 30 December 09:00.
		{calendar.NewDate(2026, time.January, 12), "-P12DT15H"},
	} {
		if got := s.alarmTrigger(c.target); got != c.want {
			t.Errorf("%s: %s, want %s", c.target, got, c.want)
		}
	}
	// Outside the calendar's years: the calendar day before.
	if got := NewService(nil, nil, embedded(t), "", time.Now).alarmTrigger(calendar.NewDate(2999, time.March, 1)); got != "-PT15H" {
		t.Errorf("outside the calendar: %s", got)
	}
}

// A term in hours (an incident, 152-FZ art. 21 part 3.1) says the instant
// it runs out, in the operator's zone; a term in days its last day.
func TestRenderTermsInHours(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(nil, nil, embedded(t), "https://srok.example.ru", time.Now)
	d := calendar.NewDate(2026, time.December, 2)
	b, err := s.render([]Item{
		{RequestID: "r1", Number: "2026-000001", Type: deadlines.TypeIncident, ObligationID: deadlines.ObIncidentNotify,
			Basis: "152-FZ art. 21 part 3.1 item 1", Target: d, Legal: d, DueAt: time.Date(2026, 12, 2, 14, 5, 0, 0, moscow), Location: moscow},
		{RequestID: "r2", Number: "2026-000002", Type: deadlines.TypeAccess, ObligationID: deadlines.ObAccessAnswer,
			Basis: "152-FZ art. 20 part 1", Target: d, Legal: d.AddDays(3), DueAt: d.AddDays(4).Start(moscow), Location: moscow},
	}, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		UID("r1", deadlines.ObIncidentNotify): "Срок по закону истекает 02.12.2026 14:05 (Москва, UTC+3)",
		UID("r2", deadlines.ObAccessAnswer):   "Срок по закону: 5 декабря 2026 г.",
	}
	if len(c.Events()) != len(want) {
		t.Fatalf("%d events", len(c.Events()))
	}
	for _, ev := range c.Events() {
		desc := ev.GetProperty(ics.ComponentPropertyDescription)
		if desc == nil || !strings.Contains(desc.Value, want[ev.Id()]) {
			t.Errorf("%s: description %+v, want %q in it", ev.Id(), desc, want[ev.Id()])
		}
	}
}
