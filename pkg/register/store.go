package register

import (
	"context"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/audit"
)

// Store keeps the register. The storage package implements it on
// PostgreSQL and SQLite; its errors are srok.Errors (ENOTFOUND,
// EPRECONDITION, ECONFLICT, EUNAVAILABLE).
type Store interface {
	// CreateRequest stores r with its events in one transaction and sets
	// r.Number to the next registration number of year (2026-000123).
	// With key, the key is stored in the same transaction; if the key is
	// already stored, nothing is written and the request created under it
	// is returned (ECONFLICT when the key came with another body).
	//
	// trail is the audit entry of the change (nil: none): the store writes
	// it in the same transaction, so a change and its audit entry are
	// committed together or not at all. So for UpdateRequest and
	// AppendEvents.
	CreateRequest(ctx context.Context, r *Request, year int, events []Event, key *IdempotencyKey, trail []*audit.Entry) (replayed *Request, err error)
	// Request returns the request with id (ENOTFOUND).
	Request(ctx context.Context, id string) (*Request, error)
	// UpdateRequest writes r and its obligations and appends events, if the
	// stored version is still version (EPRECONDITION otherwise).
	UpdateRequest(ctx context.Context, r *Request, version int, events []Event, trail []*audit.Entry) error
	// AppendEvents adds events to a request's timeline.
	AppendEvents(ctx context.Context, events []Event, trail []*audit.Entry) error
	// ListRequests returns up to f.Limit+1 requests matching f in f.Sort order
	// after f.After.
	ListRequests(ctx context.Context, f Filter) ([]*Request, error)
	// Timeline returns up to limit events of a request with an id above
	// afterID, oldest first.
	Timeline(ctx context.Context, requestID string, afterID int64, limit int) ([]Event, error)
	// LatestAccess returns the latest access request not cancelled, from
	// the subject with email or phone (either may be empty), received in
	// [from, to), or nil.
	LatestAccess(ctx context.Context, email, phone string, from, to time.Time, excludeID string) (*Request, error)
	// DueCounts counts requests by assignee and type whose next term ends
	// at or before now (overdue), in (now, todayEnd] and in (todayEnd, soonEnd].
	DueCounts(ctx context.Context, now, todayEnd, soonEnd time.Time) ([]DueCount, error)
}

// IdempotencyKey makes a create safe to retry: the same key with the same
// body gives the first result.
type IdempotencyKey struct {
	Key string
	// BodyHash is the SHA-256 of the request body, hex.
	BodyHash string
}

// DueCount is one group of DueCounts.
type DueCount struct {
	Assignee string
	Type     deadlines.RequestType
	Overdue  int
	DueToday int
	DueSoon  int
}

// SortKey is what a list is ordered by.
type SortKey string

// The sort keys.
const (
	SortReceivedAt SortKey = "received_at"
	SortDue        SortKey = "due"
	SortNumber     SortKey = "number"
	SortUpdatedAt  SortKey = "updated_at"
)

// Sort is a sort key and its direction.
type Sort struct {
	Key  SortKey
	Desc bool
}

// String returns the sort as written in a query: "-received_at".
func (s Sort) String() string {
	if s.Desc {
		return "-" + string(s.Key)
	}
	return string(s.Key)
}

// Cursor is the position after which a page starts: the sort value of the
// last item and its id. For time keys the value is RFC 3339 UTC with
// nanoseconds; for due a request without open obligation sorts last with
// value "".
type Cursor struct {
	Value string `json:"v"`
	ID    string `json:"id"`
}

// Filter selects requests. Nil and empty fields do not filter.
type Filter struct {
	Statuses []Status
	Types    []deadlines.RequestType
	// Assignee filters by assignee; a pointer to "" selects unassigned ones.
	Assignee *string
	// Visible narrows the list to what the actor may see; nil: all.
	Visible *Visibility
	// DueAtOrBefore and DueAfter bound the next term's end:
	// next due ≤ DueAtOrBefore, next due > DueAfter. OverdueAt is the same
	// as DueAtOrBefore with now.
	// A request without an open obligation has no due and matches neither.
	DueAtOrBefore *time.Time
	DueAfter      *time.Time
	// NotOverdueAt keeps requests that are not overdue at that instant:
	// due later, or with no open obligation.
	NotOverdueAt  *time.Time
	ReceivedFrom  *time.Time // received_at ≥
	ReceivedUntil *time.Time // received_at <
	// Q matches, case-insensitively, a part of the registration number, the
	// subject's name or email.
	Q string
	// QClearOnly narrows Q to the number and the name: for a reader who
	// sees the contacts masked, whom a match on them would tell what the
	// mask hides.
	QClearOnly bool
	Sort       Sort
	After      *Cursor
	Limit      int
}
