package remind

import (
	"context"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// The timeline's event kinds of delivery (the domain's constants).
const (
	EventReminderSent   = register.EventReminderSent
	EventReminderFailed = register.EventReminderFailed
)

// DeliveryActor is who the timeline says sent a reminder.
var DeliveryActor = srok.Actor{ID: "system:reminders", Name: "Srok"}

// OutboxItem is one claimed row of the reminders outbox, with what delivery
// reads again before sending: whether the request and its obligation are
// still open, and whether the recipient is still the one its stage is for.
type OutboxItem struct {
	ID             int64
	RequestID      string
	ObligationID   string
	Stage          string
	RecipientID    string
	RecipientEmail string
	LocalDate      calendar.Date
	// TargetDate and LegalDate are the obligation's dates now (they may
	// have moved since the row was queued): the internal target and the
	// legal deadline, extension included.
	TargetDate calendar.Date
	LegalDate  calendar.Date
	Digest     bool
	Attempts   int

	Number         string
	Type           deadlines.RequestType
	TimeZone       string
	RequestStatus  register.Status
	AssigneeID     string
	ObligationOpen bool
	Basis          string
	// RecipientActive and RecipientRole describe the recipient's account
	// now (inactive and "" when it is gone).
	RecipientActive bool
	RecipientRole   srok.Role
	// Changed is set when the obligation's legal date was recomputed (a new
	// decree moved it) after the last reminder sent for it.
	Changed *DateChange
}

// DateChange is a legal date that moved.
type DateChange struct {
	Was, Now calendar.Date
}

// Delivery is the outcome written with the rows of one email.
type Delivery struct {
	At       time.Time
	Instance string
	// MessageID of the email (sent rows).
	MessageID string
	// Code is the SMTP reply code, 0 when none.
	Code  int
	Error string
	// Events go to the requests' timelines in the same transaction.
	Events []register.Event
}

// OutboxStore is the storage delivery needs (pkg/store implements it).
type OutboxStore interface {
	// ClaimReminders leases to instance, until until, up to limit pending
	// rows due at now (and, with a digest row, the rest of its recipient's
	// digest of that date), and returns them.
	ClaimReminders(ctx context.Context, instance string, now, until time.Time, limit int) ([]OutboxItem, error)
	// MarkRemindersSent marks rows sent, with their attempt and events, in
	// one transaction.
	MarkRemindersSent(ctx context.Context, ids []int64, d Delivery) error
	// RetryReminders records a temporary failure and the next attempt.
	RetryReminders(ctx context.Context, ids []int64, next time.Time, d Delivery) error
	// FailReminders records a permanent failure: no more attempts.
	FailReminders(ctx context.Context, ids []int64, d Delivery) error
	// CancelReminders drops rows that no longer apply, sending nothing.
	CancelReminders(ctx context.Context, ids []int64, reason string, at time.Time) error
	// HoldReminders extends to until the lease of instance on rows ids, all
	// of them or none: it reports false, changing nothing, when any of them
	// is no longer pending and leased to instance (its lease ran out and
	// another instance claimed it). Delivery calls it as a send starts.
	HoldReminders(ctx context.Context, ids []int64, instance string, until time.Time) (bool, error)
	// ReleaseReminders gives claimed rows back untouched (at shutdown).
	ReleaseReminders(ctx context.Context, ids []int64, instance string) error
}
