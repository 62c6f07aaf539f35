package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ceiling is one measure of what the database takes without srok.
type ceiling struct {
	Name   string
	Rate   float64 // rows or transactions a second
	Unit   string
	Detail string
	CPU    string
	Err    error
}

// insertLoop is the raw ceiling: workers goroutines, each a loop of
// single-row INSERTs in autocommit through database/sql and pgx, for d.
func insertLoop(ctx context.Context, meter cpuMeter, dsn string, workers int, d time.Duration) ceiling {
	c := ceiling{Name: fmt.Sprintf("Go loop: single-row INSERT, autocommit, %d goroutines (database/sql + pgx)", workers), Unit: "rows/s"}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		c.Err = err
		return c
	}
	defer db.Close()
	db.SetMaxOpenConns(workers)
	db.SetMaxIdleConns(workers)
	if _, err := db.ExecContext(ctx, `CREATE TABLE load_ceiling (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		worker integer NOT NULL, n bigint NOT NULL, payload text NOT NULL, at timestamptz NOT NULL)`); err != nil {
		c.Err = err
		return c
	}
	defer db.ExecContext(context.Background(), "DROP TABLE load_ceiling")
	// Open the connections first, as the server's pool is open when it runs.
	var conns []*sql.Conn
	for range workers {
		cn, err := db.Conn(ctx)
		if err != nil {
			c.Err = err
			return c
		}
		conns = append(conns, cn)
	}
	for _, cn := range conns {
		cn.Close()
	}
	var (
		n      atomic.Int64
		errs   atomic.Int64
		wg     sync.WaitGroup
		firstE atomic.Value
	)
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	c0 := meter.sample()
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := int64(0); rctx.Err() == nil; i++ {
				_, err := db.ExecContext(rctx, `INSERT INTO load_ceiling (worker, n, payload, at) VALUES ($1, $2, $3, now())`,
					w, i, "payload of a ceiling row")
				switch {
				case err == nil:
					n.Add(1)
				case rctx.Err() != nil:
				default:
					errs.Add(1)
					firstE.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	use := c0.to(meter.sample())
	if n.Load() > 0 && use.PGKnown {
		c.CPU = fmt.Sprintf("PostgreSQL %s, Go client %s CPU a row; machine %s",
			ms(use.PG/time.Duration(n.Load())), ms(use.Client/time.Duration(n.Load())), use.machine())
	}
	c.Rate = float64(n.Load()) / el.Seconds()
	c.Detail = fmt.Sprintf("%d rows in %s", n.Load(), el.Round(time.Millisecond))
	if e := errs.Load(); e > 0 {
		c.Err = fmt.Errorf("%d errors, first: %v", e, firstE.Load())
	}
	return c
}

// findPgbench returns the pgbench binary: on PATH or with the server's
// binaries (the highest version).
func findPgbench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	m2, _ := filepath.Glob("/usr/pgsql-*/bin/pgbench")
	m = append(m, m2...)
	if len(m) == 0 {
		return "", errors.New("pgbench not found (on PATH, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin)")
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

var (
	tpsRe = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	txRe  = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
)

// pgbench runs script (with setup before and teardown after, in SQL) with
// clients clients for d and returns its TPS.
func pgbench(ctx context.Context, meter cpuMeter, dsn, dir, name, setup, script, teardown string, clients int, d time.Duration) ceiling {
	c := ceiling{Name: name, Unit: "tps"}
	bin, err := findPgbench()
	if err != nil {
		c.Err = err
		return c
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		c.Err = err
		return c
	}
	defer db.Close()
	if setup != "" {
		if _, err := db.ExecContext(ctx, setup); err != nil {
			c.Err = fmt.Errorf("setup: %w", err)
			return c
		}
	}
	if teardown != "" {
		defer db.ExecContext(context.Background(), teardown)
	}
	f := filepath.Join(dir, fmt.Sprintf("pgbench-%d.sql", time.Now().UnixNano()))
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		c.Err = err
		return c
	}
	threads := min(clients, 2)
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads),
		"-T", strconv.Itoa(int(d.Round(time.Second) / time.Second)), "-f", f, dsn}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv(nil)
	c0 := meter.sample()
	out, err := cmd.CombinedOutput()
	use := c0.to(meter.sample())
	if err != nil {
		c.Err = fmt.Errorf("%s: %v\n%s", bin, err, out)
		return c
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		c.Err = fmt.Errorf("no tps in the output of pgbench:\n%s", out)
		return c
	}
	c.Rate, _ = strconv.ParseFloat(string(m[1]), 64)
	c.Detail = fmt.Sprintf("`pgbench -n -M prepared -c %d -j %d -T %d -f script.sql`", clients, threads, int(d.Round(time.Second)/time.Second))
	if tm := txRe.FindSubmatch(out); tm != nil {
		if n, _ := strconv.Atoi(string(tm[1])); n > 0 && use.PGKnown {
			c.CPU = fmt.Sprintf("PostgreSQL %s CPU a transaction; machine %s", ms(use.PG/time.Duration(n)), use.machine())
		}
	}
	if fm := regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`).FindSubmatch(out); fm != nil && string(fm[1]) != "0" {
		c.Err = fmt.Errorf("%s failed transactions", fm[1])
	}
	return c
}

// pgbenchInsert is the single-INSERT script of the pgbench ceiling.
const (
	pgbenchInsertSetup = `CREATE TABLE load_ceiling_pgbench (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		worker integer NOT NULL, n bigint NOT NULL, payload text NOT NULL, at timestamptz NOT NULL)`
	pgbenchInsert = `\set n random(1, 1000000000)
INSERT INTO load_ceiling_pgbench (worker, n, payload, at) VALUES (:client_id, :n, 'payload of a ceiling row', now());
`
	pgbenchInsertTeardown = `DROP TABLE load_ceiling_pgbench`
)

// pgbenchCreate is what one POST /api/v1/requests of an access request sent
// to the database up to commit d3fb31a, written as SQL (pkg/store/requests.go
// and LatestAccess): the repeat check, then one transaction that takes the
// per-year counter and inserts the request, its obligation and its 'created'
// event, each a round trip while the counter's row stays locked. It writes
// real rows of the register, so it runs last.
func pgbenchCreate(year int) string {
	return fmt.Sprintf(`\set n random(1, 2000000000)
SELECT * FROM requests WHERE (subject_email_lower = 'pgb-' || :client_id || '-' || :n || '@example.org') AND (type = 'access' AND status <> 'cancelled' AND received_at >= now() - interval '30 days' AND received_at < now()) ORDER BY received_at DESC LIMIT 1;
BEGIN;
INSERT INTO registration_counters (year, last) VALUES (%[1]d, 1) ON CONFLICT (year) DO UPDATE SET last = registration_counters.last + 1 RETURNING last \gset
INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, subject_name, subject_email, subject_email_lower, subject_phone, subject_phone_norm, subject_postal_address, identity_document_number, identity_document_issuer, identity_relation, identity_verified, summary, assignee, status, next_due_at, search, version, created_at, created_by, updated_at, updated_by) VALUES (gen_random_uuid(), '%[1]d-' || lpad((:last)::text, 6, '0'), 'access', 'email', 'email', now() - interval '1 hour', 'Europe/Moscow', 'pgbench ' || :client_id || ' ' || :n, 'pgb-' || :client_id || '-' || :n || '@example.org', 'pgb-' || :client_id || '-' || :n || '@example.org', '', '', '', '', '', '', false, '', '', 'new', now() + interval '14 days', lower('%[1]d-' || lpad((:last)::text, 6, '0') || ' pgbench ' || :client_id || ' ' || :n), 1, now(), 'anonymous', now(), 'anonymous') RETURNING id \gset
INSERT INTO obligations (request_id, obligation_id, basis, trigger_at, due_date, target_date, due_at, extended_due_date, extended_due_at, extended, effective_due_at, provisional, status) VALUES (:id, 'access.answer', '152-FZ art. 20 part 1', now() - interval '1 hour', current_date + 14, current_date + 12, now() + interval '14 days', current_date + 21, now() + interval '21 days', false, now() + interval '14 days', false, 'open');
INSERT INTO events (request_id, at, actor_id, actor_name, kind, after, note) VALUES (:id, now(), 'anonymous', 'API client (accounts not enabled)', 'created', '{"type": "access", "status": "new", "channel": "email"}', '') RETURNING id;
END;
`, year)
}

// pgbenchCreateOneStatement is the same create as pgbenchCreate, written as
// one statement in autocommit: the counter's row stays locked for one
// statement and its commit, not for four round trips. Foreign keys are
// checked at the end of the statement, when the request is there.
func pgbenchCreateOneStatement(year int) string {
	return fmt.Sprintf(`\set n random(1, 2000000000)
SELECT * FROM requests WHERE (subject_email_lower = 'pgc-' || :client_id || '-' || :n || '@example.org') AND (type = 'access' AND status <> 'cancelled' AND received_at >= now() - interval '30 days' AND received_at < now()) ORDER BY received_at DESC LIMIT 1;
WITH c AS (INSERT INTO registration_counters (year, last) VALUES (%[1]d, 1) ON CONFLICT (year) DO UPDATE SET last = registration_counters.last + 1 RETURNING last), r AS (INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, subject_name, subject_email, subject_email_lower, subject_phone, subject_phone_norm, subject_postal_address, identity_document_number, identity_document_issuer, identity_relation, identity_verified, summary, assignee, status, next_due_at, search, version, created_at, created_by, updated_at, updated_by) SELECT gen_random_uuid(), '%[1]d-' || lpad(c.last::text, 6, '0'), 'access', 'email', 'email', now() - interval '1 hour', 'Europe/Moscow', 'pgbench ' || :client_id || ' ' || :n, 'pgc-' || :client_id || '-' || :n || '@example.org', 'pgc-' || :client_id || '-' || :n || '@example.org', '', '', '', '', '', '', false, '', '', 'new', now() + interval '14 days', lower('%[1]d-' || lpad(c.last::text, 6, '0') || ' pgbench ' || :client_id || ' ' || :n), 1, now(), 'anonymous', now(), 'anonymous' FROM c RETURNING id, number), o AS (INSERT INTO obligations (request_id, obligation_id, basis, trigger_at, due_date, target_date, due_at, extended_due_date, extended_due_at, extended, effective_due_at, provisional, status) SELECT r.id, 'access.answer', '152-FZ art. 20 part 1', now() - interval '1 hour', current_date + 14, current_date + 12, now() + interval '14 days', current_date + 21, now() + interval '21 days', false, now() + interval '14 days', false, 'open' FROM r), e AS (INSERT INTO events (request_id, at, actor_id, actor_name, kind, after, note) SELECT r.id, now(), 'anonymous', 'API client (accounts not enabled)', 'created', '{"type": "access", "status": "new", "channel": "email"}', '' FROM r RETURNING id) SELECT r.number, (SELECT max(id) FROM e) FROM r;
`, year)
}
