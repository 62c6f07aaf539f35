// Package calendars keeps the production calendar up to date without a new
// release: a new year's decree data (Labour Code art. 112 part 5: the
// Government moves the days off of a year by a yearly decree) is imported,
// validated and stored in the database, and every srok instance counts
// terms on the shipped data overlaid with the stored years.
//
// The calendar in use is a *calendar.Live: an atomic holder whose
// calendar is replaced whole, never changed in place. Everything that
// counts terms (the register, the API's deadline and calendar endpoints)
// holds the Live as a calendar.Source and asks it for the current
// calendar at each computation. An import replaces it in the importing
// process at once; the other processes hear of it by PostgreSQL
// LISTEN/NOTIFY (channel srok_calendar) and re-read the stored years, with
// a periodic re-read as a safety net for a lost connection (Watch). On
// SQLite the one process is the importer, and re-reads at start.
//
// After an import, the terms that may move (the open obligations counted
// across a year without decree data, and any in a replaced year) are
// counted again (register.RecomputeCalendar); a moved term is recorded in
// the request's timeline as "recomputed" with its old and new dates.
package calendars

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// StoredYear is one imported year as the database keeps it.
type StoredYear struct {
	Year int
	// Data is the year as a file of one year in the shipped format
	// (Canonical), SHA256 its hex hash.
	Data   []byte
	SHA256 string
	// Source is the decree the year comes from, as cited.
	Source     string
	ImportedAt time.Time
	// ImportedBy is the actor id of who imported it.
	ImportedBy string
}

// Store keeps the imported years. The storage package implements it on
// PostgreSQL and SQLite.
type Store interface {
	// CalendarYears returns the stored years, ascending.
	CalendarYears(ctx context.Context) ([]StoredYear, error)
	// PutCalendarYears stores years (replacing stored ones) with the audit
	// entries in one transaction, and announces the change to every srok
	// process listening.
	PutCalendarYears(ctx context.Context, years []StoredYear, trail []*audit.Entry) error
	// ListenCalendarChanges calls changed for each announced change until
	// ctx ends (and at once on every (re)connection); it returns at once
	// where there is nothing to hear (SQLite).
	ListenCalendarChanges(ctx context.Context, changed func())
}

// Recomputer counts terms again after the calendar changed: the register.
type Recomputer interface {
	RecomputeCalendar(ctx context.Context, from int, note string) (register.Recomputed, error)
}

// Option configures a Service.
type Option func(*Service)

// WithRecomputer recomputes the register's terms after an import.
func WithRecomputer(r Recomputer) Option { return func(s *Service) { s.reg = r } }

// WithLive makes the service keep l current (else it makes its own Live,
// holding base): for a register built before the service.
func WithLive(l *calendar.Live) Option { return func(s *Service) { s.live = l } }

// WithAudit records imports, and refused attempts, in the audit trail.
func WithAudit(a audit.Trail) Option { return func(s *Service) { s.audit = a } }

// Service imports calendar years and keeps the live calendar current. It is
// safe for concurrent use.
type Service struct {
	store Store
	// base is the calendar without the stored years: the shipped data plus
	// the operator's calendar files.
	base    *calendar.Calendar
	shipped map[int]calendar.Year
	live    *calendar.Live
	reg     Recomputer
	audit   audit.Trail
	now     func() time.Time

	// mu makes loads and imports of this process one at a time; loaded
	// is the fingerprint of the stored years the live calendar holds.
	mu     sync.Mutex
	loaded string
}

// NewService returns the service on store, with base the calendar of the
// shipped data (and the operator's calendar files); Live holds base until
// Load reads the stored years.
func NewService(store Store, base *calendar.Calendar, now func() time.Time, opts ...Option) (*Service, error) {
	emb, err := calendar.EmbeddedData()
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, base: base, shipped: map[int]calendar.Year{}, live: calendar.NewLive(base), now: now}
	for _, y := range emb {
		s.shipped[y.Year] = y
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Live is the calendar in use, for everything that counts terms.
func (s *Service) Live() *calendar.Live { return s.live }

// Load reads the stored years and, when they changed since the last load,
// replaces the live calendar with the base overlaid with them. It reports
// whether it replaced it.
func (s *Service) Load(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(ctx)
}

func (s *Service) load(ctx context.Context) (bool, error) {
	stored, err := s.store.CalendarYears(ctx)
	if err != nil {
		return false, err
	}
	var fp strings.Builder
	for _, y := range stored {
		fmt.Fprintf(&fp, "%d:%s;", y.Year, y.SHA256)
	}
	if fp.String() == s.loaded {
		return false, nil
	}
	c, err := s.build(stored)
	if err != nil {
		return false, err
	}
	s.live.Set(c)
	s.loaded = fp.String()
	return true, nil
}

// build is the base calendar overlaid with the stored years.
func (s *Service) build(stored []StoredYear) (*calendar.Calendar, error) {
	byYear := map[int]calendar.Year{}
	first, last := s.base.Years()
	for y := first; y <= last; y++ {
		cy, err := s.base.Year(y)
		if err == nil && !cy.Provisional {
			byYear[y] = cy
		}
	}
	for _, st := range stored {
		ys, err := calendar.ParseData(fmt.Sprintf("(database) calendar_years %d", st.Year), st.Data)
		if err != nil {
			return nil, err
		}
		for _, y := range ys {
			byYear[y.Year] = y
		}
	}
	all := make([]calendar.Year, 0, len(byYear))
	for _, y := range byYear {
		all = append(all, y)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Year < all[j].Year })
	return calendar.New(all)
}

// Watch keeps the live calendar current until ctx ends: it re-reads the
// stored years when another process announces an import, and every
// interval anyway (a safety net for a missed announcement). Errors are
// logged; the calendar in use stays until a read succeeds.
func (s *Service) Watch(ctx context.Context, interval time.Duration, log *slog.Logger) {
	reload := func() {
		changed, err := s.Load(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("calendar: unable to read the imported calendar years", "error", err)
		case changed:
			first, last := s.live.Current().Years()
			log.Info("calendar: imported calendar years loaded", "first_year", first, "last_year", last)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.store.ListenCalendarChanges(ctx, reload)
	}()
	defer wg.Wait()
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			reload()
		}
	}
}

// YearStatus says what an import did with one year.
type YearStatus string

// The statuses of a year.
const (
	// YearImported: the year had no decree data; now it has.
	YearImported YearStatus = "imported"
	// YearReplaced: the year's decree data was replaced (with force).
	YearReplaced YearStatus = "replaced"
	// YearUnchanged: the same data was already in use.
	YearUnchanged YearStatus = "unchanged"
)

// YearSummary is what an import did with one year.
type YearSummary struct {
	Year   int
	Status YearStatus
	Decree string
	// DaysOff counts the weekdays off; WorkingWeekends the Saturdays and
	// Sundays that are working days; WorkingDays the year's total.
	DaysOff         int
	WorkingWeekends int
	WorkingDays     int
	// WorkingSaturdays counts the working weekend days that are Saturdays.
	WorkingSaturdays int
}

// Summary is the outcome of an import.
type Summary struct {
	Years      []YearSummary
	Recomputed register.Recomputed
}

// Import validates a file of calendar years (name is used in messages),
// stores its years, replaces the live calendar and recomputes the terms
// they may move. A year that already has decree data (shipped, or imported
// before) is replaced only with force, unless the data is the same. A year
// before the shipped calendar's first is refused. Any problem refuses the
// whole file: an EINVALID error naming each problem, and nothing stored.
//
// Importing the same file again changes nothing, and finishes a recompute
// that was cut short.
func (s *Service) Import(ctx context.Context, name string, data []byte, force bool) (Summary, error) {
	var sum Summary
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return sum, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !a.Can(srok.ActCalendarManage) {
		if s.audit != nil {
			_ = s.audit.Record(ctx, audit.Entry{Action: audit.ActionCalendarImport, Outcome: audit.OutcomeDenied, Detail: "role " + string(a.Role)})
		}
		return sum, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: manage the production calendar"}
	}
	years, problems := ParseFile(name, data)
	if len(problems) > 0 {
		return sum, invalid(problems)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.load(ctx); err != nil {
		return sum, err
	}
	cur := s.live.Current()
	firstShipped := s.firstShipped()
	now := s.now().UTC()
	var (
		put   []StoredYear
		notes []string
		from  = 0
	)
	for _, y := range years {
		entry := fmt.Sprintf("years[%q]", strconv.Itoa(y.Year))
		if y.Year < firstShipped {
			problems = append(problems, Problem{Entry: entry, Problem: fmt.Sprintf(
				"%d is before %d, the first year of the shipped calendar: no term counted by Srok reaches back there", y.Year, firstShipped)})
			continue
		}
		ys := YearSummary{Year: y.Year, Status: YearImported, Decree: y.Decree.Citation, DaysOff: len(y.NonworkingWeekdays),
			WorkingWeekends: len(y.WorkingWeekends), WorkingDays: y.WorkingDays}
		for _, d := range y.WorkingWeekends {
			if d.Weekday() == time.Saturday {
				ys.WorkingSaturdays++
			}
		}
		canon := Canonical(y)
		if old, err := cur.Year(y.Year); err == nil && !old.Provisional {
			if bytes.Equal(Canonical(old), canon) {
				ys.Status = YearUnchanged
				sum.Years = append(sum.Years, ys)
				continue
			}
			if !force {
				problems = append(problems, Problem{Entry: entry, Problem: fmt.Sprintf(
					"%d already has verified decree data (%s); to replace it with this file's, import again with force (srok calendar import --force)",
					y.Year, old.Decree.Citation)})
				continue
			}
			ys.Status = YearReplaced
		}
		sum.Years = append(sum.Years, ys)
		put = append(put, StoredYear{Year: y.Year, Data: canon, SHA256: Hash(canon), Source: y.Decree.Citation,
			ImportedAt: now, ImportedBy: a.ID})
		notes = append(notes, fmt.Sprintf("%d (%s)", y.Year, y.Decree.Citation))
		if from == 0 || y.Year < from {
			from = y.Year
		}
	}
	if len(problems) > 0 {
		return Summary{}, invalid(problems)
	}
	if len(put) > 0 {
		var trail []*audit.Entry
		if s.audit != nil {
			var err error
			trail, err = s.audit.Prepare(ctx, audit.Entry{Action: audit.ActionCalendarImport, Outcome: audit.OutcomeOK,
				Detail: "imported " + strings.Join(notes, "; ")})
			if err != nil {
				return Summary{}, err
			}
		}
		if err := s.store.PutCalendarYears(ctx, put, trail); err != nil {
			return Summary{}, err
		}
		if _, err := s.load(ctx); err != nil {
			return Summary{}, err
		}
	}
	if s.reg == nil {
		return sum, nil
	}
	// Recompute even when every year was unchanged: an import cut short
	// after storing its years is finished by running it again.
	if from == 0 {
		for _, y := range years {
			if from == 0 || y.Year < from {
				from = y.Year
			}
		}
		notes = notes[:0]
		for _, y := range years {
			notes = append(notes, fmt.Sprintf("%d (%s)", y.Year, y.Decree.Citation))
		}
	}
	rec, err := s.reg.RecomputeCalendar(ctx, from, "Пересчитано по производственному календарю "+strings.Join(notes, ", "))
	sum.Recomputed = rec
	if err != nil {
		return sum, fmt.Errorf("calendar years stored, but the recompute of terms stopped (import the file again to finish it): %w", err)
	}
	return sum, nil
}

func (s *Service) firstShipped() int {
	first := 0
	for y := range s.shipped {
		if first == 0 || y < first {
			first = y
		}
	}
	return first
}

// Stored returns the imported years, ascending.
func (s *Service) Stored(ctx context.Context) ([]StoredYear, error) {
	return s.store.CalendarYears(ctx)
}

// invalid is the EINVALID error listing problems, one field each.
func invalid(problems []Problem) error {
	fields := make([]srok.FieldError, 0, len(problems))
	for _, p := range problems {
		field := p.Entry
		if field == "" {
			field = "body"
		}
		fields = append(fields, srok.FieldError{Field: field, Problem: p.Problem})
	}
	slices.SortStableFunc(fields, func(a, b srok.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return srok.Invalid(fields...)
}

// ProvisionalStore finds the years stored terms were counted provisionally
// over. The storage package implements it beside Store.
type ProvisionalStore interface {
	// ProvisionalYears returns the years of the legal dates (and extended
	// ones) of the open obligations of open requests that are provisional,
	// ascending.
	ProvisionalYears(ctx context.Context) ([]int, error)
}

// RecomputeDecreed counts again, once, the terms stored as provisional over
// a year that now has decree data in the calendar in use: a year shipped in
// a newer release (or given in a file) after the terms were counted. The
// server calls it at start-up, after Load. It reuses the recompute of an
// import: a moved term gets a "recomputed" event naming the decree, and a
// term no longer provisional is not found again, so a second start changes
// nothing. Two servers starting at once on one database recompute each
// request once: the register writes a request only on the version it read.
// It returns the years recomputed (none when nothing was provisional over
// a decreed year).
func (s *Service) RecomputeDecreed(ctx context.Context) ([]int, register.Recomputed, error) {
	var rec register.Recomputed
	ps, ok := s.store.(ProvisionalStore)
	if !ok || s.reg == nil {
		return nil, rec, nil
	}
	years, err := ps.ProvisionalYears(ctx)
	if err != nil {
		return nil, rec, err
	}
	cur := s.live.Current()
	var (
		decreed []int
		notes   []string
	)
	for _, y := range years {
		cy, err := cur.Year(y)
		if err != nil || cy.Provisional {
			continue
		}
		decreed = append(decreed, y)
		notes = append(notes, fmt.Sprintf("%d (%s)", y, cy.Decree.Citation))
	}
	if len(decreed) == 0 {
		return nil, rec, nil
	}
	ctx = srok.WithActor(ctx, srok.System)
	rec, err = s.reg.RecomputeCalendar(ctx, decreed[0], "Пересчитано по производственному календарю "+strings.Join(notes, ", "))
	return decreed, rec, err
}
