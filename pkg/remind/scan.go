package remind

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// Store is what the scanner needs of the storage.
type Store interface {
	// ReminderOffsets returns every working-day offset of "soon" and
	// "tomorrow" some user's settings (or the defaults) use.
	ReminderOffsets(ctx context.Context) ([]int, error)
	// ReminderOfficers returns who answers for the requests nobody works
	// on, with their settings: the active officers, or the active
	// administrators while there is no officer, so that an installation
	// with its first administrator alone still reminds someone.
	ReminderOfficers(ctx context.Context) ([]Recipient, error)
	// ReminderCandidates returns the open obligations of open requests
	// that q selects, each once, with their assignee (nil when none or
	// disabled) and the assignee's settings.
	ReminderCandidates(ctx context.Context, q CandidateQuery) ([]Obligation, error)
	// QueueReminders inserts the reminders into the outbox, leaving any
	// that exists (same obligation, stage, recipient and local date)
	// untouched, with next_attempt_at = send_at; it returns how many it
	// inserted.
	QueueReminders(ctx context.Context, rs []Reminder, now time.Time) (int, error)
}

// DateRange is the dates [From, To).
type DateRange struct{ From, To calendar.Date }

// CandidateQuery selects the open obligations that may have a reminder on
// a day, without reading all of them: those whose internal target (the
// extended date once extended) lies in one of Targets, those whose term ran
// out at or before DueBy (overdue), and those of the requests registered in
// [RegisteredFrom, RegisteredTo) (late registration). It may select more
// than the day needs; the planner decides.
type CandidateQuery struct {
	Targets        []DateRange
	DueBy          time.Time
	RegisteredFrom time.Time
	RegisteredTo   time.Time
}

// Scanner finds the reminders due and queues them in the outbox. Any number
// of scanners may run at once, in one process or many: a reminder is one
// row, unique by obligation, stage, recipient and local date.
type Scanner struct {
	store Store
	cal   calendar.Source
}

// NewScanner returns a scanner on st counting on calendar c: a fixed
// *calendar.Calendar, or the live one that an imported year replaces (each
// call reads the calendar in use once).
func NewScanner(st Store, c calendar.Source) *Scanner {
	return &Scanner{store: st, cal: c}
}

// planner is the planner on the calendar in use.
func (s *Scanner) planner() *Planner { return NewPlanner(s.cal.Current()) }

// zoneSpan bounds the offsets from UTC of any time zone: a local date D
// runs from D 00:00 at UTC+14 to D+1 00:00 at UTC-12.
const (
	zoneEast = 14 * time.Hour
	zoneWest = 12 * time.Hour
)

// Query returns the candidate query of local date day (a working day) for
// the offsets in use: the targets for which day is the "soon", "tomorrow"
// or "due" day (the k-th working day after day, and the days off right
// after it, where an hour term's target may fall), the terms that ended
// before day in any zone, and the requests registered since the working
// day before it.
func (s *Scanner) Query(day calendar.Date, offsets []int) (CandidateQuery, error) {
	c := s.cal.Current()
	q := CandidateQuery{DueBy: day.Start(time.UTC).Add(zoneWest)}
	for _, k := range append([]int{0}, offsets...) {
		x := day
		if k > 0 {
			var err error
			if x, err = c.NthWorkingDayAfter(day, k); err != nil {
				return q, fmt.Errorf("remind: %d working days after %s: %w", k, day, err)
			}
		}
		next, err := c.NthWorkingDayAfter(x, 1)
		if err != nil {
			return q, fmt.Errorf("remind: the working day after %s: %w", x, err)
		}
		q.Targets = append(q.Targets, DateRange{From: x, To: next})
	}
	prev, err := c.PrevWorkingDay(day)
	if err != nil {
		return q, fmt.Errorf("remind: the working day before %s: %w", day, err)
	}
	q.RegisteredFrom = (prev + 1).Start(time.UTC).Add(-zoneEast)
	q.RegisteredTo = day.End(time.UTC).Add(zoneWest)
	return q, nil
}

// PlanDay returns every reminder of local date day, in each request's own
// zone, from the register as it stands, sending nothing. A day off has
// none.
func (s *Scanner) PlanDay(ctx context.Context, day calendar.Date) ([]Reminder, error) {
	p := s.planner()
	if !p.cal.IsWorkday(day) {
		return nil, nil
	}
	offsets, err := s.store.ReminderOffsets(ctx)
	if err != nil {
		return nil, err
	}
	officers, err := s.store.ReminderOfficers(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.Query(day, offsets)
	if err != nil {
		return nil, err
	}
	obls, err := s.store.ReminderCandidates(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, o := range obls {
		out = append(out, p.Plan(o, officers, day)...)
	}
	sortReminders(out)
	return out, nil
}

// Scan queues every reminder due at now: those of the request's local date
// today whose sending hour has come. Reminders of earlier days that were
// never queued (Srok was down) are not queued late: each day plans its own,
// and an overdue obligation has its "overdue" reminder today anyway. It
// returns how many rows it inserted; the rows another scanner inserted
// first are left alone.
//
// Somewhere on Earth it is still yesterday or already tomorrow: the scan
// reads the candidates of every local date now may be in, in one query, and
// plans each obligation for the date now is in its request's zone.
func (s *Scanner) Scan(ctx context.Context, now time.Time) (int, error) {
	due, err := s.Due(ctx, now)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	return s.store.QueueReminders(ctx, due, now)
}

// Due returns the reminders Scan queues at now, in the order of the
// outbox's unique key, queuing nothing.
func (s *Scanner) Due(ctx context.Context, now time.Time) ([]Reminder, error) {
	p := s.planner()
	offsets, err := s.store.ReminderOffsets(ctx)
	if err != nil {
		return nil, err
	}
	var q CandidateQuery
	found := false
	for day := calendar.DateOf(now.UTC().Add(-zoneWest)); day <= calendar.DateOf(now.UTC().Add(zoneEast)); day++ {
		if !p.cal.IsWorkday(day) {
			continue
		}
		dq, err := s.Query(day, offsets)
		if err != nil {
			return nil, err
		}
		if !found {
			q, found = dq, true
			continue
		}
		q.Targets = append(q.Targets, dq.Targets...)
		q.DueBy = maxTime(q.DueBy, dq.DueBy)
		q.RegisteredFrom = minTime(q.RegisteredFrom, dq.RegisteredFrom)
		q.RegisteredTo = maxTime(q.RegisteredTo, dq.RegisteredTo)
	}
	if !found {
		return nil, nil
	}
	officers, err := s.store.ReminderOfficers(ctx)
	if err != nil {
		return nil, err
	}
	obls, err := s.store.ReminderCandidates(ctx, q)
	if err != nil {
		return nil, err
	}
	var due []Reminder
	for _, o := range obls {
		loc := o.Location
		if loc == nil {
			loc = time.UTC
		}
		for _, r := range p.Plan(o, officers, calendar.DateOf(now.In(loc))) {
			if !r.SendAt.After(now) {
				due = append(due, r)
			}
		}
	}
	// One order for every scanner, so that concurrent inserts of the same
	// rows wait on each other instead of deadlocking.
	sortReminders(due)
	return due, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sortReminders puts reminders in the order of the outbox's unique key, the
// way a person reads them: by date, request number (one per request),
// obligation, stage in the order of an obligation's life, and recipient
// email (one per user).
func sortReminders(rs []Reminder) {
	slices.SortFunc(rs, func(a, b Reminder) int {
		return cmp.Or(
			cmp.Compare(a.LocalDate, b.LocalDate),
			cmp.Compare(a.Number, b.Number),
			cmp.Compare(a.ObligationID, b.ObligationID),
			cmp.Compare(slices.Index(Stages(), a.Stage), slices.Index(Stages(), b.Stage)),
			cmp.Compare(a.Email, b.Email),
		)
	})
}
