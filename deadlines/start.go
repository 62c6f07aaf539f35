package deadlines

import (
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// TermStart is the first day of a day-based term triggered at trigger: the
// day after the trigger's local date in loc (Civil Code art. 191), the rule
// Engine.Compute counts from. An hour term starts at the trigger itself.
func TermStart(trigger time.Time, loc *time.Location) calendar.Date {
	return calendar.DateOf(trigger.In(loc)).AddDays(1)
}
