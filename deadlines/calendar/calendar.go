// Package calendar is the Russian production calendar (производственный
// календарь): which days are working days for the five-day week, year by year,
// as set by the Labour Code (arts. 111-112) and the Government's yearly decree
// that moves days off.
//
// The calendar is built on a github.com/rickar/cal/v2 BusinessCalendar made
// from the project's verified data (the package cal/v2/ru is not used: it lacks
// 2-6 and 8 January and every decree move). Working-day arithmetic does not
// walk day by day: at construction the BusinessCalendar is read once into an
// index (a bitmap of working days with prefix counts and the list of working
// days), so "the N-th working day after D" is O(1) and allocates nothing.
//
// Years without data apply Labour Code arts. 111-112 alone and are marked
// provisional.
package calendar

import (
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/rickar/cal/v2"
)

// ErrOutOfRange is returned when a computation needs a date outside the
// calendar's years.
var ErrOutOfRange = errors.New("date outside the calendar's years")

// Calendar is the production calendar from its first data year to MaxYear.
// It is immutable and safe for concurrent use.
type Calendar struct {
	firstYear, lastYear int
	years               []Year // years[i] is the calendar of firstYear+i
	business            *cal.BusinessCalendar

	// The index over the days [first, end): bit i of words is set when
	// first+i is a working day; before[w] counts the working days before
	// word w; workdays lists the working days in order.
	first    Date
	end      Date // first day after the last year
	words    []uint64
	before   []int32
	workdays []Date
}

// New builds a calendar from verified years of data (see ParseData). The
// calendar covers the first data year to MaxYear; a year in between without
// data applies Labour Code arts. 111-112 and is provisional. A year given twice
// is an error.
func New(data []Year) (*Calendar, error) {
	if len(data) == 0 {
		return nil, errors.New("calendar: no calendar data")
	}
	first := data[0].Year
	for _, y := range data {
		first = min(first, y.Year)
	}
	c := &Calendar{firstYear: first, lastYear: MaxYear}
	c.years = make([]Year, MaxYear-first+1)
	for _, y := range data {
		if y.Year < MinYear || y.Year > MaxYear {
			return nil, fmt.Errorf("calendar: year %d out of the supported range %d-%d", y.Year, MinYear, MaxYear)
		}
		if c.years[y.Year-first].Year != 0 {
			return nil, fmt.Errorf("calendar: year %d given twice", y.Year)
		}
		c.years[y.Year-first] = y
	}
	for i := range c.years {
		if c.years[i].Year == 0 {
			c.years[i] = statutoryYear(first + i)
		}
	}
	c.business = newBusinessCalendar(c.years)
	c.buildIndex()
	return c, nil
}

// newBusinessCalendar makes the rickar BusinessCalendar of the years: every
// weekday off of a data year is a holiday of that year alone, working weekend
// days come from a WorkdayFunc, and the provisional years get the holidays of
// Labour Code art. 112 with the weekend move of its part 2.
func newBusinessCalendar(years []Year) *cal.BusinessCalendar {
	bc := cal.NewBusinessCalendar()
	var decreed []int
	workingWeekends := map[Date]bool{}
	for _, y := range years {
		if y.Provisional {
			continue
		}
		decreed = append(decreed, y.Year)
		for _, d := range y.NonworkingWeekdays {
			_, m, day := d.Civil()
			bc.AddHoliday(&cal.Holiday{
				Name:      dayName(&y, d),
				Type:      cal.ObservancePublic,
				Month:     m,
				Day:       day,
				StartYear: y.Year,
				EndYear:   y.Year,
				Func:      cal.CalcDayOfMonth,
			})
		}
		for _, d := range y.WorkingWeekends {
			workingWeekends[d] = true
		}
	}
	// Labour Code art. 112 part 2: a holiday on a Saturday or Sunday moves the
	// day off to the next working day (the Monday), except 1-8 January.
	weekendMove := []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 1}}
	for _, h := range statutoryHolidays {
		hol := &cal.Holiday{
			Name:      h.name,
			Type:      cal.ObservancePublic,
			Month:     h.month,
			Day:       h.day,
			StartYear: years[0].Year,
			EndYear:   years[len(years)-1].Year,
			Except:    decreed,
			Func:      cal.CalcDayOfMonth,
		}
		if h.movable {
			hol.Observed = weekendMove
		}
		bc.AddHoliday(hol)
	}
	bc.WorkdayFunc = func(t time.Time) bool {
		switch t.Weekday() {
		case time.Saturday, time.Sunday:
			return workingWeekends[DateOf(t)]
		}
		return true
	}
	return bc
}

func (c *Calendar) buildIndex() {
	c.first = NewDate(c.firstYear, time.January, 1)
	c.end = NewDate(c.lastYear+1, time.January, 1)
	n := int(c.end - c.first)
	c.words = make([]uint64, (n+63)/64)
	c.before = make([]int32, len(c.words))
	c.workdays = make([]Date, 0, n*5/7)
	for i := 0; i < n; i++ {
		d := c.first + Date(i)
		if c.business.IsWorkday(d.Start(time.UTC)) {
			c.words[i/64] |= 1 << (i % 64)
			c.workdays = append(c.workdays, d)
		}
	}
	count := int32(0)
	for w, word := range c.words {
		c.before[w] = count
		count += int32(bits.OnesCount64(word))
	}
}

// BusinessCalendar returns the rickar BusinessCalendar the index was built
// from. It is shared: do not modify it.
func (c *Calendar) BusinessCalendar() *cal.BusinessCalendar { return c.business }

// Years returns the first and the last year the calendar covers.
func (c *Calendar) Years() (first, last int) { return c.firstYear, c.lastYear }

// Contains reports whether d lies within the calendar's years.
func (c *Calendar) Contains(d Date) bool { return d >= c.first && d < c.end }

// IsWorkday reports whether d is a working day. A date outside the calendar's
// years is reported as not a working day.
func (c *Calendar) IsWorkday(d Date) bool {
	if !c.Contains(d) {
		return false
	}
	i := int(d - c.first)
	return c.words[i/64]&(1<<(i%64)) != 0
}

// rank returns the number of working days from the calendar's first day up
// to and including d, which must be within the calendar.
func (c *Calendar) rank(d Date) int {
	i := int(d - c.first)
	w := i / 64
	mask := uint64(1)<<(i%64+1) - 1 // bits 0..i%64; wraps to all ones for 63
	return int(c.before[w]) + bits.OnesCount64(c.words[w]&mask)
}

// NthWorkingDayAfter returns the n-th working day strictly after d (n >= 1):
// the last day of a term of n working days that starts the day after d (Civil
// Code art. 191). A d that is a day off still counts from the next working
// day.
func (c *Calendar) NthWorkingDayAfter(d Date, n int) (Date, error) {
	if n < 1 {
		return 0, errors.New("calendar: a term of working days needs n >= 1")
	}
	var k int
	switch {
	case d >= c.first && d < c.end:
		k = c.rank(d) + n - 1
	case d == c.first-1:
		k = n - 1
	default:
		return 0, ErrOutOfRange
	}
	if k >= len(c.workdays) {
		return 0, ErrOutOfRange
	}
	return c.workdays[k], nil
}

// PrevWorkingDay returns the last working day strictly before d.
func (c *Calendar) PrevWorkingDay(d Date) (Date, error) {
	if d <= c.first || d > c.end {
		return 0, ErrOutOfRange
	}
	k := c.rank(d-1) - 1
	if k < 0 {
		return 0, ErrOutOfRange
	}
	return c.workdays[k], nil
}

// WorkingDaysBetween returns the number of working days after a up to and
// including b (zero when b <= a): how many working days of a term that
// started after a have run by the end of b.
func (c *Calendar) WorkingDaysBetween(a, b Date) (int, error) {
	if b <= a {
		return 0, nil
	}
	if a < c.first-1 || a >= c.end || b >= c.end {
		return 0, ErrOutOfRange
	}
	if a < c.first {
		return c.rank(b), nil
	}
	return c.rank(b) - c.rank(a), nil
}

// Provisional reports whether any date from a to b (inclusive) falls in a year
// that has no decree data, so that a result using those dates may change when
// the year's decree is published.
func (c *Calendar) Provisional(a, b Date) bool {
	if b < a {
		a, b = b, a
	}
	for y := max(a.Year(), c.firstYear); y <= min(b.Year(), c.lastYear); y++ {
		if c.years[y-c.firstYear].Provisional {
			return true
		}
	}
	return a < c.first || b >= c.end
}

// Year returns the calendar data of year y (provisional when no decree is
// known for it).
func (c *Calendar) Year(y int) (Year, error) {
	if y < c.firstYear || y > c.lastYear {
		return Year{}, fmt.Errorf("calendar: year %d out of range %d-%d", y, c.firstYear, c.lastYear)
	}
	return c.years[y-c.firstYear], nil
}
