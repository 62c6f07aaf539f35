package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// Reminders keeps the reminder emails: who wants which (the settings), the
// scan of the terms that call for one, and the outbox they wait in until
// sent, with every attempt.
type Reminders struct{ *core }

var _ remind.OutboxStore = (*Reminders)(nil)

// claimWhere is what makes a reminder claimable at ?: pending, due, and
// not leased (or its lease ran out: the holder died mid-batch).
const claimWhere = `status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)`

// ClaimReminders implements remind.OutboxStore. On PostgreSQL the rows are
// locked with FOR UPDATE SKIP LOCKED, so that instances claiming at once
// take disjoint rows without waiting on each other, and leased (locked_by,
// locked_until) for the time of sending, after the claim's transaction
// ends. On SQLite the single writer serialises claims; the lease is kept
// the same way.
func (s *Reminders) ClaimReminders(ctx context.Context, instance string, now, until time.Time, limit int) ([]remind.OutboxItem, error) {
	now = utc(now)
	lock, lockR := "", ""
	if s.dialect == Postgres {
		lock, lockR = " FOR UPDATE SKIP LOCKED", " FOR UPDATE OF r SKIP LOCKED"
	}
	// A digest row brings the rest of its recipient's digest of that date,
	// so that the digest goes out as one email. (A part of it that another
	// instance holds at that moment is skipped, not waited for: it goes out
	// in a second digest, never twice.)
	q := `WITH cand AS (
	SELECT id, digest, recipient_id, local_date FROM reminders WHERE ` + claimWhere + `
	ORDER BY next_attempt_at, id LIMIT ?` + lock + `
), grp AS (
	SELECT r.id FROM reminders r WHERE r.digest = TRUE AND r.` + claimWhere + `
	AND EXISTS (SELECT 1 FROM cand c WHERE c.digest = TRUE AND c.recipient_id = r.recipient_id AND c.local_date = r.local_date)` + lockR + `
)
UPDATE reminders SET locked_by = ?, locked_until = ?, updated_at = ?
WHERE id IN (SELECT id FROM cand UNION SELECT id FROM grp)
RETURNING id`
	var ids []int64
	err := s.db.WithContext(ctx).Raw(q, now, now, limit, now, now, instance, utc(until), now).Scan(&ids).Error
	if err != nil {
		return nil, s.wrap("claim reminders", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.outboxItems(ctx, ids, instance)
}

type outboxRow struct {
	ID              int64
	RequestID       string
	ObligationID    string
	Stage           string
	RecipientID     string
	RecipientEmail  string
	LocalDate       dbDate
	Digest          bool
	Attempts        int
	Number          string
	Type            string
	TimeZone        string
	Status          string
	AssigneeID      string
	OblStatus       string
	Basis           string
	DueDate         dbDate
	TargetDate      dbDate
	Extended        bool
	ExtendedDueDate *dbDate
	UserActive      bool
	UserRole        string
	UserEmail       string
}

// outboxItems reads the claimed rows with what delivery checks again: the
// request's and obligation's state now, the recipient's account, and a
// recomputed legal date.
func (s *Reminders) outboxItems(ctx context.Context, ids []int64, instance string) ([]remind.OutboxItem, error) {
	var rows []outboxRow
	err := s.db.WithContext(ctx).Raw(`SELECT m.id, m.request_id, m.obligation_id, m.stage, m.recipient_id, m.recipient_email,
		m.local_date, m.digest, m.attempts, r.number, r.type, r.time_zone, r.status, COALESCE(CAST(r.assignee_id AS TEXT), '') AS assignee_id,
		o.status AS obl_status, o.basis, o.due_date, o.target_date, o.extended, o.extended_due_date,
		COALESCE(u.active, FALSE) AS user_active, COALESCE(u.role, '') AS user_role, COALESCE(u.email, '') AS user_email
		FROM reminders m
		JOIN requests r ON r.id = m.request_id
		JOIN obligations o ON o.request_id = m.request_id AND o.obligation_id = m.obligation_id
		LEFT JOIN users u ON u.id = m.recipient_id
		WHERE m.id IN ? AND m.locked_by = ?
		ORDER BY m.recipient_id, m.local_date, m.id`, ids, instance).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("claimed reminders", err)
	}
	changes, err := s.recomputed(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]remind.OutboxItem, len(rows))
	for i, r := range rows {
		// The recipient's address now: a user who changed it gets the email
		// at the new one.
		if r.UserEmail != "" {
			r.RecipientEmail = r.UserEmail
		}
		legal, target := calendar.Date(r.DueDate), calendar.Date(r.TargetDate)
		if r.Extended && r.ExtendedDueDate != nil {
			legal, target = calendar.Date(*r.ExtendedDueDate), calendar.Date(*r.ExtendedDueDate)
		}
		out[i] = remind.OutboxItem{
			ID: r.ID, RequestID: r.RequestID, ObligationID: r.ObligationID, Stage: r.Stage,
			RecipientID: r.RecipientID, RecipientEmail: r.RecipientEmail, LocalDate: calendar.Date(r.LocalDate),
			TargetDate: target, LegalDate: legal, Digest: r.Digest, Attempts: r.Attempts,
			Number: r.Number, Type: deadlines.RequestType(r.Type), TimeZone: r.TimeZone,
			RequestStatus: register.Status(r.Status), AssigneeID: r.AssigneeID,
			ObligationOpen: r.OblStatus == string(register.ObligationOpen), Basis: r.Basis,
			RecipientActive: r.UserActive, RecipientRole: srok.Role(r.UserRole),
			Changed: changes[[2]string{r.RequestID, r.ObligationID}],
		}
	}
	return out, nil
}

// recomputed finds, per obligation of rows, the legal date a recomputation
// moved after the last reminder sent for it: from the first such event's
// "before" to the last one's "after".
func (s *Reminders) recomputed(ctx context.Context, rows []outboxRow) (map[[2]string]*remind.DateChange, error) {
	reqs := make([]string, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.RequestID] {
			seen[r.RequestID] = true
			reqs = append(reqs, r.RequestID)
		}
	}
	var evs []eventRow
	if err := s.db.WithContext(ctx).Where("request_id IN ? AND kind = ?", reqs, string(register.EventRecomputed)).
		Order("id").Find(&evs).Error; err != nil {
		return nil, s.wrap("recomputed events", err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	// (MAX(sent_at) would lose the column's type on SQLite: the latest is
	// picked here.)
	var sent []struct {
		RequestID    string
		ObligationID string
		SentAt       time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT request_id, obligation_id, sent_at FROM reminders
		WHERE request_id IN ? AND status = 'sent'`, reqs).Scan(&sent).Error; err != nil {
		return nil, s.wrap("last reminders sent", err)
	}
	last := map[[2]string]time.Time{}
	for _, x := range sent {
		if k := [2]string{x.RequestID, x.ObligationID}; x.SentAt.After(last[k]) {
			last[k] = x.SentAt
		}
	}
	out := map[[2]string]*remind.DateChange{}
	for _, ev := range evs {
		e := toEvent(ev)
		for obl, after := range e.After {
			key := [2]string{e.RequestID, obl}
			if t, ok := last[key]; ok && !e.At.After(t) {
				continue
			}
			now, ok1 := dueDateOf(after)
			was, ok2 := dueDateOf(e.Before[obl])
			if !ok1 || !ok2 || was == now {
				continue
			}
			if c := out[key]; c != nil {
				c.Now = now
			} else {
				out[key] = &remind.DateChange{Was: was, Now: now}
			}
		}
	}
	return out, nil
}

// dueDateOf reads "due_date" of one obligation's entry in a recomputed
// event's before or after.
func dueDateOf(v any) (calendar.Date, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return 0, false
	}
	s, ok := m["due_date"].(string)
	if !ok {
		return 0, false
	}
	d, err := calendar.ParseDate(s)
	return d, err == nil
}

type attemptRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	ReminderID int64
	At         time.Time
	Instance   string
	Outcome    string
	SMTPCode   *int `gorm:"column:smtp_code"`
	Error      string
}

func (attemptRow) TableName() string { return "reminder_attempts" }

// finish updates rows ids with set (which must leave them unleased), and
// writes an attempt of outcome per row (none when outcome is "") and the
// events, in one transaction.
func (s *Reminders) finish(ctx context.Context, op string, ids []int64, set map[string]any, outcome string, d remind.Delivery) error {
	if len(ids) == 0 {
		return nil
	}
	set["locked_by"], set["locked_until"], set["updated_at"] = nil, nil, utc(d.At)
	return s.wrap(op, s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table("reminders").Where("id IN ? AND status = 'pending'", ids).Updates(set).Error; err != nil {
			return err
		}
		if outcome != "" {
			var code *int
			if d.Code != 0 {
				code = &d.Code
			}
			rows := make([]attemptRow, len(ids))
			for i, id := range ids {
				rows[i] = attemptRow{ReminderID: id, At: utc(d.At), Instance: d.Instance, Outcome: outcome, SMTPCode: code, Error: truncate(d.Error, 1000)}
			}
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		return insertEvents(tx, d.Events)
	}))
}

// MarkRemindersSent implements remind.OutboxStore.
func (s *Reminders) MarkRemindersSent(ctx context.Context, ids []int64, d remind.Delivery) error {
	return s.finish(ctx, "mark reminders sent", ids, map[string]any{"status": "sent", "sent_at": utc(d.At),
		"message_id": d.MessageID, "attempts": gorm.Expr("attempts + 1"), "last_error": nil}, "sent", d)
}

// RetryReminders implements remind.OutboxStore.
func (s *Reminders) RetryReminders(ctx context.Context, ids []int64, next time.Time, d remind.Delivery) error {
	return s.finish(ctx, "retry reminders", ids, map[string]any{"next_attempt_at": utc(next),
		"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(d.Error, 1000)}, "temporary", d)
}

// FailReminders implements remind.OutboxStore.
func (s *Reminders) FailReminders(ctx context.Context, ids []int64, d remind.Delivery) error {
	return s.finish(ctx, "fail reminders", ids, map[string]any{"status": "failed",
		"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(d.Error, 1000)}, "permanent", d)
}

// CancelReminders implements remind.OutboxStore.
func (s *Reminders) CancelReminders(ctx context.Context, ids []int64, reason string, at time.Time) error {
	return s.finish(ctx, "cancel reminders", ids, map[string]any{"status": "cancelled", "last_error": reason}, "",
		remind.Delivery{At: at})
}

// HoldReminders implements remind.OutboxStore. The check and the extension
// are one UPDATE: on PostgreSQL a claim running at the same moment either
// sees the extended lease or has changed locked_by first, so that exactly
// one of the two instances goes on to send.
func (s *Reminders) HoldReminders(ctx context.Context, ids []int64, instance string, until time.Time) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	held := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE reminders SET locked_until = ? WHERE id IN ? AND locked_by = ? AND status = 'pending'`,
			utc(until), ids, instance)
		if res.Error != nil {
			return res.Error
		}
		if held = res.RowsAffected == int64(len(ids)); !held {
			return errNotHeld // roll back a partial hold: the email goes out whole or not at all
		}
		return nil
	})
	if errors.Is(err, errNotHeld) {
		return false, nil
	}
	return held, s.wrap("hold reminders", err)
}

var errNotHeld = errors.New("store: reminders no longer held")

// ReleaseReminders implements remind.OutboxStore.
func (s *Reminders) ReleaseReminders(ctx context.Context, ids []int64, instance string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Exec(`UPDATE reminders SET locked_by = NULL, locked_until = NULL
		WHERE id IN ? AND locked_by = ? AND status = 'pending'`, ids, instance).Error
	return s.wrap("release reminders", err)
}

// FailedReminders counts the reminders that failed for good (the SMTP
// server refused them with a 5xx), for the dashboard and the metrics.
func (s *Reminders) FailedReminders(ctx context.Context) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("reminders").Where("status = 'failed'").Count(&n).Error; err != nil {
		return 0, s.wrap("failed reminders", err)
	}
	return int(n), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		n--
	}
	return s[:n]
}
