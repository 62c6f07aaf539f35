package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ReminderStats are the counts of the reminders outbox (migration 8) that
// monitoring reads: how many wait, went out and failed for good, and since
// when the oldest waiting one is due.
type ReminderStats struct {
	// Pending are the rows still to be sent (status pending), due or not.
	Pending int64
	// Sent are the rows the SMTP server accepted.
	Sent int64
	// Failed are the rows given up on (a permanent SMTP refusal).
	Failed int64
	// OldestPendingSendAt is the send_at of the earliest pending row; zero
	// when nothing is pending.
	OldestPendingSendAt time.Time
}

// reminderCounts is one statement on both dialects. The pending and failed
// counts walk the partial indexes reminders_pending and reminders_failed
// (WHERE status = …), which hold only the rows of work in progress or in
// trouble; the sent count reads the table, whose rows a scrape every few
// seconds can afford (a count of 100 000 rows is milliseconds).
const reminderCounts = `SELECT
    (SELECT count(*) FROM reminders WHERE status = 'pending'),
    (SELECT count(*) FROM reminders WHERE status = 'sent'),
    (SELECT count(*) FROM reminders WHERE status = 'failed')`

// oldestPending reads send_at as a column, not as min(send_at): SQLite's
// driver turns a DATETIME column into a time, but an aggregate into text.
const oldestPending = `SELECT send_at FROM reminders WHERE status = 'pending' ORDER BY send_at LIMIT 1`

// ReminderStats returns the counts of the reminders outbox. On SQLite it
// reads through the read-only pool, so that a scrape never waits behind
// the writer.
func (s *Reminders) ReminderStats(ctx context.Context) (ReminderStats, error) {
	var st ReminderStats
	if err := s.reads.QueryRowContext(ctx, reminderCounts).Scan(&st.Pending, &st.Sent, &st.Failed); err != nil {
		return st, s.wrap("count reminders", err)
	}
	var at time.Time
	switch err := s.reads.QueryRowContext(ctx, oldestPending).Scan(&at); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return st, s.wrap("read the oldest pending reminder", err)
	default:
		st.OldestPendingSendAt = at.UTC()
	}
	return st, nil
}
