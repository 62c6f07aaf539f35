package deadlines

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// Deadline (срок) is an obligation's term computed for one trigger.
type Deadline struct {
	Obligation Obligation
	// Trigger is the instant that started the term, in the operator's zone.
	Trigger time.Time
	// TriggerDate is the local date of the trigger at the operator; the term
	// starts the next day (Civil Code art. 191).
	TriggerDate calendar.Date
	// Due is the legal deadline: the last day of the term, moved to the next
	// working day when a calendar-day or month term ends on a day off (Civil
	// Code art. 193). For an hour term it is the local date of DueAt.
	Due calendar.Date
	// Target is the internal target: the last day of the term without the
	// art. 193 shift (the last working day before it, when it falls on a day
	// off), so that nobody plans on the shift. It equals Due for working-day
	// and hour terms.
	Target calendar.Date
	// DueAt is the instant the term runs out: 24:00 local time of Due (Civil
	// Code art. 194 part 1), or the exact instant for an hour term.
	DueAt time.Time
	// ExtendedDue and ExtendedDueAt are the deadline after the extension,
	// set only for an extendable obligation.
	ExtendedDue   calendar.Date
	ExtendedDueAt time.Time
	// Provisional is true when a date the computation used falls in a year
	// without decree data: the deadline may move when the decree is known.
	Provisional bool
}

// HasExtension reports whether the deadline carries an extended date.
func (d Deadline) HasExtension() bool { return d.Obligation.Extendable() }

// Overdue reports whether the term has run out at now: now is at or past the
// instant the term ends.
func (d Deadline) Overdue(now time.Time) bool { return !now.Before(d.DueAt) }

// Errors of the engine.
var (
	// ErrNotExtendable: the obligation's term has no extension.
	ErrNotExtendable = errors.New("the term of this obligation cannot be extended")
	// ErrTermPassed: an extension notice was sent after the term ran out.
	ErrTermPassed = errors.New("the term has already run out: it can be extended only by a notice sent before its end")
	// ErrNoticeIncomplete: an extension without a motivated notice.
	ErrNoticeIncomplete = errors.New("an extension needs a motivated notice: the time it was sent, the reasons and the channel")
)

// Engine computes deadlines on a production calendar.
type Engine struct {
	cal *calendar.Calendar
}

// New returns an engine that counts working days on c.
func New(c *calendar.Calendar) *Engine { return &Engine{cal: c} }

// ForRequest computes the deadline of every obligation a request of type t
// opens, for a request received (or an event detected) at trigger, at an
// operator in time zone loc.
func (e *Engine) ForRequest(t RequestType, trigger time.Time, loc *time.Location) ([]Deadline, error) {
	obls, ok := ObligationsOf(t)
	if !ok {
		return nil, fmt.Errorf("unknown request type %q", t)
	}
	out := make([]Deadline, 0, len(obls))
	for _, o := range obls {
		d, err := e.Compute(o, trigger, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Compute counts the term of obligation o from trigger, at an operator in
// time zone loc.
func (e *Engine) Compute(o Obligation, trigger time.Time, loc *time.Location) (Deadline, error) {
	if loc == nil {
		return Deadline{}, errors.New("no time zone given")
	}
	trigger = trigger.In(loc)
	d := Deadline{Obligation: o, Trigger: trigger, TriggerDate: calendar.DateOf(trigger)}

	if o.Term.Unit == Hours {
		// An hour term runs from the trigger instant, through nights,
		// weekends and holidays alike (152-FZ art. 21 part 3.1).
		d.DueAt = trigger.Add(time.Duration(o.Term.N) * time.Hour)
		d.Due = calendar.DateOf(d.DueAt)
		d.Target = d.Due
		return d, nil
	}

	// A day-based term starts the day after the trigger date (Civil Code
	// art. 191); the trigger date is the local date at the operator.
	var err error
	switch o.Term.Unit {
	case WorkingDays:
		// The N-th working day after the trigger date; a trigger on a day off
		// still counts from the next working day.
		d.Due, err = e.cal.NthWorkingDayAfter(d.TriggerDate, o.Term.N)
		d.Target = d.Due
	case CalendarDays:
		d.Due, d.Target, err = e.shiftIfDayOff(d.TriggerDate.AddDays(o.Term.N))
	case Months:
		// Civil Code art. 192 part 3: the same date N months later, or the
		// last day of that month when it is shorter.
		d.Due, d.Target, err = e.shiftIfDayOff(d.TriggerDate.AddMonths(o.Term.N))
	default:
		err = fmt.Errorf("obligation %s: unknown unit %d", o.ID, o.Term.Unit)
	}
	if err != nil {
		return Deadline{}, e.rangeError(d.TriggerDate, err)
	}
	// A day-based term ends at 24:00 local time of its last day (Civil Code
	// art. 194 part 1).
	d.DueAt = d.Due.End(loc)
	last := d.Due

	if o.Extendable() {
		// The extended deadline is counted from the base deadline: the 5th
		// working day after it (152-FZ art. 20 parts 1-2, art. 21 part 5.1).
		if d.ExtendedDue, err = e.cal.NthWorkingDayAfter(d.Due, o.Extension.N); err != nil {
			return Deadline{}, e.rangeError(d.TriggerDate, err)
		}
		d.ExtendedDueAt = d.ExtendedDue.End(loc)
		last = d.ExtendedDue
	}
	d.Provisional = e.cal.Provisional(d.TriggerDate.AddDays(1), last)
	return d, nil
}

// shiftIfDayOff applies Civil Code art. 193 to the last day of a calendar-day
// or month term: when it is a day off, the term ends on the next working day
// (the legal deadline); the internal target is the last working day before
// it.
func (e *Engine) shiftIfDayOff(last calendar.Date) (due, target calendar.Date, err error) {
	if !e.cal.Contains(last) {
		return 0, 0, calendar.ErrOutOfRange
	}
	if e.cal.IsWorkday(last) {
		return last, last, nil
	}
	if due, err = e.cal.NthWorkingDayAfter(last, 1); err != nil {
		return 0, 0, err
	}
	if target, err = e.cal.PrevWorkingDay(last); err != nil {
		return 0, 0, err
	}
	return due, target, nil
}

func (e *Engine) rangeError(trigger calendar.Date, err error) error {
	if errors.Is(err, calendar.ErrOutOfRange) {
		first, last := e.cal.Years()
		return fmt.Errorf("a term from %s does not fit in the calendar's years %d-%d: %w", trigger, first, last, err)
	}
	return err
}

// Notice is the motivated notice (мотивированное уведомление) that extends a
// term: it must be sent to the subject (or to Roskomnadzor) before the term
// runs out, and give the reasons (152-FZ art. 20 parts 1-2, 4; art. 21 part
// 5.1).
type Notice struct {
	SentAt  time.Time
	Reasons string
	Channel string
}

// Extend returns d with its due date moved to the extended deadline. The
// extension is allowed only for an extendable obligation, only with a
// complete notice, and only if the notice was sent before the base term ran
// out (d.DueAt).
func Extend(d Deadline, n Notice) (Deadline, error) {
	if !d.Obligation.Extendable() {
		return Deadline{}, fmt.Errorf("%s: %w", d.Obligation.ID, ErrNotExtendable)
	}
	if n.SentAt.IsZero() || strings.TrimSpace(n.Reasons) == "" || strings.TrimSpace(n.Channel) == "" {
		return Deadline{}, ErrNoticeIncomplete
	}
	if !n.SentAt.Before(d.DueAt) {
		return Deadline{}, fmt.Errorf("%s: notice sent at %s, term ended at %s: %w",
			d.Obligation.ID, n.SentAt.Format(time.RFC3339), d.DueAt.Format(time.RFC3339), ErrTermPassed)
	}
	return d.WithExtension(), nil
}

// WithExtension returns d as it stands once extended: due date, target and
// due instant moved to the extended deadline. A deadline without an
// extension is returned unchanged. It checks nothing: Extend is the rule for
// granting an extension; this is the view of one already granted (or of
// "what if", as in a preview).
func (d Deadline) WithExtension() Deadline {
	if d.HasExtension() {
		d.Due, d.Target, d.DueAt = d.ExtendedDue, d.ExtendedDue, d.ExtendedDueAt
	}
	return d
}
