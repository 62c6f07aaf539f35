package feeds

import (
	"testing"
	"time"

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
