package register

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// RepeatWindow is the period within which a second access request from the
// same subject is a repeated one (152-FZ art. 14 part 4: thirty days).
const RepeatWindow = 30 * 24 * time.Hour

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Service is the register's use cases. It is safe for concurrent use.
type Service struct {
	store Store
	// cals gives the calendar terms are counted on, read at each use: it
	// may be replaced while serving (a new year's decree imported).
	cals calendar.Source
	zone *time.Location
	now  func() time.Time
	// gen counts the changes made through this service; the dashboard
	// cache is valid for one generation.
	gen  atomic.Uint64
	dash dashboardCache
	// users resolves assignees; audit records reads and changes.
	users Users
	audit audit.Trail
	// emails finds the email a request links (WithEmails).
	emails Emails
	// inbox keeps the triage of emails (WithInbox).
	inbox Inbox
}

// NewService returns the register on store, counting terms on cal, with
// zone as the operator's default time zone and now as the clock.
func NewService(store Store, cal *calendar.Calendar, zone *time.Location, now func() time.Time, opts ...Option) *Service {
	s := &Service{store: store, cals: cal, zone: zone, now: now}
	for _, o := range opts {
		o(s)
	}
	if e, ok := store.(Emails); ok && s.emails == nil {
		s.emails = e
	}
	return s
}

// engine is the deadline engine on the calendar in use now.
func (s *Service) engine() *deadlines.Engine { return deadlines.New(s.cals.Current()) }

// Zone is the operator's default time zone.
func (s *Service) Zone() *time.Location { return s.zone }

func actorOf(ctx context.Context) (srok.Actor, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return srok.Actor{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	return a, nil
}

func (s *Service) event(r *Request, a srok.Actor, at time.Time, kind EventKind) Event {
	return Event{RequestID: r.ID, At: at, ActorID: a.ID, ActorName: a.Name, Kind: kind}
}

// Create registers a request. With key, a retry with the same key and body
// returns the first request and replayed=true instead of registering
// another.
//
// A request registered from an email decides the email's triage (see
// Decide): the decision's audit entry is written in the request's
// transaction, whether it came from the inbox, the intake form or the API.
func (s *Service) Create(ctx context.Context, in Input, key *IdempotencyKey) (r *Request, replayed bool, err error) {
	a, err := s.authorize(ctx, srok.ActRequestCreate, audit.ActionRequestCreate)
	if err != nil {
		return nil, false, err
	}
	now := s.now().UTC()
	in, err = s.fromEmail(ctx, a, in)
	if err != nil {
		return nil, false, err
	}
	p, err := validate(in, s.zone, now)
	if err != nil {
		return nil, false, err
	}
	who, err := s.assignee(ctx, a, p.Assignee)
	if err != nil {
		return nil, false, err
	}
	r = &Request{
		ID:                 uuid.Must(uuid.NewV7()).String(),
		Type:               p.Type,
		Channel:            p.Channel,
		AnswerForm:         p.AnswerForm,
		ReceivedAt:         p.ReceivedAt,
		TimeZone:           p.Loc.String(),
		EvidenceReceivedAt: p.EvidenceReceivedAt,
		Subject:            p.Subject,
		Representative:     p.Representative,
		Identity:           p.Identity,
		Summary:            p.Summary,
		EmailID:            in.EmailID,
		Assignee:           who.Email,
		AssigneeID:         who.ID,
		Status:             StatusNew,
		Version:            1,
		CreatedAt:          now,
		CreatedBy:          a.ID,
		UpdatedAt:          now,
		UpdatedBy:          a.ID,
	}
	if err := s.computeObligations(r, p.Loc); err != nil {
		return nil, false, err
	}
	events := []Event{s.event(r, a, now, EventCreated)}
	events[0].After = snapshot(r)
	if r.Type == deadlines.TypeAccess {
		// 152-FZ art. 14 part 4: a repeated request may be sent no earlier
		// than thirty days after the first one.
		prev, err := s.store.LatestAccess(ctx, strings.ToLower(r.Subject.Email), NormalizePhone(r.Subject.Phone),
			r.ReceivedAt.Add(-RepeatWindow), r.ReceivedAt, "")
		if err != nil {
			return nil, false, err
		}
		if prev != nil {
			r.Repeat = &Repeat{OfID: prev.ID, OfNumber: prev.Number}
			ev := s.event(r, a, now, EventRepeat)
			ev.After = map[string]any{"repeat_of": prev.ID, "repeat_of_number": prev.Number}
			ev.Note = "repeated access request within 30 days of " + prev.Number + " (152-FZ art. 14 part 4)"
			events = append(events, ev)
		}
	}
	year := now.In(p.Loc).Year()
	trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionRequestCreate, RequestID: r.ID})
	if err != nil {
		return nil, false, err
	}
	if r.EmailID != "" {
		t, err := s.trail(ctx, audit.Entry{Action: audit.ActionEmailTriage, RequestID: r.ID, Detail: "email " + r.EmailID + ": registered as a request"})
		if err != nil {
			return nil, false, err
		}
		trail = append(trail, t...)
	}
	first, err := s.store.CreateRequest(ctx, r, year, events, key, trail)
	s.gen.Add(1)
	if err != nil {
		return nil, false, err
	}
	if first != nil {
		if !visible(a, first) {
			return nil, false, srok.Errorf(srok.ENOTFOUND, "no request with id %q", first.ID)
		}
		return shown(a, first), true, nil
	}
	return shown(a, r), false, nil
}

// fromEmail checks the email in links and, when received_at is not given,
// takes it from the email's Date: a request sent by email is received when
// the email arrived (152-FZ art. 14 part 3: the request in electronic form).
// Only an email the actor may read can be linked (SeesEmail).
func (s *Service) fromEmail(ctx context.Context, a srok.Actor, in Input) (Input, error) {
	in.EmailID = strings.TrimSpace(in.EmailID)
	if in.EmailID == "" {
		return in, nil
	}
	if s.emails == nil {
		return in, srok.Invalid(srok.FieldError{Field: "email_id", Problem: "emails are not kept here"})
	}
	unknown := srok.Invalid(srok.FieldError{Field: "email_id", Problem: fmt.Sprintf("no stored email has id %q: send it to POST /api/v1/emails first", in.EmailID)})
	date, err := s.emails.EmailDate(ctx, in.EmailID)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		return in, unknown
	case err != nil:
		return in, err
	}
	// Linking shows the email to whoever sees the request: it needs the
	// right to see the email now (the request is the actor's own, checked
	// by Create). A hidden email is as unknown as a missing one.
	ok, err := s.SeesEmail(ctx, a, in.EmailID)
	if err != nil {
		return in, err
	}
	if !ok {
		s.record(ctx, audit.Entry{Action: audit.ActionRequestCreate, Outcome: audit.OutcomeDenied,
			Detail: "link to email " + in.EmailID + ": not visible to the actor"})
		return in, unknown
	}
	if strings.TrimSpace(in.ReceivedAt) == "" {
		if date == nil {
			return in, srok.Invalid(srok.FieldError{Field: "received_at",
				Problem: "is required: the email has no readable Date, so give the time it was received"})
		}
		in.ReceivedAt = date.Format(time.RFC3339)
	}
	return in, nil
}

// computeObligations fills r.Obligations for its type and triggers.
func (s *Service) computeObligations(r *Request, loc *time.Location) error {
	obls, ok := deadlines.ObligationsOf(r.Type)
	if !ok {
		return srok.Invalid(srok.FieldError{Field: "type", Problem: "unknown request type"})
	}
	r.Obligations = r.Obligations[:0]
	engine := s.engine() // one calendar for all the request's terms
	for _, ob := range obls {
		d, err := engine.Compute(ob, triggerOf(r), loc)
		if err != nil {
			return srok.Invalid(srok.FieldError{Field: "received_at", Problem: err.Error()})
		}
		r.Obligations = append(r.Obligations, obligationOf(d))
	}
	return nil
}

// triggerOf is the instant the request's terms count from: the receipt of
// the evidence for rectification and erasure when it came later, else the
// receipt of the request.
func triggerOf(r *Request) time.Time {
	if r.Type.FromEvidence() && r.EvidenceReceivedAt != nil {
		return *r.EvidenceReceivedAt
	}
	return r.ReceivedAt
}

func obligationOf(d deadlines.Deadline) Obligation {
	o := Obligation{
		ID:          d.Obligation.ID,
		Basis:       d.Obligation.Basis,
		TriggerAt:   d.Trigger.UTC(),
		Due:         d.Due,
		Target:      d.Target,
		DueAt:       d.DueAt.UTC(),
		Provisional: d.Provisional,
		Status:      ObligationOpen,
	}
	if d.HasExtension() {
		ed, eat := d.ExtendedDue, d.ExtendedDueAt.UTC()
		o.ExtendedDue, o.ExtendedDueAt = &ed, &eat
	}
	return o
}

// Get returns the request with id, as the actor may see it; the read is
// recorded in the audit trail.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) {
	a, err := s.authorize(ctx, srok.ActRequestRead, audit.ActionRequestRead)
	if err != nil {
		return nil, err
	}
	r, err := s.get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.read(ctx, audit.ActionRequestRead, "", r.ID); err != nil {
		return nil, err
	}
	return shown(a, r), nil
}

// get returns the request with id if a may see it, unmasked: for changes.
func (s *Service) get(ctx context.Context, a srok.Actor, id string) (*Request, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, srok.Errorf(srok.ENOTFOUND, "no request with id %q", id)
	}
	r, err := s.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(a, r) {
		return nil, srok.Errorf(srok.ENOTFOUND, "no request with id %q", id)
	}
	return r, nil
}

// Page is one page of a list and the cursor of the next one ("" at the end).
type Page struct {
	Items []*Request
	Next  string
}

// List returns the requests matching f. f.After is set from cursor.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (Page, error) {
	a, err := s.authorize(ctx, srok.ActRequestRead, audit.ActionRequestList)
	if err != nil {
		return Page{}, err
	}
	f.Visible = visibility(a)
	// A search matches only what a sees in clear (152-FZ art. 19 part 2).
	f.QClearOnly = !a.Can(srok.ActPersonalData)
	if f.Sort.Key == "" {
		f.Sort = Sort{Key: SortReceivedAt, Desc: true}
	}
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit > MaxLimit {
		return Page{}, srok.Invalid(srok.FieldError{Field: "limit", Problem: fmt.Sprintf("at most %d", MaxLimit)})
	}
	if cursor != "" {
		c, sort, err := decodeCursor(cursor)
		if err != nil || sort != f.Sort.String() {
			return Page{}, &srok.Error{Code: srok.EMALFORMED, Reason: "bad_parameter", Message: "cursor: is not a cursor of this list: start again without it",
				Fields: []srok.FieldError{{Field: "cursor", Problem: "is not a cursor of this list: start again without it"}}}
		}
		f.After = &c
	}
	items, err := s.store.ListRequests(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items}
	if len(items) > f.Limit {
		p.Items = items[:f.Limit]
		p.Next = encodeCursor(cursorOf(p.Items[f.Limit-1], f.Sort.Key), f.Sort.String())
	}
	ids := make([]string, len(p.Items))
	for i, r := range p.Items {
		ids[i] = r.ID
		p.Items[i] = shown(a, r)
	}
	if err := s.read(ctx, audit.ActionRequestList, "", ids...); err != nil {
		return Page{}, err
	}
	return p, nil
}

// cursorOf is r's position in a list sorted by key.
func cursorOf(r *Request, key SortKey) Cursor {
	c := Cursor{ID: r.ID}
	switch key {
	case SortReceivedAt:
		c.Value = r.ReceivedAt.UTC().Format(time.RFC3339Nano)
	case SortUpdatedAt:
		c.Value = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case SortNumber:
		c.Value = r.Number
	case SortDue:
		if n := r.NextDueAt(); n != nil {
			c.Value = n.UTC().Format(time.RFC3339Nano)
		}
	}
	return c
}

type cursorJSON struct {
	Cursor
	Sort string `json:"s"`
}

func encodeCursor(c Cursor, sort string) string {
	b, _ := json.Marshal(cursorJSON{Cursor: c, Sort: sort})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (Cursor, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, "", err
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil {
		return Cursor{}, "", err
	}
	if c.ID == "" {
		return Cursor{}, "", errors.New("no id")
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return Cursor{}, "", err
	}
	if c.Value != "" && c.Sort != string(SortNumber) && c.Sort != "-"+string(SortNumber) {
		if _, err := time.Parse(time.RFC3339Nano, c.Value); err != nil {
			return Cursor{}, "", err
		}
	}
	return c.Cursor, c.Sort, nil
}

// Timeline returns a request's events with an id above afterID, oldest first.
// It returns the request too, whose zone the timeline is read in.
func (s *Service) Timeline(ctx context.Context, id string, afterID int64, limit int) (*Request, []Event, error) {
	if limit <= 0 {
		limit = MaxLimit
	}
	if limit > MaxLimit {
		return nil, nil, srok.Invalid(srok.FieldError{Field: "limit", Problem: fmt.Sprintf("at most %d", MaxLimit)})
	}
	a, err := s.authorize(ctx, srok.ActRequestRead, audit.ActionRequestRead)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.get(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	evs, err := s.store.Timeline(ctx, id, afterID, limit)
	if err != nil {
		return nil, nil, err
	}
	if err := s.read(ctx, audit.ActionRequestRead, "timeline", r.ID); err != nil {
		return nil, nil, err
	}
	if !a.Can(srok.ActPersonalData) {
		for i := range evs {
			evs[i].Before, evs[i].After = maskEvent(evs[i].Before), maskEvent(evs[i].After)
		}
	}
	return shown(a, r), evs, nil
}
