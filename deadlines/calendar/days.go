package calendar

import (
	"fmt"
	"time"
)

// Kind says why a day is working or not.
type Kind string

// The kinds of day.
const (
	KindWorkday           Kind = "workday"             // Monday-Friday working day
	KindWeekend           Kind = "weekend"             // Saturday or Sunday off (Labour Code art. 111)
	KindHoliday           Kind = "holiday"             // holiday of Labour Code art. 112 part 1
	KindTransferredDayOff Kind = "transferred_day_off" // weekday off moved by decree or by art. 112 part 2
	KindWorkingWeekend    Kind = "working_weekend"     // Saturday or Sunday made a working day by decree
)

// Day is one date of the production calendar.
type Day struct {
	Date    Date
	Working bool
	Kind    Kind
	// Name is the holiday's name, or where a moved day off comes from; empty
	// for plain working days and weekends.
	Name string
	// Shortened is set when the year's data lists pre-holiday shortened days
	// (Labour Code art. 95), nil when it does not.
	Shortened *bool
}

// Days returns every date of year y with its kind.
func (c *Calendar) Days(y int) ([]Day, error) {
	yd, err := c.Year(y)
	if err != nil {
		return nil, err
	}
	start, end := NewDate(y, time.January, 1), NewDate(y+1, time.January, 1)
	days := make([]Day, 0, end-start)
	for d := start; d < end; d++ {
		day := Day{Date: d, Working: c.IsWorkday(d), Kind: dayKind(&yd, d), Name: dayName(&yd, d)}
		if yd.ShortenedDays != nil {
			s := containsDate(yd.ShortenedDays, d)
			day.Shortened = &s
		}
		days = append(days, day)
	}
	return days, nil
}

func dayKind(y *Year, d Date) Kind {
	_, holiday := statutoryHolidayOn(d)
	switch {
	case d.IsWeekend() && containsDate(y.WorkingWeekends, d):
		return KindWorkingWeekend
	case holiday:
		return KindHoliday
	case d.IsWeekend():
		return KindWeekend
	case containsDate(y.NonworkingWeekdays, d):
		return KindTransferredDayOff
	}
	return KindWorkday
}

// ruWeekday is the short Russian name of a weekday.
var ruWeekday = [...]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"}

func ruDate(d Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%d (%s)", day, m, y, ruWeekday[d.Weekday()])
}

// dayName names d in y: the holiday, where a moved day off comes from, or
// where a working weekend day's day off went.
func dayName(y *Year, d Date) string {
	if h, ok := statutoryHolidayOn(d); ok {
		return h.name
	}
	source := "постановление Правительства РФ № " + y.Decree.Number
	if y.Provisional {
		source = "ТК РФ ст. 112 ч. 2"
	}
	for _, t := range y.Transfers {
		switch d {
		case t.To:
			return fmt.Sprintf("Перенесённый выходной день с %s, %s", ruDate(t.From), source)
		case t.From:
			return fmt.Sprintf("Рабочий день, выходной перенесён на %s, %s", ruDate(t.To), source)
		}
	}
	if !d.IsWeekend() && containsDate(y.NonworkingWeekdays, d) {
		// A weekend holiday moved to the next working day by the law itself
		// (Labour Code art. 112 part 2), which decrees do not list.
		for back := d.AddDays(-1); back >= d.AddDays(-3); back-- {
			if h, ok := statutoryHolidayOn(back); ok && h.movable && back.IsWeekend() {
				return fmt.Sprintf("Перенесённый выходной день с %s, ТК РФ ст. 112 ч. 2", ruDate(back))
			}
		}
		return "Нерабочий день"
	}
	return ""
}
