package register

import (
	"context"
	"fmt"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// The journal of requests (журнал учета обращений субъектов персональных
// данных) is what an inspector of Roskomnadzor asks for first: every
// request received in a period with its term and how it was met (152-FZ
// art. 14, 20, 21; art. 22.1 part 4: the responsible officer organises
// the handling of requests). This file selects its rows; package journal
// writes them as XLSX or CSV.

// MaxJournalYears bounds the period of one journal: a longer one is almost
// always a typo (2206 for 2026), and the answer would be the whole register.
const MaxJournalYears = 10

// JournalBatch is how many requests one read of the store brings: large
// enough that 100,000 requests take a hundred reads, small enough that a
// batch with its obligations stays a few megabytes.
const JournalBatch = 1000

// JournalQuery is what a journal is asked for.
type JournalQuery struct {
	// From and To are the first and last day of receipt, both included,
	// in the operator's zone.
	From, To calendar.Date
	// Format names the file written ("xlsx", "csv"), for the audit trail.
	Format string
}

// JournalCounter counts and reads requests as the journal selects them. The storage
// package implements it; the count goes to the audit trail before any row
// is shown.
type JournalCounter interface {
	// CountRequests counts the requests matching f's Visible,
	// ReceivedFrom and ReceivedUntil (the other fields must be empty).
	CountRequests(ctx context.Context, f Filter) (int, error)
	// JournalRequests returns up to limit requests matching f's Visible,
	// ReceivedFrom and ReceivedUntil with a number above after, by
	// number (numbers are unique).
	JournalRequests(ctx context.Context, f Filter, after string, limit int) ([]*Request, error)
}

// Journal calls each for every request received in q's period that the
// actor may see, in the order of their numbers, as the actor may see it
// (masked for a viewer, as the list is). Requests are read JournalBatch at
// a time by keyset on the number (unique), never all at once.
//
// Before the first row, the export is recorded in the audit trail — who,
// the period, the format and how many rows (152-FZ art. 19 part 2: access
// to personal data is recorded) — and begin is called with that count: a
// journal whose export could not be recorded is not shown. It returns how
// many rows each was given.
func (s *Service) Journal(ctx context.Context, q JournalQuery, begin func(count int) error, each func(*Request) error) (int, error) {
	a, err := s.authorize(ctx, srok.ActRequestRead, audit.ActionJournalExport)
	if err != nil {
		return 0, err
	}
	if err := CheckPeriod(q.From, q.To); err != nil {
		return 0, err
	}
	counter, ok := s.store.(JournalCounter)
	if !ok {
		return 0, srok.Errorf(srok.EUNAVAILABLE, "this store keeps no journal")
	}
	from, until := q.From.Start(s.zone), q.To.End(s.zone)
	f := Filter{Visible: visibility(a), ReceivedFrom: &from, ReceivedUntil: &until}
	count, err := counter.CountRequests(ctx, f)
	if err != nil {
		return 0, err
	}
	if s.audit != nil {
		if err := s.audit.Record(ctx, audit.Entry{Action: audit.ActionJournalExport, Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("period %s..%s, format %s, %d rows", q.From, q.To, q.Format, count)}); err != nil {
			return 0, err
		}
	}
	if err := begin(count); err != nil {
		return 0, err
	}
	n, after := 0, ""
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		items, err := counter.JournalRequests(ctx, f, after, JournalBatch)
		if err != nil {
			return n, err
		}
		for _, r := range items {
			if err := each(shown(a, r)); err != nil {
				return n, err
			}
			n++
		}
		if len(items) < JournalBatch {
			return n, nil
		}
		after = items[len(items)-1].Number
	}
}

// CheckPeriod refuses a period that ends before it starts or spans more
// than MaxJournalYears, naming the field to correct.
func CheckPeriod(from, to calendar.Date) error {
	switch {
	case from == 0:
		return srok.Invalid(srok.FieldError{Field: "from", Problem: "is required: the first day of receipt, 2026-01-01"})
	case to == 0:
		return srok.Invalid(srok.FieldError{Field: "to", Problem: "is required: the last day of receipt, 2026-03-31"})
	case to < from:
		return srok.Invalid(srok.FieldError{Field: "to", Problem: "is before from: the period ends before it starts"})
	case to >= from.AddMonths(12*MaxJournalYears):
		return srok.Invalid(srok.FieldError{Field: "to", Problem: fmt.Sprintf("the period is longer than %d years: export it in parts", MaxJournalYears)})
	}
	return nil
}

// OnTime says whether a request met its terms, as the journal shows it.
type OnTime int

// The answers of Timeliness.
const (
	// TermRunning: open and within its term, or cancelled: nothing to say yet.
	TermRunning OnTime = iota
	// TermMet: answered or refused with every term met.
	TermMet
	// TermMissed: answered or refused after a term ran out, or still open
	// past it.
	TermMissed
)

// Timeliness tells whether r met its terms at now: an answer or refusal
// dated on or before the last day of each term (Obligation.OnTime, Civil
// Code art. 194), or, while open, whether a term already ran out.
func (r *Request) Timeliness(now time.Time) OnTime {
	if r.Status == StatusCancelled {
		return TermRunning
	}
	loc := r.Location()
	done, late := false, false
	for _, o := range r.Obligations {
		switch o.Status {
		case ObligationDone:
			done = true
			if !o.OnTime(loc) {
				late = true
			}
		case ObligationOpen:
			if !now.Before(o.EffectiveDueAt()) {
				late = true
			}
		}
	}
	switch {
	case late:
		return TermMissed
	case done && !r.Status.Open():
		return TermMet
	}
	return TermRunning
}

// Principal is the obligation the journal shows the term of: the
// applicable one whose term ends first (the answer itself for most types;
// for an incident the notice in 24 hours). Nil when none applies.
func (r *Request) Principal() *Obligation {
	var p *Obligation
	for i := range r.Obligations {
		o := &r.Obligations[i]
		if o.Status != ObligationNotApplicable && (p == nil || o.DueAt.Before(p.DueAt)) {
			p = o
		}
	}
	return p
}
