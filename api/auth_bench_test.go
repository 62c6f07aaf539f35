package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// What authentication and the audit trail cost a read and a create, on the
// same database in the same run: a router whose caller is fixed and which
// records nothing (as before accounts), then an API token, a browser
// session, and a token with the audit trail. Each read reports its p50 and
// p99; the README of docs/BENCHMARKS.md has the figures.
func BenchmarkAuthOverhead(b *testing.B) {
	for _, d := range storetest.Dialects() {
		st := storetest.MustOpen(b, d)
		clock := time.Now
		trail := audit.NewService(st, clock)
		accounts := account.NewService(st, clock, account.WithPasswordParams(cheapPasswords))
		ctx := srok.WithActor(context.Background(), srok.System)
		if _, err := accounts.CreateUser(ctx, account.UserInput{Email: "bench@example.ru", Name: "Bench", Role: srok.RoleOfficer,
			Password: "correct horse battery staple"}); err != nil {
			b.Fatal(err)
		}
		token, _, err := accounts.CreateToken(ctx, account.TokenInput{UserEmail: "bench@example.ru", Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		u, _ := accounts.UserByEmail(ctx, "bench@example.ru")
		// As srok serve does: on PostgreSQL, authentications are cached while
		// the changes that end them are heard.
		heard := make(chan bool, 4)
		lctx, stopListening := context.WithCancel(context.Background())
		listening := make(chan struct{})
		go func() {
			defer close(listening)
			st.ListenAuthChanges(lctx, func(on bool) { accounts.HearingAuthChanges(on); heard <- on }, accounts.AuthChanged)
		}()
		if st.Dialect() == store.Postgres && !<-heard {
			b.Fatal("the listener did not listen")
		}
		sstore, stop := sessionsFor(b, st)
		defer stop()
		defer func() { stopListening(); <-listening }()
		sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: time.Hour, Lifetime: 2 * time.Hour})
		cookie := signIn(b, sessions, u.ID)

		log := slog.New(slog.NewJSONHandler(io.Discard, nil))
		fixed := func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				c.SetRequest(c.Request().WithContext(srok.WithActor(c.Request().Context(), accounts.ActorOf(u))))
				return next(c)
			}
		}
		variants := []struct {
			name string
			h    http.Handler
			auth func(*http.Request)
		}{
			{"none", router(st, log, nil, nil, fixed, nil), func(*http.Request) {}},
			{"token", router(st, log, accounts, nil, nil, nil), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }},
			{"session", router(st, log, accounts, sessions, nil, nil), func(r *http.Request) { r.AddCookie(cookie) }},
			{"token+audit", router(st, log, accounts, nil, nil, trail), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }},
		}
		// One request to read, made through the plain router.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/requests", strings.NewReader(`{"type":"access","channel":"email","received_at":"2026-11-20T10:00:00+03:00","subject":{"name":"Субъект","email":"s@example.ru"}}`))
		req.Header.Set("Content-Type", "application/json")
		variants[0].h.ServeHTTP(rec, req)
		var created Request
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		_ = jsonDecode(rec.Body.Bytes(), &created)

		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/read/%s", d, v.name), func(b *testing.B) {
				lat := make([]time.Duration, 0, 4096)
				for b.Loop() {
					req := httptest.NewRequest("GET", "/api/v1/requests/"+created.ID, nil)
					v.auth(req)
					rec := httptest.NewRecorder()
					start := time.Now()
					v.h.ServeHTTP(rec, req)
					lat = append(lat, time.Since(start))
					if rec.Code != http.StatusOK {
						b.Fatalf("read: %d %s", rec.Code, rec.Body)
					}
				}
				reportPercentiles(b, lat)
			})
		}
		for _, v := range variants {
			if v.name == "session" || v.name == "token" {
				continue
			}
			// 20 clients at once (10 per core), as in the load benchmark:
			// the throughput of creates, which a per-year counter row
			// serialises, with and without authentication and the trail.
			b.Run(fmt.Sprintf("%s/create-20-clients/%s", d, v.name), func(b *testing.B) {
				var n atomic.Int64
				b.SetParallelism(10)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						req := httptest.NewRequest("POST", "/api/v1/requests", strings.NewReader(fmt.Sprintf(
							`{"type":"access","channel":"email","received_at":"2026-11-20T10:00:00+03:00","subject":{"name":"Субъект %d","email":"p%d-%s@example.ru"}}`, i, i, v.name)))
						req.Header.Set("Content-Type", "application/json")
						v.auth(req)
						rec := httptest.NewRecorder()
						v.h.ServeHTTP(rec, req)
						if rec.Code != http.StatusCreated {
							b.Errorf("create: %d %s", rec.Code, rec.Body)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
			})
		}
		for _, v := range variants {
			if v.name == "session" {
				continue
			}
			b.Run(fmt.Sprintf("%s/create/%s", d, v.name), func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					req := httptest.NewRequest("POST", "/api/v1/requests", strings.NewReader(fmt.Sprintf(
						`{"type":"access","channel":"email","received_at":"2026-11-20T10:00:00+03:00","subject":{"name":"Субъект %d","email":"c%d-%s@example.ru"}}`, i, i, v.name)))
					req.Header.Set("Content-Type", "application/json")
					v.auth(req)
					rec := httptest.NewRecorder()
					v.h.ServeHTTP(rec, req)
					if rec.Code != http.StatusCreated {
						b.Fatalf("create: %d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

// router is the API on the shared server with the given pieces: auth finds
// the caller, or fixed sets one; trail, when not nil, records reads and
// changes.
func router(st *store.Store, log *slog.Logger, accounts *account.Service, sessions *scs.SessionManager, fixed echo.MiddlewareFunc, trail *audit.Service) http.Handler {
	cal := testCal
	var opts []register.Option
	if accounts != nil {
		opts = append(opts, register.WithUsers(accounts))
	}
	if trail != nil {
		opts = append(opts, register.WithAudit(trail))
	}
	reg := register.NewService(st, cal, moscow, time.Now, opts...)
	o := httpx.Options{Log: log, Sessions: sessions, SessionIdle: time.Hour, Public: PublicPaths}
	if accounts != nil {
		o.Auth = accounts
	}
	e := httpx.New(o)
	if fixed != nil {
		e.Use(fixed)
	}
	var a Audit = noAudit{}
	if trail != nil {
		a = trail
	}
	Mount(e, Config{Register: reg, Calendar: cal, Accounts: accounts, Audit: a, Health: st, Log: log})
	return e
}

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Entry) error { return nil }
func (noAudit) List(context.Context, audit.Filter, string) (audit.Page, error) {
	return audit.Page{}, nil
}

// reportPercentiles reports the p50 and p99 of lat.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()), "p99-µs")
}

// sessionsFor is the session store of st's dialect.
func sessionsFor(tb testing.TB, st *store.Store) (scs.Store, func()) {
	tb.Helper()
	if st.Dialect() == store.Postgres {
		s := postgresstore.NewWithCleanupInterval(st.SQL(), time.Hour)
		return s, s.StopCleanup
	}
	s := sqlite3store.NewWithCleanupInterval(st.SQL(), time.Hour)
	return s, s.StopCleanup
}

// signIn makes a session of userID in sessions, as /login does, and returns
// its cookie.
func signIn(tb testing.TB, sessions *scs.SessionManager, userID string) *http.Cookie {
	tb.Helper()
	ctx, err := sessions.Load(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	sessions.Put(ctx, httpx.SessionUserKey, userID)
	token, _, err := sessions.Commit(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Cookie{Name: httpx.SessionCookie, Value: token}
}

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }
