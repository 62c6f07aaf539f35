package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date (a day of the calendar, without a time of day or a time
// zone), stored as the number of days since 1970-01-01. Deadlines are dates:
// a day-based term ends with a whole day (Civil Code art. 194), so the engine
// counts in dates and turns a date into an instant only at the edges.
//
// The zero Date is 1970-01-01; Date arithmetic is plain integer arithmetic and
// never allocates.
type Date int32

const secondsPerDay = 24 * 60 * 60

// NewDate returns the date y-m-d. Out-of-range months and days are normalised
// the way time.Date does (31 April is 1 May).
func NewDate(y int, m time.Month, d int) Date {
	return Date(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay))
}

// DateOf returns the date of t in t's own location: the local date, which is
// what decides the start of a term (Civil Code art. 191).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// ParseDate parses a date in the ISO 8601 form YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// Civil returns the year, month and day of d.
func (d Date) Civil() (year int, month time.Month, day int) {
	return d.utc().Date()
}

// Year returns the year of d.
func (d Date) Year() int {
	return d.utc().Year()
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday((int64(d)%7 + 7 + int64(time.Thursday)) % 7)
}

// IsWeekend reports whether d is a Saturday or a Sunday, the days off of the
// five-day working week (Labour Code art. 111).
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return d + Date(n)
}

// AddMonths returns the same day of the month n months after d; when that
// month is shorter, the last day of that month (Civil Code art. 192 part 3).
func (d Date) AddMonths(n int) Date {
	y, m, day := d.Civil()
	first := NewDate(y, m+time.Month(n), 1)
	fy, fm, _ := first.Civil()
	last := NewDate(fy, fm+1, 0)
	_, _, lastDay := last.Civil()
	if day > lastDay {
		day = lastDay
	}
	return NewDate(fy, fm, day)
}

// Start returns the instant at which d begins (00:00) in loc.
func (d Date) Start(loc *time.Location) time.Time {
	y, m, day := d.Civil()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// End returns the instant at which d ends in loc: 24:00 of d, which is 00:00
// of the next day (Civil Code art. 194 part 1).
func (d Date) End(loc *time.Location) time.Time {
	return (d + 1).Start(loc)
}

// String returns d as YYYY-MM-DD.
func (d Date) String() string {
	return d.utc().Format(time.DateOnly)
}

// MarshalText implements encoding.TextMarshaler (YYYY-MM-DD).
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (YYYY-MM-DD).
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d Date) utc() time.Time {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
