package httpx

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
)

type observed struct {
	method, route string
	status        int
}

type recorder struct {
	mu  sync.Mutex
	got []observed
}

func (r *recorder) ObserveHTTP(method, route string, status int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d <= 0 {
		status = -1 // a duration that was not measured fails the comparison
	}
	r.got = append(r.got, observed{method, route, status})
}

// Every request is observed once, with its route template and the status
// it was answered with, errors and refusals included.
func TestObserve(t *testing.T) {
	rec := &recorder{}
	e := New(Options{Metrics: rec, Limits: Limits{Rate: 1, Burst: 4}})
	Get(e, "/api/v1/requests/:id", func(c echo.Context) error {
		if c.Param("id") == "missing" {
			return srok.Errorf(srok.ENOTFOUND, "no such request")
		}
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/boom", func(echo.Context) error { panic("boom") })
	steps := []struct {
		method, path string
		want         observed
	}{
		{"GET", "/api/v1/requests/0190aaaa-0000-7000-8000-000000000001", observed{"GET", "/api/v1/requests/:id", 200}},
		{"GET", "/api/v1/requests/missing", observed{"GET", "/api/v1/requests/:id", 404}},
		{"GET", "/boom", observed{"GET", "/boom", 500}},
		{"GET", "/ivan.petrov@example.ru", observed{"GET", "", 404}},
		// Past the burst of 4: refused by the rate limit, still counted.
		{"GET", "/api/v1/requests/x", observed{"GET", "/api/v1/requests/:id", 429}},
	}
	for _, s := range steps {
		serveOne(e, s.method, s.path, nil)
	}
	if len(rec.got) != len(steps) {
		t.Fatalf("observed %d requests, want %d: %+v", len(rec.got), len(steps), rec.got)
	}
	for i, s := range steps {
		if rec.got[i] != s.want {
			t.Errorf("%s %s: observed %+v, want %+v", s.method, s.path, rec.got[i], s.want)
		}
		if strings.Contains(rec.got[i].route, "@") || strings.Contains(rec.got[i].route, "0190") {
			t.Errorf("a path value in the route label: %q", rec.got[i].route)
		}
	}
}
