package register

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// SoonWorkingDays is how far ahead "due soon" looks: terms that run out
// within this many working days after today.
const SoonWorkingDays = 3

// DefaultTop is how many requests each dashboard bucket lists.
const DefaultTop = 10

// Dashboard is what the responsible person watches: what is overdue, what
// runs out today and what runs out within three working days, overall, per
// assignee and per type. A request counts by its earliest open term.
type Dashboard struct {
	Now time.Time
	// Today is the operator's local date; SoonUntil the last day of "soon".
	Today     calendar.Date
	SoonUntil calendar.Date
	TimeZone  string
	Overdue   Bucket
	DueToday  Bucket
	DueSoon   Bucket
	// ByAssignee and ByType count the three buckets per group; the
	// unassigned are under the assignee "".
	ByAssignee []GroupCount
	ByType     []GroupCount
}

// Bucket is a count and the first requests by due time.
type Bucket struct {
	Count int
	Items []*Request
}

// GroupCount is the three counts of one assignee or type.
type GroupCount struct {
	Key      string
	Overdue  int
	DueToday int
	DueSoon  int
	// AssigneeDisabled marks an assignee whose account is disabled: their
	// open requests need another assignee.
	AssigneeDisabled bool
}

// DashboardMaxAge is how old a dashboard may be when served again: every
// open browser polls it, and counting a million-request register for each
// poll would cost more than a second of staleness is worth. A change made
// through this process drops the cached dashboard at once.
const DashboardMaxAge = time.Second

// dashboardCache holds the last dashboard of each size.
type dashboardCache struct {
	mu      sync.Mutex
	entries map[int]cachedDashboard
	flight  singleflight.Group
}

type cachedDashboard struct {
	d   *Dashboard
	gen uint64
}

// Dashboard returns the dashboard at the service's now, with up to top
// requests per bucket. It may be up to DashboardMaxAge old, never older
// than the last change made through this service.
//
// The counts are the whole register's (they carry no personal data); the
// listed requests are those the actor may see, masked as for them, and
// their being shown is recorded in the audit trail.
func (s *Service) Dashboard(ctx context.Context, top int) (*Dashboard, error) {
	a, err := s.authorize(ctx, srok.ActDashboardRead, audit.ActionRequestList)
	if err != nil {
		return nil, err
	}
	d, err := s.sharedDashboard(ctx, top)
	if err != nil {
		return nil, err
	}
	out := *d // the cached one is shared: the actor's view is a copy
	var ids []string
	for _, b := range []*Bucket{&out.Overdue, &out.DueToday, &out.DueSoon} {
		items := make([]*Request, 0, len(b.Items))
		for _, r := range b.Items {
			if visible(a, r) {
				items = append(items, shown(a, r))
				ids = append(ids, r.ID)
			}
		}
		b.Items = items
	}
	if err := s.read(ctx, audit.ActionRequestList, "dashboard", ids...); err != nil {
		return nil, err
	}
	return &out, nil
}

// sharedDashboard is the dashboard every actor's view is made from.
func (s *Service) sharedDashboard(ctx context.Context, top int) (*Dashboard, error) {
	if top <= 0 {
		top = DefaultTop
	}
	if top > MaxLimit {
		top = MaxLimit
	}
	now := s.now().UTC()
	gen := s.gen.Load()
	s.dash.mu.Lock()
	c, ok := s.dash.entries[top]
	s.dash.mu.Unlock()
	if ok && c.gen == gen && !now.Before(c.d.Now) && now.Sub(c.d.Now) < DashboardMaxAge {
		return c.d, nil
	}
	v, err, _ := s.dash.flight.Do(strconv.Itoa(top), func() (any, error) {
		// Shared by every caller waiting on it: one leaving must not
		// cancel it for the others.
		d, err := s.dashboard(context.WithoutCancel(ctx), top, now)
		if err != nil {
			return nil, err
		}
		s.dash.mu.Lock()
		if s.dash.entries == nil {
			s.dash.entries = map[int]cachedDashboard{}
		}
		s.dash.entries[top] = cachedDashboard{d: d, gen: gen}
		s.dash.mu.Unlock()
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Dashboard), nil
}

// dashboard counts the dashboard at now.
func (s *Service) dashboard(ctx context.Context, top int, now time.Time) (*Dashboard, error) {
	today := calendar.DateOf(now.In(s.zone))
	soon, err := s.cals.Current().NthWorkingDayAfter(today, SoonWorkingDays)
	if err != nil {
		soon = today.AddDays(SoonWorkingDays)
	}
	todayEnd, soonEnd := today.End(s.zone).UTC(), soon.End(s.zone).UTC()
	d := &Dashboard{Now: now, Today: today, SoonUntil: soon, TimeZone: s.zone.String()}

	counts, err := s.store.DueCounts(ctx, now, todayEnd, soonEnd)
	if err != nil {
		return nil, err
	}
	byA, byT := map[string]*GroupCount{}, map[string]*GroupCount{}
	for _, c := range counts {
		d.Overdue.Count += c.Overdue
		d.DueToday.Count += c.DueToday
		d.DueSoon.Count += c.DueSoon
		for _, g := range []struct {
			m   map[string]*GroupCount
			key string
		}{{byA, c.Assignee}, {byT, string(c.Type)}} {
			gc := g.m[g.key]
			if gc == nil {
				gc = &GroupCount{Key: g.key}
				g.m[g.key] = gc
			}
			gc.Overdue += c.Overdue
			gc.DueToday += c.DueToday
			gc.DueSoon += c.DueSoon
		}
	}
	d.ByAssignee, d.ByType = sorted(byA), sorted(byT)
	if s.users != nil {
		for i := range d.ByAssignee {
			g := &d.ByAssignee[i]
			if g.Key == "" {
				continue
			}
			u, err := s.users.Assignee(ctx, g.Key)
			switch {
			case err == nil:
				g.AssigneeDisabled = !u.Active
			case srok.ErrorCode(err) != srok.ENOTFOUND: // an assignee from before accounts is not a user
				return nil, err
			}
		}
	}

	due := Sort{Key: SortDue}
	buckets := []struct {
		b            *Bucket
		after, until *time.Time
	}{
		{&d.Overdue, nil, &now},
		{&d.DueToday, &now, &todayEnd},
		{&d.DueSoon, &todayEnd, &soonEnd},
	}
	for _, b := range buckets {
		if b.b.Count == 0 {
			b.b.Items = []*Request{}
			continue
		}
		items, err := s.store.ListRequests(ctx, Filter{DueAfter: b.after, DueAtOrBefore: b.until, Sort: due, Limit: top - 1})
		if err != nil {
			return nil, err
		}
		if len(items) > top {
			items = items[:top]
		}
		b.b.Items = items
	}
	return d, nil
}

// sorted orders groups by overdue, then due today, then due soon, most
// first, then by key.
func sorted(m map[string]*GroupCount) []GroupCount {
	out := make([]GroupCount, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		if a.DueToday != b.DueToday {
			return a.DueToday > b.DueToday
		}
		if a.DueSoon != b.DueSoon {
			return a.DueSoon > b.DueSoon
		}
		return a.Key < b.Key
	})
	return out
}
