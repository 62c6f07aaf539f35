package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// publicRoutes are the routes anyone may reach: liveness, readiness, the
// API contract, signing in and the first-run setup (which needs its
// one-time token), the stylesheet, and the calendar feeds (whose secret
// address is their credential: an unknown one is a 404). Every other
// route of the composed server needs an API token or a session.
var publicRoutes = map[string]bool{
	"GET /healthz": true, "HEAD /healthz": true,
	"GET /readyz": true, "HEAD /readyz": true,
	"GET /api/v1/openapi.yaml": true, "HEAD /api/v1/openapi.yaml": true,
	"GET /feeds/:file": true, "HEAD /feeds/:file": true,
	"GET /login": true, "HEAD /login": true, "POST /login": true,
	"GET /setup": true, "HEAD /setup": true, "POST /setup": true,
	"GET /static/srok.css": true, "HEAD /static/srok.css": true,
	"GET /static/intake.js": true, "HEAD /static/intake.js": true,
	"GET /static/intake.css": true, "HEAD /static/intake.css": true,
	"GET /static/htmx.min.js": true, "HEAD /static/htmx.min.js": true,
}

// testServer composes the server as serve does, on a fresh SQLite.
func testServer(t *testing.T) (*echo.Echo, *store.Store) {
	t.Helper()
	st := storetest.MustOpen(t, store.SQLite)
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now
	trail := audit.NewService(st, now)
	accounts := account.NewService(st, now, account.WithAudit(trail))
	reg := register.NewService(st, cal, time.UTC, now, register.WithUsers(accounts), register.WithAudit(trail))
	sstore, stop := sessionStore(st)
	t.Cleanup(stop)
	sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: time.Hour, Lifetime: 2 * time.Hour})
	e := compose(deps{store: st, register: reg, accounts: accounts, audit: trail, sessions: sessions, calendar: cal,
		log: slog.New(slog.DiscardHandler), now: now})
	return e, st
}

// Every route of the composed server, walked without credentials: only the
// public ones answer; the API's say 401, the pages send to /login.
func TestEveryRouteNeedsAuthentication(t *testing.T) {
	e, _ := testServer(t)
	param := regexp.MustCompile(`:[A-Za-z0-9_]+`)
	walked := 0
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + r.Path
		if publicRoutes[key] {
			continue
		}
		path := param.ReplaceAllStringFunc(r.Path, func(p string) string {
			if p == ":year" {
				return "2026"
			}
			return "01900000-0000-7000-8000-000000000000"
		})
		path = strings.ReplaceAll(path, "*", "x")
		req := httptest.NewRequest(r.Method, path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		walked++
		switch {
		case rec.Code == http.StatusUnauthorized:
			if !strings.HasPrefix(path, "/api/") || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate, or off the API", key)
			}
		case rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login"):
			if strings.HasPrefix(path, "/api/") {
				t.Errorf("%s: an API route redirects instead of answering 401", key)
			}
		default:
			t.Errorf("%s is reachable without signing in: %d %.200s", key, rec.Code, rec.Body)
		}
	}
	if walked < 20 {
		t.Fatalf("only %d routes walked", walked)
	}
	// The public ones are there and answer without credentials.
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.yaml"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}

}

// The composed server writes the times a person reads in the operator's
// zone (the register's), not in the clock's: here the clock runs in UTC, as
// a server's often does, and the operator is in Moscow.
func TestComposedPagesSpeakTheOperatorsZone(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }
	trail := audit.NewService(st, now)
	accounts := account.NewService(st, now, account.WithAudit(trail))
	reg := register.NewService(st, cal, moscow, now, register.WithUsers(accounts), register.WithAudit(trail))
	sstore, stop := sessionStore(st)
	t.Cleanup(stop)
	sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: time.Hour, Lifetime: 2 * time.Hour})
	e := compose(deps{store: st, register: reg, accounts: accounts, audit: trail, sessions: sessions, calendar: cal,
		log: slog.New(slog.DiscardHandler), now: now})

	// The address is locked (its failures counted directly, without the
	// slow-down each would wait through the form).
	const addr = "192.0.2.1"
	throttle := account.NewThrottle(st, now)
	for i := range account.ThrottleLockAt {
		if err := throttle.Failure(t.Context(), fmt.Sprintf("user%d@example.ru", i), addr); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader("email=anna%40example.ru&password=whatever"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "(в 12:15)") {
		t.Errorf("a locked sign-in in Moscow at 12:00: %d\n%s", rec.Code, rec.Body)
	}
}

// The errors the shared middleware raises reach a browser as Russian
// pages in the layout, with the status (and Retry-After) of the API, which
// keeps problem+json.
func TestComposedErrorPages(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }
	trail := audit.NewService(st, now)
	accounts := account.NewService(st, now, account.WithAudit(trail))
	reg := register.NewService(st, cal, time.UTC, now, register.WithUsers(accounts), register.WithAudit(trail))
	sstore, stop := sessionStore(st)
	t.Cleanup(stop)
	sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: time.Hour, Lifetime: 2 * time.Hour})
	compose := func(l httpx.Limits) *echo.Echo {
		return compose(deps{store: st, register: reg, accounts: accounts, audit: trail, sessions: sessions, calendar: cal,
			log: slog.New(slog.DiscardHandler), now: now, limits: l})
	}
	serve := func(e *echo.Echo, method, path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	page := func(what string, rec *httptest.ResponseRecorder, status int, words string) {
		t.Helper()
		body := rec.Body.String()
		if rec.Code != status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(body, words) || !strings.Contains(body, `<link rel="stylesheet"`) || strings.Contains(body, "urn:srok") {
			t.Errorf("%s: want a page of %d saying %q, got %d %q\n%s", what, status, words, rec.Code,
				rec.Header().Get("Content-Type"), body)
		}
	}
	problem := func(what string, rec *httptest.ResponseRecorder, status int) {
		t.Helper()
		if rec.Code != status || rec.Header().Get("Content-Type") != httpx.MediaProblem {
			t.Errorf("%s: want the problem of %d, got %d %q %s", what, status, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}

	e := compose(httpx.Limits{})
	page("unknown page", serve(e, "GET", "/no-such-page", "Accept", accept), http.StatusNotFound, "Страница не найдена")
	problem("unknown API path", serve(e, "GET", "/api/v1/no-such-thing", "Accept", accept), http.StatusNotFound)
	page("method", serve(e, "PUT", "/login", "Accept", accept), http.StatusMethodNotAllowed, "Этот адрес не принимает такой запрос")
	page("guard", serve(e, "GET", "/login?x=%ZZ", "Accept", accept), http.StatusBadRequest, "Неверный запрос")
	page("cross-site form", serve(e, "POST", "/login", "Accept", accept, "Sec-Fetch-Site", "cross-site"),
		http.StatusForbidden, "Запрос с другого сайта отклонён")
	problem("cross-site API", serve(e, "POST", "/api/v1/requests", "Accept", accept, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	problem("readiness", serve(e, "GET", "/readyz?x=%ZZ", "Accept", accept), http.StatusBadRequest)

	e = compose(httpx.Limits{Rate: 0.1, Burst: 1})
	serve(e, "GET", "/login", "Accept", accept)
	rec := serve(e, "GET", "/login", "Accept", accept)
	page("rate limit", rec, http.StatusTooManyRequests, "Слишком много запросов. Повторите через "+rec.Header().Get("Retry-After")+" секунд")
	problem("rate limit on the API", serve(e, "GET", "/api/v1/me", "Accept", accept), http.StatusTooManyRequests)
}
