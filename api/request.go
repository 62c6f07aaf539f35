package api

import (
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Request is a request of the register as the REST API shows it. Instants
// are RFC 3339 in the operator's time zone; dates are local YYYY-MM-DD.
type Request struct {
	ID                 string          `json:"id"`
	Number             string          `json:"number"`
	Type               string          `json:"type"`
	Channel            string          `json:"channel"`
	AnswerForm         string          `json:"answer_form"`
	ReceivedAt         string          `json:"received_at"`
	TimeZone           string          `json:"time_zone"`
	EvidenceReceivedAt *string         `json:"evidence_received_at"`
	Subject            Subject         `json:"subject"`
	Representative     *Representative `json:"representative"`
	Identity           Identity        `json:"identity"`
	Summary            string          `json:"summary"`
	Assignee           string          `json:"assignee"`
	Status             string          `json:"status"`
	Obligations        []Obligation    `json:"obligations"`
	// NextDueAt is when the earliest open term runs out; null when none is open.
	NextDueAt    *string    `json:"next_due_at"`
	Overdue      bool       `json:"overdue"`
	Extension    *Extension `json:"extension"`
	Answer       *Answer    `json:"answer"`
	RepeatOf     *RepeatOf  `json:"repeat_of"`
	CancelReason *string    `json:"cancel_reason"`
	CancelNote   *string    `json:"cancel_note"`
	ClosedAt     *string    `json:"closed_at"`
	EmailID      *string    `json:"email_id"` // the stored email it was registered from, null when none
	Version      int        `json:"version"`
	CreatedAt    string     `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	UpdatedAt    string     `json:"updated_at"`
	UpdatedBy    string     `json:"updated_by"`
	// Actions says what the caller may do with the request now, and why
	// not: on the answers about one request (not in lists).
	Actions []Action `json:"actions,omitempty"`
}

// Action is whether the caller may take one action on the request now
// (register.Actions decides; the pages show the same).
type Action struct {
	Name    string `json:"name"`
	Allowed bool   `json:"allowed"`
	// Reason is why not, a code (register.Reasons); absent when allowed.
	Reason string `json:"reason,omitempty"`
}

// NewActions renders what a may do with r.
func NewActions(a srok.Actor, r *register.Request) []Action {
	var out []Action
	for _, av := range register.Actions(a, r) {
		out = append(out, Action{Name: string(av.Action), Allowed: av.Allowed, Reason: string(av.Reason)})
	}
	return out
}

// Subject is the person the request is from.
type Subject struct {
	Name          string `json:"name"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
	PostalAddress string `json:"postal_address"`
}

// Representative acts for the subject.
type Representative struct {
	Name      string `json:"name"`
	Authority string `json:"authority"`
}

// Identity holds the details of 152-FZ art. 14 part 3.
type Identity struct {
	DocumentNumber string  `json:"document_number"`
	DocumentDate   *string `json:"document_date"`
	DocumentIssuer string  `json:"document_issuer"`
	Relation       string  `json:"relation"`
	Verified       bool    `json:"verified"`
}

// Obligation is one duty of the request and its deadline.
type Obligation struct {
	ID              string  `json:"id"`
	Basis           string  `json:"basis"`
	TriggerAt       string  `json:"trigger_at"`
	DueDate         string  `json:"due_date"`
	TargetDate      string  `json:"target_date"`
	DueAt           string  `json:"due_at"`
	ExtendedDueDate *string `json:"extended_due_date"`
	ExtendedDueAt   *string `json:"extended_due_at"`
	Extended        bool    `json:"extended"`
	// EffectiveDueAt is DueAt, or ExtendedDueAt once extended.
	EffectiveDueAt string  `json:"effective_due_at"`
	Provisional    bool    `json:"provisional"`
	Status         string  `json:"status"`
	DoneAt         *string `json:"done_at"`
	DoneBy         *string `json:"done_by"`
	// DoneOn is the date of the answer that met the obligation: it decides
	// OnTime.
	DoneOn *string `json:"done_on"`
	// OnTime is, for a done obligation, whether it was met in time by the
	// answer's date; null while not done.
	OnTime  *bool `json:"on_time"`
	Overdue bool  `json:"overdue"`
}

// Extension is the motivated notice that extended the term.
type Extension struct {
	NoticeSentAt string `json:"notice_sent_at"`
	Reasons      string `json:"reasons"`
	Channel      string `json:"channel"`
}

// Answer is the operator's answer or refusal.
type Answer struct {
	Outcome   string `json:"outcome"`
	Date      string `json:"date"`
	Number    string `json:"number"`
	Text      string `json:"text"`
	Reference string `json:"reference"`
}

// RepeatOf names the earlier access request a repeated one follows
// (152-FZ art. 14 part 4).
type RepeatOf struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

func instant(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

func instantPtr(t *time.Time, loc *time.Location) *string {
	if t == nil {
		return nil
	}
	s := instant(*t, loc)
	return &s
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NewRequest renders r at now.
func NewRequest(r *register.Request, now time.Time) Request {
	loc := r.Location()
	out := Request{
		ID:                 r.ID,
		Number:             r.Number,
		Type:               string(r.Type),
		Channel:            string(r.Channel),
		AnswerForm:         string(r.AnswerForm),
		ReceivedAt:         instant(r.ReceivedAt, loc),
		TimeZone:           r.TimeZone,
		EvidenceReceivedAt: instantPtr(r.EvidenceReceivedAt, loc),
		Subject: Subject{Name: r.Subject.Name, Email: r.Subject.Email, Phone: r.Subject.Phone,
			PostalAddress: r.Subject.PostalAddress},
		Identity: Identity{DocumentNumber: r.Identity.DocumentNumber, DocumentIssuer: r.Identity.DocumentIssuer,
			Relation: r.Identity.Relation, Verified: r.Identity.Verified},
		Summary:      r.Summary,
		Assignee:     r.Assignee,
		Status:       string(r.Status),
		Obligations:  make([]Obligation, 0, len(r.Obligations)),
		NextDueAt:    instantPtr(r.NextDueAt(), loc),
		Overdue:      r.Overdue(now),
		CancelReason: strOrNil(string(r.CancelReason)),
		CancelNote:   strOrNil(r.CancelNote),
		ClosedAt:     instantPtr(r.ClosedAt, loc),
		EmailID:      strOrNil(r.EmailID),
		Version:      r.Version,
		CreatedAt:    instant(r.CreatedAt, loc),
		CreatedBy:    r.CreatedBy,
		UpdatedAt:    instant(r.UpdatedAt, loc),
		UpdatedBy:    r.UpdatedBy,
	}
	if r.CancelReason != "" && out.CancelNote == nil {
		empty := ""
		out.CancelNote = &empty
	}
	if d := r.Identity.DocumentDate; d != nil {
		s := d.String()
		out.Identity.DocumentDate = &s
	}
	if p := r.Representative; p != nil {
		out.Representative = &Representative{Name: p.Name, Authority: p.Authority}
	}
	if e := r.Extension; e != nil {
		out.Extension = &Extension{NoticeSentAt: instant(e.NoticeSentAt, loc), Reasons: e.Reasons, Channel: string(e.Channel)}
	}
	if a := r.Answer; a != nil {
		out.Answer = &Answer{Outcome: string(a.Outcome), Date: a.Date.String(), Number: a.Number, Text: a.Text, Reference: a.Reference}
	}
	if p := r.Repeat; p != nil {
		out.RepeatOf = &RepeatOf{ID: p.OfID, Number: p.OfNumber}
	}
	for _, o := range r.Obligations {
		ob := Obligation{
			ID:             o.ID,
			Basis:          o.Basis,
			TriggerAt:      instant(o.TriggerAt, loc),
			DueDate:        o.Due.String(),
			TargetDate:     o.Target.String(),
			DueAt:          instant(o.DueAt, loc),
			ExtendedDueAt:  instantPtr(o.ExtendedDueAt, loc),
			Extended:       o.Extended,
			EffectiveDueAt: instant(o.EffectiveDueAt(), loc),
			Provisional:    o.Provisional,
			Status:         string(o.Status),
			DoneAt:         instantPtr(o.DoneAt, loc),
			DoneBy:         strOrNil(o.DoneBy),
			Overdue:        o.Status == register.ObligationOpen && !now.Before(o.EffectiveDueAt()),
		}
		if o.ExtendedDue != nil {
			s := o.ExtendedDue.String()
			ob.ExtendedDueDate = &s
		}
		if o.DoneOn != nil {
			s := o.DoneOn.String()
			ob.DoneOn = &s
		}
		if o.Status == register.ObligationDone {
			t := o.OnTime(loc)
			ob.OnTime = &t
		}
		out.Obligations = append(out.Obligations, ob)
	}
	return out
}

// RequestList is a page of requests.
type RequestList struct {
	Items []Request `json:"items"`
	// NextCursor fetches the next page; null on the last one.
	NextCursor *string `json:"next_cursor"`
}

// Event is one entry of a request's timeline.
type Event struct {
	ID     int64          `json:"id"`
	At     string         `json:"at"`
	Actor  EventActor     `json:"actor"`
	Kind   string         `json:"kind"`
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	Note   string         `json:"note"`
}

// EventActor is who did it.
type EventActor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// NewEvent renders e in loc.
func NewEvent(e register.Event, loc *time.Location) Event {
	return Event{ID: e.ID, At: instant(e.At, loc), Actor: EventActor{ID: e.ActorID, Name: e.ActorName},
		Kind: string(e.Kind), Before: e.Before, After: e.After, Note: e.Note}
}

// Timeline is a page of a request's timeline, oldest first.
type Timeline struct {
	Items []Event `json:"items"`
	// NextAfter fetches the next page (?after=); null on the last one.
	NextAfter *int64 `json:"next_after"`
}

// Dashboard is the body of GET /api/v1/dashboard.
type Dashboard struct {
	Now        string       `json:"now"`
	Today      string       `json:"today"`
	SoonUntil  string       `json:"soon_until"`
	TimeZone   string       `json:"time_zone"`
	Overdue    Bucket       `json:"overdue"`
	DueToday   Bucket       `json:"due_today"`
	DueSoon    Bucket       `json:"due_soon"`
	ByAssignee []GroupCount `json:"by_assignee"`
	ByType     []GroupCount `json:"by_type"`
}

// Bucket is a count and the first requests by due time.
type Bucket struct {
	Count int       `json:"count"`
	Items []Request `json:"items"`
}

// GroupCount is the counts of one assignee or type.
type GroupCount struct {
	Key      string `json:"key"`
	Overdue  int    `json:"overdue"`
	DueToday int    `json:"due_today"`
	DueSoon  int    `json:"due_soon"`
	// AssigneeDisabled, in by_assignee, marks an assignee whose account is
	// disabled: their open requests need another assignee.
	AssigneeDisabled bool `json:"assignee_disabled"`
}

// NewDashboard renders d.
func NewDashboard(d *register.Dashboard) Dashboard {
	loc, err := deadlines.LoadZone(d.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	out := Dashboard{Now: instant(d.Now, loc), Today: d.Today.String(), SoonUntil: d.SoonUntil.String(), TimeZone: d.TimeZone,
		ByAssignee: groups(d.ByAssignee), ByType: groups(d.ByType)}
	for _, b := range []struct {
		dst *Bucket
		src register.Bucket
	}{{&out.Overdue, d.Overdue}, {&out.DueToday, d.DueToday}, {&out.DueSoon, d.DueSoon}} {
		b.dst.Count = b.src.Count
		b.dst.Items = make([]Request, 0, len(b.src.Items))
		for _, r := range b.src.Items {
			b.dst.Items = append(b.dst.Items, NewRequest(r, d.Now))
		}
	}
	return out
}

func groups(gs []register.GroupCount) []GroupCount {
	out := make([]GroupCount, len(gs))
	for i, g := range gs {
		out[i] = GroupCount{Key: g.Key, Overdue: g.Overdue, DueToday: g.DueToday, DueSoon: g.DueSoon, AssigneeDisabled: g.AssigneeDisabled}
	}
	return out
}
