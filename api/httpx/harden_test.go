package httpx

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
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

// tokens is an Authenticator that knows the API tokens it holds.
type tokens map[string]bool

func (t tokens) AuthenticateToken(_ context.Context, secret string) (srok.Actor, error) {
	if t[secret] {
		return srok.Actor{ID: "token:" + secret, Name: "test", UserID: "u1", Role: srok.RoleAdmin}, nil
	}
	return srok.Actor{}, &srok.Error{Code: srok.EUNAUTHENTICATED, Message: "unknown token"}
}

func (t tokens) SessionActor(context.Context, string, int64) (srok.Actor, error) {
	return srok.Actor{}, &srok.Error{Code: srok.ENOTFOUND, Message: "no such user"}
}

// serveFrom serves one request from the client address addr.
func serveFrom(e *echo.Echo, addr, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr + ":40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitPerClient(t *testing.T) {
	e := New(Options{Limits: Limits{Rate: 0.5, Burst: 2}, Auth: tokens{"srok_alice": true, "srok_bob": true}})
	Get(e, "/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, Require)
	alice := map[string]string{"Authorization": "Bearer srok_alice"}
	// The first request of a token counts against its address; once the
	// token proved valid, against the token.
	if rec := serveFrom(e, "192.0.2.10", "GET", "/ok", alice); rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	for i := range 2 {
		if rec := serveFrom(e, "192.0.2.10", "GET", "/ok", alice); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := serveFrom(e, "192.0.2.10", "GET", "/ok", alice)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" || rec.Header().Get("Content-Type") != MediaProblem ||
		!strings.Contains(rec.Body.String(), "urn:srok:problem:too_many_requests") {
		t.Fatalf("past the burst: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	// Another valid token has its own budget, once known.
	bob := map[string]string{"Authorization": "Bearer srok_bob"}
	for i := range 3 {
		if rec := serveFrom(e, "192.0.2.20", "GET", "/ok", bob); rec.Code != http.StatusOK {
			t.Fatalf("bob's request %d: %d", i, rec.Code)
		}
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

// A wrong credential buys no budget of its own: a client that sends a new
// random token or session cookie with each request is limited by its
// address like one that sends none.
func TestRateLimitCountsWrongCredentials(t *testing.T) {
	e := New(Options{Limits: Limits{Rate: 1, Burst: 5}, Auth: tokens{"srok_alice": true}})
	Get(e, "/api/v1/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") }, Require)
	for _, tc := range []struct {
		name, addr string
		hdr        func(i int) map[string]string
	}{
		{"a wrong token", "198.51.100.1", func(i int) map[string]string {
			return map[string]string{"Authorization": fmt.Sprintf("Bearer srok_guess%06d", i)}
		}},
		{"a random cookie", "198.51.100.2", func(i int) map[string]string {
			return map[string]string{"Cookie": fmt.Sprintf("%s=random%06d", SessionCookie, i)}
		}},
		{"no credential", "198.51.100.3", func(int) map[string]string { return nil }},
	} {
		limited := 0
		for i := range 100 {
			rec := serveFrom(e, tc.addr, "GET", "/api/v1/me", tc.hdr(i))
			switch rec.Code {
			case http.StatusTooManyRequests:
				limited++
			case http.StatusUnauthorized:
			default:
				t.Fatalf("%s: request %d: %d", tc.name, i, rec.Code)
			}
		}
		if limited < 90 {
			t.Errorf("%s: %d of 100 requests from one address were limited, want at least 90", tc.name, limited)
		}
	}
	// A signed-in client elsewhere is not held back by them.
	if rec := serveFrom(e, "198.51.100.9", "GET", "/api/v1/me", map[string]string{"Authorization": "Bearer srok_alice"}); rec.Code != http.StatusOK {
		t.Fatalf("a valid token from another address: %d", rec.Code)
	}
}

func TestInFlightBound(t *testing.T) {
	e := New(Options{Limits: Limits{InFlight: 4}})
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
	// Anonymous callers take half of the slots at most.
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

// slowBody opens a connection to srv and sends a sign-in form's headers
// and the first bytes of its body, then nothing more: a Slowloris body.
func slowBody(t *testing.T, srv *httptest.Server, cookie string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: srok.test\r\nCookie: %s=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=", SessionCookie, cookie)
	return conn
}

// statusOf reads the status code of the answer on conn, 0 when none
// came within d.
func statusOf(conn net.Conn, d time.Duration) (int, http.Header) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil
	}
	res.Body.Close()
	return res.StatusCode, res.Header
}

// Slow anonymous bodies fill the anonymous half of the slots, not all of
// them: a signed-in user and the readiness check are still served, and
// each slow body is cut off with a 408 once its time is up, freeing its
// slot.
func TestSlowAnonymousBodiesLeaveRoom(t *testing.T) {
	const bodyTimeout = 3 * time.Second
	e := New(Options{Limits: Limits{InFlight: 4, BodyTimeout: bodyTimeout}, Auth: tokens{"srok_alice": true},
		Health: []string{"/readyz"}})
	Get(e, "/api/v1/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") }, Require)
	Get(e, "/readyz", func(c echo.Context) error { return c.String(http.StatusOK, "ready") })
	e.POST("/login", func(c echo.Context) error {
		if _, err := io.ReadAll(c.Request().Body); err != nil {
			return err
		}
		return c.String(http.StatusOK, "form read")
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	alice := func() int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer srok_alice")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := alice(); st != http.StatusOK {
		t.Fatalf("alice before: %d", st)
	}
	var conns []net.Conn
	for i := range 4 {
		conns = append(conns, slowBody(t, srv, fmt.Sprintf("random%d", i)))
	}
	// Two of the four are refused at once: the anonymous half is full.
	answers := make(chan int, len(conns))
	for _, c := range conns {
		go func() { st, _ := statusOf(c, 2*bodyTimeout); answers <- st }()
	}
	for range 2 {
		select {
		case st := <-answers:
			if st != http.StatusServiceUnavailable {
				t.Fatalf("a slow body past the anonymous share: %d, want 503", st)
			}
		case <-time.After(bodyTimeout / 2):
			t.Fatal("four slow anonymous bodies were all let in: the anonymous share is not bounded")
		}
	}
	if st := alice(); st != http.StatusOK {
		t.Errorf("a signed-in /api/v1/me with the anonymous share full: %d", st)
	}
	res, err := srv.Client().Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/readyz with the anonymous share full: %d", res.StatusCode)
	}
	// The two held are cut off with a 408 once their time is up.
	for range 2 {
		if st := <-answers; st != http.StatusRequestTimeout {
			t.Fatalf("a slow body: %d, want 408", st)
		}
	}
	res, err = srv.Client().Post(srv.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("email=a"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("an anonymous form once the slow ones were cut off: %d", res.StatusCode)
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

// A 429 and an overload's 503 are logged as what they are, at the level
// they deserve; only a dependency's unavailability is an error.
func TestRefusalsLoggedAsWhatTheyAre(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	e := New(Options{Log: log, Limits: Limits{Rate: 0.1, Burst: 1, InFlight: 2}})
	entered, release := make(chan struct{}), make(chan struct{})
	Get(e, "/slow", func(c echo.Context) error { entered <- struct{}{}; <-release; return c.NoContent(http.StatusOK) })
	Get(e, "/db", func(c echo.Context) error { return srok.Unavailable(errors.New("dial tcp: connection refused")) })
	lines := func() []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] != "http" {
				out = append(out, m)
			}
		}
		buf.Reset()
		return out
	}
	check := func(what string, wantLevel, wantMsg string) {
		t.Helper()
		ls := lines()
		if len(ls) != 1 || ls[0]["level"] != wantLevel || !strings.HasPrefix(ls[0]["msg"].(string), wantMsg) {
			t.Errorf("%s logged %v, want one %s %q", what, ls, wantLevel, wantMsg)
		}
	}
	serveFrom(e, "192.0.2.1", "GET", "/db", nil)
	buf.Reset()
	if rec := serveFrom(e, "192.0.2.1", "GET", "/db", nil); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second request: %d", rec.Code)
	}
	check("a 429", "INFO", "rate limited")
	done := make(chan struct{})
	go func() { defer close(done); serveFrom(e, "192.0.2.2", "GET", "/slow", nil) }()
	<-entered
	if rec := serveFrom(e, "192.0.2.3", "GET", "/slow", nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("past the anonymous share: %d", rec.Code)
	}
	check("an overload's 503", "WARN", "overloaded")
	close(release)
	<-done
	buf.Reset()
	if rec := serveFrom(e, "192.0.2.4", "GET", "/db", nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("the database down: %d", rec.Code)
	}
	check("the database down", "ERROR", "unavailable")
}
