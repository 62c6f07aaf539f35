package httpx

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
)

func serveOne(e *echo.Echo, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "192.0.2.10:40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestSecurityHeaders(t *testing.T) {
	e := New(Options{})
	Get(e, "/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for _, path := range []string{"/ok", "/missing"} {
		rec := serveOne(e, "GET", path, nil)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			"X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", path, k, h.Get(k), v)
			}
		}
	}
}

func TestRateLimitPerClient(t *testing.T) {
	e := New(Options{Limits: Limits{Rate: 0.5, Burst: 2}})
	Get(e, "/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	alice := map[string]string{"Authorization": "Bearer srok_alice"}
	for i := range 2 {
		if rec := serveOne(e, "GET", "/ok", alice); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := serveOne(e, "GET", "/ok", alice)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" || rec.Header().Get("Content-Type") != MediaProblem ||
		!strings.Contains(rec.Body.String(), "urn:srok:problem:too_many_requests") {
		t.Fatalf("past the burst: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	// Another token, and a client without one (by address), have their own budgets.
	if rec := serveOne(e, "GET", "/ok", map[string]string{"Authorization": "Bearer srok_bob"}); rec.Code != http.StatusOK {
		t.Fatalf("another token: %d", rec.Code)
	}
	if rec := serveOne(e, "GET", "/ok", nil); rec.Code != http.StatusOK {
		t.Fatalf("by address: %d", rec.Code)
	}
	// Off with Rate 0.
	e = New(Options{})
	Get(e, "/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for range 200 {
		if rec := serveOne(e, "GET", "/ok", alice); rec.Code != http.StatusOK {
			t.Fatalf("no limit: %d", rec.Code)
		}
	}
}

func TestInFlightBound(t *testing.T) {
	e := New(Options{Limits: Limits{InFlight: 2}})
	entered, release := make(chan struct{}), make(chan struct{})
	Get(e, "/slow", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.String(http.StatusOK, "done")
	})
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = serveOne(e, "GET", "/slow", nil).Code }()
		<-entered
	}
	rec := serveOne(e, "GET", "/slow", nil)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), "overloaded") {
		t.Fatalf("third in flight: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	close(release)
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 {
		t.Fatalf("the two in flight: %v", codes)
	}
	go func() { <-entered }()
	if rec := serveOne(e, "GET", "/slow", nil); rec.Code != http.StatusOK {
		t.Fatalf("after: %d", rec.Code)
	}
}

func TestClientAddressBehindProxies(t *testing.T) {
	seen := func(o Options, xff string) string {
		e := New(o)
		var ip string
		Get(e, "/ip", func(c echo.Context) error { ip = c.RealIP(); return c.NoContent(http.StatusNoContent) })
		serveOne(e, "GET", "/ip", map[string]string{"X-Forwarded-For": xff})
		return ip
	}
	if ip := seen(Options{}, "203.0.113.7"); ip != "192.0.2.10" {
		t.Fatalf("untrusted X-Forwarded-For was believed: %s", ip)
	}
	_, proxy, _ := net.ParseCIDR("192.0.2.0/24")
	if ip := seen(Options{TrustedProxies: []*net.IPNet{proxy}}, "203.0.113.7"); ip != "203.0.113.7" {
		t.Fatalf("behind a trusted proxy: %s", ip)
	}
}
