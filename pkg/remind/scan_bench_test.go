package remind_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// benchNow is the scan's now: Wednesday 18.03.2026, 10:00 in Moscow.
var benchNow = time.Date(2026, 3, 18, 7, 0, 0, 0, time.UTC)

// seedOpenObligations is a register of $1 open requests in progress, one
// open obligation each, all assigned to one operator (there are two
// officers): 99 % with their target and legal date spread evenly over the
// 500 days from 18.03.2026, 1 % overdue by 1 to 30 days. All registered in
// 2025, so none is new on the day scanned.
const seedOpenObligations = `
INSERT INTO users (id, email, email_lower, name, role, active, password_hash, created_at, updated_at) VALUES
    ('00000000-0000-4000-8000-000000000001', 'anna@example.org', 'anna@example.org', 'Анна', 'operator', true, '-', now(), now()),
    ('00000000-0000-4000-8000-000000000002', 'oleg@example.org', 'oleg@example.org', 'Олег', 'officer', true, '-', now(), now()),
    ('00000000-0000-4000-8000-000000000003', 'olga@example.org', 'olga@example.org', 'Ольга', 'officer', true, '-', now(), now());
CREATE TEMP TABLE seed AS
    SELECT i, gen_random_uuid() AS id,
        CASE WHEN i % 100 = 0 THEN date '2026-03-18' - 1 - (i / 100) % 30 ELSE date '2026-03-18' + i % 500 END AS due
    FROM generate_series(1, $1::int) AS i;
INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, status, next_due_at, search, version,
    created_at, created_by, updated_at, updated_by, assignee, assignee_id)
SELECT id, '2025-' || lpad(i::text, 7, '0'), 'access', 'email', 'email', timestamptz '2025-06-01 09:00+03', 'Europe/Moscow',
    'in_progress', (due + 1)::timestamp AT TIME ZONE 'Europe/Moscow', '', 2,
    timestamptz '2025-06-01 09:00+03', 'seed', timestamptz '2025-06-01 09:00+03', 'seed',
    'anna@example.org', '00000000-0000-4000-8000-000000000001'
FROM seed;
INSERT INTO obligations (request_id, obligation_id, basis, trigger_at, due_date, target_date, due_at, extended, effective_due_at, status)
SELECT id, 'access.answer', '152-FZ art. 20 part 1', timestamptz '2025-06-01 09:00+03', due, due,
    (due + 1)::timestamp AT TIME ZONE 'Europe/Moscow', false, (due + 1)::timestamp AT TIME ZONE 'Europe/Moscow', 'open'
FROM seed;
ANALYZE;`

// BenchmarkScan is one Scan of a day over a million open obligations on
// PostgreSQL (issue 10: at most 1 s). It skips unless SROK_LOAD=1:
//
//	SROK_LOAD=1 go test -run '^$' -bench BenchmarkScan -benchtime 10x -timeout 30m ./pkg/remind/
//
// SROK_LOAD_ROWS changes the number of open obligations (1000000).
// SROK_LOAD_DATABASE_URL names a PostgreSQL database to use instead of a
// throwaway one: migrated, and seeded when it has no obligation (a second
// run scans what the first seeded).
// "find" is the scan without the insert (Scanner.Due): the candidates'
// query and the planning; "queue" empties the outbox before each Scan, so
// that each inserts the day's reminders; "again" scans a day already queued
// (every insert a conflict), as every scan after the first of the day does.
func BenchmarkScan(b *testing.B) {
	if os.Getenv("SROK_LOAD") != "1" {
		b.Skip("a load benchmark: set SROK_LOAD=1 to run it")
	}
	rows := 1_000_000
	if v := os.Getenv("SROK_LOAD_ROWS"); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
			b.Fatalf("SROK_LOAD_ROWS=%q", v)
		}
		rows = n
	}
	ctx := context.Background()
	var st *store.Store
	if url := os.Getenv("SROK_LOAD_DATABASE_URL"); url != "" {
		var err error
		if st, err = store.Open(ctx, url, "", store.Options{}); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		st = storetest.MustOpen(b, store.Postgres)
	}
	var have int
	if err := st.SQL().QueryRowContext(ctx, `SELECT count(*) FROM obligations`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		start := time.Now()
		conn, err := st.SQL().Conn(ctx) // one session: the seed table is temporary
		if err != nil {
			b.Fatal(err)
		}
		for _, stmt := range strings.Split(seedOpenObligations, ";\n") {
			var args []any
			if strings.Contains(stmt, "$1") {
				args = []any{rows}
			}
			if _, err := conn.ExecContext(ctx, stmt, args...); err != nil {
				b.Fatalf("seed: %v", err)
			}
		}
		_ = conn.Close()
		b.Logf("seeded %d open obligations in %s", rows, time.Since(start).Round(time.Millisecond))
	} else {
		b.Logf("the database holds %d obligations already: scanning them", have)
	}
	cal, err := calendar.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	sc := remind.NewScanner(st, cal)
	empty := func(b *testing.B) {
		if _, err := st.SQL().ExecContext(ctx, `TRUNCATE reminder_attempts, reminders`); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("find", func(b *testing.B) {
		var found int
		for i := 0; i < b.N; i++ {
			rs, err := sc.Due(ctx, benchNow)
			if err != nil {
				b.Fatal(err)
			}
			found = len(rs)
		}
		b.ReportMetric(float64(found), "reminders/op")
	})
	b.Run("queue", func(b *testing.B) {
		var queued int
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			empty(b)
			b.StartTimer()
			n, err := sc.Scan(ctx, benchNow)
			if err != nil {
				b.Fatal(err)
			}
			queued = n
		}
		b.ReportMetric(float64(queued), "reminders/op")
	})
	b.Run("again", func(b *testing.B) {
		empty(b)
		if _, err := sc.Scan(ctx, benchNow); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			n, err := sc.Scan(ctx, benchNow)
			if err != nil || n != 0 {
				b.Fatalf("a second scan queued %d: %v", n, err)
			}
		}
	})
}
