package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/srok/srok/pkg/store/pgtest"
)

// The goals of issue 3: reported against, never asserted.
const (
	goalCreatesPerSec = 1000
	goalReadP99       = 50 * time.Millisecond
	goalRSSBytes      = 150 << 20
)

// settings are the knobs of the run (doc.go).
type settings struct {
	adminURL   string
	rows       int
	workers    int
	create     time.Duration
	read       time.Duration
	readRate   int
	ceiling    time.Duration
	report     string
	statements bool
	hold       time.Duration
}

func loadSettings(t *testing.T) settings {
	s := settings{
		adminURL:   os.Getenv("SROK_LOAD_DATABASE_URL"),
		rows:       envInt(t, "SROK_LOAD_ROWS", 1_000_000),
		workers:    envInt(t, "SROK_LOAD_WORKERS", 20),
		create:     envDuration(t, "SROK_LOAD_CREATE", 20*time.Second),
		read:       envDuration(t, "SROK_LOAD_READ", 15*time.Second),
		readRate:   envInt(t, "SROK_LOAD_READ_RATE", 200),
		ceiling:    envDuration(t, "SROK_LOAD_CEILING", 10*time.Second),
		report:     os.Getenv("SROK_LOAD_REPORT"),
		statements: os.Getenv("SROK_LOAD_STATEMENTS") == "1",
		hold:       envDuration(t, "SROK_LOAD_HOLD", 0),
	}
	if s.rows < 1 || s.workers < 1 || s.readRate < 1 {
		t.Fatalf("SROK_LOAD_ROWS, SROK_LOAD_WORKERS and SROK_LOAD_READ_RATE must be positive")
	}
	return s
}

func envInt(t testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil {
		t.Fatalf("%s=%q: give a whole number", name, v)
	}
	return n
}

func envDuration(t testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: give a duration such as 20s", name, v)
	}
	return d
}

// TestLoad is the load benchmark of issue 3 (see the package doc).
func TestLoad(t *testing.T) {
	if os.Getenv("SROK_LOAD") != "1" {
		t.Skip("the load benchmark runs with SROK_LOAD=1 (make bench)")
	}
	cfg := loadSettings(t)
	ctx := context.Background()
	rep := &report{Settings: cfg, Started: time.Now()}
	tmp := t.TempDir()

	// 1. A database, the binary, the schema.
	dsn, pgVersion, pgData := database(ctx, t, cfg)
	rep.Postgres = pgVersion
	root := moduleRoot(t)
	rep.Commit = commitOf(root)
	bin := filepath.Join(tmp, "srok")
	t0 := time.Now()
	if out, err := goCommand("build", "-o", bin, "./cmd/srok").dir(root).run(); err != nil {
		t.Fatalf("go build ./cmd/srok: %v\n%s", err, out)
	}
	t.Logf("built srok in %s", time.Since(t0).Round(time.Millisecond))
	mig := exec.Command(bin, "migrate")
	mig.Env = childEnv(map[string]string{"DATABASE_URL": dsn})
	if out, err := mig.CombinedOutput(); err != nil {
		t.Fatalf("srok migrate: %v\n%s", err, out)
	} else {
		t.Logf("srok migrate: %s", strings.TrimSpace(string(out)))
	}

	// The load comes with an officer's API token, and the assignees are
	// users: what a real installation has since accounts.
	token := loadAccounts(t, bin, dsn)

	// 2. A million requests.
	now := time.Now()
	st, err := seed(ctx, t, dsn, cfg.rows, now)
	if err != nil {
		t.Fatal(err)
	}
	rep.Seed = st
	t.Logf("seeded %d requests (%d open, %d overdue), %d obligations, %d events in %s",
		st.Rows, st.Open, st.Overdue, st.Obligations, st.Events, st.Took.Round(100*time.Millisecond))
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&rep.DBSize); err != nil {
		t.Fatal(err)
	}
	stmts := newStatements(ctx, t, db, cfg.statements)

	// 3. srok serve.
	srv := startServe(t, bin, dsn, cfg.workers, tmp)
	defer srv.stop(t)
	base := srv.url
	meter := cpuMeter{srok: srv.cmd.Process.Pid, pgData: pgData}

	// 4. The overdue list and the dashboard at a constant rate, on the
	// register as seeded: before the creates, which add in 20 s as many
	// requests received in the last hour as this register gets in weeks.
	rate := vegeta.Rate{Freq: cfg.readRate, Per: time.Second}
	authHeader = http.Header{"Authorization": []string{"Bearer " + token}}
	jsonHeader.Set("Authorization", "Bearer "+token)
	overdue := staticTarget(base + "/api/v1/requests?overdue=true&limit=50")
	dash := staticTarget(base + "/api/v1/dashboard")
	overdueReceived := staticTarget(base + "/api/v1/requests?overdue=true&sort=-received_at&limit=50")
	reads := []struct {
		name string
		tr   vegeta.Targeter
		dst  **run
	}{
		{"overdue list", overdue, &rep.Overdue},
		{"dashboard", dash, &rep.Dashboard},
		// Not a goal: the same overdue list newest received first, the
		// default order of lists, which the due index cannot give.
		{"overdue list by received_at", overdueReceived, &rep.OverdueByReceived},
	}
	for _, r := range reads {
		attack("warm-up "+r.name, r.tr, vegeta.Rate{Freq: 20, Per: time.Second}, 0, time.Second, false)
		stmts.reset()
		c0 := meter.sample()
		*r.dst = attack(r.name, r.tr, rate, 0, cfg.read, true)
		(*r.dst).CPU = c0.to(meter.sample())
		(*r.dst).RSSAfter = srv.memory(t)
		rep.Statements = append(rep.Statements, stmts.top(r.name))
		logRun(t, *r.dst)
	}
	rep.Plans = explainReads(ctx, t, db)

	// 5. Creates at the highest rate the server takes, cfg.workers at a time.
	var before int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM requests`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	runID := randomHex(4)
	creates := &createTargeter{base: base, run: runID}
	warm := attack("warm-up create", creates.target, vegeta.Rate{}, cfg.workers, 2*time.Second, false)
	rep.CreateWarm = warm
	stmts.reset()
	c0 := meter.sample()
	rep.Create = attack("create", creates.target, vegeta.Rate{}, cfg.workers, cfg.create, false)
	rep.Create.CPU = c0.to(meter.sample())
	rep.Create.RSSAfter = srv.memory(t)
	rep.Statements = append(rep.Statements, stmts.top("create"))
	logRun(t, rep.Create)
	rep.RSS = srv.memory(t)

	// Correctness: every create answered 201 and is in the database once,
	// with its obligation and its 'created' event.
	created := int64(warm.Codes[http.StatusCreated] + rep.Create.Codes[http.StatusCreated])
	var after, mine, numbers, obls, evs int64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM requests), count(*), count(DISTINCT r.number),
		(SELECT count(*) FROM obligations o JOIN requests q ON q.id = o.request_id WHERE q.subject_email_lower LIKE $1),
		(SELECT count(*) FROM events e JOIN requests q ON q.id = e.request_id WHERE q.subject_email_lower LIKE $1 AND e.kind = 'created')
		FROM requests r WHERE r.subject_email_lower LIKE $1`, "load-"+runID+"-%").Scan(&after, &mine, &numbers, &obls, &evs); err != nil {
		t.Fatal(err)
	}
	rep.CreatedInDB = mine
	if cfg.hold > 0 {
		t.Logf("holding for %s: srok at %s (pid %d), database %s", cfg.hold, srv.url, srv.cmd.Process.Pid, dsn)
		time.Sleep(cfg.hold)
	}
	srv.stop(t)

	// 6. The ceiling, with the server stopped.
	rep.Ceilings = append(rep.Ceilings, insertLoop(ctx, meter, dsn, cfg.workers, cfg.ceiling))
	rep.Ceilings = append(rep.Ceilings, pgbench(ctx, meter, dsn, tmp,
		fmt.Sprintf("pgbench: single-row INSERT, autocommit, %d clients", cfg.workers),
		pgbenchInsertSetup, pgbenchInsert, pgbenchInsertTeardown, cfg.workers, cfg.ceiling))
	// Diagnosis, not ceilings: what one create asks of the database, as a
	// transaction of round trips and as one statement, with as many clients
	// as the pool and with 4 (srok runs at most 4 create transactions at once
	// since d3fb31a).
	year := time.Now().In(moscow()).Year()
	for _, clients := range []int{cfg.workers, 4} {
		stmts.reset()
		rep.Ceilings = append(rep.Ceilings, pgbench(ctx, meter, dsn, tmp,
			fmt.Sprintf("pgbench: one create as a transaction (repeat check; BEGIN, counter, request, obligation, event, COMMIT: srok up to d3fb31a), %d clients", clients),
			"", pgbenchCreate(year), "", clients, cfg.ceiling))
		if clients == cfg.workers {
			rep.Statements = append(rep.Statements, stmts.top("pgbench create"))
		}
		rep.Ceilings = append(rep.Ceilings, pgbench(ctx, meter, dsn, tmp,
			fmt.Sprintf("pgbench: the same create as one statement (repeat check; one WITH … INSERT of counter, request, obligation, event), %d clients", clients),
			"", pgbenchCreateOneStatement(year), "", clients, cfg.ceiling))
	}
	for i := range rep.Ceilings {
		c := &rep.Ceilings[i]
		if c.Err != nil {
			t.Logf("ceiling %q: %v", c.Name, c.Err)
		} else {
			t.Logf("ceiling %q: %.0f %s (%s; %s)", c.Name, c.Rate, c.Unit, c.Detail, c.CPU)
		}
	}

	// 7. The report, then the checks.
	rep.Finished = time.Now()
	md := rep.markdown()
	for _, line := range strings.Split(md, "\n") {
		t.Log(line)
	}
	if cfg.report != "" {
		if err := os.WriteFile(cfg.report, []byte(md), 0o644); err != nil {
			t.Errorf("SROK_LOAD_REPORT: %v", err)
		} else {
			t.Logf("report written to %s", cfg.report)
		}
	}

	// Client timeouts are an overloaded server, a timing outcome: reported,
	// not failed on. Any answer other than 2xx is a wrong answer.
	for _, r := range []*run{warm, rep.Create, rep.Overdue, rep.Dashboard, rep.OverdueByReceived} {
		if r.Failed > 0 {
			t.Errorf("%s: %d of %d responses were not 2xx: codes %v, errors %v, first body %s",
				r.Name, r.Failed, r.Requests, r.Codes, r.Errors, r.FirstBadBody)
		}
		if r.Timeouts > 0 {
			t.Logf("%s: %d of %d requests timed out on the client (30 s) (reported, not a failure)", r.Name, r.Timeouts, r.Requests)
		}
	}
	if mine != created || numbers != created || obls != created || evs != created || after-before != created {
		t.Errorf("created: %d responses 201; in the database %d requests of this run (%d numbers, %d obligations, %d 'created' events), %d new requests in all",
			created, mine, numbers, obls, evs, after-before)
	}
	checkOverdueBody(t, rep.Overdue.FirstBody)
	checkDashboardBody(t, rep.Dashboard.FirstBody)
	checkOverdueBody(t, rep.OverdueByReceived.FirstBody)
}

// ---- the database ----

// database returns the URL of a fresh database: on SROK_LOAD_DATABASE_URL's
// server, or on a throwaway server started by pgtest. It is dropped (or the
// server removed) when the test ends.
func database(ctx context.Context, t *testing.T, cfg settings) (dsn, version, pgData string) {
	t.Helper()
	if cfg.adminURL == "" {
		srv, err := pgtest.Start(ctx)
		if err != nil {
			t.Fatalf("start PostgreSQL: %v (install the server, or set SROK_LOAD_DATABASE_URL)", err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		if cfg.statements {
			enableStatements(t, srv)
		}
		dsn, err = srv.CreateDatabase(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("throwaway PostgreSQL on port %d (fsync, synchronous_commit and full_page_writes off)", srv.Port())
		pgData = filepath.Join(srv.Dir(), "data")
	} else {
		admin, err := sql.Open("pgx", cfg.adminURL)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		name := "srok_load_" + randomHex(4)
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("SROK_LOAD_DATABASE_URL: create database: %v", err)
		}
		t.Cleanup(func() {
			a, err := sql.Open("pgx", cfg.adminURL)
			if err == nil {
				_, _ = a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
				a.Close()
			}
		})
		u, err := url.Parse(cfg.adminURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			t.Fatalf("SROK_LOAD_DATABASE_URL: give a postgres:// URL")
		}
		u.Path, u.RawPath = "/"+name, ""
		dsn = u.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var fsync, sync string
	if err := db.QueryRowContext(ctx, `SELECT split_part(version(), ' ', 2), current_setting('fsync'), current_setting('synchronous_commit')`).
		Scan(&version, &fsync, &sync); err != nil {
		t.Fatal(err)
	}
	return dsn, fmt.Sprintf("PostgreSQL %s (fsync=%s, synchronous_commit=%s)", version, fsync, sync), pgData
}

// enableStatements loads pg_stat_statements into the throwaway server.
func enableStatements(t *testing.T, srv *pgtest.Server) {
	f, err := os.OpenFile(filepath.Join(srv.Dir(), "data", "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString("\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\n")
		f.Close()
	}
	if err == nil {
		err = srv.Restart()
	}
	if err != nil {
		t.Fatalf("SROK_LOAD_STATEMENTS: %v", err)
	}
}

// statements reads pg_stat_statements when it is enabled.
type statements struct {
	ctx context.Context
	t   *testing.T
	db  *sql.DB
	on  bool
}

func newStatements(ctx context.Context, t *testing.T, db *sql.DB, on bool) *statements {
	s := &statements{ctx: ctx, t: t, db: db, on: on}
	if on {
		if _, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			t.Logf("pg_stat_statements: %v", err)
			s.on = false
		}
	}
	return s
}

func (s *statements) reset() {
	if s.on {
		_, _ = s.db.ExecContext(s.ctx, "SELECT pg_stat_statements_reset()")
	}
}

// top returns the statements of the phase by total time, as a markdown table.
func (s *statements) top(phase string) string {
	if !s.on {
		return ""
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),
		round(max_exec_time::numeric, 1), left(regexp_replace(query, '\s+', ' ', 'g'), 160)
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY total_exec_time DESC LIMIT 12`)
	if err != nil {
		return "pg_stat_statements: " + err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "Top statements, %s (pg_stat_statements):\n\n| calls | total ms | mean ms | max ms | query |\n|---:|---:|---:|---:|---|\n", phase)
	for rows.Next() {
		var calls int64
		var total, mean, max float64
		var q string
		if err := rows.Scan(&calls, &total, &mean, &max, &q); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "| %d | %.1f | %.3f | %.1f | `%s` |\n", calls, total, mean, max, strings.ReplaceAll(q, "|", "\\|"))
	}
	return b.String()
}

// explainReads returns the plans of the reads' main queries, as the store
// sends them (pkg/store/requests.go as of commit e5a4ea0; SROK_LOAD_STATEMENTS=1
// shows the texts it really sends).
func explainReads(ctx context.Context, t *testing.T, db *sql.DB) string {
	now := time.Now().UTC()
	loc := moscow()
	y, m, d := now.In(loc).Date()
	todayEnd := time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
	soonEnd := todayEnd.AddDate(0, 0, 5)
	queries := []struct {
		name string
		q    string
		args []any
	}{
		{"GET /api/v1/requests?overdue=true&limit=50 (page query; by due since f9b83a8)",
			`SELECT * FROM "requests" WHERE next_due_at <= $1 ORDER BY next_due_at ASC,id ASC LIMIT 51`, []any{now}},
		{"GET /api/v1/requests?overdue=true&sort=-received_at&limit=50 (page query)",
			`SELECT * FROM "requests" WHERE next_due_at <= $1 ORDER BY received_at DESC,id DESC LIMIT 51`, []any{now}},
		{"GET /api/v1/dashboard (DueCounts)",
			`SELECT assignee, type,
		SUM(CASE WHEN next_due_at <= $1 THEN 1 ELSE 0 END) AS overdue,
		SUM(CASE WHEN next_due_at > $2 AND next_due_at <= $3 THEN 1 ELSE 0 END) AS due_today,
		SUM(CASE WHEN next_due_at > $4 THEN 1 ELSE 0 END) AS due_soon
		FROM requests WHERE next_due_at <= $5 GROUP BY assignee, type`, []any{now, now, todayEnd, todayEnd, soonEnd}},
		{"GET /api/v1/dashboard (overdue bucket)",
			`SELECT * FROM "requests" WHERE next_due_at <= $1 ORDER BY next_due_at ASC,id ASC LIMIT 10`, []any{now}},
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.q, q.args...)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", q.name, err)
			continue
		}
		fmt.Fprintf(&b, "-- %s\n", q.name)
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err == nil {
				b.WriteString(line + "\n")
			}
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.String()
}

// ---- the server ----

type server struct {
	cmd    *exec.Cmd
	url    string
	log    string
	done   chan error
	exited atomic.Bool
}

// startServe runs `srok serve` against dsn on a free port and waits for
// /readyz.
func startServe(t testing.TB, bin, dsn string, pool int, dir string) *server {
	t.Helper()
	port := freePort(t)
	s := &server{url: fmt.Sprintf("http://127.0.0.1:%d", port), log: filepath.Join(dir, fmt.Sprintf("serve-%d.log", port)), done: make(chan error, 1)}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = childEnv(map[string]string{
		"DATABASE_URL":      dsn,
		"SROK_ADDR":         fmt.Sprintf("127.0.0.1:%d", port),
		"SROK_DB_MAX_CONNS": strconv.Itoa(pool),
		"SROK_LOG_LEVEL":    "warn",
		// One client (vegeta) stands for many: the per-client rate limit,
		// made to stop one integration from starving the others, is off.
		"SROK_RATE_LIMIT": "0",
	})
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("srok serve: %v", err)
	}
	go func() {
		err := s.cmd.Wait()
		logf.Close()
		s.exited.Store(true)
		s.done <- err
	}()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if s.exited.Load() || time.Now().After(deadline) {
			t.Fatalf("srok serve is not ready at %s/readyz: %v\n%s", s.url, err, tail(s.log))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("srok serve ready at %s (pid %d, pool %d)", s.url, s.cmd.Process.Pid, pool)
	return s
}

// stop sends SIGTERM and waits for the server to drain and exit.
func (s *server) stop(t testing.TB) {
	if s.exited.Load() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Logf("srok serve exited: %v\n%s", err, tail(s.log))
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("srok serve did not stop within 30 s of SIGTERM")
	}
	s.done <- nil // later calls return at once
}

// memory is the server's resident memory: now (VmRSS) and peak (VmHWM).
type memory struct{ RSS, HWM int64 }

func (s *server) memory(t *testing.T) memory {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Logf("server memory: %v", err)
		return memory{}
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb << 10
		case "VmHWM:":
			m.HWM = kb << 10
		}
	}
	return m
}

// ---- the attacks ----

// run is the outcome of one attack.
type run struct {
	Name       string
	Rate       string // as asked
	Duration   time.Duration
	Requests   int
	Codes      map[int]int
	Failed     int // answered, but not 2xx; or a transport error other than a client timeout
	Timeouts   int // no answer within the client's 30 s: the server is overloaded, a timing outcome
	Errors     []string
	Throughput float64 // 2xx a second
	P50, P90   time.Duration
	P99, Max   time.Duration
	Mean       time.Duration
	// FirstBody is the body of the first 2xx response (kept when asked),
	// FirstBadBody that of the first failure.
	FirstBody    []byte
	FirstBadBody string
	CPU          cpuUse
	RSSAfter     memory
}

func logRun(t *testing.T, r *run) {
	t.Logf("%s (%s): %d requests, %.0f/s answered 2xx, p50 %s, p99 %s, max %s; %d errors, %d client timeouts; %s; srok RSS %s",
		r.Name, r.Rate, r.Requests, r.Throughput, ms(r.P50), ms(r.P99), ms(r.Max), r.Failed, r.Timeouts, r.CPU.per(r.Requests), mib(r.RSSAfter.RSS))
}

// attack runs tr at rate (vegeta.Rate{} is as fast as workers allow) for d.
// workers > 0 fixes the number of concurrent requests; 0 lets vegeta add
// workers to hold the rate.
func attack(name string, tr vegeta.Targeter, rate vegeta.Rate, workers int, d time.Duration, keepBody bool) *run {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Timeout(30 * time.Second)}
	if workers > 0 {
		opts = append(opts, vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), vegeta.Connections(workers))
	}
	a := vegeta.NewAttacker(opts...)
	r := &run{Name: name, Codes: map[int]int{}}
	if rate.Freq == 0 {
		r.Rate = fmt.Sprintf("max, %d concurrent", workers)
	} else {
		r.Rate = fmt.Sprintf("%d/s", rate.Freq)
	}
	var m vegeta.Metrics
	var lat []time.Duration
	errs := map[string]bool{}
	for res := range a.Attack(tr, rate, d, name) {
		m.Add(res)
		r.Codes[int(res.Code)]++
		ok := res.Code >= 200 && res.Code < 300 && res.Error == ""
		if ok {
			lat = append(lat, res.Latency)
			if keepBody && r.FirstBody == nil {
				r.FirstBody = res.Body
			}
		} else {
			if res.Code == 0 && strings.Contains(res.Error, "Client.Timeout exceeded") {
				r.Timeouts++
			} else {
				r.Failed++
			}
			if res.Error != "" && len(errs) < 5 {
				errs[res.Error] = true
			}
			if r.FirstBadBody == "" {
				r.FirstBadBody = fmt.Sprintf("%d %s", res.Code, truncate(string(res.Body), 400))
			}
		}
	}
	m.Close()
	for e := range errs {
		r.Errors = append(r.Errors, e)
	}
	r.Requests = int(m.Requests)
	r.Duration = m.Duration + m.Wait
	if r.Duration > 0 {
		r.Throughput = float64(len(lat)) / r.Duration.Seconds()
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		i := int(float64(len(lat))*p+0.5) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	r.P50, r.P90, r.P99 = q(0.50), q(0.90), q(0.99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
		var sum time.Duration
		for _, l := range lat {
			sum += l
		}
		r.Mean = sum / time.Duration(len(lat))
	}
	return r
}

var (
	jsonHeader = http.Header{"Content-Type": []string{"application/json"}}
	// authHeader carries the load's API token (set once accounts exist).
	authHeader = http.Header{}
)

// loadAccounts makes, with the real binary, the assignees as users and an
// officer with an API token, and returns the token.
func loadAccounts(t testing.TB, bin, dsn string) string {
	t.Helper()
	srok := func(stdin string, args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = childEnv(map[string]string{"DATABASE_URL": dsn})
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("srok %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
			}
			t.Fatalf("srok %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, a := range assignees {
		srok("", "user", "create", "--email", a+"@example.org", "--name", a, "--role", "operator", "--generate-password")
	}
	srok("a password for the load test\n", "user", "create", "--email", "load@example.org", "--name", "Load", "--role", "officer")
	return srok("", "token", "create", "--user", "load@example.org", "--name", "load", "--expires", "1d")
}

// createTargeter makes distinct, valid access requests.
type createTargeter struct {
	base string
	run  string
	n    atomic.Int64
}

var assignees = []string{"a.orlova", "b.ivanov", "v.petrov", "g.sidorova", "d.kuznetsov", "e.smirnova", "zh.popov", "z.volkova",
	"i.lebedev", "k.sokolova", "l.morozov", "m.novikova", "n.egorov", "o.pavlova", "p.kozlov", "r.stepanova", "s.nikolaev",
	"t.fedorova", "u.semenov", "f.alekseeva"}

func (c *createTargeter) target(t *vegeta.Target) error {
	n := c.n.Add(1)
	received := time.Now().Add(-time.Duration(n%3600) * time.Second).In(moscow()).Format(time.RFC3339)
	body, err := json.Marshal(map[string]any{
		"type": "access", "channel": "email", "received_at": received,
		"subject":  map[string]string{"name": fmt.Sprintf("Нагрузочный Субъект %s-%d", c.run, n), "email": fmt.Sprintf("load-%s-%d@example.org", c.run, n)},
		"summary":  "Запрос сведений об обработке персональных данных (нагрузочный тест)",
		"assignee": assignees[n%int64(len(assignees))] + "@example.org",
	})
	if err != nil {
		return err
	}
	t.Method, t.URL, t.Body, t.Header = http.MethodPost, c.base+"/api/v1/requests", body, jsonHeader
	return nil
}

func staticTarget(u string) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header = http.MethodGet, u, authHeader
		return nil
	}
}

func checkOverdueBody(t *testing.T, body []byte) {
	var page struct {
		Items []struct {
			Overdue bool `json:"overdue"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Errorf("overdue list: %v: %.200s", err, body)
		return
	}
	if len(page.Items) != 50 {
		t.Errorf("overdue list: %d items, want 50", len(page.Items))
	}
	for i, it := range page.Items {
		if !it.Overdue {
			t.Errorf("overdue list: item %d is not overdue", i)
			break
		}
	}
}

func checkDashboardBody(t *testing.T, body []byte) {
	var d struct {
		Overdue struct {
			Count int               `json:"count"`
			Items []json.RawMessage `json:"items"`
		} `json:"overdue"`
		ByAssignee []json.RawMessage `json:"by_assignee"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Errorf("dashboard: %v: %.200s", err, body)
		return
	}
	if d.Overdue.Count == 0 || len(d.Overdue.Items) == 0 || len(d.ByAssignee) == 0 {
		t.Errorf("dashboard: overdue count %d, %d items, %d assignees: want some of each", d.Overdue.Count, len(d.Overdue.Items), len(d.ByAssignee))
	}
}

// ---- the report ----

type report struct {
	Settings                              settings
	Started, Finished                     time.Time
	Commit                                string
	Postgres                              string
	DBSize                                string
	Seed                                  seedStats
	CreateWarm                            *run
	Overdue, Dashboard, OverdueByReceived *run
	Create                                *run
	CreatedInDB                           int64
	RSS                                   memory // after all the runs
	Ceilings                              []ceiling
	Statements                            []string
	Plans                                 string
}

func (r *report) markdown() string {
	var b strings.Builder
	cfg := r.Settings
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "### Load run %s, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Commit)
	fmt.Fprintf(&b, "Machine: %d cores (%s), %s, Go %s, %s/%s; host %s. Client (vegeta, in the test process), srok and PostgreSQL share the machine.\n\n",
		runtime.NumCPU(), cpuModel(), r.Postgres, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, host)
	fmt.Fprintf(&b, "Data: %s requests seeded in %s (%s open, %s of them overdue at the start; %s obligations, %s events); database %s.\n\n",
		thousands(int64(r.Seed.Rows)), r.Seed.Took.Round(100*time.Millisecond), thousands(int64(r.Seed.Open)), thousands(int64(r.Seed.Overdue)),
		thousands(int64(r.Seed.Obligations)), thousands(int64(r.Seed.Events)), r.DBSize)
	fmt.Fprintf(&b, "Server: `srok serve`, SROK_DB_MAX_CONNS=%d, SROK_LOG_LEVEL=warn. Order: the three reads on the register as seeded, then the creates.\n\n", cfg.workers)

	fmt.Fprintf(&b, "| measure | result | goal | met |\n|---|---|---|---|\n")
	c := r.Create
	fmt.Fprintf(&b, "| creates/s: POST /api/v1/requests (access), %s, %s | **%.0f** | ≥ %s | %s |\n",
		c.Rate, c.Duration.Round(100*time.Millisecond), c.Throughput, thousands(goalCreatesPerSec), met(c.Throughput >= goalCreatesPerSec))
	fmt.Fprintf(&b, "| create latency p50 / p90 / p99 / max | %s / %s / %s / %s | — | |\n", ms(c.P50), ms(c.P90), ms(c.P99), ms(c.Max))
	fmt.Fprintf(&b, "| create: errors (not 201) / client timeouts | %d / %d of %s | 0 | %s |\n", c.Failed, c.Timeouts, thousands(int64(c.Requests)), met(c.Failed+c.Timeouts == 0))
	fmt.Fprintf(&b, "| create: CPU per create; machine busy | %s | — | |\n", c.CPU.per(c.Codes[http.StatusCreated]))
	for _, x := range []struct {
		label string
		r     *run
		goal  bool
	}{{"GET /api/v1/requests?overdue=true&limit=50", r.Overdue, true}, {"GET /api/v1/dashboard", r.Dashboard, true},
		{"not a goal: GET /api/v1/requests?overdue=true&sort=-received_at&limit=50", r.OverdueByReceived, false}} {
		goal, ok := "—", ""
		if x.goal {
			goal, ok = "p99 ≤ "+ms(goalReadP99), met(x.r.P99 <= goalReadP99 && x.r.Failed+x.r.Timeouts == 0)
		}
		fmt.Fprintf(&b, "| %s, %s for %s: p50 / p90 / **p99** / max | %s / %s / **%s** / %s | %s | %s |\n",
			x.label, x.r.Rate, x.r.Duration.Round(100*time.Millisecond), ms(x.r.P50), ms(x.r.P90), ms(x.r.P99), ms(x.r.Max), goal, ok)
		fmt.Fprintf(&b, "| %s: answered 2xx a second; errors / client timeouts | %.0f/s; %d / %d of %s | — | |\n",
			x.label, x.r.Throughput, x.r.Failed, x.r.Timeouts, thousands(int64(x.r.Requests)))
		fmt.Fprintf(&b, "| %s: CPU per request; machine busy | %s | — | |\n", x.label, x.r.CPU.per(x.r.Requests))
	}
	fmt.Fprintf(&b, "| server memory: peak RSS (VmHWM) over all the runs | **%s** | ≤ %s | %s |\n", mib(r.RSS.HWM), mib(goalRSSBytes), met(r.RSS.HWM > 0 && r.RSS.HWM <= goalRSSBytes))
	fmt.Fprintf(&b, "| server memory: RSS after overdue / dashboard / overdue by received_at / creates | %s / %s / %s / %s | — | |\n",
		mib(r.Overdue.RSSAfter.RSS), mib(r.Dashboard.RSSAfter.RSS), mib(r.OverdueByReceived.RSSAfter.RSS), mib(c.RSSAfter.RSS))
	var ceil float64
	for _, x := range r.Ceilings {
		if x.Err != nil {
			fmt.Fprintf(&b, "| %s | error: %s | — | |\n", x.Name, strings.ReplaceAll(truncate(x.Err.Error(), 200), "\n", " "))
			continue
		}
		cpu := ""
		if x.CPU != "" {
			cpu = " (" + x.CPU + ")"
		}
		fmt.Fprintf(&b, "| %s, %s | %s %s%s | — | |\n", x.Name, cfg.ceiling, thousands(int64(x.Rate+0.5)), x.Unit, cpu)
		if strings.Contains(x.Name, "single-row INSERT") && x.Rate > ceil {
			ceil = x.Rate
		}
	}
	if ceil > 0 {
		fmt.Fprintf(&b, "| creates/s ÷ raw single-row INSERT ceiling (the higher of the two) | **%.1f %%** | — | |\n", 100*c.Throughput/ceil)
	}
	fmt.Fprintf(&b, "\nCorrectness: %d creates answered 201 (warm-up included) and %d are in the database, each with its obligation and 'created' event; "+
		"every read answered within the client's 30 s answered 200.\n", r.CreateWarm.Codes[201]+c.Codes[201], r.CreatedInDB)
	fmt.Fprintf(&b, "\nSeeding steps: %s.\n", strings.Join(r.Seed.Steps, "; "))
	for _, s := range r.Statements {
		if s != "" {
			b.WriteString("\n" + s)
		}
	}
	if r.Plans != "" {
		fmt.Fprintf(&b, "\nQuery plans after the reads, before the creates:\n\n```\n%s```\n", r.Plans)
	}
	return b.String()
}

func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// ---- helpers ----

func moscow() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.FixedZone("MSK", 3*3600)
	}
	return loc
}

// moduleRoot is the folder of go.mod above the test's folder.
func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// commitOf names the code measured: the git commit, "+ changes" when the
// tree differs from it.
func commitOf(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "commit unknown"
	}
	c := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " + uncommitted changes"
	}
	return c
}

type command struct{ *exec.Cmd }

func goCommand(args ...string) command {
	return command{exec.Command("go", args...)}
}

func (c command) dir(d string) command { c.Dir = d; return c }

func (c command) run() ([]byte, error) { return c.CombinedOutput() }

// childEnv is our environment without srok's and libpq's settings, plus set.
func childEnv(set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DATABASE_URL" || strings.HasPrefix(k, "SROK_") || strings.HasPrefix(k, "PG") {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 4096 {
		_, _ = f.Seek(fi.Size()-4096, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(bytes.TrimSpace(b))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
