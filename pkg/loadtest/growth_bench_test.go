package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
)

// goalGrowth: creates a second at 100,000 requests within 20 % of those on
// an empty register, on each database. Reported, never asserted.
const goalGrowth = 0.20

// BenchmarkCreateGrowth measures how the register's size slows its creates:
// the real srok binary, on SQLite and on PostgreSQL, takes access requests
// from 8 concurrent clients (vegeta, as fast as answered) for a while, on
// an empty register and on one of SROK_GROWTH_ROWS requests (100,000),
// all received in the last 30 days, 40 % of them access requests of
// distinct subjects, one in three with a phone: the window the repeat check
// (152-FZ art. 14 part 4) reads on every create. Each case has a fresh
// database. It reports creates/s per case, and the ratio of the full
// register's to the empty one's:
//
//	SROK_LOAD=1 go test -run '^$' -bench '^BenchmarkCreateGrowth$' -benchtime 1x -timeout 30m ./pkg/loadtest/
//
// SROK_GROWTH_BASELINE names another srok binary (say, main's) run on the
// same cases in the same run, each case of it right before this build's, so
// that both see the same machine. Other settings: SROK_GROWTH_CLIENTS (8),
// SROK_GROWTH_RUN (15s per case), SROK_GROWTH_DIALECTS (sqlite,postgres).
// It skips unless SROK_LOAD=1.
func BenchmarkCreateGrowth(b *testing.B) {
	if os.Getenv("SROK_LOAD") != "1" {
		b.Skip("the growth benchmark runs with SROK_LOAD=1 (it seeds 100,000 requests on SQLite and PostgreSQL)")
	}
	rows := envInt(b, "SROK_GROWTH_ROWS", 100_000)
	clients := envInt(b, "SROK_GROWTH_CLIENTS", 8)
	dur := envDuration(b, "SROK_GROWTH_RUN", 15*time.Second)
	dialects := strings.Split(envString("SROK_GROWTH_DIALECTS", "sqlite,postgres"), ",")
	ctx := context.Background()
	tmp := b.TempDir()

	bins := []struct{ name, path string }{}
	if p := os.Getenv("SROK_GROWTH_BASELINE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			b.Fatalf("SROK_GROWTH_BASELINE: %v", err)
		}
		bins = append(bins, struct{ name, path string }{"baseline", p})
	}
	bin := filepath.Join(tmp, "srok")
	if out, err := goCommand("build", "-o", bin, "./cmd/srok").dir(moduleRoot(b)).run(); err != nil {
		b.Fatalf("go build ./cmd/srok: %v\n%s", err, out)
	}
	bins = append(bins, struct{ name, path string }{"this build", bin})

	var pg *pgtest.Server
	for b.Loop() {
		for _, d := range dialects {
			if d == "postgres" && pg == nil {
				var err error
				if pg, err = pgtest.Start(ctx); err != nil {
					b.Fatalf("start PostgreSQL: %v", err)
				}
				b.Cleanup(func() { _ = pg.Close() })
			}
			rate := map[string]float64{}
			for _, n := range []int{0, rows} {
				for _, bn := range bins {
					var dsn string
					switch d {
					case "sqlite":
						dsn = "sqlite:" + filepath.Join(b.TempDir(), "srok.db")
					case "postgres":
						var err error
						if dsn, err = pg.CreateDatabase(ctx); err != nil {
							b.Fatal(err)
						}
					default:
						b.Fatalf("SROK_GROWTH_DIALECTS: %q is neither sqlite nor postgres", d)
					}
					r := growthCase(ctx, b, bn.path, dsn, n, clients, dur, tmp)
					key := fmt.Sprintf("%s/%s/%d", d, bn.name, n)
					rate[key] = r.Throughput
					b.Logf("%s, %s, %d requests: %.0f creates/s (p50 %s, p99 %s; %d requests, %d not 2xx)",
						d, bn.name, n, r.Throughput, ms(r.P50), ms(r.P99), r.Requests, r.Failed)
					if r.Failed > 0 {
						b.Errorf("%s: %d of %d creates were not 2xx: codes %v, errors %v, first %s", key, r.Failed, r.Requests, r.Codes, r.Errors, r.FirstBadBody)
					}
					unit := strings.ReplaceAll(fmt.Sprintf("%s-%s-%d-creates/s", d, bn.name, n), " ", "-")
					b.ReportMetric(r.Throughput, unit)
				}
			}
			for _, bn := range bins {
				empty, full := rate[fmt.Sprintf("%s/%s/0", d, bn.name)], rate[fmt.Sprintf("%s/%s/%d", d, bn.name, rows)]
				if empty > 0 {
					ratio := full / empty
					b.ReportMetric(ratio, strings.ReplaceAll(fmt.Sprintf("%s-%s-full/empty", d, bn.name), " ", "-"))
					b.Logf("%s, %s: %d requests give %.0f%% of an empty register's creates/s (goal ≥ %.0f%%: %s)",
						d, bn.name, rows, 100*ratio, 100*(1-goalGrowth), met(ratio >= 1-goalGrowth))
				}
			}
			if len(bins) == 2 {
				base, this := rate[fmt.Sprintf("%s/baseline/0", d)], rate[fmt.Sprintf("%s/this build/0", d)]
				if base > 0 {
					b.ReportMetric(this/base, d+"-empty-this/baseline")
					b.Logf("%s, empty register: this build %.0f creates/s, baseline %.0f (%+.0f%%)", d, this, base, 100*(this/base-1))
				}
			}
		}
	}
}

// growthCase migrates dsn with bin, makes the accounts, seeds n requests,
// serves and runs the creates.
func growthCase(ctx context.Context, b *testing.B, bin, dsn string, n, clients int, d time.Duration, dir string) *run {
	b.Helper()
	cmd := exec.Command(bin, "migrate")
	cmd.Env = childEnv(map[string]string{"DATABASE_URL": dsn})
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("srok migrate: %v\n%s", err, out)
	}
	token := loadAccounts(b, bin, dsn)
	if n > 0 {
		t0 := time.Now()
		if err := seedWindow(ctx, dsn, n, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d requests in %s", n, time.Since(t0).Round(100*time.Millisecond))
	}
	srv := startServe(b, bin, dsn, clients, dir)
	defer srv.stop(b)
	authHeader = http.Header{"Authorization": []string{"Bearer " + token}}
	jsonHeader.Set("Authorization", "Bearer "+token)
	creates := &createTargeter{base: srv.url, run: randomHex(4)}
	attack("warm-up create", creates.target, vegeta.Rate{}, clients, 2*time.Second, false)
	return attack("create", creates.target, vegeta.Rate{}, clients, d, false)
}

// seedWindow adds n answered requests received over the 30 days before
// now, 40 % of them access requests, each from its own subject (email; a
// phone for one in three), as the store writes them (pkg/store/rows.go), in
// one transaction of 1,000-row INSERTs; on PostgreSQL then ANALYZE, as
// autovacuum would soon after.
func seedWindow(ctx context.Context, dsn string, n int, now time.Time) error {
	st, err := store.Open(ctx, dsn, "", store.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer st.Close()
	pg := st.Dialect() == store.Postgres
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	noDue := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	const cols = 11
	for from := 0; from < n; from += 1000 {
		var q strings.Builder
		q.WriteString(`INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, subject_name, subject_email,
			subject_email_lower, subject_phone, subject_phone_norm, status, answer_outcome, next_due_at, search, version,
			created_at, created_by, updated_at, updated_by) VALUES `)
		var args []any
		for i := from; i < min(from+1000, n); i++ {
			if i > from {
				q.WriteString(", ")
			}
			p := make([]string, cols)
			for j := range p {
				if pg {
					p[j] = "$" + strconv.Itoa(len(args)+j+1)
				} else {
					p[j] = "?" + strconv.Itoa(len(args)+j+1)
				}
			}
			fmt.Fprintf(&q, "(%s, %s, %s, 'email', 'email', %s, 'Europe/Moscow', %s, %s, %s, %s, %s, 'answered', 'fulfilled', %s, %s, 3, %s, 'seed', %s, 'seed')",
				p[0], p[1], p[2], p[3], p[4], p[5], p[5], p[6], p[7], p[8], p[9], p[10], p[10])
			typ := "withdrawal"
			if i%5 < 2 {
				typ = "access"
			}
			received := now.Add(-time.Duration(i+1) * 30 * 24 * time.Hour / time.Duration(n+1)).UTC().Truncate(time.Microsecond)
			number, name, email := fmt.Sprintf("seed-%07d", i), fmt.Sprintf("Субъект %d", i), fmt.Sprintf("seed%d@example.ru", i)
			phone, phoneNorm := "", ""
			if i%3 == 0 {
				phone, phoneNorm = fmt.Sprintf("+7 9%09d", i), fmt.Sprintf("+79%09d", i)
			}
			args = append(args, fmt.Sprintf("%08x-0000-7000-8000-%012x", i, i), number, typ, received, name, email, phone, phoneNorm,
				noDue, strings.ToLower(number+" "+name+" "+email), received.Add(time.Minute))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if pg {
		_, err = st.SQL().ExecContext(ctx, "ANALYZE")
	}
	return err
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
