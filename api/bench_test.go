package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// The in-process benchmarks of the three hot endpoints, through the real
// router on each database; the load benchmark (pkg/loadtest) measures the
// real binary on 1,000,000 requests.

func benchHarness(b *testing.B, d store.Dialect) *harness {
	b.Helper()
	return newHarnessOn(b, storetest.MustOpen(b, d))
}

func serve(b *testing.B, h *harness, method, path string, body []byte, want int, opts ...opt) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	for _, o := range opts {
		o(req)
	}
	if req.Header.Get("Authorization") == "-" {
		req.Header.Del("Authorization")
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

func BenchmarkCreateRequest(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			h := benchHarness(b, d)
			sealWhileBenchmarking(b, h)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				body := fmt.Appendf(nil, `{"type":"access","channel":"email","received_at":"2026-11-20T10:00:00+03:00","subject":{"name":"Субъект %d","email":"s%d@example.ru"}}`, i, i)
				serve(b, h, "POST", "/api/v1/requests", body, http.StatusCreated)
			}
		})
	}
}

// BenchmarkCreateRequestParallel registers requests from 8 clients at once:
// every create appends an audit entry, and the entries queue for the hash
// chain's head (and the year's counter) as concurrent creates do in
// production.
func BenchmarkCreateRequestParallel(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			h := benchHarness(b, d)
			sealWhileBenchmarking(b, h)
			b.ReportAllocs()
			var n atomic.Int64
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					body := fmt.Appendf(nil, `{"type":"access","channel":"email","received_at":"2026-11-20T10:00:00+03:00","subject":{"name":"Субъект %d","email":"s%d@example.ru"}}`, i, i)
					serve(b, h, "POST", "/api/v1/requests", body, http.StatusCreated)
				}
			})
		})
	}
}

// sealWhileBenchmarking runs the audit chain's sealing loop beside the
// benchmark, as srok serve does (on PostgreSQL a create writes its entry
// unsealed and the loop chains it about a second later; on SQLite it is a
// no-op), so that the chaining's cost is in the figures.
func sealWhileBenchmarking(b *testing.B, h *harness) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		audit.Seal(ctx, h.st, audit.SealEvery, slog.New(slog.DiscardHandler))
	}()
	b.Cleanup(func() {
		stop()
		<-done
		if _, err := h.st.SealAudit(context.Background()); err != nil {
			b.Errorf("seal the last entries: %v", err)
		}
	})
}

func BenchmarkReads(b *testing.B) {
	for _, d := range storetest.Dialects() {
		h := benchHarness(b, d)
		for i := range 7 {
			h.mustUser(b, fmt.Sprintf("a%d@example.ru", i), srok.RoleOperator)
		}
		for i := range 300 {
			body := fmt.Appendf(nil, `{"type":"access","channel":"email","received_at":"2026-11-%02dT10:00:00+03:00","assignee":"a%d@example.ru","subject":{"name":"Субъект %d","email":"s%d@example.ru"}}`, 1+i%24, i%7, i, i)
			serve(b, h, "POST", "/api/v1/requests", body, http.StatusCreated)
		}
		b.Run(string(d)+"/overdue", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, "GET", "/api/v1/requests?overdue=true&limit=50", nil, http.StatusOK)
			}
		})
		b.Run(string(d)+"/dashboard", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, "GET", "/api/v1/dashboard", nil, http.StatusOK)
			}
		})
	}
}
