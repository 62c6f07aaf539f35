package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/remind"
)

var _ remind.AckStore = (*Store)(nil)

// QueueAcknowledgements implements remind.AckStore: one row per request
// registered from an email at or after since with a subject's email, not
// cancelled; the primary key makes a second queueing do nothing.
func (s *Reminders) QueueAcknowledgements(ctx context.Context, since, now time.Time) (int, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO acknowledgements (request_id, recipient_email, next_attempt_at, created_at)
		SELECT id, subject_email, ?, ? FROM requests
		WHERE email_id IS NOT NULL AND subject_email <> '' AND status <> 'cancelled' AND created_at >= ?
		ON CONFLICT DO NOTHING`, utc(now), utc(now), utc(since))
	if res.Error != nil {
		return 0, s.wrap("queue acknowledgements", res.Error)
	}
	return int(res.RowsAffected), nil
}

// ClaimAcknowledgements implements remind.AckStore: pending rows due at
// now, not leased, leased until until. On PostgreSQL FOR UPDATE SKIP
// LOCKED keeps instances claiming at once on disjoint rows; SQLite has one
// writer.
func (s *Reminders) ClaimAcknowledgements(ctx context.Context, now, until time.Time, limit int) ([]remind.AckItem, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []struct {
		RequestID      string
		RecipientEmail string
		Attempts       int
	}
	err := s.db.WithContext(ctx).Raw(`UPDATE acknowledgements SET locked_until = ?
		WHERE request_id IN (SELECT request_id FROM acknowledgements
			WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
			ORDER BY next_attempt_at, request_id LIMIT ?`+lock+`)
		RETURNING request_id, recipient_email, attempts`, utc(until), utc(now), utc(now), limit).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("claim acknowledgements", err)
	}
	out := make([]remind.AckItem, len(rows))
	for i, r := range rows {
		out[i] = remind.AckItem{RequestID: r.RequestID, To: r.RecipientEmail, Attempts: r.Attempts}
	}
	return out, nil
}

// AckSent implements remind.AckStore: the row is sent, and its Message-ID
// kept in sent_messages, so that the subject's reply finds the request.
func (s *Reminders) AckSent(ctx context.Context, requestID, messageID string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE acknowledgements SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1,
			locked_until = NULL, last_error = NULL WHERE request_id = ?`, messageID, utc(at), requestID).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO sent_messages (message_id, request_id, kind, sent_at) VALUES (?, ?, 'acknowledgement', ?)
			ON CONFLICT DO NOTHING`, messageID, requestID, utc(at)).Error
	})
	return s.wrap("acknowledgement sent", err)
}

// AckRetry implements remind.AckStore.
func (s *Reminders) AckRetry(ctx context.Context, requestID, problem string, next time.Time) error {
	return s.wrap("acknowledgement retry", s.db.WithContext(ctx).Exec(`UPDATE acknowledgements SET attempts = attempts + 1,
		next_attempt_at = ?, locked_until = NULL, last_error = ? WHERE request_id = ?`, utc(next), problem, requestID).Error)
}

// AckFailed implements remind.AckStore.
func (s *Reminders) AckFailed(ctx context.Context, requestID, problem string) error {
	return s.wrap("acknowledgement failed", s.db.WithContext(ctx).Exec(`UPDATE acknowledgements SET status = 'failed',
		attempts = attempts + 1, locked_until = NULL, last_error = ? WHERE request_id = ?`, problem, requestID).Error)
}
