package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
)

// explain returns the plan of query with args on e's database: EXPLAIN
// QUERY PLAN on SQLite; on PostgreSQL EXPLAIN of the statement prepared
// with a generic plan (the plan a cached statement keeps, which cannot
// assume anything of its parameters) and sequential scans priced out, so
// that a plan without an index means no index applies.
func explain(t *testing.T, e env, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := e.st.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows *sql.Rows
	if e.st.Dialect() == store.SQLite {
		rows, err = conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	} else {
		for _, s := range []string{"ANALYZE requests", "SET enable_seqscan = off", "SET plan_cache_mode = force_generic_plan",
			"DEALLOCATE ALL", "PREPARE plan_q AS " + query} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		defer conn.ExecContext(ctx, "RESET ALL; DEALLOCATE ALL")
		lits := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case time.Time:
				lits[i] = "'" + v.UTC().Format(time.RFC3339Nano) + "'"
			default:
				lits[i] = "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
			}
		}
		q := "EXPLAIN EXECUTE plan_q"
		if len(lits) > 0 {
			q += "(" + strings.Join(lits, ", ") + ")"
		}
		rows, err = conn.QueryContext(ctx, q)
	}
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, *(vals[len(vals)-1].(*any)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// wantPlan fails unless plan uses every index of want and none of avoid.
func wantPlan(t *testing.T, name, plan string, want, avoid []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(plan, w) {
			t.Errorf("%s: the plan does not use %s:\n%s", name, w, plan)
		}
	}
	for _, a := range avoid {
		if strings.Contains(plan, a) {
			t.Errorf("%s: the plan uses %s:\n%s", name, a, plan)
		}
	}
}

// seedPlans registers n access requests of distinct subjects (one in three
// with a phone) received over the last 30 days, so that the window of the
// repeat check is full of other subjects' requests.
func seedPlans(t *testing.T, e env, n int) {
	t.Helper()
	at := e.clock.Now()
	for i := range n {
		in := access(fmt.Sprintf("Субъект %d", i), fmt.Sprintf("s%d@example.ru", i),
			at.Add(-time.Duration(i)*29*24*time.Hour/time.Duration(n)).Format(time.RFC3339))
		if i%3 == 0 {
			in.Subject.Phone = fmt.Sprintf("+7 900 %07d", i)
		}
		mustCreate(t, e, in)
	}
}

// TestRepeatCheckPlan: the repeat check (152-FZ art. 14 part 4), run on
// every create of an access request, finds the subject's requests through
// the email and phone indexes, never through all the access requests of
// the window.
func TestRepeatCheckPlan(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedPlans(t, e, 300)
		d := e.st.Dialect()
		now := e.clock.Now()
		from, to := now.Add(-register.RepeatWindow), now
		for _, c := range []struct {
			name                  string
			email, phone, exclude bool
			args                  []any
			want                  []string
		}{
			{"email and phone", true, true, false, []any{from, to, "s7@example.ru", "+79000000007"}, []string{"requests_email", "requests_phone"}},
			{"email", true, false, false, []any{from, to, "s7@example.ru"}, []string{"requests_email"}},
			{"phone", false, true, false, []any{from, to, "+79000000007"}, []string{"requests_phone"}},
			{"email, phone, another request", true, true, true, []any{from, to, "s7@example.ru", "+79000000007", "0190f5c2-0000-7000-8000-000000000000"}, []string{"requests_email", "requests_phone"}},
		} {
			plan := explain(t, e, store.RepeatCheckSQL(d, c.email, c.phone, c.exclude), c.args...)
			wantPlan(t, c.name, plan, c.want, []string{"requests_type_received", "Seq Scan", "SCAN requests"})
		}
	})
}

// TestDueCountsPlan: the dashboard's counts read the range of open terms in
// requests_next_due, never the whole register in another index's order.
func TestDueCountsPlan(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedPlans(t, e, 300)
		q := store.DueCountsSQL(e.st.Dialect())
		if e.st.Dialect() == store.Postgres {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
			}
		}
		now := e.clock.Now()
		plan := explain(t, e, q, now, now, now.Add(24*time.Hour), now.Add(24*time.Hour), now.Add(5*24*time.Hour))
		wantPlan(t, "due counts", plan, []string{"requests_next_due"}, []string{"requests_assignee_due", "Seq Scan", "SCAN requests"})
	})
}
