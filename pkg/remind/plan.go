// Package remind plans the reminders (напоминания) that keep the operator's
// terms: which obligation is to be reminded of, on which local date, at which
// stage and to whom, counted on the production calendar in the operator's
// zone. The terms themselves are the law (package deadlines: 152-FZ art. 14
// parts 3-4 and art. 20 parts 1-2 for access and its extension, art. 20
// part 3 and art. 21 for rectification, erasure and the rest, art. 21 part
// 3.1 for incidents); the offsets and the hour of reminders are policy and
// live here, as each user's settings.
//
// The rules are per day: for a local date D the planner computes only the
// stage that applies on D, from the obligation as it stands on D. A
// reassignment, an extension, an answer or a cancellation therefore needs
// nothing of its own: the next day reads the new state.
package remind

import (
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/srok"
)

// Stage is how close a term is, as a reminder says it.
type Stage string

// The stages, in the order of an obligation's life.
const (
	// StageSoon: SoonDays working days before the internal target.
	StageSoon Stage = "soon"
	// StageTomorrow: TomorrowDays working days before the internal target.
	StageTomorrow Stage = "tomorrow"
	// StageDue: on the internal target day.
	StageDue Stage = "due"
	// StageOverdue: every working day after the legal date while the
	// obligation stays open.
	StageOverdue Stage = "overdue"
	// StageEscalation: on the first overdue working day, to every active
	// officer (ответственный за организацию обработки ПДн, 152-FZ art. 22.1).
	StageEscalation Stage = "escalation"
)

// Stages lists every stage.
func Stages() []Stage {
	return []Stage{StageSoon, StageTomorrow, StageDue, StageOverdue, StageEscalation}
}

// Recipient is a user a reminder goes to, with their settings.
type Recipient struct {
	UserID string
	Email  string
	// Role is the recipient's role, where the store says it (the
	// responsible of unassigned requests: officers, or administrators
	// while there is no officer).
	Role     srok.Role
	Settings Settings
}

// Obligation is what the planner knows of one obligation on a day: the
// register's obligation (обязанность оператора) with its request, as they
// stand.
type Obligation struct {
	RequestID    string
	Number       string
	ObligationID string
	// Target is the internal target date and Legal the legal date (the
	// last day of the term, 152-FZ art. 14, 20, 21 with Civil Code arts.
	// 191-194); both are the extended date once the term was extended
	// (152-FZ art. 20 part 2, art. 21 part 5.1).
	Target calendar.Date
	Legal  calendar.Date
	// Open is true while the obligation is open and its request is too
	// (new or in progress): an answer, a refusal, a close or a cancel
	// stops the reminders.
	Open bool
	// Assignee is the active user the request is assigned to; nil when it
	// is assigned to nobody, to a disabled user, or to a name typed before
	// accounts existed: the officers are reminded instead.
	Assignee *Recipient
	// Location is the operator's zone of the request: it decides the local
	// dates and the sending hour.
	Location *time.Location
	// Registered is the local date the request was registered in Srok: a
	// request registered late gets, on its first working day, the stage
	// that applies then and none of the earlier ones.
	Registered calendar.Date
}

// Reminder is one reminder to queue: a row of the outbox.
type Reminder struct {
	RequestID    string `json:"request_id"`
	Number       string `json:"number"`
	ObligationID string `json:"obligation_id"`
	Stage        Stage  `json:"stage"`
	RecipientID  string `json:"recipient_id"`
	Email        string `json:"recipient_email"`
	// LocalDate is the operator's local date the reminder is for; SendAt
	// the recipient's sending hour on that date, in the request's zone.
	LocalDate calendar.Date `json:"date"`
	SendAt    time.Time     `json:"send_at"`
	Target    calendar.Date `json:"target_date"`
	Legal     calendar.Date `json:"legal_date"`
	// Digest is copied from the recipient's settings.
	Digest bool `json:"digest"`
}

// Planner applies the rules on a production calendar. It is pure: no clock,
// no database.
type Planner struct {
	cal *calendar.Calendar
}

// NewPlanner returns a planner counting working days on c.
func NewPlanner(c *calendar.Calendar) *Planner { return &Planner{cal: c} }

// Calendar returns the planner's calendar.
func (p *Planner) Calendar() *calendar.Calendar { return p.cal }

// workingDayBefore returns the k-th working day before d (k >= 1), or false
// when it falls outside the calendar.
func (p *Planner) workingDayBefore(d calendar.Date, k int) (calendar.Date, bool) {
	for ; k > 0; k-- {
		var err error
		if d, err = p.cal.PrevWorkingDay(d); err != nil {
			return 0, false
		}
	}
	return d, true
}

// onOrBeforeWorkday returns d when it is a working day, else the last
// working day before it.
func (p *Planner) onOrBeforeWorkday(d calendar.Date) (calendar.Date, bool) {
	if p.cal.IsWorkday(d) {
		return d, true
	}
	return p.workingDayBefore(d, 1)
}

// onOrAfterWorkday returns d when it is a working day, else the first
// working day after it.
func (p *Planner) onOrAfterWorkday(d calendar.Date) (calendar.Date, bool) {
	if p.cal.IsWorkday(d) {
		return d, true
	}
	n, err := p.cal.NthWorkingDayAfter(d, 1)
	return n, err == nil
}

// DueDay is the day of the "due" stage: the internal target, or the last
// working day before it when the target is a day off (an hour term that
// runs out on a weekend, 152-FZ art. 21 part 3.1). A calendar-day term whose
// last day fell on a day off already has its target on the last working day
// before it (Civil Code art. 193 moves only the legal date).
func (p *Planner) DueDay(o Obligation) (calendar.Date, bool) {
	return p.onOrBeforeWorkday(o.Target)
}

// EscalationDay is the first working day after the legal date: the first
// day the term has run out (Civil Code art. 194 part 1: it ends at 24:00 of
// its last day).
func (p *Planner) EscalationDay(o Obligation) (calendar.Date, bool) {
	n, err := p.cal.NthWorkingDayAfter(o.Legal, 1)
	return n, err == nil
}

// window reports whether stage [start, end) fires on d: on its first day,
// or, for a request registered inside the window, on its first working day
// in Srok (first) when that is d.
func window(d, start, end, first calendar.Date) bool {
	if d == start {
		return first <= start
	}
	return d == first && start < d && d < end
}

// StageOn returns the stage one responsible person with settings s is
// reminded of on local date d, if any. Only working days send. "soon",
// "tomorrow" and "due" fire once, on their day; "overdue" fires on every
// working day after the legal date. A request registered after a stage's
// day gets that stage on its first working day only while the stage still
// applies (before the next stage's day): never a burst of old ones.
func (p *Planner) StageOn(o Obligation, s Settings, d calendar.Date) (Stage, bool) {
	if !o.Open || d < o.Registered || !p.cal.IsWorkday(d) {
		return "", false
	}
	if d > o.Legal {
		return StageOverdue, true
	}
	first, ok := p.onOrAfterWorkday(o.Registered)
	if !ok {
		return "", false
	}
	due, ok := p.DueDay(o)
	if !ok {
		return "", false
	}
	if window(d, due, o.Legal+1, first) {
		return StageDue, true
	}
	tomorrow, okT := p.workingDayBefore(due, s.TomorrowDays)
	if okT && window(d, tomorrow, due, first) {
		return StageTomorrow, true
	}
	if s.SoonDays <= s.TomorrowDays {
		return "", false // "soon" would come with or after "tomorrow": "tomorrow" says it
	}
	soon, okS := p.workingDayBefore(due, s.SoonDays)
	end := due
	if okT {
		end = tomorrow
	}
	if okS && window(d, soon, end, first) {
		return StageSoon, true
	}
	return "", false
}

// EscalatesOn reports whether the officers are told on d that the term has
// run out: on the first working day after the legal date, or on the first
// working day of a request registered when its term had already run out.
func (p *Planner) EscalatesOn(o Obligation, d calendar.Date) bool {
	if !o.Open || d < o.Registered || !p.cal.IsWorkday(d) {
		return false
	}
	esc, ok := p.EscalationDay(o)
	if !ok {
		return false
	}
	first, ok := p.onOrAfterWorkday(o.Registered)
	if !ok {
		return false
	}
	return window(d, esc, calendar.Date(1<<31-1), first)
}

// Plan returns the reminders of obligation o on local date d, given the
// active officers. The assignee is reminded at each stage; an unassigned
// obligation (or one whose assignee is disabled) reminds every officer
// instead. On the escalation day every officer gets the escalation, and an
// officer who would also get "overdue" that day gets the escalation alone:
// one email per obligation and recipient a day.
func (p *Planner) Plan(o Obligation, officers []Recipient, d calendar.Date) []Reminder {
	responsible := officers
	if o.Assignee != nil {
		responsible = []Recipient{*o.Assignee}
	}
	escalates := p.EscalatesOn(o, d)
	isOfficer := make(map[string]bool, len(officers))
	for _, r := range officers {
		isOfficer[r.UserID] = true
	}
	var out []Reminder
	for _, r := range responsible {
		st, ok := p.StageOn(o, r.Settings, d)
		if !ok || (escalates && st == StageOverdue && isOfficer[r.UserID]) {
			continue
		}
		out = append(out, p.reminder(o, r, st, d))
	}
	if escalates {
		for _, r := range officers {
			out = append(out, p.reminder(o, r, StageEscalation, d))
		}
	}
	return out
}

func (p *Planner) reminder(o Obligation, r Recipient, st Stage, d calendar.Date) Reminder {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, day := d.Civil()
	return Reminder{
		RequestID:    o.RequestID,
		Number:       o.Number,
		ObligationID: o.ObligationID,
		Stage:        st,
		RecipientID:  r.UserID,
		Email:        r.Email,
		LocalDate:    d,
		SendAt:       time.Date(y, m, day, r.Settings.SendHour, 0, 0, 0, loc),
		Target:       o.Target,
		Legal:        o.Legal,
		Digest:       r.Settings.Digest,
	}
}
