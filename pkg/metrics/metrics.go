// Package metrics is what Srok tells Prometheus: the reminders outbox
// (queued, sent, failed, how late the oldest waiting one is), the HTTP
// requests by route template, status and latency, the database pool, and
// the Go runtime and process. It keeps its own registry, never the
// client's global one, and knows neither Echo nor the database: the HTTP
// middleware (api/httpx) calls ObserveHTTP, and the outbox is read through
// a function given to New.
//
// Labels carry route templates (/api/v1/requests/:id), methods and status
// codes only: never a path value, a query or anything of a data subject's
// (152-FZ art. 7: personal data are not disclosed to whoever reads the
// monitoring).
package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outbox are the counts of the reminders outbox at a scrape.
type Outbox struct {
	// Pending are the reminders still to be sent; Sent those the SMTP
	// server accepted; Failed those given up on.
	Pending, Sent, Failed int64
	// OldestPendingSendAt is when the earliest pending reminder was to be
	// sent; zero when none is pending.
	OldestPendingSendAt time.Time
}

// OutboxFunc reads the outbox's counts; it is called at every scrape.
type OutboxFunc func(ctx context.Context) (Outbox, error)

// Options are what New measures.
type Options struct {
	// DB is the database pool whose statistics are exported (nil: none).
	DB *sql.DB
	// Outbox reads the reminders outbox at each scrape (nil: no reminder
	// metrics).
	Outbox OutboxFunc
	// Now is the clock of the oldest pending reminder's age; time.Now when
	// nil.
	Now func() time.Time
	// Log receives the errors of a scrape (nil: discarded).
	Log *slog.Logger
}

// Metrics is Srok's registry and the HTTP metrics it keeps.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	log      *slog.Logger
}

// outboxTimeout bounds the outbox's queries at a scrape: a slow database
// makes a gap in the graphs, not a pile of scrapes.
const outboxTimeout = 5 * time.Second

// New returns a registry with the Go runtime, process, database pool and
// outbox collectors, and the HTTP request metrics.
func New(o Options) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "srok_http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "srok_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		log: o.Log,
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if o.DB != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(o.DB, "srok"))
	}
	if o.Outbox != nil {
		m.reg.MustRegister(newOutboxCollector(o.Outbox, o.Now, o.Log))
	}
	return m
}

// Gatherer is the registry, for tests and other exposition.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// methods are the label values of known methods; any other is "other", so
// that a client cannot invent label values.
var methods = map[string]string{
	http.MethodGet: http.MethodGet, http.MethodHead: http.MethodHead, http.MethodPost: http.MethodPost,
	http.MethodPut: http.MethodPut, http.MethodPatch: http.MethodPatch, http.MethodDelete: http.MethodDelete,
	http.MethodOptions: http.MethodOptions,
}

// Unmatched is the route label of requests no route matched: their paths
// are the client's to choose and are never a label.
const Unmatched = "unmatched"

// ObserveHTTP counts one request of method on route (the template the
// router matched, such as /api/v1/requests/:id; "" when none matched) that
// was answered with status after d.
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	meth, ok := methods[strings.ToUpper(method)]
	if !ok {
		meth = "other"
	}
	if route == "" {
		route = Unmatched
	}
	m.requests.WithLabelValues(meth, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(meth, route).Observe(d.Seconds())
}

// Handler serves the registry in Prometheus' text format. A collector
// that fails (the database is down) leaves its metrics out and logs why;
// the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg,
	})
}

// Protect serves h only to a request with the header
// "Authorization: Bearer <token>", compared in constant time so that its
// answer times do not reveal the token; others get 401.
func Protect(h http.Handler, token string) http.Handler {
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110 section 11.1).
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if token == "" || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="srok metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "the metrics need Authorization: Bearer SROK_METRICS_TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
