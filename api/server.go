// Package api is Srok's REST API v1: its routes under /api/v1 with their
// handlers (a file per resource), the JSON shapes (shared with the command
// line) and the OpenAPI document. It mounts on the server of package httpx,
// which renders its errors.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// OpenAPI is the OpenAPI 3 document of the REST API, served at
// /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Health is what /readyz asks: the database answers and its schema is the
// one this binary needs.
type Health interface {
	Ping(ctx context.Context) error
	CheckSchema(ctx context.Context) error
}

// AuditProtection is what /readyz asks besides Health, when the store
// answers it: whether the role Srok serves as can neither change nor erase
// the audit trail (store.AuditProtected).
type AuditProtection interface {
	AuditProtected(ctx context.Context) (bool, error)
}

// Accounts is what the API asks of the accounts: API tokens, and users by
// email.
type Accounts interface {
	CreateToken(ctx context.Context, in account.TokenInput) (secret string, t account.Token, err error)
	Tokens(ctx context.Context, userEmail string) ([]account.Token, error)
	RevokeToken(ctx context.Context, id string) error
	UserByEmail(ctx context.Context, email string) (account.User, error)
}

// Audit is the audit trail: the API records its own reads of it and lists
// it.
type Audit interface {
	Record(ctx context.Context, e audit.Entry) error
	List(ctx context.Context, f audit.Filter, cursor string) (audit.Page, error)
}

// Config is what the HTTP layer needs.
type Config struct {
	Register *register.Service
	Calendar *calendar.Calendar
	Accounts Accounts
	Audit    Audit
	Health   Health
	Emails   Emails // the email intake; its routes answer 503 without it
	Log      *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	// Calendars, when set, is the calendar in use, read at each request (a
	// *calendar.Live that an import replaces); it wins over Calendar.
	Calendars calendar.Source
	// CalendarImport imports production calendar years (POST
	// /api/v1/calendar/years); nil: the route answers 404.
	CalendarImport CalendarImporter
	// Reminders are the callers' reminder settings.
	Reminders ReminderSettings
	// Feeds are the callers' calendar feeds, and the feeds themselves.
	Feeds CalendarFeeds
	// Organisation is the operator's details and letter templates, Letters
	// the requests' letters; their routes answer 503 without them.
	Organisation *organisation.Service
	// AckTemplates is the acknowledgement's template (SROK_ACK_EMAILS).
	AckTemplates *remind.AckTemplates
	Letters      *organisation.Letters
	// Issuer issues the requests' letters and keeps them; nil: its routes
	// answer 503.
	Issuer *organisation.Issuer
	// Evidence makes requests' evidence packs; nil: the route answers 503.
	Evidence *evidence.Packer
	// Mailboxes are the mailboxes fetched over IMAP; nil: none.
	Mailboxes Mailboxes
}

type server struct {
	reg      *register.Service
	cals     calendar.Source
	calImp   CalendarImporter
	accounts Accounts
	audit    Audit
	health   Health
	intake   Emails
	// ingests bounds the emails read and parsed at once (newIngests).
	ingests   *ingests
	packer    *evidence.Packer
	mailboxes Mailboxes
	log       *slog.Logger
	now       func() time.Time
}

// PublicPaths are the API's routes that answer anyone, with no lookup of
// credentials: liveness, readiness, the contract, and the calendar feeds,
// whose secret address is their credential.
var PublicPaths = []string{"/healthz", "/readyz", "/api/v1/openapi.yaml", FeedPath}

// HealthPaths are liveness and readiness, which the bound on requests in
// flight does not hold back (httpx.Options.Health).
var HealthPaths = []string{"/healthz", "/readyz"}

// Mount adds the REST API v1 under /api/v1, and /healthz and /readyz, to e
// (a server of httpx.New).
func Mount(e *echo.Echo, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var cals calendar.Source = cfg.Calendar
	if cfg.Calendars != nil {
		cals = cfg.Calendars
	}
	s := &server{reg: cfg.Register, cals: cals, calImp: cfg.CalendarImport, accounts: cfg.Accounts,
		audit: cfg.Audit, health: cfg.Health, intake: cfg.Emails, log: cfg.Log, now: cfg.Now,
		ingests: newIngests(runtime.GOMAXPROCS(0), ingestWait), packer: cfg.Evidence, mailboxes: cfg.Mailboxes}

	// Public: liveness, readiness and the contract. Everything else needs an
	// API token or a browser session (httpx.Identify finds it; Require
	// refuses the anonymous). Require is set per route, not on the group: a
	// group middleware makes Echo answer 404 instead of 405 for a wrong
	// method.
	httpx.Get(e, "/healthz", s.healthz)
	httpx.Get(e, "/readyz", s.readyz)
	v1 := e.Group("/api/v1")
	httpx.Get(v1, "/openapi.yaml", s.openapi)

	auth := httpx.Require
	httpx.Get(v1, "/me", s.me, auth)
	v1.POST("/requests", s.createRequest, auth)
	httpx.Get(v1, "/requests", s.listRequests, auth)
	httpx.Get(v1, "/requests/:id", s.getRequest, auth)
	v1.PATCH("/requests/:id", s.patchRequest, auth)
	v1.POST("/requests/:id/assign", s.assign, auth)
	v1.POST("/requests/:id/extend", s.extend, auth)
	v1.POST("/requests/:id/answer", s.answer, auth)
	v1.POST("/requests/:id/refuse", s.refuse, auth)
	v1.POST("/requests/:id/close", s.close, auth)
	v1.POST("/requests/:id/cancel", s.cancel, auth)
	v1.POST("/requests/:id/notes", s.addNote, auth)
	httpx.Get(v1, "/requests/:id/timeline", s.timeline, auth)
	httpx.Get(v1, "/requests/:id/evidence.zip", s.evidence, auth)
	httpx.Get(v1, "/journal", s.journal, auth)
	httpx.Get(v1, "/dashboard", s.dashboard, auth)
	httpx.Get(v1, "/calendar/:year", s.calendarYear, auth)
	v1.POST("/calendar/years", s.importCalendar, auth)
	v1.POST("/deadlines/preview", s.preview, auth)
	httpx.Get(v1, "/tokens", s.listTokens, auth)
	v1.POST("/tokens", s.createToken, auth)
	v1.DELETE("/tokens/:id", s.revokeToken, auth)
	httpx.Get(v1, "/audit", s.listAudit, auth)
	mountReminders(v1, cfg.Reminders)
	mountFeeds(e, v1, cfg.Feeds)
	mountOrganisation(v1, cfg.Organisation)
	mountAckTemplate(v1, cfg.AckTemplates)
	mountLetters(v1, cfg.Letters)
	mountIssuedLetters(v1, cfg.Issuer)
	v1.POST("/emails", s.createEmail, auth)
	httpx.Get(v1, "/emails", s.listEmails, auth)
	v1.POST("/emails/:id/triage", s.triageEmail, auth)
	httpx.Get(v1, "/emails/:id", s.getEmail, auth)
	httpx.Get(v1, "/emails/:id/raw", s.getEmailRaw, auth)
	httpx.Get(v1, "/emails/:id/attachments/:n", s.getEmailAttachment, auth)
	httpx.Get(v1, "/mailboxes", s.listMailboxes, auth)
	v1.POST("/mailboxes", s.connectMailbox, auth)
	v1.DELETE("/mailboxes/:id", s.disconnectMailbox, auth)
}

func (s *server) healthz(c echo.Context) error {
	return httpx.WriteJSON(c, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.health.Ping(ctx); err != nil {
		return srok.Unavailable(err)
	}
	if err := s.health.CheckSchema(ctx); err != nil {
		if srok.ErrorCode(err) == srok.EUNAVAILABLE {
			return err
		}
		return &srok.Error{Code: srok.EUNAVAILABLE, Reason: "schema_behind", Message: err.Error(), Cause: err}
	}
	body := map[string]any{"status": "ready"}
	if a, ok := s.health.(AuditProtection); ok {
		if protected, err := a.AuditProtected(ctx); err == nil {
			body["audit"] = map[bool]string{true: "protected", false: "unprotected"}[protected]
		}
	}
	// The mailboxes' states are told, never counted against readiness: a
	// mailbox down is not the service down.
	if mb := s.mailboxHealth(ctx); len(mb) > 0 {
		body["mailboxes"] = mb
	}
	return httpx.WriteJSON(c, http.StatusOK, body)
}

func (s *server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
}
