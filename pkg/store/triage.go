package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

var _ register.Inbox = (*Store)(nil)

// emailArrival is the SQL of when an email arrived, the instant its term
// runs from: the mail server's receipt (IMAP INTERNALDATE, received_at) for
// an email a mailbox fetched, else when Srok stored it, for an email a
// person sent in. It orders the inbox; the rows read both columns and
// arrival picks in Go, because SQLite gives an expression's time as text.
const emailArrival = `coalesce(e.received_at, e.stored_at)`

// arrival is emailArrival of one row read.
func arrival(received *time.Time, stored time.Time) time.Time {
	if received != nil {
		return received.UTC()
	}
	return stored.UTC()
}

// emailUnlinked is the SQL that holds when no request was registered from
// the email e: an email linked to a request is registered, whatever its
// triage column says (a request registered with email_id through the
// API or the intake form decides it).
const emailUnlinked = `NOT EXISTS (SELECT 1 FROM requests lr WHERE lr.email_id = e.id)`

// inboxPending is the SQL that holds when the email e awaits a decision
// (the inbox, a mailbox's count of waiting emails).
const inboxPending = `e.triage = 'pending' AND ` + emailUnlinked

type inboxRow struct {
	ID            string     `gorm:"column:id"`
	MessageID     string     `gorm:"column:message_id"`
	FromName      *string    `gorm:"column:from_name"`
	FromEmail     *string    `gorm:"column:from_email"`
	Subject       string     `gorm:"column:subject"`
	SuggestedType *string    `gorm:"column:suggested_type"`
	StoredAt      time.Time  `gorm:"column:stored_at"`
	ReceivedAt    *time.Time `gorm:"column:received_at"`
	Mailbox       *string    `gorm:"column:mailbox"`
	Hint          string     `gorm:"column:triage_hint"`
}

// inboxWhere is the filter of f and its arguments.
func inboxWhere(f register.InboxFilter) (string, []any) {
	where := inboxPending
	var args []any
	if f.IngestedBy != "" {
		if !validID(f.IngestedBy) {
			return where + ` AND 1 = 0`, nil
		}
		// Two probes of the receipts' key (email_id, actor_id) per pending
		// email: by the user, or by one of their tokens. One EXISTS with an
		// OR of the two was six times slower on PostgreSQL
		// (docs/BENCHMARKS.md, "The inbox's count").
		where += ` AND (EXISTS (SELECT 1 FROM email_receipts er WHERE er.email_id = e.id AND er.actor_id = ?)
			OR EXISTS (SELECT 1 FROM api_tokens tk JOIN email_receipts er ON er.email_id = e.id AND er.actor_id = 'token:' || tk.id
				WHERE tk.user_id = ?))`
		args = append(args, f.IngestedBy, f.IngestedBy)
	}
	return where, args
}

// PendingEmails implements register.Inbox.
func (s *Emails) PendingEmails(ctx context.Context, f register.InboxFilter) ([]register.InboxEmail, error) {
	where, args := inboxWhere(f)
	limit := f.Limit
	if limit <= 0 {
		limit = register.MaxInbox
	}
	var rows []inboxRow
	err := s.db.WithContext(ctx).Raw(`SELECT e.id, e.message_id, e.from_name, e.from_email, e.subject, e.suggested_type,
		e.stored_at, e.received_at, m.address AS mailbox, e.triage_hint
		FROM emails e LEFT JOIN mailboxes m ON m.id = e.mailbox_id WHERE `+where+`
		ORDER BY `+emailArrival+`, e.id LIMIT ?`, append(args, limit)...).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("pending emails", err)
	}
	out := make([]register.InboxEmail, len(rows))
	for i, r := range rows {
		out[i] = register.InboxEmail{ID: r.ID, MessageID: r.MessageID, FromName: str(r.FromName), FromEmail: str(r.FromEmail),
			Subject: r.Subject, SuggestedType: deadlines.RequestType(str(r.SuggestedType)), ReceivedAt: arrival(r.ReceivedAt, r.StoredAt),
			Mailbox: r.Mailbox, Hint: r.Hint}
	}
	return out, nil
}

// CountPendingEmails implements register.Inbox.
func (s *Emails) CountPendingEmails(ctx context.Context, f register.InboxFilter) (int, error) {
	where, args := inboxWhere(f)
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM emails e WHERE `+where, args...).Scan(&n).Error; err != nil {
		return 0, s.wrap("count pending emails", err)
	}
	return int(n), nil
}

// EmailTriage implements register.Inbox.
func (s *Emails) EmailTriage(ctx context.Context, id string) (register.Triage, time.Time, error) {
	notFound := srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	if !validID(id) {
		return register.Triage{}, time.Time{}, notFound
	}
	var rows []struct {
		Triage          string
		TriageRequestID *string
		TriageReason    *string
		TriageNote      string
		TriageBy        *string
		TriageByName    *string
		TriageAt        *time.Time
		TriageHint      string
		StoredAt        time.Time
		ReceivedAt      *time.Time
		LinkedID        *string
		LinkedBy        *string
		LinkedAt        *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT e.triage, e.triage_request_id, e.triage_reason, e.triage_note, e.triage_by,
		e.triage_by_name, e.triage_at, e.triage_hint, e.stored_at, e.received_at,
		lr.id AS linked_id, lr.created_by AS linked_by, lr.created_at AS linked_at
		FROM emails e LEFT JOIN (SELECT id, created_by, created_at FROM requests WHERE email_id = ? ORDER BY created_at, id LIMIT 1) lr ON TRUE
		WHERE e.id = ?`, id, id).Scan(&rows).Error
	if err != nil {
		return register.Triage{}, time.Time{}, s.wrap("email triage", err)
	}
	if len(rows) == 0 {
		return register.Triage{}, time.Time{}, notFound
	}
	r := rows[0]
	t := register.Triage{State: register.TriageState(r.Triage), RequestID: str(r.TriageRequestID),
		Reason: register.NotRequestReason(str(r.TriageReason)), Note: r.TriageNote, By: str(r.TriageBy),
		ByName: str(r.TriageByName), At: utcPtr(r.TriageAt), Hint: r.TriageHint}
	if t.State == register.TriagePending && r.LinkedID != nil {
		t = register.Triage{State: register.TriageRegistered, RequestID: *r.LinkedID, By: str(r.LinkedBy), At: utcPtr(r.LinkedAt)}
	}
	return t, arrival(r.ReceivedAt, r.StoredAt), nil
}

// DecideEmail implements register.Inbox: the update holds only while the
// email is pending and unlinked, so that of two decisions at once one
// wins and the other is told (ECONFLICT), never written over it.
func (s *Emails) DecideEmail(ctx context.Context, id string, t register.Triage, events []register.Event, trail []*audit.Entry) error {
	if !validID(id) {
		return srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := decideEmail(tx, id, t); err != nil {
			return err
		}
		if err := insertEvents(tx, events); err != nil {
			return err
		}
		return appendAudit(tx, trail)
	})
	if err != nil {
		return s.wrap("decide email", err)
	}
	return nil
}

// decideEmail writes t on the pending email id, ECONFLICT when it is not
// pending.
func decideEmail(tx *gorm.DB, id string, t register.Triage) error {
	res := tx.Exec(`UPDATE emails SET triage = ?, triage_request_id = ?, triage_reason = ?, triage_note = ?,
		triage_by = ?, triage_by_name = ?, triage_at = ?, triage_claimed_until = NULL WHERE id = ? AND triage = 'pending'
		AND (triage_claimed_until IS NULL OR triage_claimed_until <= ?)
		AND NOT EXISTS (SELECT 1 FROM requests lr WHERE lr.email_id = emails.id)`,
		string(t.State), nullStr(t.RequestID), nullStr(string(t.Reason)), t.Note, nullStr(t.By), nullStr(t.ByName), utcPtr(t.At), id,
		utcPtr(t.At))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return &srok.Error{Code: srok.ECONFLICT, Reason: "email_already_decided", Message: "the email is no longer awaiting a decision"}
	}
	return nil
}

// ClaimEmail implements register.Inbox.
func (s *Emails) ClaimEmail(ctx context.Context, id string, now, until time.Time) error {
	if !validID(id) {
		return srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE emails SET triage_claimed_until = ? WHERE id = ? AND triage = 'pending'
		AND (triage_claimed_until IS NULL OR triage_claimed_until <= ?)
		AND NOT EXISTS (SELECT 1 FROM requests lr WHERE lr.email_id = emails.id)`, utc(until), id, utc(now))
	if res.Error != nil {
		return s.wrap("claim email", res.Error)
	}
	if res.RowsAffected == 0 {
		return &srok.Error{Code: srok.ECONFLICT, Reason: "email_already_decided",
			Message: "the email is no longer awaiting a decision, or someone is registering a request from it right now"}
	}
	return nil
}

// ReleaseEmail implements register.Inbox.
func (s *Emails) ReleaseEmail(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	err := s.db.WithContext(ctx).Exec(`UPDATE emails SET triage_claimed_until = NULL WHERE id = ?`, id).Error
	return s.wrap("release email", err)
}

// triageAtIngest records, in the transaction that stored the email e now,
// what Srok decided itself: a reply attached to its request (with the
// timeline event), or the registration number its subject named as a
// hint for the person who decides.
func triageAtIngest(tx *gorm.DB, id string, e *intake.Email) error {
	switch {
	case e.ReplyTo != "":
		at := utc(e.StoredAt)
		t := register.Triage{State: register.TriageAttached, RequestID: e.ReplyTo, By: register.SystemActorID, ByName: "Srok", At: &at}
		if err := decideEmail(tx, id, t); err != nil {
			return err
		}
		return insertEvents(tx, []register.Event{{RequestID: e.ReplyTo, At: at, ActorID: register.SystemActorID, ActorName: "Srok",
			Kind: register.EventEmailAttached, After: map[string]any{"email_id": id}}})
	case e.Hint != "":
		return tx.Exec(`UPDATE emails SET triage_hint = ? WHERE id = ?`, e.Hint, id).Error
	}
	return nil
}

// AttachedTo implements register.Inbox.
func (s *Emails) AttachedTo(ctx context.Context, assigneeID string, since time.Time, limit int) ([]register.AttachedEmail, error) {
	if !validID(assigneeID) {
		return nil, nil
	}
	var rows []struct {
		ID, RequestID, Number, TriageBy string
		TriageAt                        time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT e.id, r.id AS request_id, r.number, e.triage_by, e.triage_at
		FROM emails e JOIN requests r ON r.id = e.triage_request_id
		WHERE e.triage = 'attached' AND e.triage_at >= ? AND r.assignee_id = ? AND e.triage_by <> ?
		ORDER BY e.triage_at DESC, e.id LIMIT ?`, utc(since), assigneeID, assigneeID, limit).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("emails attached to an assignee's requests", err)
	}
	out := make([]register.AttachedEmail, len(rows))
	for i, r := range rows {
		out[i] = register.AttachedEmail{EmailID: r.ID, RequestID: r.RequestID, Number: r.Number, At: r.TriageAt.UTC(),
			BySrok: r.TriageBy == register.SystemActorID}
	}
	return out, nil
}

// RequestIDByNumber implements register.Inbox.
func (s *Emails) RequestIDByNumber(ctx context.Context, number string) (string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Raw(`SELECT id FROM requests WHERE number = ?`, number).Scan(&ids).Error; err != nil {
		return "", s.wrap("request by number", err)
	}
	if len(ids) == 0 {
		return "", srok.Errorf(srok.ENOTFOUND, "no request with number %q", number)
	}
	return ids[0], nil
}

// RequestsBySentMessage implements register.Inbox: the Message-IDs of
// sent_messages and of the reminders' outbox. A digest reminder names
// several requests under one Message-ID: a reply to it names them all.
func (s *Emails) RequestsBySentMessage(ctx context.Context, messageIDs []string) ([]string, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	if len(messageIDs) > 100 {
		messageIDs = messageIDs[len(messageIDs)-100:] // the nearest in the thread come last
	}
	var ids []string
	err := s.db.WithContext(ctx).Raw(`SELECT request_id FROM sent_messages WHERE message_id IN ?
		UNION SELECT request_id FROM reminders WHERE message_id IN ?`, messageIDs, messageIDs).Scan(&ids).Error
	if err != nil {
		return nil, s.wrap("requests by sent message", err)
	}
	return ids, nil
}

// RecordSentMessage keeps the Message-ID (without angle brackets) of an
// email Srok sent about a request, so that a reply finds the request: for
// whatever sends mail besides the reminders' outbox (letters,
// acknowledgements). The same Message-ID again changes nothing.
func (s *Emails) RecordSentMessage(ctx context.Context, messageID, requestID, kind string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO sent_messages (message_id, request_id, kind, sent_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, messageID, requestID, kind, utc(at)).Error
	return s.wrap("record sent message", err)
}

// nullStr is s, or NULL when empty.
func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
