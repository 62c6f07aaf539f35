package main

import (
	"context"
	"io"
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
	"github.com/srok/srok/pkg/metrics"
	"github.com/srok/srok/pkg/register"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

const testMetricsToken = "metrics-token-0123456789abcdef"

// metricsEnv is a server composed as serve does with SROK_METRICS_TOKEN
// set, on a database of one dialect, with an officer's API token.
type metricsEnv struct {
	e        *echo.Echo
	st       *store.Store
	reg      *register.Service
	apiToken string
	userID   string
}

func newMetricsEnv(t *testing.T, d store.Dialect, now func() time.Time) metricsEnv {
	t.Helper()
	st := storetest.MustOpen(t, d)
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.NewService(st, now)
	accounts := account.NewService(st, now, append([]account.Option{account.WithAudit(trail)}, cheapHashes...)...)
	reg := register.NewService(st, cal, time.UTC, now, register.WithUsers(accounts), register.WithAudit(trail))
	sstore, stop := sessionStore(st)
	t.Cleanup(stop)
	sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: time.Hour, Lifetime: 2 * time.Hour})
	m := metrics.New(metrics.Options{DB: st.SQL(), Outbox: outboxStats(st), Now: now})
	e := compose(deps{store: st, register: reg, accounts: accounts, audit: trail, sessions: sessions, calendar: cal,
		log: slog.New(slog.DiscardHandler), now: now, metrics: m, metricsToken: testMetricsToken})

	sys := srok.WithActor(context.Background(), srok.System)
	u, err := accounts.CreateUser(sys, account.UserInput{Email: "officer@example.ru", Name: "Officer", Role: srok.RoleOfficer,
		Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := accounts.CreateToken(sys, account.TokenInput{UserEmail: "officer@example.ru", Name: "metrics test"})
	if err != nil {
		t.Fatal(err)
	}
	return metricsEnv{e: e, st: st, reg: reg, apiToken: secret, userID: u.ID}
}

func (m metricsEnv) get(t *testing.T, path, authorization string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.String()
}

// seedOutboxRow writes one reminders row (migration 8) as the planner
// would, for the first obligation of r.
func seedOutboxRow(t *testing.T, st *store.Store, r *register.Request, userID, stage, status string, sendAt time.Time) {
	t.Helper()
	dt.MustReminders(t, st, dt.Row{Request: r, Stage: stage, RecipientID: userID, RecipientEmail: "officer@example.ru",
		LocalDate: calendar.DateOf(sendAt.UTC()), Due: sendAt, Status: status})
}

// metricLine returns the value of the sample named exactly name (with its
// labels) in a scrape, or "" when there is none.
func metricLine(body, name string) string {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return ""
}

// /metrics on the main listener answers the bearer of SROK_METRICS_TOKEN
// only (not a user's API token), shows the outbox as the database holds
// it, and counts requests by route template without their ids.
func TestMetricsOnMainListener(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			m := newMetricsEnv(t, d, func() time.Time { return now })

			for _, auth := range []string{"", "Bearer " + m.apiToken, "Bearer wrong-" + testMetricsToken, "Basic " + testMetricsToken} {
				code, h, body := m.get(t, "/metrics", auth)
				if code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" || strings.Contains(body, "srok_") {
					t.Errorf("GET /metrics with %.12q: %d %q", auth, code, body)
				}
			}
			// The metrics token is no API token.
			if code, _, _ := m.get(t, "/api/v1/me", "Bearer "+testMetricsToken); code != http.StatusUnauthorized {
				t.Errorf("the metrics token opened the API: %d", code)
			}

			code, _, body := m.get(t, "/metrics", "Bearer "+testMetricsToken)
			if code != http.StatusOK {
				t.Fatalf("GET /metrics with the token: %d %s", code, body)
			}
			for name, want := range map[string]string{
				"srok_reminders_queued": "0", "srok_reminders_sent_total": "0", "srok_reminders_failed": "0",
				"srok_reminders_oldest_pending_age_seconds": "0",
			} {
				if got := metricLine(body, name); got != want {
					t.Errorf("%s = %q, want %s", name, got, want)
				}
			}
			for _, name := range []string{`go_sql_max_open_connections{db_name="srok"}`, "go_goroutines", "process_cpu_seconds_total"} {
				if metricLine(body, name) == "" {
					t.Errorf("no %s in the scrape", name)
				}
			}

			// A request, read through the API, and reminders about it.
			ctx := srok.WithActor(context.Background(), srok.System)
			r, _, err := m.reg.Create(ctx, register.Input{Type: "access", Channel: "email", ReceivedAt: "2026-11-20T10:00:00+03:00",
				Subject: register.SubjectInput{Name: "Иван Метрикин", Email: "ivan.metrikin@example.ru"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			seedOutboxRow(t, m.st, r, m.userID, "tomorrow", "pending", now.Add(-150*time.Second))
			seedOutboxRow(t, m.st, r, m.userID, "due", "pending", now.Add(24*time.Hour))
			seedOutboxRow(t, m.st, r, m.userID, "soon", "sent", now.Add(-72*time.Hour))
			seedOutboxRow(t, m.st, r, m.userID, "overdue", "failed", now.Add(-48*time.Hour))
			seedOutboxRow(t, m.st, r, m.userID, "escalation", "cancelled", now.Add(-48*time.Hour))
			for range 2 {
				if code, _, body := m.get(t, "/api/v1/requests/"+r.ID, "Bearer "+m.apiToken); code != http.StatusOK {
					t.Fatalf("GET the request: %d %s", code, body)
				}
			}
			m.get(t, "/api/v1/requests/"+r.ID+"x", "Bearer "+m.apiToken)
			m.get(t, "/ivan.metrikin@example.ru", "")

			_, _, body = m.get(t, "/metrics", "Bearer "+testMetricsToken)
			for name, want := range map[string]string{
				"srok_reminders_queued": "2", "srok_reminders_sent_total": "1", "srok_reminders_failed": "1",
				"srok_reminders_oldest_pending_age_seconds":                                           "150",
				`srok_http_requests_total{method="GET",route="/api/v1/requests/:id",status="200"}`:    "2",
				`srok_http_requests_total{method="GET",route="/metrics",status="401"}`:                "4",
				`srok_http_requests_total{method="GET",route="/metrics",status="200"}`:                "1",
				`srok_http_requests_total{method="GET",route="unmatched",status="404"}`:               "1",
				`srok_http_request_duration_seconds_count{method="GET",route="/api/v1/requests/:id"}`: "3",
			} {
				if got := metricLine(body, name); got != want {
					t.Errorf("%s = %q, want %s", name, got, want)
				}
			}
			// No id, number, name or email in any label.
			for _, secret := range []string{r.ID, r.Number, "Метрикин", "metrikin", testMetricsToken, m.apiToken} {
				if strings.Contains(body, secret) {
					t.Errorf("the scrape shows %q", secret)
				}
			}
		})
	}
}

// Serving the metrics on the main listener opens no other route: walked
// without credentials, every route but the public ones and /metrics still
// answers 401 or sends to the sign-in.
func TestMetricsOpensNoOtherRoute(t *testing.T) {
	m := newMetricsEnv(t, store.SQLite, time.Now)
	param := regexp.MustCompile(`:[A-Za-z0-9_]+`)
	seen := false
	for _, r := range m.e.Routes() {
		key := r.Method + " " + r.Path
		if r.Method == echo.RouteNotFound || publicRoutes[key] {
			continue
		}
		path := strings.ReplaceAll(param.ReplaceAllString(r.Path, "2026"), "*", "x")
		rec := httptest.NewRecorder()
		m.e.ServeHTTP(rec, httptest.NewRequest(r.Method, path, strings.NewReader(`{}`)))
		switch {
		case key == "GET /metrics":
			seen = true
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d without the token", key, rec.Code)
			}
		case rec.Code == http.StatusUnauthorized,
			rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login"):
		default:
			t.Errorf("%s is reachable without signing in: %d", key, rec.Code)
		}
	}
	if !seen {
		t.Error("GET /metrics is not routed although SROK_METRICS_TOKEN is set")
	}
}

// Without SROK_METRICS_TOKEN, the main listener serves no /metrics, and
// SROK_METRICS_ADDR serves them on a listener of their own, without
// authentication; srok healthcheck asks the running server.
func TestMetricsListenerAndHealthcheck(t *testing.T) {
	vars := map[string]string{"SROK_DATA_DIR": t.TempDir(), "SROK_ADDR": "127.0.0.1:0", "SROK_METRICS_ADDR": "127.0.0.1:0",
		"SROK_SHUTDOWN_TIMEOUT": "5s"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--migrate"}, env{getenv: func(k string) string { return vars[k] },
			stdout: &out, stderr: &errb, now: time.Now})
	}()
	serving := regexp.MustCompile(`serving on (http://\S+)`)
	metricsURL := regexp.MustCompile(`metrics on (http://\S+)`)
	var base, scrapeURL string
	for i := 0; i < 200 && (base == "" || scrapeURL == ""); i++ {
		if m := serving.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		if m := metricsURL.FindStringSubmatch(out.String()); m != nil {
			scrapeURL = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" || scrapeURL == "" {
		t.Fatalf("no URLs printed; stdout %q stderr %q", out.String(), errb.String())
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get(base + "/readyz"); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	code, body := get(scrapeURL)
	if code != 200 || metricLine(body, "srok_reminders_queued") != "0" ||
		metricLine(body, `srok_http_requests_total{method="GET",route="/readyz",status="200"}`) != "1" {
		t.Errorf("the metrics listener: %d\n%s", code, body)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("the main listener serves /metrics without SROK_METRICS_TOKEN: %d", code)
	}
	if code, _ := get(strings.TrimSuffix(scrapeURL, "/metrics") + "/readyz"); code != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than /metrics: %d", code)
	}

	// srok healthcheck, as the container's HEALTHCHECK runs it.
	addr := strings.TrimPrefix(base, "http://")
	_, port, _ := strings.Cut(addr, ":")
	hc := map[string]string{"SROK_ADDR": "0.0.0.0:" + port}
	if r := runSrok(t, hc, fixedNow, "healthcheck"); r.code != 0 || r.stdout != "srok: http://127.0.0.1:"+port+"/readyz answered 200\n" {
		t.Errorf("healthcheck: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runSrok(t, hc, fixedNow, "healthcheck", "--path", "/nowhere"); r.code != 1 ||
		!strings.HasPrefix(r.stderr, "srok healthcheck: http://127.0.0.1:"+port+"/nowhere answered 404") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("healthcheck of a missing path: %d %q", r.code, r.stderr)
	}
	if r := runSrok(t, hc, fixedNow, "healthcheck", "--path", "readyz"); r.code != 2 {
		t.Errorf("healthcheck --path readyz: %d %q", r.code, r.stderr)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(scrapeURL); err == nil {
		t.Error("the metrics listener outlives serve")
	}
	if r := runSrok(t, hc, fixedNow, "healthcheck", "--timeout", "2s"); r.code != 1 || !strings.Contains(r.stderr, "no answer") {
		t.Errorf("healthcheck of a stopped server: %d %q", r.code, r.stderr)
	}
}
