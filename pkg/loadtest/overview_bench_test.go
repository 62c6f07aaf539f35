package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/store/pgtest"
)

// The goal of issue 9: the overview page (/) of a register of 100,000
// requests on PostgreSQL renders in at most 100 ms of server time at p95.
// Reported, never asserted.
const goalOverviewP95 = 100 * time.Millisecond

// BenchmarkOverviewPage renders the overview page, GET /, again and again
// for a signed-in operator (a browser session's cookie), one request at a
// time, from the real srok binary on a throwaway PostgreSQL seeded once
// with SROK_OVERVIEW_ROWS requests (100,000) as the load test seeds them.
// The server time of each render is the duration of its line in srok's
// access log, which spans everything srok does for the request (session,
// identity, page); it reports p50, p95 and p99 of it, and the p95 the
// client saw over the loopback:
//
//	SROK_LOAD=1 go test -run '^$' -bench '^BenchmarkOverviewPage$' -benchtime 2000x -timeout 30m ./pkg/loadtest/
//
// It skips unless SROK_LOAD=1, as the load test does.
func BenchmarkOverviewPage(b *testing.B) {
	if os.Getenv("SROK_LOAD") != "1" {
		b.Skip("the overview benchmark runs with SROK_LOAD=1 (it seeds 100,000 requests on PostgreSQL)")
	}
	rows := 100_000
	if v := os.Getenv("SROK_OVERVIEW_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SROK_OVERVIEW_ROWS=%q: give a whole number of requests", v)
		}
		rows = n
	}
	ctx := context.Background()
	tmp := b.TempDir()

	// The database, the binary, the schema, the accounts, the register.
	srv, err := pgtest.Start(ctx)
	if err != nil {
		b.Fatalf("start PostgreSQL: %v", err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	dsn, err := srv.CreateDatabase(ctx)
	if err != nil {
		b.Fatal(err)
	}
	root := moduleRoot(b)
	bin := filepath.Join(tmp, "srok")
	if out, err := goCommand("build", "-o", bin, "./cmd/srok").dir(root).run(); err != nil {
		b.Fatalf("go build ./cmd/srok: %v\n%s", err, out)
	}
	srok := func(stdin string, args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = childEnv(map[string]string{"DATABASE_URL": dsn})
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("srok %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	srok("", "migrate")
	for _, a := range assignees {
		srok("", "user", "create", "--email", a+"@example.org", "--name", a, "--role", "operator", "--generate-password")
	}
	const email, password = "overview@example.org", "a password for the overview benchmark"
	srok(password+"\n", "user", "create", "--email", email, "--name", "Обзор", "--role", "operator")
	st, err := seed(ctx, b, dsn, rows, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d requests (%d open, %d overdue) in %s", st.Rows, st.Open, st.Overdue, st.Took.Round(100*time.Millisecond))

	// srok serve, its access log (info) in a file.
	port := freePort(b)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	logPath := filepath.Join(tmp, "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = childEnv(map[string]string{"DATABASE_URL": dsn, "SROK_ADDR": fmt.Sprintf("127.0.0.1:%d", port),
		"SROK_LOG_LEVEL": "info", "SROK_RATE_LIMIT": "0", "SROK_SCHEDULER": "off"})
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	for i := 0; ; i++ {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 600 {
			b.Fatalf("srok serve is not ready: %v\n%s", err, tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Signed in as a browser is: the session's cookie, no redirects
	// followed (a redirect to /login is a failure, not a page).
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		b.Fatalf("sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	render := func() (time.Duration, []byte) {
		t0 := time.Now()
		res, err := client.Get(base + "/")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(t0)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET /: %d %v (to %q)", res.StatusCode, err, res.Header.Get("Location"))
		}
		return took, body
	}
	_, page := render()
	if !strings.Contains(string(page), `id="overdue"`) {
		b.Logf("GET / has no #overdue: this build's / is not the overview page yet")
	}
	for range 20 { // warm-up: connections, caches, the plan cache
		render()
	}
	offset := fileSize(b, logPath)

	var client95 []time.Duration
	for b.Loop() {
		took, _ := render()
		client95 = append(client95, took)
	}
	b.StopTimer()

	server := serverTimes(b, logPath, offset, "/")
	if len(server) < len(client95) {
		b.Fatalf("the access log has %d renders of /, the client made %d", len(server), len(client95))
	}
	p95 := quantile(server, 0.95)
	b.ReportMetric(ms64(quantile(server, 0.50)), "server-p50-ms")
	b.ReportMetric(ms64(p95), "server-p95-ms")
	b.ReportMetric(ms64(quantile(server, 0.99)), "server-p99-ms")
	b.ReportMetric(ms64(quantile(client95, 0.95)), "client-p95-ms")
	b.ReportMetric(float64(len(page)), "page-bytes")
	b.Logf("%d renders of / at %d requests: server p95 %s (goal ≤ %s: %s)", len(server), rows, p95.Round(10*time.Microsecond),
		goalOverviewP95, met(p95 <= goalOverviewP95))
}

// serverTimes reads, from offset on, the durations of srok's access-log
// lines of route with status 200.
func serverTimes(tb testing.TB, path string, offset int64, route string) []time.Duration {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		tb.Fatal(err)
	}
	var out []time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg      string `json:"msg"`
			Method   string `json:"method"`
			Route    string `json:"route"`
			Status   int    `json:"status"`
			Duration int64  `json:"duration"` // slog's JSON handler writes a time.Duration in nanoseconds
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "http" || line.Method != http.MethodGet || line.Route != route {
			continue
		}
		if line.Status != http.StatusOK {
			tb.Fatalf("the access log has GET %s with status %d", route, line.Status)
		}
		out = append(out, time.Duration(line.Duration))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// quantile is the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}
