package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// overviewTop is how many requests each section of the overview lists; the
// rest are a click away in the list.
const overviewTop = 25

// overviewPage is the landing page: what is overdue, what runs out today
// and within three working days, and the same per assignee.
type overviewPage struct {
	page
	Today, SoonUntil string
	// UpdatedAt is the time of the figures, in the operator's zone.
	UpdatedAt  string
	Buckets    []bucketView
	ByAssignee []assigneeRow
	// Operator is set for an operator, who sees their own requests first.
	Operator bool
	// CanCreate offers to register a request.
	CanCreate bool
	// Failed is the notice of reminders that failed for good, nil when
	// none or the user is not told of them.
	Failed *failedView
	// Recipients says who is reminded of unassigned requests, or that
	// nobody is.
	Recipients *recipientsView
	// NextYear warns an administrator that next year's production
	// calendar has no decree yet; nil when there is nothing to say.
	NextYear *nextYearView
	// LateEmails tells officers and administrators of the emails waiting
	// for a decision longer than one working day; nil when none.
	LateEmails *lateEmailsView
	// NewMail tells the user of emails attached lately to their requests.
	NewMail []newMailRow
	// Mailboxes is the state of each active mailbox, for officers and
	// administrators; empty when there is none.
	Mailboxes []overviewMailbox
}

// overviewMailbox is one line of the overview's mailboxes panel.
type overviewMailbox struct {
	Address, LastFetch, Error string
	Waiting                   int
	Failing                   bool
}

// mailboxesOf is the overview's panel of mailboxes: for those who see the
// mailboxes' page (officers and administrators), the active ones, with the
// last fetch, the emails waiting and the last error in Russian.
func (s *server) mailboxesOf(c echo.Context, a srok.Actor) ([]overviewMailbox, error) {
	if s.mailboxes == nil || !a.Can(srok.ActAuditRead) {
		return nil, nil
	}
	list, err := s.mailboxes.List(c.Request().Context(), a)
	if err != nil {
		return nil, err
	}
	var out []overviewMailbox
	for _, m := range list {
		if !m.Active {
			continue
		}
		r := overviewMailbox{Address: m.Address, LastFetch: "ещё не было", Waiting: m.Waiting, Error: mailboxErrorText(m),
			Failing: m.State == mailbox.StateFailing}
		if m.LastFetchAt != nil {
			r.LastFetch = ru.DateTime(*m.LastFetchAt, s.zone())
		}
		out = append(out, r)
	}
	return out, nil
}

// newMailRow is an email attached to one of the user's requests.
type newMailRow struct {
	Number, URL, At, By string
}

// newMailOf is the notice of emails attached to the user's requests in
// the last week (register.NewMail), none without the triage.
func (s *server) newMailOf(c echo.Context) ([]newMailRow, error) {
	if s.inbox == nil {
		return nil, nil
	}
	got, err := s.inbox.NewMail(c.Request().Context())
	if err != nil {
		return nil, err
	}
	rows := make([]newMailRow, len(got))
	for i, m := range got {
		rows[i] = newMailRow{Number: m.Number, URL: "/requests/" + m.RequestID, At: ru.DateTime(m.At, s.zone()), By: ru.AttachedBy(m.BySrok)}
	}
	return rows, nil
}

// lateEmailsView is the overview's line on untriaged mail: a term runs
// from an email's receipt whether or not anyone decided on it.
type lateEmailsView struct {
	Count int
	Text  string
}

// lateEmailsOf is the line for officers and administrators, nil for the
// others or when no email waits that long.
func (s *server) lateEmailsOf(c echo.Context, a srok.Actor) (*lateEmailsView, error) {
	if s.inbox == nil || (a.Role != srok.RoleOfficer && a.Role != srok.RoleAdmin) {
		return nil, nil
	}
	_, late, err := s.inbox.InboxCount(c.Request().Context())
	if err != nil || late == 0 {
		return nil, err
	}
	return &lateEmailsView{Count: late, Text: ru.LateEmails(late)}, nil
}

// nextYearView is the overview's warning that the next year's decree is
// not in the production calendar.
type nextYearView struct {
	Text string
	// Link is the calendar page of the year, where the year is imported.
	Link, LinkText string
}

// nextYearOf is the warning, from 1 October, that the year after today
// has no decree in the calendar in use (calendar.UndecreedNextYear), for
// those who may import it; nil for the others, or when the year has one.
func (s *server) nextYearOf(a srok.Actor, today calendar.Date) *nextYearView {
	if s.calendar == nil || !a.Can(srok.ActCalendarManage) {
		return nil
	}
	y := calendar.UndecreedNextYear(today, s.calendar.Year)
	if y == 0 {
		return nil
	}
	return &nextYearView{Text: ru.CalendarNotLoaded(y), Link: "/calendar?year=" + strconv.Itoa(y),
		LinkText: fmt.Sprintf("%s на %d год", ru.CalendarPage, y)}
}

// bucketView is one section of the overview.
type bucketView struct {
	// ID is the section's element id: overdue, due-today, due-soon.
	ID, Title, Hint string
	Count           int
	CountText       string
	Rows            []requestRow
	// More links to the whole list when it has more than Rows.
	More string
	// Urgency is the colour cue of the section.
	Urgency string
}

// assigneeRow is one line of the per-assignee table.
type assigneeRow struct {
	// ID is the element id of the row's link, the same at every refresh
	// of the overview, so that the focus stays on it.
	ID                         string
	Name                       string
	Link                       string
	Overdue, DueToday, DueSoon int
	Disabled, Own              bool
}

// requestRow is a request as a line of a table.
type requestRow struct {
	ID, Number, URL string
	Type, TypeCode  string
	Subject         string
	Assignee        string
	Status          string
	Received        string
	// Obligation names the open obligation that runs out first; Term is its
	// term. Both empty when none is open.
	Obligation string
	Term       term
	// Own is the signed-in user's.
	Own bool
}

// rowOf is r as a table line for actor a at now.
func (s *server) rowOf(r *register.Request, a srok.Actor, now time.Time) requestRow {
	loc := s.reg.Zone()
	row := requestRow{ID: r.ID, Number: r.Number, URL: "/requests/" + r.ID, Type: ru.Type(r.Type), TypeCode: string(r.Type),
		Subject: ru.Requester(r.Subject), Assignee: r.Assignee, Status: ru.Status(r.Status), Received: ru.DateTime(r.ReceivedAt, loc),
		Own: a.UserID != "" && r.AssigneeID == a.UserID}
	if row.Assignee == "" {
		row.Assignee = "не назначено"
	}
	if o := nextObligation(r); o != nil {
		row.Obligation = ru.Obligation(o.ID)
		row.Term = s.termOf(*o, now, loc)
	} else if len(r.Obligations) > 0 {
		row.Term = term{Due: ru.Date(r.Obligations[0].EffectiveDue()), Target: ru.Date(r.Obligations[0].Target)}
	}
	return row
}

// overview renders the landing page of a signed-in user.
func (s *server) overview(c echo.Context, a srok.Actor) error {
	d, err := s.reg.Dashboard(c.Request().Context(), overviewTop)
	if err != nil {
		return s.pageError(c, err)
	}
	now := d.Now
	own, err := s.ownDue(c, a, d)
	if err != nil {
		return s.pageError(c, err)
	}
	p := overviewPage{page: newPage("Обзор"), Today: ru.Date(d.Today), SoonUntil: ru.Date(d.SoonUntil),
		UpdatedAt: ru.Clock(d.Now, s.reg.Zone()),
		Operator:  a.Role == srok.RoleOperator, CanCreate: a.Can(srok.ActRequestCreate)}
	if p.Failed, err = s.failedOf(c.Request().Context(), a, s.reg.Zone()); err != nil {
		return s.pageError(c, err)
	}
	if p.Recipients, err = s.recipientsOf(c.Request().Context(), a); err != nil {
		return s.pageError(c, err)
	}
	p.NextYear = s.nextYearOf(a, d.Today)
	if p.LateEmails, err = s.lateEmailsOf(c, a); err != nil {
		return s.pageError(c, err)
	}
	if p.NewMail, err = s.newMailOf(c); err != nil {
		return s.pageError(c, err)
	}
	if p.Mailboxes, err = s.mailboxesOf(c, a); err != nil {
		return s.pageError(c, err)
	}
	for i, b := range []struct {
		id, title, hint, urgency, more string
		b                              register.Bucket
	}{
		{"overdue", "Просрочено", "срок по закону истёк, ответ не дан", "overdue", "/requests?overdue=1&sort=due", d.Overdue},
		{"due-today", "Срок истекает сегодня", "последний день — " + ru.Date(d.Today), "today", "/requests?sort=due", d.DueToday},
		{"due-soon", "Срок в ближайшие 3 рабочих дня", "до " + ru.Date(d.SoonUntil) + " включительно", "soon", "/requests?sort=due", d.DueSoon},
	} {
		v := bucketView{ID: b.id, Title: b.title, Hint: b.hint, Count: b.b.Count, CountText: ru.Requests(b.b.Count), Urgency: b.urgency}
		// The user's own first, then the rest the dashboard lists; each
		// part by due time.
		seen := map[string]bool{}
		for _, r := range append(own[i], b.b.Items...) {
			if seen[r.ID] || len(v.Rows) == overviewTop {
				continue
			}
			seen[r.ID] = true
			v.Rows = append(v.Rows, s.rowOf(r, a, now))
		}
		sort.SliceStable(v.Rows, func(i, j int) bool { return v.Rows[i].Own && !v.Rows[j].Own })
		if b.b.Count > len(v.Rows) {
			v.More = b.more
		}
		p.Buckets = append(p.Buckets, v)
	}
	for _, g := range d.ByAssignee {
		row := assigneeRow{ID: "by-assignee-" + g.Key, Name: g.Key, Overdue: g.Overdue, DueToday: g.DueToday, DueSoon: g.DueSoon, Disabled: g.AssigneeDisabled,
			Own: g.Key != "" && g.Key == a.Email, Link: "/requests?sort=due&assignee=" + url.QueryEscape(g.Key)}
		if g.Key == "" {
			row.ID, row.Name, row.Link = "by-assignee-none", "не назначено", "/requests?sort=due&assignee=none"
		}
		p.ByAssignee = append(p.ByAssignee, row)
	}
	sort.SliceStable(p.ByAssignee, func(i, j int) bool { return p.ByAssignee[i].Own && !p.ByAssignee[j].Own })
	return s.render(c, http.StatusOK, "overview", p)
}

// ownDue returns the requests assigned to a in each bucket of d (overdue,
// due today, due soon), by due time: the dashboard lists the register's
// first requests, among which a user's own may not be.
func (s *server) ownDue(c echo.Context, a srok.Actor, d *register.Dashboard) ([3][]*register.Request, error) {
	var out [3][]*register.Request
	if a.Email == "" || a.Role == srok.RoleViewer {
		return out, nil
	}
	zone := s.reg.Zone()
	now, todayEnd, soonEnd := d.Now, d.Today.End(zone), d.SoonUntil.End(zone)
	bounds := [3][2]*time.Time{{nil, &now}, {&now, &todayEnd}, {&todayEnd, &soonEnd}}
	counts := [3]int{d.Overdue.Count, d.DueToday.Count, d.DueSoon.Count}
	for i, b := range bounds {
		if counts[i] == 0 {
			continue
		}
		me := a.Email
		page, err := s.reg.List(c.Request().Context(), register.Filter{Assignee: &me, DueAfter: b[0], DueAtOrBefore: b[1],
			Sort: register.Sort{Key: register.SortDue}, Limit: overviewTop}, "")
		if err != nil {
			return out, err
		}
		out[i] = page.Items
	}
	return out, nil
}
