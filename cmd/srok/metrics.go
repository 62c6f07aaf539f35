package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/metrics"
	"github.com/srok/srok/pkg/store"
)

// metricsPath is where Prometheus scrapes, on either listener.
const metricsPath = "/metrics"

// newMetrics returns the metrics of a server on st, or nil when the
// configuration serves none (neither SROK_METRICS_ADDR nor
// SROK_METRICS_TOKEN): nothing is counted that nobody can read.
func newMetrics(cfg config.Config, st *store.Store, now func() time.Time, log *slog.Logger) *metrics.Metrics {
	if !cfg.Metrics() {
		return nil
	}
	return metrics.New(metrics.Options{DB: st.SQL(), Outbox: outboxStats(st), Now: now, Log: log})
}

// outboxStats reads the reminders outbox's counts from st.
func outboxStats(st *store.Store) metrics.OutboxFunc {
	return func(ctx context.Context) (metrics.Outbox, error) {
		s, err := st.ReminderStats(ctx)
		return metrics.Outbox{Pending: s.Pending, Sent: s.Sent, Failed: s.Failed, OldestPendingSendAt: s.OldestPendingSendAt}, err
	}
}

// observer is what counts the composed server's requests: nil (an
// interface without value) when no metrics are kept.
func (d deps) observer() httpx.HTTPObserver {
	if d.metrics == nil {
		return nil
	}
	return d.metrics
}

// publicPaths are the routes where nobody is identified: the API's, and
// /metrics when it is served on the main listener, which checks its own
// token (SROK_METRICS_TOKEN) rather than a user's session or API token.
func (d deps) publicPaths(paths []string) []string {
	out := append([]string(nil), paths...)
	if d.metrics != nil && d.metricsToken != "" {
		out = append(out, metricsPath)
	}
	return out
}

// mountMetrics serves GET /metrics on the main listener to the bearer of
// SROK_METRICS_TOKEN; without the token it is not served there.
func mountMetrics(e *echo.Echo, d deps) {
	if d.metrics == nil || d.metricsToken == "" {
		return
	}
	e.GET(metricsPath, echo.WrapHandler(metrics.Protect(d.metrics.Handler(), d.metricsToken)))
}

// serveMetrics serves GET /metrics, without authentication, on addr
// (SROK_METRICS_ADDR: a private address only Prometheus reaches) until
// stop is called. Without addr or metrics it does nothing.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger, e env) (stop func(), err error) {
	if addr == "" || m == nil {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, m.Handler())
	srv := &http.Server{Handler: mux, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	httpx.Timeouts(srv)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("unable to listen on SROK_METRICS_ADDR %s: %w", addr, err)
	}
	url := "http://" + displayAddr(ln.Addr()) + metricsPath
	log.Info("serving metrics", "url", url)
	fmt.Fprintf(e.stdout, "srok: metrics on %s\n", url)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "error", err.Error())
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
