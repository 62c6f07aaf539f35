package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/srok/srok/pkg/metrics"
)

var now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func scrape(t *testing.T, h http.Handler, header string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestOutboxGauges(t *testing.T) {
	tests := []struct {
		name string
		box  metrics.Outbox
		want string
	}{
		{"empty", metrics.Outbox{}, `
srok_reminders_failed 0
srok_reminders_oldest_pending_age_seconds 0
srok_reminders_queued 0
srok_reminders_sent_total 0
`},
		{"late", metrics.Outbox{Pending: 3, Sent: 12, Failed: 2, OldestPendingSendAt: now.Add(-90 * time.Second)}, `
srok_reminders_failed 2
srok_reminders_oldest_pending_age_seconds 90
srok_reminders_queued 3
srok_reminders_sent_total 12
`},
		// Pending but not yet due: nothing is late.
		{"early", metrics.Outbox{Pending: 1, OldestPendingSendAt: now.Add(time.Hour)}, `
srok_reminders_failed 0
srok_reminders_oldest_pending_age_seconds 0
srok_reminders_queued 1
srok_reminders_sent_total 0
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(metrics.Options{Now: func() time.Time { return now },
				Outbox: func(context.Context) (metrics.Outbox, error) { return tt.box, nil }})
			// The values only: HELP and TYPE lines are compared by the
			// exposition test below.
			n, err := testutil.GatherAndCount(m.Gatherer(), "srok_reminders_queued", "srok_reminders_sent_total",
				"srok_reminders_failed", "srok_reminders_oldest_pending_age_seconds")
			if err != nil || n != 4 {
				t.Fatalf("%d reminder metrics (%v), want 4", n, err)
			}
			_, body := scrape(t, m.Handler(), "")
			var got []string
			for _, l := range strings.Split(body, "\n") {
				if strings.HasPrefix(l, "srok_reminders_") {
					got = append(got, l)
				}
			}
			if g := "\n" + strings.Join(got, "\n") + "\n"; g != tt.want {
				t.Errorf("got%s\nwant%s", g, tt.want)
			}
		})
	}
}

func TestOutboxExposition(t *testing.T) {
	m := metrics.New(metrics.Options{Now: func() time.Time { return now },
		Outbox: func(context.Context) (metrics.Outbox, error) { return metrics.Outbox{Pending: 2, Sent: 5}, nil }})
	want := `
# HELP srok_reminders_queued Reminders waiting in the outbox to be sent (due or not yet).
# TYPE srok_reminders_queued gauge
srok_reminders_queued 2
# HELP srok_reminders_sent_total Reminders the SMTP server accepted.
# TYPE srok_reminders_sent_total counter
srok_reminders_sent_total 5
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "srok_reminders_queued",
		"srok_reminders_sent_total"); err != nil {
		t.Fatal(err)
	}
}

// A database that does not answer leaves the reminder metrics out, logs
// why, and the rest is still served.
func TestOutboxUnreadable(t *testing.T) {
	var log bytes.Buffer
	m := metrics.New(metrics.Options{Log: slog.New(slog.NewTextHandler(&log, nil)),
		Outbox: func(context.Context) (metrics.Outbox, error) { return metrics.Outbox{}, errors.New("database down") }})
	m.ObserveHTTP("GET", "/healthz", 200, time.Millisecond)
	code, body := scrape(t, m.Handler(), "")
	if code != http.StatusOK || !strings.Contains(body, "srok_http_requests_total") || strings.Contains(body, "srok_reminders_queued") {
		t.Fatalf("%d %s", code, body)
	}
	if !strings.Contains(log.String(), "database down") {
		t.Errorf("the failure is not logged: %q", log.String())
	}
}

func TestObserveHTTP(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.ObserveHTTP("GET", "/api/v1/requests/:id", 200, 3*time.Millisecond)
	m.ObserveHTTP("get", "/api/v1/requests/:id", 200, 30*time.Millisecond)
	m.ObserveHTTP("GET", "/api/v1/requests/:id", 404, time.Millisecond)
	m.ObserveHTTP("BREW", "", 404, time.Millisecond)
	want := `
# HELP srok_http_requests_total HTTP requests served, by method, route template and status code.
# TYPE srok_http_requests_total counter
srok_http_requests_total{method="GET",route="/api/v1/requests/:id",status="200"} 2
srok_http_requests_total{method="GET",route="/api/v1/requests/:id",status="404"} 1
srok_http_requests_total{method="other",route="unmatched",status="404"} 1
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "srok_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	_, body := scrape(t, m.Handler(), "")
	for _, l := range []string{
		`srok_http_request_duration_seconds_bucket{method="GET",route="/api/v1/requests/:id",le="0.005"} 2`,
		`srok_http_request_duration_seconds_bucket{method="GET",route="/api/v1/requests/:id",le="0.05"} 3`,
		`srok_http_request_duration_seconds_count{method="GET",route="/api/v1/requests/:id"} 3`,
		`go_goroutines `, `process_cpu_seconds_total `,
	} {
		if !strings.Contains(body, l) {
			t.Errorf("no %s in\n%s", l, body)
		}
	}
}

func TestProtect(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "metrics") })
	tests := []struct {
		token, header string
		want          int
	}{
		{"s3cret-metrics-token", "", 401},
		{"s3cret-metrics-token", "Bearer wrong", 401},
		{"s3cret-metrics-token", "Bearer s3cret-metrics-toke", 401},
		{"s3cret-metrics-token", "Basic s3cret-metrics-token", 401},
		{"s3cret-metrics-token", "Bearer s3cret-metrics-token ", 401},
		{"s3cret-metrics-token", "Bearer s3cret-metrics-token", 200},
		{"s3cret-metrics-token", "bearer s3cret-metrics-token", 200},
		// No token configured: nobody.
		{"", "Bearer ", 401},
		{"", "", 401},
	}
	for _, tt := range tests {
		code, body := scrape(t, metrics.Protect(ok, tt.token), tt.header)
		if code != tt.want {
			t.Errorf("token %q, Authorization %q: %d, want %d", tt.token, tt.header, code, tt.want)
		}
		if code == 401 && tt.token != "" && strings.Contains(body, tt.token) {
			t.Errorf("the 401 shows the token: %q", body)
		}
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	rec := httptest.NewRecorder()
	metrics.Protect(ok, "t0ken-t0ken-t0ken").ServeHTTP(rec, req)
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// BenchmarkObserveHTTP is what counting costs each request.
func BenchmarkObserveHTTP(b *testing.B) {
	m := metrics.New(metrics.Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveHTTP("GET", "/api/v1/requests/:id", 200, 3*time.Millisecond)
		}
	})
}
