package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// fakePage renders an error as a tell-tale page.
func fakePage(c echo.Context, e PageError) error {
	return c.HTML(e.Status, fmt.Sprintf("<p>page %d %s %s retry=%d</p>", e.Status, e.Code, e.Reason, e.RetryAfter))
}

// pagesServer is a server of New whose errors reach browsers as pages.
func pagesServer(l Limits) *echo.Echo {
	e := New(Options{Limits: l, Health: []string{"/healthz"}})
	RenderPages(e, nil, fakePage)
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	Get(e, "/page", ok)
	e.POST("/form", ok)
	Get(e, "/healthz", ok)
	Get(e, "/api/v1/thing", ok)
	e.POST("/api/v1/thing", ok)
	return e
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// isPage checks that rec is the page of status; isProblem that it is the
// problem+json.
func isPage(t *testing.T, what string, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), fmt.Sprintf("<p>page %d ", status)) {
		t.Errorf("%s: want the page of %d, got %d %q %s", what, status, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func isProblem(t *testing.T, what string, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != MediaProblem || !strings.Contains(rec.Body.String(), `"status":`) {
		t.Errorf("%s: want the problem of %d, got %d %q %s", what, status, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// The errors raised by the shared middleware reach a browser's page
// request as a page with the same status, and the API, the probes and
// whoever does not accept HTML as problem+json.
func TestErrorsOfPagesArePages(t *testing.T) {
	e := pagesServer(Limits{})
	html := map[string]string{"Accept": browserAccept}
	isPage(t, "unknown path", serveOne(e, "GET", "/nowhere", html), http.StatusNotFound)
	isProblem(t, "unknown API path", serveOne(e, "GET", "/api/v1/nowhere", html), http.StatusNotFound)
	isProblem(t, "unknown path, JSON", serveOne(e, "GET", "/nowhere", map[string]string{"Accept": "application/json"}), http.StatusNotFound)
	isProblem(t, "unknown path, no Accept", serveOne(e, "GET", "/nowhere", nil), http.StatusNotFound)
	isProblem(t, "unknown path, HTML refused", serveOne(e, "GET", "/nowhere", map[string]string{"Accept": "text/html;q=0, */*"}), http.StatusNotFound)
	isProblem(t, "/healthz", serveOne(e, "GET", "/healthz?x=%ZZ", html), http.StatusBadRequest)
	isPage(t, "method", serveOne(e, "DELETE", "/page", html), http.StatusMethodNotAllowed)
	isPage(t, "guard", serveOne(e, "GET", "/page?what=%ZZ", html), http.StatusBadRequest)
	isProblem(t, "guard on the API", serveOne(e, "GET", "/api/v1/thing?what=%ZZ", html), http.StatusBadRequest)
	cross := map[string]string{"Accept": browserAccept, "Sec-Fetch-Site": "cross-site"}
	rec := serveOne(e, "POST", "/form", cross)
	isPage(t, "cross-site form", rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), "cross_origin") {
		t.Errorf("the page is not told why: %s", rec.Body)
	}
	isProblem(t, "cross-site API", serveOne(e, "POST", "/api/v1/thing", cross), http.StatusForbidden)

	e.POST("/upload", func(echo.Context) error { return echo.ErrStatusRequestEntityTooLarge })
	isPage(t, "body too large", serveOne(e, "POST", "/upload", html), http.StatusRequestEntityTooLarge)

	// HEAD gets the status and the type, without a body.
	rec = serveOne(e, "HEAD", "/nowhere", html)
	if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// A page past its client's rate gets the 429 as a page keeping
// Retry-After; the same past the bound on requests in flight with 503.
func TestRefusalsOfPagesArePages(t *testing.T) {
	e := pagesServer(Limits{Rate: 0.1, Burst: 1})
	html := map[string]string{"Accept": browserAccept}
	serveOne(e, "GET", "/page", html)
	rec := serveOne(e, "GET", "/page", html)
	isPage(t, "rate limit", rec, http.StatusTooManyRequests)
	if ra := rec.Header().Get("Retry-After"); ra == "" || !strings.Contains(rec.Body.String(), "retry="+ra) {
		t.Errorf("rate limit: Retry-After %q, page %s", ra, rec.Body)
	}
	isProblem(t, "rate limit on the API", serveOne(e, "GET", "/api/v1/thing", html), http.StatusTooManyRequests)

	e = pagesServer(Limits{InFlight: 2})
	entered, release := make(chan struct{}), make(chan struct{})
	Get(e, "/slow", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.String(http.StatusOK, "done")
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); serveOne(e, "GET", "/slow", nil) }()
	<-entered
	rec = serveOne(e, "GET", "/page", html)
	isPage(t, "in flight", rec, http.StatusServiceUnavailable)
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "overloaded") {
		t.Errorf("in flight: %v %s", rec.Header(), rec.Body)
	}
	isProblem(t, "in flight on the API", serveOne(e, "GET", "/api/v1/thing", html), http.StatusServiceUnavailable)
	close(release)
	wg.Wait()
}

// A browser's form sent too slowly gets the 408 as a page.
func TestSlowBodyOfAPageIsAPage(t *testing.T) {
	e := pagesServer(Limits{BodyTimeout: 300 * time.Millisecond})
	srv := httptest.NewServer(e)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /form HTTP/1.1\r\nHost: srok.test\r\nAccept: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=", browserAccept)
	st, h := statusOf(conn, 5*time.Second)
	if st != http.StatusRequestTimeout || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("a slow form: %d %v", st, h)
	}
}
