package register

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// AnyVersion, given as the version of a change, applies it to the request
// as it is when the change is made, whatever its version.
const AnyVersion = 0

// maxAttempts bounds the retries of a change made at AnyVersion; each one
// only follows a concurrent change that won, so reaching it means a storm
// of changes to one request.
const maxAttempts = 1000

// change loads request id, checks that it is still at version (AnyVersion:
// any), lets fn change it and saves it with fn's events. At AnyVersion a
// concurrent change is not the caller's mistake: fn runs again on the fresh
// request, until the change is saved or fn refuses it for a real reason.
func (s *Service) change(ctx context.Context, id string, version int, act srok.Action, auditAct audit.Action,
	fn func(r *Request, a srok.Actor, now time.Time) ([]Event, error)) (*Request, error) {
	return s.changeWith(ctx, id, version, act, auditAct, fn, s.store.UpdateRequest)
}

// Saver writes a change of a request (r at version+1 from version, with
// its events and audit entry) in one transaction: the store's
// UpdateRequest, or a caller's that writes more in that transaction.
type Saver func(ctx context.Context, r *Request, version int, events []Event, trail []*audit.Entry) error

// changeWith is change saving through save.
func (s *Service) changeWith(ctx context.Context, id string, version int, act srok.Action, auditAct audit.Action,
	fn func(r *Request, a srok.Actor, now time.Time) ([]Event, error), save Saver) (*Request, error) {
	a, err := s.authorize(ctx, act, auditAct)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		r, err := s.get(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if version != AnyVersion && r.Version != version {
			return nil, StaleVersion(r.Version, version)
		}
		prev := r.Version
		now := s.now().UTC()
		events, err := fn(r, a, now)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			return shown(a, r), nil // nothing changed
		}
		r.Version++
		r.UpdatedAt, r.UpdatedBy = now, a.ID
		trail, err := s.trail(ctx, audit.Entry{Action: auditAct, RequestID: r.ID, Fields: changedFields(events)})
		if err != nil {
			return nil, err
		}
		err = save(ctx, r, prev, events, trail)
		s.gen.Add(1)
		if srok.ErrorCode(err) == srok.EPRECONDITION && version == AnyVersion && attempt < maxAttempts {
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		return shown(a, r), nil
	}
}

// changedFields names what events changed: the keys of their before and
// after, never the values.
func changedFields(events []Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range events {
		for _, m := range []map[string]any{e.Before, e.After} {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// backoff waits a little before the attempt after attempt, more the more
// attempts lost, with jitter so that the losers do not collide again.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(min(attempt, 20)) * time.Millisecond
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return srok.Unavailable(ctx.Err())
	case <-t.C:
		return nil
	}
}

// StaleVersion is the error of a change made to version sent of a request
// that is at version have: the one place it is built, for the register and
// its store alike.
func StaleVersion(have, sent int) *srok.Error {
	return &srok.Error{Code: srok.EPRECONDITION, Reason: "stale_version",
		Message: fmt.Sprintf("the request changed since you read it: it is at version %d, you sent %d; reload it and apply your change again", have, sent)}
}

func conflict(reason, format string, args ...any) error {
	return &srok.Error{Code: srok.ECONFLICT, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Input returns r as an Input: what an edit starts from.
func (r *Request) Input() Input {
	in := Input{
		Type:       string(r.Type),
		Channel:    string(r.Channel),
		AnswerForm: string(r.AnswerForm),
		ReceivedAt: r.ReceivedAt.In(r.Location()).Format(time.RFC3339Nano),
		TimeZone:   r.TimeZone,
		Subject: SubjectInput{Name: r.Subject.Name, Email: r.Subject.Email, Phone: r.Subject.Phone,
			PostalAddress: r.Subject.PostalAddress},
		Identity: &IdentityInput{DocumentNumber: r.Identity.DocumentNumber, DocumentIssuer: r.Identity.DocumentIssuer,
			Relation: r.Identity.Relation, Verified: r.Identity.Verified},
		Summary:  r.Summary,
		Assignee: r.Assignee,
		EmailID:  r.EmailID,
	}
	if r.EvidenceReceivedAt != nil {
		in.EvidenceReceivedAt = r.EvidenceReceivedAt.In(r.Location()).Format(time.RFC3339Nano)
	}
	if r.Identity.DocumentDate != nil {
		in.Identity.DocumentDate = r.Identity.DocumentDate.String()
	}
	if r.Representative != nil {
		in.Representative = &RepresentativeInput{Name: r.Representative.Name, Authority: r.Representative.Authority}
	}
	return in
}

// Update replaces the editable fields of request id with in, if the request
// is still at version. A change of the time the terms count from (received
// at, evidence received at, time zone) recomputes the open obligations.
func (s *Service) Update(ctx context.Context, id string, version int, in Input) (*Request, error) {
	return s.Edit(ctx, id, version, func(Input) (Input, error) { return in, nil })
}

// Edit is Update with the new input made by edit from the request's
// current one, as read for the change: a merge patch needs the request it
// patches, and reading it once keeps the two consistent.
//
// Once a request is answered, refused, closed or cancelled, what its terms
// count from (received at, evidence received at, time zone) is frozen: the
// answer was measured against those terms, and moving them would leave an
// answer dated before the receipt or obligations met against other dates.
// The subject's name and contacts stay correctable; every edit is in the
// timeline.
func (s *Service) Edit(ctx context.Context, id string, version int, edit func(Input) (Input, error)) (*Request, error) {
	if version < 0 {
		return nil, srok.Invalid(srok.FieldError{Field: "version", Problem: "must be a positive version"})
	}
	return s.change(ctx, id, version, srok.ActRequestEdit, audit.ActionRequestEdit, func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		in, err := edit(r.Input())
		if err != nil {
			return nil, err
		}
		if in.Type != string(r.Type) {
			return nil, srok.Invalid(srok.FieldError{Field: "type",
				Problem: "cannot be changed: cancel the request as logged_in_error and register a new one"})
		}
		if in.EmailID != r.EmailID {
			return nil, srok.Invalid(srok.FieldError{Field: "email_id",
				Problem: "cannot be changed: the email is the evidence the request was registered from"})
		}
		p, err := validate(in, s.zone, now)
		if err != nil {
			return nil, err
		}
		if !r.Status.Open() {
			if err := frozenTerms(r, p); err != nil {
				return nil, err
			}
		}
		before := snapshot(r)
		oldTrigger, oldZone := triggerOf(r), r.TimeZone
		r.Channel, r.AnswerForm = p.Channel, p.AnswerForm
		r.ReceivedAt, r.TimeZone, r.EvidenceReceivedAt = p.ReceivedAt, p.Loc.String(), p.EvidenceReceivedAt
		r.Subject, r.Representative, r.Identity, r.Summary = p.Subject, p.Representative, p.Identity, p.Summary
		var events []Event
		if p.Assignee != r.Assignee {
			who, err := s.assignee(ctx, a, p.Assignee)
			if err != nil {
				return nil, err
			}
			ev, err := s.assign(r, a, now, who)
			if err != nil {
				return nil, err
			}
			events = append(events, ev)
			before["assignee"] = ev.Before["assignee"]
		}
		after := snapshot(r)
		b, aft := diff(before, after)
		if len(b) > 0 || len(aft) > 0 {
			ev := s.event(r, a, now, EventUpdated)
			ev.Before, ev.After = b, aft
			delete(ev.Before, "assignee")
			delete(ev.After, "assignee")
			if len(ev.After) > 0 || len(ev.Before) > 0 {
				events = append([]Event{ev}, events...)
			}
		}
		if !triggerOf(r).Equal(oldTrigger) || r.TimeZone != oldZone {
			ev, err := s.recompute(r, a, now, p.Loc)
			if err != nil {
				return nil, err
			}
			if ev != nil {
				events = append(events, *ev)
			}
		}
		return events, nil
	})
}

// frozenTerms refuses an edit of a finished request r that would move what
// its terms count from.
func frozenTerms(r *Request, p parsed) error {
	var moved []string
	if !p.ReceivedAt.Equal(r.ReceivedAt) {
		moved = append(moved, "received_at")
	}
	if (p.EvidenceReceivedAt == nil) != (r.EvidenceReceivedAt == nil) ||
		(p.EvidenceReceivedAt != nil && !p.EvidenceReceivedAt.Equal(*r.EvidenceReceivedAt)) {
		moved = append(moved, "evidence_received_at")
	}
	if p.Loc.String() != r.TimeZone {
		moved = append(moved, "time_zone")
	}
	if len(moved) == 0 {
		return nil
	}
	e := &srok.Error{Code: srok.ECONFLICT, Reason: "terms_frozen",
		Message: fmt.Sprintf("the request is %s, so what its terms count from can no longer change (%s): "+
			"its answer was measured against those terms; names and contacts can still be corrected", r.Status, strings.Join(moved, ", "))}
	for _, m := range moved {
		e.Fields = append(e.Fields, srok.FieldError{Field: m, Problem: "is frozen once the request is " + string(r.Status)})
	}
	return e
}

// recompute counts the open obligations of r again from its trigger; done
// ones keep the deadline they were met against. The event records each
// moved deadline.
func (s *Service) recompute(r *Request, a srok.Actor, now time.Time, loc *time.Location) (*Event, error) {
	before, after := map[string]any{}, map[string]any{}
	engine := s.engine() // one calendar for all the request's terms
	for i := range r.Obligations {
		o := &r.Obligations[i]
		if o.Status != ObligationOpen {
			continue
		}
		ob, ok := deadlines.ObligationByID(o.ID)
		if !ok {
			return nil, fmt.Errorf("register: request %s has unknown obligation %q", r.ID, o.ID)
		}
		d, err := engine.Compute(ob, triggerOf(r), loc)
		if err != nil {
			return nil, srok.Invalid(srok.FieldError{Field: "received_at", Problem: err.Error()})
		}
		n := obligationOf(d)
		n.Extended = o.Extended
		if o.Due != n.Due || !o.DueAt.Equal(n.DueAt) || !o.TriggerAt.Equal(n.TriggerAt) {
			before[o.ID] = map[string]any{"trigger_at": o.TriggerAt, "due_date": o.Due.String(), "due_at": o.DueAt}
			after[o.ID] = map[string]any{"trigger_at": n.TriggerAt, "due_date": n.Due.String(), "due_at": n.DueAt}
		}
		*o = n
	}
	if len(after) == 0 {
		return nil, nil
	}
	ev := s.event(r, a, now, EventRecomputed)
	ev.Before, ev.After = before, after
	return &ev, nil
}

// Assign gives request id to the user with email assignee and takes a new
// request in work.
func (s *Service) Assign(ctx context.Context, id string, version int, assignee string) (*Request, error) {
	assignee = strings.TrimSpace(assignee)
	var f srok.Fields
	if assignee == "" {
		f.Add("assignee", "is required")
	}
	checkText(&f, "assignee", assignee, maxShort)
	if err := f.Err(); err != nil {
		return nil, err
	}
	a, err := s.authorize(ctx, srok.ActRequestAssign, audit.ActionRequestAssign)
	if err != nil {
		return nil, err
	}
	who, err := s.assignee(ctx, a, assignee)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, srok.ActRequestAssign, audit.ActionRequestAssign, func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		if r.Assignee == who.Email && r.AssigneeID == who.ID && r.Status == StatusInProgress {
			return nil, nil
		}
		ev, err := s.assign(r, a, now, who)
		if err != nil {
			return nil, err
		}
		return []Event{ev}, nil
	})
}

func (s *Service) assign(r *Request, a srok.Actor, now time.Time, who Assignee) (Event, error) {
	if err := allowState(r, ActionAssign); err != nil {
		return Event{}, err
	}
	ev := s.event(r, a, now, EventAssigned)
	ev.Before = map[string]any{"assignee": r.Assignee, "status": string(r.Status)}
	r.Assignee, r.AssigneeID = who.Email, who.ID
	if r.Status == StatusNew && who.Email != "" {
		r.Status = StatusInProgress
	}
	ev.After = map[string]any{"assignee": r.Assignee, "status": string(r.Status)}
	return ev, nil
}

// ExtendInput is the motivated notice that extends a term.
type ExtendInput struct {
	NoticeSentAt string `json:"notice_sent_at"`
	Reasons      string `json:"reasons"`
	Channel      string `json:"channel"`
	// Obligation names the obligation to extend; empty: every open
	// extendable one.
	Obligation string `json:"obligation,omitempty"`
}

// Extend extends the terms of request id once, by a motivated notice sent
// before they ran out (152-FZ art. 14 part 3, art. 20 parts 1-2, art. 21
// part 5.1).
func (s *Service) Extend(ctx context.Context, id string, version int, in ExtendInput) (*Request, error) {
	return s.change(ctx, id, version, srok.ActRequestExtend, audit.ActionRequestExtend, s.extend(in))
}

// extend is the change of Extend.
func (s *Service) extend(in ExtendInput) func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
	return func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		var f srok.Fields
		sent := parseInstant(&f, "notice_sent_at", in.NoticeSentAt, r.Location(), now, true, "")
		if !sent.IsZero() && noticeBeforeReceipt(in.NoticeSentAt, sent, r) {
			f.Add("notice_sent_at", "is before the request was received (%s): the notice of extension answers the request, so it cannot precede it",
				r.ReceivedAt.In(r.Location()).Format(time.RFC3339))
		}
		reasons := strings.TrimSpace(in.Reasons)
		if reasons == "" {
			f.Add("reasons", "is required: the notice must give the reasons for the extension")
		}
		checkText(&f, "reasons", reasons, maxText)
		ch := Channel(strings.TrimSpace(in.Channel))
		if in.Channel == "" {
			f.Add("channel", "is required: how the notice was sent, one of %s", joinChannels())
		} else if !slices.Contains(Channels(), ch) {
			f.Add("channel", "%q is not a channel: one of %s", in.Channel, joinChannels())
		}
		if in.Obligation != "" && !slices.ContainsFunc(r.Obligations, func(o Obligation) bool { return o.ID == in.Obligation }) {
			f.Add("obligation", "the request has no obligation %q", in.Obligation)
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
		if err := allowState(r, ActionExtend); err != nil {
			return nil, err
		}
		before, after := map[string]any{}, map[string]any{}
		extendable := 0
		for i := range r.Obligations {
			o := &r.Obligations[i]
			if in.Obligation != "" && o.ID != in.Obligation {
				continue
			}
			ob, _ := deadlines.ObligationByID(o.ID)
			if !ob.Extendable() || o.Status != ObligationOpen {
				continue
			}
			extendable++
			if o.Extended {
				return nil, conflict("already_extended", "the term of %s was already extended on %s: it can be extended only once",
					o.ID, r.Extension.NoticeSentAt.In(r.Location()).Format(time.DateOnly))
			}
			d := deadlines.Deadline{Obligation: ob, DueAt: o.DueAt, Due: o.Due}
			if o.ExtendedDue != nil {
				d.ExtendedDue, d.ExtendedDueAt = *o.ExtendedDue, *o.ExtendedDueAt
			}
			if _, err := deadlines.Extend(d, deadlines.Notice{SentAt: sent, Reasons: reasons, Channel: string(ch)}); err != nil {
				if errors.Is(err, deadlines.ErrTermPassed) {
					return nil, conflict("term_passed", "the notice was sent at %s, after the term of %s ended at %s: a term can be extended only before it runs out",
						sent.In(r.Location()).Format(time.RFC3339), o.ID, o.DueAt.In(r.Location()).Format(time.RFC3339))
				}
				return nil, conflict("not_extendable", "%v", err)
			}
			before[o.ID] = map[string]any{"due_date": o.Due.String()}
			o.Extended = true
			after[o.ID] = map[string]any{"due_date": o.EffectiveDue().String()}
		}
		if extendable == 0 {
			return nil, conflict("not_extendable", "no open obligation of this %s request has an extendable term", r.Type)
		}
		r.Extension = &Extension{NoticeSentAt: sent, Reasons: reasons, Channel: ch}
		after["notice"] = map[string]any{"sent_at": sent, "reasons": reasons, "channel": string(ch)}
		ev := s.event(r, a, now, EventExtended)
		ev.Before, ev.After = before, after
		return []Event{ev}, nil
	}
}

// noticeBeforeReceipt reports whether a notice sent at sent (typed as
// typed) precedes the receipt of r. A notice given as a date alone is read
// as that whole day, so one dated the day of the receipt is not before it.
func noticeBeforeReceipt(typed string, sent time.Time, r *Request) bool {
	loc := r.Location()
	if calendar.DateOf(sent.In(loc)) < calendar.DateOf(r.ReceivedAt.In(loc)) {
		return true
	}
	_, hasTime, _ := deadlines.ParseTrigger(typed, loc)
	return hasTime && sent.Before(r.ReceivedAt)
}

// AnswerInput is the operator's answer or refusal.
type AnswerInput struct {
	// Outcome is fulfilled or partially_fulfilled for an answer; a refusal
	// leaves it empty.
	Outcome   string `json:"outcome,omitempty"`
	Date      string `json:"date,omitempty"`
	Number    string `json:"number,omitempty"`
	Text      string `json:"text,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// Answer records the answer to request id and marks its open obligations
// done.
func (s *Service) Answer(ctx context.Context, id string, version int, in AnswerInput) (*Request, error) {
	return s.respond(ctx, id, version, in, false)
}

// Refuse records a motivated refusal (мотивированный отказ, 152-FZ art. 14
// part 6; art. 20 part 2) of request id and marks its open obligations done:
// the refusal is the answer due within the term.
func (s *Service) Refuse(ctx context.Context, id string, version int, in AnswerInput) (*Request, error) {
	return s.respond(ctx, id, version, in, true)
}

func (s *Service) respond(ctx context.Context, id string, version int, in AnswerInput, refuse bool) (*Request, error) {
	return s.change(ctx, id, version, srok.ActRequestAnswer, audit.ActionRequestAnswer, s.answer(in, refuse))
}

// answer is the change of Answer (of Refuse when refuse).
func (s *Service) answer(in AnswerInput, refuse bool) func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
	return func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		var f srok.Fields
		ans := Answer{Number: strings.TrimSpace(in.Number), Text: strings.TrimSpace(in.Text), Reference: strings.TrimSpace(in.Reference)}
		switch {
		case refuse && in.Outcome != "" && in.Outcome != string(OutcomeRefused):
			f.Add("outcome", "a refusal has the outcome refused; leave it out")
		case refuse:
			ans.Outcome = OutcomeRefused
		case in.Outcome == "":
			f.Add("outcome", "is required: fulfilled or partially_fulfilled")
		case in.Outcome != string(OutcomeFulfilled) && in.Outcome != string(OutcomePartiallyFulfilled):
			f.Add("outcome", "%q is not an answer's outcome: fulfilled or partially_fulfilled (a refusal goes to /refuse)", in.Outcome)
		default:
			ans.Outcome = Outcome(in.Outcome)
		}
		today := calendar.DateOf(now.In(r.Location()))
		ans.Date = today
		if in.Date != "" {
			d, err := calendar.ParseDate(in.Date)
			switch {
			case err != nil:
				f.Add("date", "%q is not a date such as 2026-05-14", in.Date)
			case d > today:
				f.Add("date", "is in the future")
			case d < calendar.DateOf(r.ReceivedAt.In(r.Location())):
				f.Add("date", "is before the request was received")
			default:
				ans.Date = d
			}
		}
		if ans.Text == "" && ans.Reference == "" {
			if refuse {
				f.Add("text", "a refusal must be motivated: give its text or a reference to the letter (152-FZ art. 14 part 6)")
			} else {
				f.Add("text", "give the answer's text or a reference to it")
			}
		}
		checkText(&f, "number", ans.Number, maxShort)
		checkText(&f, "text", ans.Text, maxText)
		checkText(&f, "reference", ans.Reference, maxAddress)
		if err := f.Err(); err != nil {
			return nil, err
		}
		act, to, kind := ActionAnswer, StatusAnswered, EventAnswered
		if refuse {
			act, to, kind = ActionRefuse, StatusRefused, EventRefused
		}
		if err := allowState(r, act); err != nil {
			return nil, err
		}
		ev := s.event(r, a, now, kind)
		ev.Before = map[string]any{"status": string(r.Status)}
		r.Status, r.Answer = to, &ans
		done := s.finish(r, a, now, ObligationDone, &ans.Date)
		ev.After = map[string]any{"status": string(r.Status), "outcome": string(ans.Outcome), "date": ans.Date.String(),
			"number": ans.Number, "obligations_done": done}
		return []Event{ev}, nil
	}
}

// finish sets every open obligation to st and returns their ids with
// whether each was met on time. doneOn is the date of the answer that met
// them (for ObligationDone).
func (s *Service) finish(r *Request, a srok.Actor, now time.Time, st ObligationStatus, doneOn *calendar.Date) map[string]any {
	out := map[string]any{}
	for i := range r.Obligations {
		o := &r.Obligations[i]
		if o.Status != ObligationOpen {
			continue
		}
		o.Status = st
		if st == ObligationDone {
			at := now
			o.DoneAt, o.DoneBy = &at, a.ID
			if doneOn != nil {
				d := *doneOn
				o.DoneOn = &d
			}
			out[o.ID] = map[string]any{"on_time": o.OnTime(r.Location())}
		} else {
			out[o.ID] = string(st)
		}
	}
	return out
}

// Close closes an answered or refused request.
func (s *Service) Close(ctx context.Context, id string, version int, note string) (*Request, error) {
	note = strings.TrimSpace(note)
	var f srok.Fields
	checkText(&f, "note", note, maxText)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, srok.ActRequestClose, audit.ActionRequestClose, func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		if err := allowState(r, ActionClose); err != nil {
			return nil, err
		}
		ev := s.event(r, a, now, EventClosed)
		ev.Before = map[string]any{"status": string(r.Status)}
		r.Status = StatusClosed
		at := now
		r.ClosedAt = &at
		ev.After = map[string]any{"status": string(r.Status)}
		ev.Note = note
		return []Event{ev}, nil
	})
}

// CancelInput says why a request is cancelled.
type CancelInput struct {
	Reason string `json:"reason"`
	Note   string `json:"note,omitempty"`
}

// Cancel cancels an open request (a duplicate, withdrawn by the subject,
// logged in error); its open obligations become not applicable.
func (s *Service) Cancel(ctx context.Context, id string, version int, in CancelInput) (*Request, error) {
	var f srok.Fields
	reason := CancelReason(strings.TrimSpace(in.Reason))
	if in.Reason == "" {
		f.Add("reason", "is required: duplicate, withdrawn or logged_in_error")
	} else if !slices.Contains(CancelReasons(), reason) {
		f.Add("reason", "%q is not a reason: duplicate, withdrawn or logged_in_error", in.Reason)
	}
	note := strings.TrimSpace(in.Note)
	checkText(&f, "note", note, maxText)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, srok.ActRequestCancel, audit.ActionRequestCancel, func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		if err := allowState(r, ActionCancel); err != nil {
			return nil, err
		}
		ev := s.event(r, a, now, EventCancelled)
		ev.Before = map[string]any{"status": string(r.Status)}
		r.Status, r.CancelReason, r.CancelNote = StatusCancelled, reason, note
		at := now
		r.ClosedAt = &at
		na := s.finish(r, a, now, ObligationNotApplicable, nil)
		ev.After = map[string]any{"status": string(r.Status), "reason": string(reason), "obligations": na}
		ev.Note = note
		return []Event{ev}, nil
	})
}

// AddNote adds a note to the timeline of request id; any status. It
// returns the note and the request it was added to.
func (s *Service) AddNote(ctx context.Context, id string, text string) (Event, *Request, error) {
	a, err := s.authorize(ctx, srok.ActRequestNote, audit.ActionRequestNote)
	if err != nil {
		return Event{}, nil, err
	}
	text = strings.TrimSpace(text)
	var f srok.Fields
	if text == "" {
		f.Add("text", "is required")
	}
	checkText(&f, "text", text, maxText)
	if err := f.Err(); err != nil {
		return Event{}, nil, err
	}
	r, err := s.get(ctx, a, id)
	if err != nil {
		return Event{}, nil, err
	}
	ev := s.event(r, a, s.now().UTC(), EventNote)
	ev.Note = text
	evs := []Event{ev}
	trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionRequestNote, RequestID: r.ID})
	if err != nil {
		return Event{}, nil, err
	}
	if err := s.store.AppendEvents(ctx, evs, trail); err != nil {
		return Event{}, nil, err
	}
	return evs[0], shown(a, r), nil
}

// snapshot flattens the fields of r a person edits and reads in the
// timeline, by JSON name.
func snapshot(r *Request) map[string]any {
	m := map[string]any{
		"number": r.Number, "type": string(r.Type), "status": string(r.Status),
		"channel": string(r.Channel), "answer_form": string(r.AnswerForm),
		"received_at": r.ReceivedAt.UTC().Format(time.RFC3339Nano), "time_zone": r.TimeZone,
		"subject.name": r.Subject.Name, "subject.email": r.Subject.Email, "subject.phone": r.Subject.Phone,
		"subject.postal_address":   r.Subject.PostalAddress,
		"identity.document_number": r.Identity.DocumentNumber, "identity.document_issuer": r.Identity.DocumentIssuer,
		"identity.relation": r.Identity.Relation, "identity.verified": r.Identity.Verified,
		"summary": r.Summary, "assignee": r.Assignee,
	}
	m["evidence_received_at"] = nil
	if r.EvidenceReceivedAt != nil {
		m["evidence_received_at"] = r.EvidenceReceivedAt.UTC().Format(time.RFC3339Nano)
	}
	m["identity.document_date"] = nil
	if r.Identity.DocumentDate != nil {
		m["identity.document_date"] = r.Identity.DocumentDate.String()
	}
	m["representative.name"], m["representative.authority"] = nil, nil
	if r.Representative != nil {
		m["representative.name"], m["representative.authority"] = r.Representative.Name, r.Representative.Authority
	}
	if r.Number == "" {
		delete(m, "number")
	}
	if r.EmailID != "" {
		m["email_id"] = r.EmailID
	}
	return m
}

// diff returns the fields that differ between a and b, as before and after.
func diff(a, b map[string]any) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	for k, v := range b {
		if !reflect.DeepEqual(a[k], v) {
			before[k], after[k] = a[k], v
		}
	}
	return before, after
}
