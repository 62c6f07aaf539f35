package store

import (
	"context"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
)

var _ remind.InboxNoticeStore = (*Store)(nil)

// QueueInboxNotice implements remind.InboxNoticeStore: the primary key
// (user, local date) makes a second queueing, or one after the digest
// carried the line, do nothing.
func (s *Reminders) QueueInboxNotice(ctx context.Context, userID, to string, date calendar.Date, at, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO inbox_notices (user_id, local_date, recipient_email, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, userID, dbDate(date), to, utc(at), utc(now))
	if res.Error != nil {
		return false, s.wrap("queue inbox notice", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// ClaimInboxNotices implements remind.InboxNoticeStore: pending rows due
// at now, not leased, leased until until. On PostgreSQL FOR UPDATE SKIP
// LOCKED keeps instances claiming at once on disjoint rows; SQLite has one
// writer.
func (s *Reminders) ClaimInboxNotices(ctx context.Context, now, until time.Time, limit int) ([]remind.InboxNoticeItem, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []struct {
		UserID         string
		LocalDate      dbDate
		RecipientEmail string
		Attempts       int
	}
	err := s.db.WithContext(ctx).Raw(`UPDATE inbox_notices SET locked_until = ?
		WHERE (user_id, local_date) IN (SELECT user_id, local_date FROM inbox_notices
			WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
			ORDER BY next_attempt_at, user_id LIMIT ?`+lock+`)
		RETURNING user_id, local_date, recipient_email, attempts`, utc(until), utc(now), utc(now), limit).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("claim inbox notices", err)
	}
	out := make([]remind.InboxNoticeItem, len(rows))
	for i, r := range rows {
		out[i] = remind.InboxNoticeItem{UserID: r.UserID, Date: calendar.Date(r.LocalDate), To: r.RecipientEmail, Attempts: r.Attempts}
	}
	return out, nil
}

// InboxNoticeSent implements remind.InboxNoticeStore.
func (s *Reminders) InboxNoticeSent(ctx context.Context, userID string, date calendar.Date, messageID string, at time.Time) error {
	return s.wrap("inbox notice sent", s.db.WithContext(ctx).Exec(`UPDATE inbox_notices SET status = 'sent', message_id = ?,
		sent_at = ?, attempts = attempts + 1, locked_until = NULL, last_error = NULL WHERE user_id = ? AND local_date = ?`,
		messageID, utc(at), userID, dbDate(date)).Error)
}

// InboxNoticeInDigest implements remind.InboxNoticeStore: a row is kept
// (or made) 'in_digest' unless it was sent or failed already.
func (s *Reminders) InboxNoticeInDigest(ctx context.Context, userID string, date calendar.Date, now time.Time) error {
	return s.wrap("inbox notice in digest", s.db.WithContext(ctx).Exec(`INSERT INTO inbox_notices
		(user_id, local_date, recipient_email, status, next_attempt_at, created_at)
		VALUES (?, ?, '', 'in_digest', ?, ?)
		ON CONFLICT (user_id, local_date) DO UPDATE SET status = 'in_digest', locked_until = NULL
		WHERE inbox_notices.status IN ('pending', 'skipped')`, userID, dbDate(date), utc(now), utc(now)).Error)
}

// InboxNoticeSkipped implements remind.InboxNoticeStore.
func (s *Reminders) InboxNoticeSkipped(ctx context.Context, userID string, date calendar.Date) error {
	return s.wrap("inbox notice skipped", s.db.WithContext(ctx).Exec(`UPDATE inbox_notices SET status = 'skipped',
		locked_until = NULL WHERE user_id = ? AND local_date = ? AND status = 'pending'`, userID, dbDate(date)).Error)
}

// InboxNoticeRetry implements remind.InboxNoticeStore.
func (s *Reminders) InboxNoticeRetry(ctx context.Context, userID string, date calendar.Date, problem string, next time.Time) error {
	return s.wrap("inbox notice retry", s.db.WithContext(ctx).Exec(`UPDATE inbox_notices SET attempts = attempts + 1,
		next_attempt_at = ?, locked_until = NULL, last_error = ? WHERE user_id = ? AND local_date = ?`,
		utc(next), problem, userID, dbDate(date)).Error)
}

// InboxNoticeFailed implements remind.InboxNoticeStore.
func (s *Reminders) InboxNoticeFailed(ctx context.Context, userID string, date calendar.Date, problem string) error {
	return s.wrap("inbox notice failed", s.db.WithContext(ctx).Exec(`UPDATE inbox_notices SET status = 'failed',
		attempts = attempts + 1, locked_until = NULL, last_error = ? WHERE user_id = ? AND local_date = ?`,
		problem, userID, dbDate(date)).Error)
}
