// Package mailbox fetches the requests that arrive at the operator's
// published address (privacy@…) over IMAP, by itself: a loop per mailbox
// in `srok serve` takes each new message once, in the order of its UID,
// sends it through the email intake (pkg/intake: the same size limit, a
// malformed message stored raw, the same deduplication), then flags it
// \Seen or moves it to the done folder (never deletes it). The arrival
// time kept is the server's INTERNALDATE: a request by email is received
// when it reached the operator's mail server (152-FZ art. 14 part 3, the
// request in electronic form; the term counts from then).
//
// It sits at the edge beside intake: it imports neither Echo nor GORM; the
// storage package implements Store, and the register does not import it.
package mailbox

import (
	"context"
	"errors"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
)

// State is what a mailbox is doing, as the page and the API show it.
type State string

// The states of a mailbox.
const (
	// StateNew: configured, not fetched yet.
	StateNew State = "new"
	// StateOK: the last fetch worked.
	StateOK State = "ok"
	// StateFailing: the last attempt failed (LastError says how); the
	// fetcher tries again with a growing pause.
	StateFailing State = "failing"
	// StateInactive: no longer configured (kept for its emails).
	StateInactive State = "inactive"
)

// States lists every State, for the words of the page (pkg/ru).
var States = []State{StateNew, StateOK, StateFailing, StateInactive}

// Code is a stable code of a mailbox's last error (the API's last_error).
type Code string

// The codes of a mailbox's errors.
const (
	// CodeConnect: the server cannot be reached (DNS, refused, timeout,
	// cut).
	CodeConnect Code = "connect_failed"
	// CodeTLS: no TLS, or a certificate that cannot be verified (a private
	// CA needs SROK_IMAP_CA_FILE).
	CodeTLS Code = "tls_failed"
	// CodeAuth: the server refused the user or the password.
	CodeAuth Code = "auth_failed"
	// CodeFolder: the folder (or the done folder) cannot be selected.
	CodeFolder Code = "folder_failed"
	// CodeFetch: the server failed a command while fetching.
	CodeFetch Code = "fetch_failed"
	// CodeStore: the message could not be stored (the database is down).
	CodeStore Code = "store_failed"
	// CodeTooLarge: a message over intake.MaxSize was left in the folder,
	// unread, and passed over; fetching goes on.
	CodeTooLarge Code = "message_too_large"
	// CodeKey: the stored password of a mailbox connected from the page
	// cannot be decrypted (SROK_SECRET_KEY_FILE unset, or another key).
	CodeKey Code = "key_failed"
)

// Codes lists every Code, for the words of the page (pkg/ru).
var Codes = []Code{CodeConnect, CodeTLS, CodeAuth, CodeFolder, CodeFetch, CodeStore, CodeTooLarge, CodeKey}

// Error is a mailbox's failure: a stable Code, and a Detail in English for
// the log and the page's second line. Neither holds a password or the
// content of a message.
type Error struct {
	Code   Code
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the Code of err, CodeFetch when it has none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeFetch
}

// Mailbox is a mailbox as kept and shown: never its credentials.
type Mailbox struct {
	ID string
	// Address is the mailbox's login, usually the published address.
	Address string
	// URL is the mailbox's URL without user and password.
	URL    string
	Folder string
	// Source is SourceEnv (SROK_IMAP_URL, read-only on the page) or
	// SourcePage (connected by an administrator).
	Source string
	// DoneFolder is where a connected mailbox's fetched messages go.
	DoneFolder string
	Active     bool
	State      State
	// LastError is the last error's code ("" when the last attempt
	// worked); ErrorDetail says more, ErrorAt when it happened.
	LastError   Code
	ErrorDetail string
	ErrorAt     *time.Time
	LastFetchAt *time.Time
	// Waiting counts the emails from this mailbox awaiting a decision:
	// those linked to no request.
	Waiting int
}

// Cursor is where fetching a mailbox goes on from: the folder's
// UIDVALIDITY and the last UID taken.
type Cursor struct {
	UIDValidity uint32
	LastUID     uint32
}

// Status is what a fetcher records after an attempt.
type Status struct {
	State State
	// Err is the attempt's error; nil clears the last error.
	Err *Error
	// Fetched, when set, is the time of a fetch that worked.
	Fetched *time.Time
}

// Store keeps the mailboxes (pkg/store on PostgreSQL and SQLite).
type Store interface {
	// SyncMailboxes makes the configured mailboxes rows (by Source.ID,
	// without their passwords) and marks the other rows of source "env"
	// inactive.
	SyncMailboxes(ctx context.Context, sources []Source, now time.Time) error
	// Mailboxes lists the mailboxes, active first, with their waiting
	// counts.
	Mailboxes(ctx context.Context) ([]Mailbox, error)
	// TakeMailboxLease gives holder the mailbox until until, if no other
	// holder's lease runs at now; it reports whether holder has it.
	TakeMailboxLease(ctx context.Context, id, holder string, now, until time.Time) (bool, error)
	// ReleaseMailboxLease ends holder's lease, if it has one.
	ReleaseMailboxLease(ctx context.Context, id, holder string) error
	// MailboxCursor returns where fetching the mailbox goes on from.
	MailboxCursor(ctx context.Context, id string) (Cursor, error)
	// SaveMailboxCursor records c, if holder still holds the lease.
	SaveMailboxCursor(ctx context.Context, id, holder string, c Cursor) error
	// SetMailboxStatus records the outcome of an attempt.
	SetMailboxStatus(ctx context.Context, id string, s Status, now time.Time) error
	// ConnectMailbox stores a mailbox connected from the page, and trail
	// in the same transaction; an inactive row of the same id is made
	// active again (its emails and cursor kept), an active one is a
	// conflict.
	ConnectMailbox(ctx context.Context, c Connected, trail []*audit.Entry, now time.Time) error
	// DisconnectMailbox makes a connected mailbox inactive and wipes its
	// sealed password, and writes trail in the same transaction.
	DisconnectMailbox(ctx context.Context, id string, trail []*audit.Entry, now time.Time) error
	// ConnectedMailboxes lists the active mailboxes connected from the
	// page, with their sealed passwords.
	ConnectedMailboxes(ctx context.Context) ([]Connected, error)
}

// Ingester stores a fetched message through the email intake
// (intake.Service.IngestArrived): idempotent by the message's hash and
// Message-ID, so that a message fetched twice is one email.
type Ingester interface {
	IngestArrived(ctx context.Context, raw []byte, mailboxID string, receivedAt time.Time) (*intake.Email, bool, error)
}
