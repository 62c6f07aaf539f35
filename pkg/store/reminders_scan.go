package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
)

var _ remind.Store = (*Reminders)(nil)

// effectiveTarget and effectiveLegal are an obligation's internal target and
// legal date, the extended date once extended. effectiveTarget is, word for
// word, the expression of the index obligations_open_target: SQLite uses an
// expression index only for the same expression.
const (
	effectiveTarget = "(CASE WHEN extended AND extended_due_date IS NOT NULL THEN extended_due_date ELSE target_date END)"
	effectiveLegal  = "(CASE WHEN o.extended AND o.extended_due_date IS NOT NULL THEN o.extended_due_date ELSE o.due_date END)"
)

// ReminderOffsets implements remind.Store.
func (s *Reminders) ReminderOffsets(ctx context.Context) ([]int, error) {
	def := remind.DefaultSettings()
	out := []int{def.SoonDays, def.TomorrowDays}
	rows, err := s.reads.QueryContext(ctx, `SELECT soon_days FROM reminder_settings UNION SELECT tomorrow_days FROM reminder_settings`)
	if err != nil {
		return nil, s.wrap("reminder offsets", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			return nil, s.wrap("reminder offsets", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("reminder offsets", err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// settingsColumns are a user's settings, NULL for a user who set none.
type settingsColumns struct {
	digest               sql.NullBool
	soon, tomorrow, hour sql.NullInt64
}

func (c *settingsColumns) dest() []any { return []any{&c.digest, &c.soon, &c.tomorrow, &c.hour} }

func (c *settingsColumns) settings() remind.Settings {
	if !c.soon.Valid {
		return remind.DefaultSettings()
	}
	return remind.Settings{Digest: c.digest.Bool, SoonDays: int(c.soon.Int64), TomorrowDays: int(c.tomorrow.Int64), SendHour: int(c.hour.Int64)}
}

// ReminderOfficers implements remind.Store: the active officers, or, while
// there is none (an installation with its first administrator only), the
// active administrators.
func (s *Reminders) ReminderOfficers(ctx context.Context) ([]remind.Recipient, error) {
	rows, err := s.reads.QueryContext(ctx, `SELECT u.id, u.email, u.role, rs.digest, rs.soon_days, rs.tomorrow_days, rs.send_hour
		FROM users u LEFT JOIN reminder_settings rs ON rs.user_id = u.id
		WHERE u.active AND u.role = CASE WHEN EXISTS (SELECT 1 FROM users o WHERE o.role = 'officer' AND o.active)
			THEN 'officer' ELSE 'admin' END
		ORDER BY u.email_lower`)
	if err != nil {
		return nil, s.wrap("reminder officers", err)
	}
	defer rows.Close()
	var out []remind.Recipient
	for rows.Next() {
		var r remind.Recipient
		var c settingsColumns
		if err := rows.Scan(append([]any{&r.UserID, &r.Email, &r.Role}, c.dest()...)...); err != nil {
			return nil, s.wrap("reminder officers", err)
		}
		r.Settings = c.settings()
		out = append(out, r)
	}
	return out, s.wrap("reminder officers", rows.Err())
}

// ReminderCandidates implements remind.Store: three index lookups (the
// targets through obligations_open_target, the overdue through
// obligations_open_due, the newly registered through requests_created),
// then the selected obligations with their request and assignee.
func (s *Reminders) ReminderCandidates(ctx context.Context, q remind.CandidateQuery) ([]remind.Obligation, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return s.placeholder(len(args))
	}
	var ranges []string
	for _, r := range q.Targets {
		ranges = append(ranges, fmt.Sprintf("(%s >= %s AND %s < %s)", effectiveTarget, arg(dbDate(r.From)), effectiveTarget, arg(dbDate(r.To))))
	}
	if len(ranges) == 0 {
		ranges = []string{"false"}
	}
	// Each arm returns the obligation's columns itself: joining the
	// selected keys back to obligations made PostgreSQL hash the whole
	// table.
	const cols = "request_id, obligation_id, extended, extended_due_date, target_date, due_date"
	query := `WITH c AS (
		SELECT ` + cols + ` FROM obligations WHERE status = 'open' AND (` + strings.Join(ranges, " OR ") + `)
		UNION
		SELECT ` + cols + ` FROM obligations WHERE status = 'open' AND effective_due_at <= ` + arg(utc(q.DueBy)) + `
		UNION
		SELECT o.request_id, o.obligation_id, o.extended, o.extended_due_date, o.target_date, o.due_date
		FROM requests r JOIN obligations o ON o.request_id = r.id
		WHERE r.created_at >= ` + arg(utc(q.RegisteredFrom)) + ` AND r.created_at < ` + arg(utc(q.RegisteredTo)) + ` AND o.status = 'open'
	)
	SELECT r.id, r.number, r.time_zone, r.created_at, o.obligation_id,
		(CASE WHEN o.extended AND o.extended_due_date IS NOT NULL THEN o.extended_due_date ELSE o.target_date END),
		` + effectiveLegal + `,
		u.id, u.email, rs.digest, rs.soon_days, rs.tomorrow_days, rs.send_hour
	FROM c o
	` + requestJoin[s.dialect] + `
	LEFT JOIN users u ON u.id = r.assignee_id AND u.active
	LEFT JOIN reminder_settings rs ON rs.user_id = u.id`
	db := s.reads
	if s.dialect == Postgres {
		// The candidates are a few thousand rows out of a million, yet
		// their estimated cost turns on JIT compilation, which costs more
		// than the query: off for this transaction.
		tx, err := s.reads.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, s.wrap("reminder candidates", err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return nil, s.wrap("reminder candidates", err)
		}
		return s.scanCandidates(tx.QueryContext(ctx, query, args...))
	}
	return s.scanCandidates(db.QueryContext(ctx, query, args...))
}

// requestJoin joins each candidate obligation to its open request. On
// PostgreSQL a LATERAL subquery with LIMIT (which the planner does not
// flatten) makes it a primary-key lookup per candidate: as a plain join,
// PostgreSQL hashed every open request.
var requestJoin = map[Dialect]string{
	Postgres: `CROSS JOIN LATERAL (SELECT id, number, time_zone, created_at, assignee_id FROM requests
		WHERE id = o.request_id AND status IN ('new', 'in_progress') LIMIT 1) r`,
	SQLite: `JOIN requests r ON r.id = o.request_id AND r.status IN ('new', 'in_progress')`,
}

func (s *Reminders) scanCandidates(rows *sql.Rows, err error) ([]remind.Obligation, error) {
	if err != nil {
		return nil, s.wrap("reminder candidates", err)
	}
	defer rows.Close()
	zones := map[string]*time.Location{}
	var out []remind.Obligation
	for rows.Next() {
		var (
			o             remind.Obligation
			zone          string
			created       time.Time
			target, legal dbDate
			uid, email    sql.NullString
			c             settingsColumns
		)
		if err := rows.Scan(append([]any{&o.RequestID, &o.Number, &zone, &created, &o.ObligationID, &target, &legal, &uid, &email},
			c.dest()...)...); err != nil {
			return nil, s.wrap("reminder candidates", err)
		}
		loc, ok := zones[zone]
		if !ok {
			if loc, err = deadlines.LoadZone(zone); err != nil {
				loc = time.UTC // the register checked the zone when the request came in
			}
			zones[zone] = loc
		}
		o.Target, o.Legal, o.Open, o.Location = calendar.Date(target), calendar.Date(legal), true, loc
		o.Registered = calendar.DateOf(created.In(loc))
		if uid.Valid {
			o.Assignee = &remind.Recipient{UserID: uid.String, Email: email.String, Settings: c.settings()}
		}
		out = append(out, o)
	}
	return out, s.wrap("reminder candidates", rows.Err())
}

// queueBatch is how many reminders one SQLite statement inserts (14
// parameters each, under SQLite's limit of 32766).
const queueBatch = 500

// queueSplit is the number of reminders from which PostgreSQL inserts them
// in two statements at once, on two connections. A queued row costs the
// server its heap tuple, four index entries and two foreign-key checks (the
// obligation's row locked, the recipient's), one trigger call each: about
// 40–60 µs of one backend's CPU. A day of 14,666 rows over a million open
// obligations took 0.6–0.9 s in one statement, the larger part of the first
// scan of the day (docs/BENCHMARKS.md); two backends share it.
const queueSplit = 4000

// QueueReminders implements remind.Store. On PostgreSQL one statement
// inserts them from arrays, or two at once for a large day (queueSplit);
// ON CONFLICT DO NOTHING on the outbox's unique key makes a second
// scanner's insert of the same rows a no-op.
//
// The halves are the two ends of rs, which the scanner sorts in the order
// of the outbox's key: every statement of every scanner inserts its rows in
// that one order, so a statement waits only on rows before the ones it
// holds and no two of them deadlock, whatever their halves. The halves
// commit each on their own: if one fails, the rows of the other stay
// queued and the next scan queues the rest (it returns the rows inserted
// with the error).
func (s *Reminders) QueueReminders(ctx context.Context, rs []remind.Reminder, now time.Time) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	now = utc(now)
	if s.dialect == Postgres {
		split := queueSplit
		if s.queueSplit > 0 {
			split = s.queueSplit
		}
		if len(rs) < split {
			return s.queuePostgres(ctx, rs, now)
		}
		var (
			wg   sync.WaitGroup
			n    [2]int
			errs [2]error
		)
		for i, part := range [][]remind.Reminder{rs[:len(rs)/2], rs[len(rs)/2:]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n[i], errs[i] = s.queuePostgres(ctx, part, now)
			}()
		}
		wg.Wait()
		return n[0] + n[1], errors.Join(errs[0], errs[1])
	}
	return s.queueSQLite(ctx, rs, now)
}

// queuePostgres inserts rs in one statement.
func (s *Reminders) queuePostgres(ctx context.Context, rs []remind.Reminder, now time.Time) (int, error) {
	// The arrays go in PostgreSQL's binary form (uuid, date): no text
	// to parse and cast for every row.
	n := len(rs)
	var (
		req, rcpt            = make([]uuid.UUID, n), make([]uuid.UUID, n)
		obl, stage, email    = make([]string, n), make([]string, n), make([]string, n)
		local, target, legal = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		sendAt               = make([]time.Time, n)
		digest               = make([]bool, n)
	)
	for i, r := range rs {
		var err error
		if req[i], err = uuid.Parse(r.RequestID); err != nil {
			return 0, s.wrap("queue reminders", fmt.Errorf("request id %q: %w", r.RequestID, err))
		}
		if rcpt[i], err = uuid.Parse(r.RecipientID); err != nil {
			return 0, s.wrap("queue reminders", fmt.Errorf("recipient id %q: %w", r.RecipientID, err))
		}
		obl[i], stage[i], email[i] = r.ObligationID, string(r.Stage), r.Email
		local[i], target[i], legal[i] = r.LocalDate.Start(time.UTC), r.Target.Start(time.UTC), r.Legal.Start(time.UTC)
		sendAt[i], digest[i] = utc(r.SendAt), r.Digest
	}
	// database/sql, not GORM's Exec (package doc, rule 4): GORM would
	// expand each slice into a list instead of passing it as an array.
	res, err := s.sql.ExecContext(ctx, `INSERT INTO reminders (request_id, obligation_id, stage, recipient_id, recipient_email,
			local_date, send_at, target_date, legal_date, digest, next_attempt_at, created_at, updated_at)
		SELECT x.req, x.obl, x.stage, x.rcpt, x.email, x.local, x.send_at, x.target, x.legal,
			x.digest, x.send_at, $11::timestamptz, $11::timestamptz
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::date[], $7::timestamptz[],
			$8::date[], $9::date[], $10::boolean[]) AS x (req, obl, stage, rcpt, email, local, send_at, target, legal, digest)
		ON CONFLICT DO NOTHING`,
		req, obl, stage, rcpt, email, local, sendAt, target, legal, digest, now)
	if err != nil {
		return 0, s.wrap("queue reminders", err)
	}
	inserted, _ := res.RowsAffected()
	return int(inserted), nil
}

// queueSQLite inserts rs in statements of queueBatch rows.
func (s *Reminders) queueSQLite(ctx context.Context, rs []remind.Reminder, now time.Time) (int, error) {
	total := 0
	for start := 0; start < len(rs); start += queueBatch {
		batch := rs[start:min(start+queueBatch, len(rs))]
		var b strings.Builder
		b.WriteString(`INSERT INTO reminders (request_id, obligation_id, stage, recipient_id, recipient_email,
			local_date, send_at, target_date, legal_date, digest, next_attempt_at, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(batch)*13)
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.RequestID, r.ObligationID, string(r.Stage), r.RecipientID, r.Email,
				dbDate(r.LocalDate), utc(r.SendAt), dbDate(r.Target), dbDate(r.Legal), r.Digest, utc(r.SendAt), now, now)
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		res := s.db.WithContext(ctx).Exec(b.String(), args...)
		if res.Error != nil {
			return total, s.wrap("queue reminders", res.Error)
		}
		total += int(res.RowsAffected)
	}
	return total, nil
}
