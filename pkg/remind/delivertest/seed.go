// Package delivertest seeds a test database with users, requests and
// reminders outbox rows due for delivery, as the planner would queue them.
package delivertest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// Zone is the operator's zone of the seeded requests.
var Zone = storetest.Moscow

// Calendar is the embedded production calendar.
var Calendar = storetest.Calendar

// Exec runs q with ? placeholders on st's dialect.
func Exec(tb testing.TB, st *store.Store, q string, args ...any) {
	tb.Helper()
	if _, err := st.SQL().ExecContext(context.Background(), Rebind(st, q), args...); err != nil {
		tb.Fatalf("delivertest: %s: %v", q, err)
	}
}

// Rebind turns ? placeholders into $n on PostgreSQL.
func Rebind(st *store.Store, q string) string {
	if st.Dialect() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MustUser adds an active user and returns its id.
func MustUser(tb testing.TB, st *store.Store, email string, role srok.Role) string {
	tb.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	now := time.Now().UTC().Truncate(time.Microsecond)
	Exec(tb, st, `INSERT INTO users (id, email, email_lower, name, role, active, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, email, strings.ToLower(email), "Сотрудник "+email, string(role), true, "-", now, now)
	return id
}

// MustRequest registers an access request received at received and
// assigns it to the user (id, email), when given.
func MustRequest(tb testing.TB, st *store.Store, received time.Time, assigneeID, assigneeEmail string) *register.Request {
	tb.Helper()
	reg := register.NewService(st, Calendar, Zone, func() time.Time { return received })
	ctx := srok.WithActor(context.Background(), srok.Actor{ID: "seed", Name: "Seed", Role: srok.RoleAdmin})
	r, _, err := reg.Create(ctx, register.Input{Type: "access", Channel: "email", ReceivedAt: received.Format(time.RFC3339),
		Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan.petrov@example.ru"}}, nil)
	if err != nil {
		tb.Fatalf("delivertest: create request: %v", err)
	}
	if assigneeID != "" {
		Exec(tb, st, `UPDATE requests SET assignee_id = ?, assignee = ? WHERE id = ?`, assigneeID, assigneeEmail, r.ID)
		r.AssigneeID, r.Assignee = assigneeID, assigneeEmail
	}
	return r
}

// Row is one outbox row to seed.
type Row struct {
	Request        *register.Request
	ObligationID   string // "": the request's first obligation
	Stage          string
	RecipientID    string
	RecipientEmail string
	LocalDate      calendar.Date
	Due            time.Time // send_at and next_attempt_at
	Digest         bool
	Status         string // "": pending
}

// MustReminders inserts rows in one transaction.
func MustReminders(tb testing.TB, st *store.Store, rows ...Row) {
	tb.Helper()
	ctx := context.Background()
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	q := Rebind(st, `INSERT INTO reminders (request_id, obligation_id, stage, recipient_id, recipient_email, local_date, send_at,
		target_date, legal_date, digest, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`)
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		tb.Fatal(err)
	}
	defer stmt.Close()
	for _, r := range rows {
		o := r.Request.Obligations[0]
		if r.ObligationID != "" {
			for _, x := range r.Request.Obligations {
				if x.ID == r.ObligationID {
					o = x
				}
			}
		}
		due := r.Due.UTC().Truncate(time.Microsecond)
		status := r.Status
		if status == "" {
			status = "pending"
		}
		if _, err := stmt.ExecContext(ctx, r.Request.ID, o.ID, r.Stage, r.RecipientID, r.RecipientEmail, r.LocalDate.String(), due,
			o.Target.String(), o.EffectiveDue().String(), r.Digest, status, due, due, due); err != nil {
			tb.Fatalf("delivertest: insert reminder: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// Count returns the number of rows of q (a SELECT COUNT(*) with ?).
func Count(tb testing.TB, st *store.Store, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := st.SQL().QueryRowContext(context.Background(), Rebind(st, q), args...).Scan(&n); err != nil {
		tb.Fatalf("delivertest: %s: %v", q, err)
	}
	return n
}

// Statuses returns how many outbox rows have each status.
func Statuses(tb testing.TB, st *store.Store) map[string]int {
	tb.Helper()
	rows, err := st.SQL().QueryContext(context.Background(), `SELECT status, COUNT(*) FROM reminders GROUP BY status`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			tb.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// Many seeds n individual reminders due at due for one assignee, spread
// over requests (n/perRequest of them) and local dates, and returns the
// requests.
func Many(tb testing.TB, st *store.Store, n int, due time.Time, userID, email string) []*register.Request {
	tb.Helper()
	const perRequest = 50
	var reqs []*register.Request
	var rows []Row
	base := calendar.DateOf(due.In(Zone))
	for i := range n {
		if i%perRequest == 0 {
			reqs = append(reqs, MustRequest(tb, st, due.Add(-72*time.Hour), userID, email))
		}
		rows = append(rows, Row{Request: reqs[len(reqs)-1], Stage: "soon", RecipientID: userID, RecipientEmail: email,
			LocalDate: base.AddDays(-(i % perRequest)), Due: due})
	}
	MustReminders(tb, st, rows...)
	return reqs
}

// ID is a reminder row's id as the X-Srok-Reminders header lists them.
func ID(id int64) string { return fmt.Sprint(id) }
