package store

import (
	"context"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
)

// failedRow is a failed reminder with its request's number.
type failedRow struct {
	ID             int64
	RequestID      string
	Number         string
	ObligationID   string
	Stage          string
	RecipientEmail string
	LocalDate      dbDate
	Attempts       int
	LastError      *string
	UpdatedAt      time.Time
}

// ListFailedReminders returns up to limit of the reminders that failed for
// good, the most recent failure first, for the dashboard: each is a term
// someone was not told of. The index reminders_failed serves the order.
func (s *Reminders) ListFailedReminders(ctx context.Context, limit int) ([]remind.FailedReminder, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows []failedRow
	err := s.db.WithContext(ctx).Raw(`SELECT m.id, m.request_id, r.number, m.obligation_id, m.stage, m.recipient_email,
		m.local_date, m.attempts, m.last_error, m.updated_at
		FROM reminders m JOIN requests r ON r.id = m.request_id
		WHERE m.status = 'failed'
		ORDER BY m.updated_at DESC, m.id DESC
		LIMIT ?`, limit).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("list failed reminders", err)
	}
	out := make([]remind.FailedReminder, len(rows))
	for i, r := range rows {
		out[i] = remind.FailedReminder{ID: r.ID, RequestID: r.RequestID, Number: r.Number, ObligationID: r.ObligationID,
			Stage: r.Stage, RecipientEmail: r.RecipientEmail, LocalDate: calendar.Date(r.LocalDate), Attempts: r.Attempts,
			FailedAt: r.UpdatedAt.UTC()}
		if r.LastError != nil {
			out[i].LastError = *r.LastError
		}
	}
	return out, nil
}
