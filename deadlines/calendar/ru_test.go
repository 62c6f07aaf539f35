package calendar

import (
	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ru"
)

// newRuBusinessCalendar is the calendar github.com/rickar/cal/v2/ru gives,
// used only to measure what it gets wrong.
func newRuBusinessCalendar() *cal.BusinessCalendar {
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(ru.Holidays...)
	return bc
}
