package main

import (
	"log/slog"
	"net"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api"
	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/metrics"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/web"
)

// deps are the pieces the HTTP server is composed of.
type deps struct {
	store    *store.Store
	register *register.Service
	accounts *account.Service
	audit    *audit.Service
	sessions *scs.SessionManager
	calendar *calendar.Calendar
	log      *slog.Logger
	now      func() time.Time
	limits   httpx.Limits
	proxies  []*net.IPNet
	// sessionIdle ends a browser session unused for that long.
	sessionIdle time.Duration
	// metrics counts the requests (nil: none kept); metricsToken, when
	// set, serves them at /metrics to its bearer.
	metrics      *metrics.Metrics
	metricsToken string

	// emails is the intake (built by compose when nil); mailboxes, when
	// set, the mailboxes fetched over IMAP.
	emails    *intake.Service
	mailboxes *mailbox.Service

	// calendars, when set, keeps the calendar in use current (the API
	// reads it at each request) and imports new years.
	calendars *calendars.Service
	// baseURL is where users open Srok (SROK_PUBLIC_URL, else the address
	// listened on): calendar feeds' addresses and links start with it.
	baseURL string
}

// compose builds Srok's HTTP handler: the shared server of httpx (its
// middleware, error rendering, sessions and the caller's identity), with
// each part's routes mounted on it.
func compose(d deps) *echo.Echo {
	e := httpx.New(httpx.Options{Log: d.log, Limits: d.limits, TrustedProxies: d.proxies, Auth: d.accounts, Sessions: d.sessions,
		SessionIdle: d.sessionIdle, Public: d.publicPaths(api.PublicPaths),
		Health: append([]string{metricsPath}, api.HealthPaths...), Metrics: d.observer()})
	var (
		live   calendar.Source
		calImp api.CalendarImporter
	)
	if d.calendars != nil {
		live, calImp = d.calendars.Live(), d.calendars
	}
	emails := d.emails
	if emails == nil {
		emails = newEmails(d.store, d.now, d.audit, d.register)
	}
	reminders := remind.NewSettingsService(d.store, d.audit, d.now)
	var feedCals calendar.Source = d.calendar
	if live != nil {
		feedCals = live
	}
	calFeeds := feeds.NewService(d.store, d.audit, feedCals, d.baseURL, d.now)
	org := organisation.NewService(d.store, d.audit, d.now)
	ackTemplates := remind.NewAckTemplates(d.store, d.audit, d.now)
	lettersOf := organisation.NewLetters(org, d.register)
	issuer := organisation.NewIssuer(lettersOf, d.register, d.store)
	packer := &evidence.Packer{Register: d.register, Emails: emails, Audit: d.audit, Entries: d.store, Now: d.now,
		Letters: organisation.EvidenceLetters{Store: d.store}}
	apiCfg := api.Config{Register: d.register, Calendar: d.calendar, Accounts: d.accounts, Audit: d.audit,
		Health: d.store, Log: d.log, Now: d.now, Calendars: live, CalendarImport: calImp,
		Reminders: reminders, Feeds: calFeeds, Emails: emails, Organisation: org, Letters: lettersOf,
		Issuer: issuer, Evidence: packer, AckTemplates: ackTemplates}
	if d.mailboxes != nil {
		apiCfg.Mailboxes = d.mailboxes
	}
	api.Mount(e, apiCfg)
	pages := web.Config{Accounts: d.accounts, Throttle: account.NewThrottle(d.store, d.now),
		Audit: d.audit, Sessions: d.sessions, Log: d.log, Now: d.now,
		Register: d.register, Calendar: d.pagesCalendar(), UserAdmin: d.accounts, Emails: emails, Inbox: d.register,
		Reminders: reminders, Feeds: calFeeds, FailedReminders: d.store, ReminderRecipients: d.store,
		Organisation: org, Letters: lettersOf, Issuer: issuer, Evidence: packer, AckTemplates: ackTemplates}
	if d.calendars != nil {
		pages.CalendarImport = d.calendars
	}
	if d.mailboxes != nil {
		pages.Mailboxes = d.mailboxes
	}
	web.Mount(e, pages)
	mountMetrics(e, d)
	return e
}

// newEmails is the email intake.
func newEmails(st *store.Store, now func() time.Time, trail *audit.Service, reg *register.Service) *intake.Service {
	return intake.NewService(st, intake.WithClock(now), intake.WithAudit(trail), intake.WithReaders(reg), intake.WithReplies(reg))
}

// sessionStore keeps the browser sessions in the database (the sessions
// table of migration 3), expired ones removed every few minutes; stop ends
// that cleanup.
func sessionStore(st *store.Store) (s scs.Store, stop func()) {
	if st.Dialect() == store.Postgres {
		ps := postgresstore.NewWithCleanupInterval(st.SQL(), 5*time.Minute)
		return ps, ps.StopCleanup
	}
	ss := sqlite3store.NewWithCleanupInterval(st.SQL(), 5*time.Minute)
	return ss, ss.StopCleanup
}

// pagesCalendar is the calendar the pages count on: the live one, which an
// import of a new year replaces on every instance, when there is one.
func (d deps) pagesCalendar() web.Calendar {
	if d.calendars == nil {
		return d.calendar
	}
	return liveCalendar{d.calendars.Live()}
}

// liveCalendar asks the calendar in use at each call.
type liveCalendar struct{ src calendar.Source }

func (l liveCalendar) Years() (first, last int) { return l.src.Current().Years() }

func (l liveCalendar) Year(y int) (calendar.Year, error) { return l.src.Current().Year(y) }

func (l liveCalendar) WorkingDaysBetween(a, b calendar.Date) (int, error) {
	return l.src.Current().WorkingDaysBetween(a, b)
}

func (l liveCalendar) NthWorkingDayAfter(d calendar.Date, n int) (calendar.Date, error) {
	return l.src.Current().NthWorkingDayAfter(d, n)
}
