package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkJournal exports the journal of a register of
// SROK_JOURNAL_ROWS requests (100,000 by default), all received in the
// period asked, through the real router, as XLSX and as CSV, on both
// databases. The goal: 100,000 rows in at most 5 s and 200 MB of resident
// memory. The response is counted, not kept, as a client saving it would;
// peak-RSS-MB is the process's high-water mark (VmHWM) after the runs,
// seeding included.
//
//	go test -run '^$' -bench '^BenchmarkJournal$' -benchtime 3x ./api/
func BenchmarkJournal(b *testing.B) {
	n := 100000
	if v := os.Getenv("SROK_JOURNAL_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			start := time.Now()
			if err := seedJournal(b.Context(), st, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d requests in %s", d, n, time.Since(start).Round(time.Millisecond))
			h := newHarnessOn(b, st)
			for _, format := range []string{"xlsx", "csv"} {
				b.Run(format, func(b *testing.B) {
					var size int64
					for b.Loop() {
						w := &countingWriter{header: http.Header{}}
						req := httptest.NewRequest("GET", "/api/v1/journal?from=2017-01-01&to=2026-12-31&format="+format, nil)
						req.Header.Set("Authorization", "Bearer "+h.token)
						h.h.ServeHTTP(w, req)
						if w.code != http.StatusOK {
							b.Fatalf("status %d", w.code)
						}
						size = w.n
					}
					b.ReportMetric(float64(n), "rows/op")
					b.ReportMetric(float64(size)/1e6, "file-MB")
					b.ReportMetric(peakRSS(b), "peak-RSS-MB")
				})
			}
		})
	}
}

// countingWriter is a response that counts its body and keeps nothing.
type countingWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	return len(p), nil
}

// peakRSS is the process's resident high-water mark, in MB.
func peakRSS(b *testing.B) float64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// seedJournal writes n answered access requests received over 2017-2026,
// each with its obligation, as the store writes them (pkg/store/rows.go),
// fifty rows per INSERT in one transaction.
func seedJournal(ctx context.Context, st *store.Store, n int) error {
	pg := st.Dialect() == store.Postgres
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ph := func(i int) string {
		if pg {
			return "$" + strconv.Itoa(i)
		}
		return "?" + strconv.Itoa(i)
	}
	noDue := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	first := time.Date(2017, 1, 10, 7, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(first)
	const batch = 50 // the SQLite driver binds numbered parameters in time quadratic in their count
	for from := 0; from < n; from += batch {
		var rq, ob strings.Builder
		rq.WriteString(`INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, subject_name, subject_email,
			subject_email_lower, summary, assignee, status, answer_outcome, answer_date, answer_number, next_due_at, search, version,
			created_at, created_by, updated_at, updated_by) VALUES `)
		ob.WriteString(`INSERT INTO obligations (request_id, obligation_id, basis, trigger_at, due_date, target_date, due_at,
			extended_due_date, extended_due_at, effective_due_at, status, done_at, done_by) VALUES `)
		var ra, oa []any
		for i := from; i < min(from+batch, n); i++ {
			if i > from {
				rq.WriteString(", ")
				ob.WriteString(", ")
			}
			k := len(ra)
			fmt.Fprintf(&rq, "(%s, %s, 'access', 'email', 'email', %s, 'Europe/Moscow', %s, %s, %s, %s, 'officer@example.ru', 'answered', 'fulfilled', %s, %s, %s, %s, 3, %s, 'seed', %s, 'seed')",
				ph(k+1), ph(k+2), ph(k+3), ph(k+4), ph(k+5), ph(k+6), ph(k+7), ph(k+8), ph(k+9), ph(k+10), ph(k+11), ph(k+12), ph(k+12))
			received := first.Add(span / time.Duration(n) * time.Duration(i)).Truncate(time.Second)
			id := fmt.Sprintf("%08x-0000-7000-8000-%012x", i, i)
			number := fmt.Sprintf("%d-%06d", received.Year(), i+1)
			name, email := fmt.Sprintf("Субъект %d", i), fmt.Sprintf("seed%d@example.ru", i)
			day := received.Truncate(24 * time.Hour)
			due, answered := day.AddDate(0, 0, 14), day.AddDate(0, 0, 7+i%10)
			ra = append(ra, id, number, received, name, email, email, "Запрос сведений об обработке персональных данных",
				answered.Format("2006-01-02"), fmt.Sprintf("исх-%d", i), noDue, strings.ToLower(number+" "+name+" "+email), received)
			k = len(oa)
			fmt.Fprintf(&ob, "(%s, 'access.answer', '152-FZ art. 14 part 3', %s, %s, %s, %s, %s, %s, %s, 'done', %s, 'seed')",
				ph(k+1), ph(k+2), ph(k+3), ph(k+4), ph(k+5), ph(k+6), ph(k+7), ph(k+5), ph(k+8))
			oa = append(oa, id, received, due.Format("2006-01-02"), due.AddDate(0, 0, -2).Format("2006-01-02"), due.AddDate(0, 0, 1),
				due.AddDate(0, 0, 7).Format("2006-01-02"), due.AddDate(0, 0, 8), answered.Add(10*time.Hour))
		}
		if _, err := tx.ExecContext(ctx, rq.String(), ra...); err != nil {
			return fmt.Errorf("seed requests: %w", err)
		}
		if _, err := tx.ExecContext(ctx, ob.String(), oa...); err != nil {
			return fmt.Errorf("seed obligations: %w", err)
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
