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
	"github.com/srok/srok/api/web"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
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
}

// compose builds Srok's HTTP handler: the shared server of httpx (its
// middleware, error rendering, sessions and the caller's identity), with
// each part's routes mounted on it.
func compose(d deps) *echo.Echo {
	e := httpx.New(httpx.Options{Log: d.log, Limits: d.limits, TrustedProxies: d.proxies, Auth: d.accounts, Sessions: d.sessions,
		SessionIdle: d.sessionIdle, Public: api.PublicPaths})
	api.Mount(e, api.Config{Register: d.register, Calendar: d.calendar, Accounts: d.accounts, Audit: d.audit,
		Health: d.store, Log: d.log, Now: d.now,
		Emails: intake.NewService(d.store, intake.WithClock(d.now), intake.WithAudit(d.audit))})
	web.Mount(e, web.Config{Accounts: d.accounts, Throttle: account.NewThrottle(d.store, d.now),
		Audit: d.audit, Sessions: d.sessions, Log: d.log, Now: d.now})
	return e
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
