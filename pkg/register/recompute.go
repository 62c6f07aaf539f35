package register

import (
	"context"
	"fmt"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// WithCalendar makes the register count terms on the calendar src gives at
// each use, instead of the fixed one given to NewService: a *calendar.Live
// lets a new year's decree data take effect while serving.
func WithCalendar(src calendar.Source) Option { return func(s *Service) { s.cals = src } }

// Calendar returns the calendar the register counts on now: for code that
// counts working days beside it (reminders, pages), read at each use.
func (s *Service) Calendar() *calendar.Calendar { return s.cals.Current() }

// RecomputeStore finds the requests a new calendar may move. The storage
// package implements it beside Store.
type RecomputeStore interface {
	// RecomputeCandidates returns up to limit ids above afterID, ascending,
	// of the open requests with an open obligation that is provisional or
	// whose legal date (or extended one) is on or after from.
	RecomputeCandidates(ctx context.Context, from calendar.Date, afterID string, limit int) ([]string, error)
}

// RecomputeBatch is how many requests one step of a recompute reads.
const RecomputeBatch = 100

// CalendarActor is who recomputes the terms when the command line imports
// a calendar (the system itself).
var CalendarActor = srok.Actor{ID: "system:calendar", Name: "Srok", Role: srok.RoleAdmin}

// Recomputed counts what a recompute changed.
type Recomputed struct {
	// Examined is the number of requests looked at.
	Examined int
	// Requests and Obligations count the changed ones.
	Requests    int
	Obligations int
}

// RecomputeCalendar counts again, on the calendar in use now, the terms of
// every open obligation of an open request that a production calendar
// change from year from on may move: the provisional ones (counted across a
// year without decree data, Labour Code arts. 111-112 alone) and those
// whose legal date is in year from or later. An obligation whose dates come
// out the same is not written; a changed one is saved with a "recomputed"
// event holding its old and new dates, and note (which decree).
//
// It is idempotent (a second run changes nothing) and resumable: it walks
// the requests in batches, and a run cut short is finished by running it
// again. A request changed concurrently is read again and recomputed on its
// new version. The actor must be allowed to manage the calendar.
func (s *Service) RecomputeCalendar(ctx context.Context, from int, note string) (Recomputed, error) {
	var res Recomputed
	a, err := actorOf(ctx)
	if err != nil {
		return res, err
	}
	if !a.Can(srok.ActCalendarManage) {
		return res, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: manage the production calendar"}
	}
	if a.ID == srok.System.ID {
		a = CalendarActor
	}
	rs, ok := s.store.(RecomputeStore)
	if !ok {
		return res, fmt.Errorf("register: the store cannot find the requests to recompute")
	}
	fromDate := calendar.NewDate(from, time.January, 1)
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return res, srok.Unavailable(err)
		}
		ids, err := rs.RecomputeCandidates(ctx, fromDate, after, RecomputeBatch)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			n, err := s.recomputeOne(ctx, a, id, note)
			if err != nil {
				return res, err
			}
			res.Examined++
			if n > 0 {
				res.Requests++
				res.Obligations += n
			}
		}
		if len(ids) < RecomputeBatch {
			return res, nil
		}
		after = ids[len(ids)-1]
	}
}

// recomputeOne recomputes request id and saves it if a date moved,
// following concurrent changes; it returns the number of obligations moved.
func (s *Service) recomputeOne(ctx context.Context, a srok.Actor, id, note string) (int, error) {
	for attempt := 1; ; attempt++ {
		r, err := s.store.Request(ctx, id)
		if srok.ErrorCode(err) == srok.ENOTFOUND {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if !r.Status.Open() {
			return 0, nil
		}
		now := s.now().UTC()
		ev, n, err := s.recomputeTerms(r, a, now, note)
		if err != nil || ev == nil {
			return 0, err
		}
		prev := r.Version
		r.Version++
		r.UpdatedAt, r.UpdatedBy = now, a.ID
		trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionCalendarImport, RequestID: r.ID, Fields: changedFields([]Event{*ev}),
			ActorID: a.ID, ActorName: a.Name})
		if err != nil {
			return 0, err
		}
		err = s.store.UpdateRequest(ctx, r, prev, []Event{*ev}, trail)
		s.gen.Add(1)
		if srok.ErrorCode(err) == srok.EPRECONDITION && attempt < maxAttempts {
			if err := backoff(ctx, attempt); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
	}
}

// recomputeTerms counts the open obligations of r again on the calendar in
// use; it returns the "recomputed" event and the number of obligations
// whose dates moved, or nil when none did (r is then unchanged).
func (s *Service) recomputeTerms(r *Request, a srok.Actor, now time.Time, note string) (*Event, int, error) {
	engine := s.engine()
	loc := r.Location()
	before, after := map[string]any{}, map[string]any{}
	next := make([]Obligation, len(r.Obligations))
	copy(next, r.Obligations)
	for i := range next {
		o := &next[i]
		if o.Status != ObligationOpen {
			continue
		}
		ob, ok := deadlines.ObligationByID(o.ID)
		if !ok {
			return nil, 0, fmt.Errorf("register: request %s has unknown obligation %q", r.ID, o.ID)
		}
		d, err := engine.Compute(ob, triggerOf(r), loc)
		if err != nil {
			return nil, 0, fmt.Errorf("register: recomputing %s of request %s: %w", o.ID, r.ID, err)
		}
		n := obligationOf(d)
		n.Basis, n.Extended = o.Basis, o.Extended
		if sameTerms(*o, n) {
			continue
		}
		before[o.ID], after[o.ID] = termsOf(*o), termsOf(n)
		*o = n
	}
	if len(after) == 0 {
		return nil, 0, nil
	}
	r.Obligations = next
	ev := s.event(r, a, now, EventRecomputed)
	ev.Before, ev.After, ev.Note = before, after, note
	return &ev, len(after), nil
}

// sameTerms reports whether a and b have the same dates.
func sameTerms(a, b Obligation) bool {
	return a.Due == b.Due && a.Target == b.Target && a.DueAt.Equal(b.DueAt) &&
		eqDate(a.ExtendedDue, b.ExtendedDue) && eqTime(a.ExtendedDueAt, b.ExtendedDueAt) &&
		a.EffectiveDueAt().Equal(b.EffectiveDueAt()) && a.Provisional == b.Provisional
}

func eqDate(a, b *calendar.Date) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqTime(a, b *time.Time) bool     { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

// termsOf is an obligation's dates as a recomputed event records them.
func termsOf(o Obligation) map[string]any {
	m := map[string]any{
		"obligation_id":     o.ID,
		"due_date":          o.Due.String(),
		"target_date":       o.Target.String(),
		"due_at":            o.DueAt,
		"effective_due_at":  o.EffectiveDueAt(),
		"provisional":       o.Provisional,
		"extended_due_date": nil,
	}
	if o.ExtendedDue != nil {
		m["extended_due_date"] = o.ExtendedDue.String()
	}
	return m
}
