// Package register is the register of requests (журнал учета обращений): a
// data subject's request, the operator's obligations it opens with their
// deadlines, its status and its whole life as a timeline. It imports neither
// Echo nor GORM: storage and HTTP are adapters around it.
package register

import (
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// Status is where a request stands.
type Status string

// The statuses. new → in_progress → answered or refused → closed; cancelled
// from new or in_progress.
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusAnswered   Status = "answered"
	StatusRefused    Status = "refused"
	StatusClosed     Status = "closed"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every status in the order of a request's life.
func Statuses() []Status {
	return []Status{StatusNew, StatusInProgress, StatusAnswered, StatusRefused, StatusClosed, StatusCancelled}
}

// Open reports whether the request still waits for the operator's answer.
func (s Status) Open() bool { return s == StatusNew || s == StatusInProgress }

// Channel is how a request arrived, and the form its answer must take.
type Channel string

// The channels.
const (
	ChannelEmail     Channel = "email"
	ChannelPost      Channel = "post"
	ChannelInPerson  Channel = "in_person"
	ChannelWebForm   Channel = "web_form"
	ChannelPhone     Channel = "phone"
	ChannelAuthority Channel = "authority"
	ChannelOther     Channel = "other"
)

// Channels lists every channel.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelPost, ChannelInPerson, ChannelWebForm, ChannelPhone, ChannelAuthority, ChannelOther}
}

// Outcome is how the operator answered.
type Outcome string

// The outcomes.
const (
	OutcomeFulfilled          Outcome = "fulfilled"
	OutcomePartiallyFulfilled Outcome = "partially_fulfilled"
	OutcomeRefused            Outcome = "refused"
)

// CancelReason says why a request was cancelled.
type CancelReason string

// The reasons to cancel.
const (
	CancelDuplicate     CancelReason = "duplicate"
	CancelWithdrawn     CancelReason = "withdrawn"
	CancelLoggedInError CancelReason = "logged_in_error"
)

// Outcomes lists every outcome.
func Outcomes() []Outcome {
	return []Outcome{OutcomeFulfilled, OutcomePartiallyFulfilled, OutcomeRefused}
}

// CancelReasons lists every reason to cancel.
func CancelReasons() []CancelReason {
	return []CancelReason{CancelDuplicate, CancelWithdrawn, CancelLoggedInError}
}

// ObligationStatus is where one obligation stands.
type ObligationStatus string

// The obligation statuses.
const (
	ObligationOpen          ObligationStatus = "open"
	ObligationDone          ObligationStatus = "done"
	ObligationNotApplicable ObligationStatus = "not_applicable"
)

// Subject (субъект персональных данных) is the person the request is from,
// or, for a Roskomnadzor request, the authority. At least one contact is
// needed to send the answer.
type Subject struct {
	Name          string
	Email         string
	Phone         string
	PostalAddress string
}

// Representative (представитель) acts for the subject on a document of
// authority (152-FZ art. 14 part 3).
type Representative struct {
	Name string
	// Authority is the document that gives the authority (доверенность, its
	// number and date).
	Authority string
}

// Identity holds the details a request must carry (152-FZ art. 14 part 3):
// the number, date and issuer of the subject's identity document and what
// proves the subject's relation with the operator (a contract number, say).
// Verified is set once someone checked them.
type Identity struct {
	DocumentNumber string
	DocumentDate   *calendar.Date
	DocumentIssuer string
	Relation       string
	Verified       bool
}

// Extension is the motivated notice that extended the term (152-FZ art. 14
// part 3, art. 20 parts 1-2, art. 21 part 5.1).
type Extension struct {
	NoticeSentAt time.Time
	Reasons      string
	Channel      Channel
}

// Answer is the operator's answer (ответ) or motivated refusal.
type Answer struct {
	Outcome Outcome
	// Date is the date of the answer letter, local to the operator.
	Date calendar.Date
	// Number is the outgoing number of the answer, if any.
	Number string
	// Text is the answer, or Reference where it is kept (a file, a letter).
	Text      string
	Reference string
}

// Repeat marks a repeated access request: one from the same subject within
// 30 days of an earlier one (152-FZ art. 14 part 4).
type Repeat struct {
	OfID     string
	OfNumber string
}

// Obligation is one duty a request opened, with its computed deadline.
type Obligation struct {
	// ID is the engine's obligation id ("access.answer").
	ID    string
	Basis string
	// TriggerAt is the instant the term counts from.
	TriggerAt time.Time
	// Due is the legal deadline; Target the internal one; DueAt the
	// instant the term runs out (24:00 local of Due, or exact for hours).
	Due    calendar.Date
	Target calendar.Date
	DueAt  time.Time
	// ExtendedDue and ExtendedDueAt are set for an extendable obligation.
	ExtendedDue   *calendar.Date
	ExtendedDueAt *time.Time
	// Extended is true once the term was extended by a notice.
	Extended    bool
	Provisional bool
	Status      ObligationStatus
	// DoneAt is the instant the answer was recorded, DoneBy who did it.
	DoneAt *time.Time
	DoneBy string
	// DoneOn is the date of the answer (or refusal) that met the
	// obligation, local to the operator: a letter dated 15 May and entered
	// a week later was still sent on 15 May. Nil on rows recorded before
	// the answer's date was kept.
	DoneOn *calendar.Date
}

// EffectiveDueAt is the instant the term runs out, extension included.
func (o Obligation) EffectiveDueAt() time.Time {
	if o.Extended && o.ExtendedDueAt != nil {
		return *o.ExtendedDueAt
	}
	return o.DueAt
}

// EffectiveDue is the legal deadline date, extension included.
func (o Obligation) EffectiveDue() calendar.Date {
	if o.Extended && o.ExtendedDue != nil {
		return *o.ExtendedDue
	}
	return o.Due
}

// OnTime reports, for a done obligation, whether it was done before its
// term ran out: the evidence an inspector asks for. False while open.
//
// The answer's own date decides, not the moment it was entered: a day term
// is met by an answer dated on or before its last day, read in loc, the
// operator's zone of the request (Civil Code art. 194 part 1: until 24:00
// of the last day). An hour term is met when the answer was entered before
// it ran out, or dated a day that ended before it; an answer dated the very
// day an hour term ends and entered after it cannot prove the hour, so it
// counts as late.
func (o Obligation) OnTime(loc *time.Location) bool {
	if o.Status != ObligationDone || o.DoneAt == nil {
		return false
	}
	due := o.EffectiveDueAt()
	if o.DoneAt.Before(due) {
		return true // entered in time, so dated in time: the date is never in the future
	}
	return o.DoneOn != nil && !o.DoneOn.End(loc).After(due)
}

// Request (обращение) is one request or event registered with Srok.
type Request struct {
	ID string
	// Number is the registration number, unique per year: 2026-000123.
	Number  string
	Type    deadlines.RequestType
	Channel Channel
	// AnswerForm is the form the answer must take: that of the request
	// unless the subject asked otherwise (152-FZ art. 14 part 3).
	AnswerForm Channel
	ReceivedAt time.Time
	// TimeZone is the operator's IANA zone: it decides the local dates.
	TimeZone string
	// EvidenceReceivedAt is when the information confirming the claim
	// arrived, for rectification and erasure, whose terms count from it
	// (152-FZ art. 20 part 3, art. 21 part 1). Nil: the request carried it.
	EvidenceReceivedAt *time.Time
	Subject            Subject
	Representative     *Representative
	Identity           Identity
	Summary            string
	// Assignee is the email of the user the request is assigned to (or,
	// for requests assigned before accounts existed, the name typed then);
	// AssigneeID is that user's id, "" for the unassigned and the old
	// free-text assignees.
	Assignee     string
	AssigneeID   string
	Status       Status
	Obligations  []Obligation
	Extension    *Extension
	Answer       *Answer
	Repeat       *Repeat
	CancelReason CancelReason
	CancelNote   string
	ClosedAt     *time.Time
	// EmailID is the stored email the request was registered from, ""
	// when none (package intake keeps it as received).
	EmailID string
	// Version counts the changes; a change must name the version it saw.
	Version   int
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
}

// NextDueAt is the instant the earliest open obligation runs out, or nil
// when none is open.
func (r *Request) NextDueAt() *time.Time {
	var next *time.Time
	for i := range r.Obligations {
		o := &r.Obligations[i]
		if o.Status != ObligationOpen {
			continue
		}
		if d := o.EffectiveDueAt(); next == nil || d.Before(*next) {
			next = &d
		}
	}
	return next
}

// Overdue reports whether an open obligation's term has run out at now.
func (r *Request) Overdue(now time.Time) bool {
	n := r.NextDueAt()
	return n != nil && !now.Before(*n)
}

// Location returns the operator's zone of the request.
func (r *Request) Location() *time.Location {
	loc, err := deadlines.LoadZone(r.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Event is one entry of a request's timeline: who did what, when, and the
// values before and after. The timeline is append-only.
type Event struct {
	ID        int64
	RequestID string
	At        time.Time
	ActorID   string
	ActorName string
	Kind      EventKind
	// Before and After hold the changed fields, by their JSON names.
	Before map[string]any
	After  map[string]any
	Note   string
}

// EventKind says what happened.
type EventKind string

// The event kinds.
const (
	EventCreated    EventKind = "created"
	EventUpdated    EventKind = "updated"
	EventRecomputed EventKind = "recomputed"
	EventAssigned   EventKind = "assigned"
	EventExtended   EventKind = "extended"
	EventAnswered   EventKind = "answered"
	EventRefused    EventKind = "refused"
	EventClosed     EventKind = "closed"
	EventCancelled  EventKind = "cancelled"
	EventNote       EventKind = "note"
	EventRepeat     EventKind = "repeat_flagged"
	// EventReminderSent and EventReminderFailed are written by the
	// reminders' delivery (pkg/remind): a reminder went out, or failed for
	// good.
	EventReminderSent   EventKind = "reminder_sent"
	EventReminderFailed EventKind = "reminder_failed"
)

// EventKinds lists every event kind a timeline may hold.
func EventKinds() []EventKind {
	return []EventKind{EventCreated, EventUpdated, EventRecomputed, EventAssigned, EventExtended, EventAnswered,
		EventRefused, EventClosed, EventCancelled, EventNote, EventRepeat, EventReminderSent, EventReminderFailed, EventEmailAttached,
		EventLetterIssued}
}
