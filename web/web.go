// Package web is Srok's browser pages: sign-in (/login) and sign-out
// (/logout), the first-run setup of the first administrator (/setup), and,
// for the signed-in user, the dashboard of the register: the overview (/),
// the list of requests (/requests) and a request's page with its actions
// (/requests/{id}), the user's own reminder settings (/settings/reminders)
// and password (/settings/password), and, for administrators, the import of production calendar years on
// /calendar. Pages are rendered on the server from templates
// embedded in the binary and parsed at start-up, in Russian, with one
// small stylesheet of their own; they work without script, which only
// enhances them (htmx, served from the binary): the Content-Security-Policy
// of package httpx forbids inline script and style.
//
// The pages mount on the server of httpx.New, which loads the browser
// session, finds the signed-in user (httpx.Identify) and refuses
// cross-site form posts (httpx.CrossOrigin). Errors a person can act on
// are rendered as pages here; those raised before a page runs (the shared
// middleware's) reach the error handler of httpx, which renders them with
// this package's errorPage for a browser and as problem+json for the API.
package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/journal"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// Accounts is what the pages ask of the accounts (account.Service).
type Accounts interface {
	// CheckPassword returns the active user with email and password, or
	// EUNAUTHENTICATED whatever is wrong.
	CheckPassword(ctx context.Context, email, password string) (account.User, error)
	// ActorOf is the actor of a user acting in person.
	ActorOf(u account.User) srok.Actor
	// HasUsers reports whether any user exists: until one does, only the
	// setup is open.
	HasUsers(ctx context.Context) (bool, error)
	// CheckSetupToken reports, without using it up, whether a setup token
	// would create the first administrator now: EFORBIDDEN when it is
	// unknown, used or expired, ECONFLICT once a user exists.
	CheckSetupToken(ctx context.Context, setupToken string) error
	// CompleteSetup creates the first administrator with a one-time setup
	// token.
	CompleteSetup(ctx context.Context, setupToken string, in account.UserInput) (account.User, error)
	// ChangeOwnPassword sets the signed-in user's new password after
	// checking the current one, ending their other sessions; it returns
	// the user with the session generation this session takes on.
	ChangeOwnPassword(ctx context.Context, current, next string) (account.User, error)
}

// Throttle slows down and locks the guessing of passwords
// (account.Throttle).
type Throttle interface {
	// Check returns how long a sign-in must wait before its password is
	// checked, or ETOOMANY with RetryAfter while the account or the
	// address is locked.
	Check(ctx context.Context, email, addr string) (time.Duration, error)
	// Failure counts a failed sign-in.
	Failure(ctx context.Context, email, addr string) error
	// Success clears the account's count after a sign-in.
	Success(ctx context.Context, email string) error
}

// Audit is the audit trail, where sign-ins, failed sign-ins and sign-outs
// go (audit.Service).
type Audit interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Config is what the pages need.
type Config struct {
	Accounts Accounts
	Throttle Throttle
	Audit    Audit
	// Sessions are the browser sessions, the same manager given to
	// httpx.New (which loads and saves them).
	Sessions *scs.SessionManager
	Log      *slog.Logger
	// Now is the clock; time.Now when nil. Its location is the one the
	// pages show times in.
	Now func() time.Time
	// Sleep waits d, or until ctx ends: the slow-down of a throttled
	// sign-in. A timer when nil; tests make it free.
	Sleep func(ctx context.Context, d time.Duration) error

	// Register creates requests from the intake page (register.Service);
	// without it there is no /intake nor POST /requests.
	Register Register
	// Emails stores and reads incoming emails (intake.Service); without
	// it the intake page offers the manual form only.
	Emails Emails
	// Calendar is the production calendar /calendar shows
	// (calendar.Calendar); no page without it.
	Calendar Calendar
	// Mailboxes are the mailboxes fetched over IMAP, for
	// /admin/mailboxes; no page without them.
	Mailboxes Mailboxes
	// UserAdmin manages users and tokens for /admin/users and
	// /admin/tokens (account.Service, audited); no pages without it.
	UserAdmin UserAdmin
	// EmailOf returns the id of the email request r was registered from,
	// "" when none; nil: the request's EmailID, when it has that field.
	EmailOf func(r *register.Request) string
	// Reminders are the signed-in user's own reminder settings
	// (remind.SettingsService) for /settings/reminders; no page without
	// them.
	Reminders ReminderSettings
	// Feeds are the signed-in user's own calendar feed (feeds.Service)
	// for /settings/calendar; no page without them.
	Feeds CalendarFeeds
	// FailedReminders are the reminders that failed for good (the store),
	// shown on the overview to officers and administrators; none when nil.
	FailedReminders FailedReminders
	// ReminderRecipients say who is reminded of unassigned requests (the
	// store), for the overview; nil: it says nothing of them.
	ReminderRecipients ReminderRecipients
	// CalendarImport imports production calendar years from the form
	// /calendar shows administrators (calendars.Service); no form without
	// it.
	CalendarImport CalendarImporter
	// Organisation is the operator's details and letter templates
	// (organisation.Service) for /admin/organisation and
	// /admin/letter-templates; Letters the requests' letters, offered on a
	// request's page. No pages or section without them.
	Organisation *organisation.Service
	Letters      *organisation.Letters
	// AckTemplates is the acknowledgement's template, a section of
	// /admin/letter-templates; no section without it.
	AckTemplates *remind.AckTemplates
	// Issuer issues the requests' letters and keeps them; without it a
	// request's page offers no «Выпустить» and lists none.
	Issuer *organisation.Issuer
	// Evidence makes requests' evidence packs (GET
	// /requests/:id/evidence.zip); no link without it.
	Evidence *evidence.Packer
	// Inbox is the triage of incoming emails (register.Service): the page
	// «Входящие» and its count in the navigation; none without it.
	Inbox Inbox
}

type server struct {
	accounts Accounts
	throttle Throttle
	audit    Audit
	sessions *scs.SessionManager
	log      *slog.Logger
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	views    *views
	// reg, cal, emails and emailOf serve the request pages (Config).
	reg     requestRegister
	cal     workdays
	emails  EmailReader
	emailOf func(r *register.Request) string
	// settingsLink is the user's settings page the layout links to, ""
	// when not mounted.
	settingsLink string
	// failed are the reminders that failed for good (Config).
	failed FailedReminders
	// recipients are who is reminded of unassigned requests (Config).
	recipients ReminderRecipients
	// calendar is the production calendar in use (Config), which the
	// overview asks whether next year's decree is in; nil: it does not.
	calendar Calendar
	// letters are the requests' letters (Config), offered on a request's
	// page; nil: no letters section.
	letters *organisation.Letters
	// issuer issues letters (Config); nil: none issued from the pages.
	issuer *organisation.Issuer
	// journals serve the journal of requests, packer the evidence packs
	// (web/journal.go); nil when not mounted.
	journals journal.Journals
	packer   *evidence.Packer
	// inbox is the triage of incoming emails; nil: no inbox.
	inbox Inbox
	// mailboxes are the mailboxes fetched over IMAP, whose state the
	// overview shows officers and administrators; nil: none.
	mailboxes Mailboxes
}

// zone is the operator's time zone, in which every time a person reads is
// written: the register's, or the clock's when the request pages are not
// mounted.
func (s *server) zone() *time.Location {
	if s.reg != nil {
		return s.reg.Zone()
	}
	return s.now().Location()
}

// Mount adds the browser pages to e (a server of httpx.New, built with the
// same Sessions): GET / and /static/srok.css, GET and POST /login and
// /setup, POST /logout. It panics when a dependency is missing or a
// template does not parse: both are a build's mistakes, found at start-up.
func Mount(e *echo.Echo, cfg Config) {
	switch {
	case cfg.Accounts == nil:
		panic("web: Mount needs Config.Accounts")
	case cfg.Throttle == nil:
		panic("web: Mount needs Config.Throttle")
	case cfg.Audit == nil:
		panic("web: Mount needs Config.Audit")
	case cfg.Sessions == nil:
		panic("web: Mount needs Config.Sessions")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	v, err := parseViews()
	if err != nil {
		panic(err)
	}
	s := &server{accounts: cfg.Accounts, throttle: cfg.Throttle, audit: cfg.Audit, sessions: cfg.Sessions,
		log: cfg.Log, now: cfg.Now, sleep: cfg.Sleep, views: v, failed: cfg.FailedReminders,
		recipients: cfg.ReminderRecipients, calendar: cfg.Calendar, letters: cfg.Letters, issuer: cfg.Issuer,
		mailboxes: cfg.Mailboxes}

	// The errors raised before a page runs reach a browser as a page too.
	httpx.RenderPages(e, cfg.Log, s.errorPage)
	httpx.Get(e, "/", s.home)
	httpx.Get(e, "/login", s.loginForm)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	httpx.Get(e, passwordPath, s.passwordForm)
	e.POST(passwordPath, s.changePassword)
	httpx.Get(e, "/setup", s.setupForm)
	e.POST("/setup", s.setup)
	httpx.Get(e, stylesheetPath, s.stylesheet)
	httpx.Get(e, htmxPath, s.htmx)
	if cfg.Register != nil {
		s.mountRequests(e, cfg)
	}
	mountJournal(e, s, cfg)
	mountIntake(e, s, cfg)
	mountInbox(e, s, cfg)
	mountAdmin(e, s, cfg)
	mountOrganisation(e, s, cfg)
	mountMailboxes(e, s, cfg)
	mountSettings(e, s, cfg)
	mountCalendarFeed(e, s, cfg)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// signIn starts the session of u: a new session id first, so that an id
// planted in the browser before sign-in (session fixation) is worth
// nothing after. The session keeps u's session generation: a password set
// or a disable later ends it.
func (s *server) signIn(ctx context.Context, u account.User) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, httpx.SessionUserKey, u.ID)
	s.sessions.Put(ctx, httpx.SessionGenerationKey, u.SessionGeneration)
	return nil
}
