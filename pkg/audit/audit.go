// Package audit is the audit trail (журнал действий): who did what in Srok,
// when, from where and with what outcome, including every read of a
// request's personal data. 152-FZ art. 19 part 2 lists recording the
// actions done with personal data among the measures that protect it; this
// is that record, and the way Srok's own users are held to account.
//
// The trail is append-only: the service only adds entries, and the database
// refuses to update or delete them (triggers on PostgreSQL and SQLite; on
// PostgreSQL served as a role that does not own the table, privileges too).
// It is tamper-evident: every entry is a link of a hash chain (Hash,
// Verify), so that whoever could get past the triggers still cannot change
// or remove an entry unseen. It names the fields that changed, never their
// values, so that the trail itself holds no subject's personal data. It
// imports neither Echo nor GORM.
package audit

import (
	"context"
	"time"
)

// Action is what an entry records, as a stable dotted name: the API filters
// on it and CSV exports carry it, so a name once used never changes meaning.
type Action string

// The actions. Reads of a request's personal data (152-FZ art. 19 part 2)
// are the first three: a detail, a list page and an export each leave an
// entry naming the requests they showed.
const (
	// ActionRequestRead: one request was shown with its subject's data
	// (RequestID names it).
	ActionRequestRead Action = "request.read"
	// ActionRequestList: a list page showed requests with their subjects'
	// names (RequestIDs names them, at most MaxRequestIDs an entry).
	ActionRequestList Action = "request.list"
	// ActionRequestExport: requests were exported (CSV and the like);
	// RequestIDs names them, split over several entries when many.
	ActionRequestExport Action = "request.export"
	// ActionRequestCreate: a request was registered.
	ActionRequestCreate Action = "request.create"
	// ActionRequestEdit: a request's data was changed; Fields names what.
	ActionRequestEdit Action = "request.edit"
	// ActionRequestAssign: a request was given to someone, or to nobody.
	ActionRequestAssign Action = "request.assign"
	// ActionRequestExtend: a term was extended (152-FZ art. 20 part 2).
	ActionRequestExtend Action = "request.extend"
	// ActionRequestAnswer: an answer or a refusal was recorded.
	ActionRequestAnswer Action = "request.answer"
	// ActionRequestClose: a request was closed.
	ActionRequestClose Action = "request.close"
	// ActionRequestCancel: a request was cancelled.
	ActionRequestCancel Action = "request.cancel"
	// ActionRequestNote: a note was added to a request's timeline.
	ActionRequestNote Action = "request.note"
	// ActionAuthLogin: a user signed in.
	ActionAuthLogin Action = "auth.login"
	// ActionAuthLoginFailed: a sign-in was refused (wrong password, unknown
	// or disabled user). The actor is empty when no user matched.
	ActionAuthLoginFailed Action = "auth.login_failed"
	// ActionAuthLogout: a user signed out.
	ActionAuthLogout Action = "auth.logout"
	// ActionTokenCreate: an API token was issued (TokenID names it).
	ActionTokenCreate Action = "token.create"
	// ActionTokenRevoke: an API token was revoked (TokenID names it).
	ActionTokenRevoke Action = "token.revoke"
	// ActionUserCreate: a user account was created; Detail may name it by id.
	ActionUserCreate Action = "user.create"
	// ActionUserEdit: a user's name, email or role was changed; Fields
	// names what.
	ActionUserEdit Action = "user.edit"
	// ActionUserDisable: a user account was disabled.
	ActionUserDisable Action = "user.disable"
	// ActionUserPassword: a user's password was set or changed.
	ActionUserPassword Action = "user.password"
	// ActionAuditRead: the audit trail itself was read.
	ActionAuditRead Action = "audit.read"
	// ActionAuditExport: the audit trail was exported.
	ActionAuditExport Action = "audit.export"
	// ActionCalendarImport: production calendar years were imported (Detail
	// names the years and decrees), or a request's terms were recomputed
	// on them (RequestID, Fields).
	ActionCalendarImport Action = "calendar.import"
	// ActionReminderSettings: a user changed their own reminder settings;
	// Fields names what.
	ActionReminderSettings Action = "reminders.settings"
	// ActionCalendarFeedCreate: a user made (or replaced) their calendar
	// feed, whose secret address lets a calendar app read the terms of
	// their requests. Reading the feed is not recorded per fetch: the feed
	// holds no personal data, and its last read time is kept with it.
	ActionCalendarFeedCreate Action = "calendar_feed.create"
	// ActionCalendarFeedRevoke: a user revoked their calendar feed.
	ActionCalendarFeedRevoke Action = "calendar_feed.revoke"
	// ActionEmailIngest: an email was sent in (stored, or found stored
	// before); Detail names it by id.
	ActionEmailIngest Action = "email.ingest"
	// ActionEmailRead: what was read of an email was shown; Detail names it.
	ActionEmailRead Action = "email.read"
	// ActionEmailRaw: an email's raw bytes were shown; Detail names it.
	ActionEmailRaw Action = "email.raw"
	// ActionEmailAttachment: an email's attachment was shown; Detail names
	// the email and the attachment's index.
	ActionEmailAttachment Action = "email.attachment"
	// ActionOrganisationEdit: the operator's details or processing records
	// were changed; Fields names what.
	ActionOrganisationEdit Action = "organisation.edit"
	// ActionLetterTemplate: a letter template was uploaded, or the built-in
	// one put back; Detail names the kind and the file's hash.
	ActionLetterTemplate Action = "letter_template.upload"
	// ActionLetterRead: a request's letter was rendered and shown (it holds
	// the subject's data); RequestID names the request, Detail the kind.
	ActionLetterRead Action = "letter.read"
	// ActionJournalExport: the journal of requests was exported; Detail
	// names the period, the format and how many rows it held.
	ActionJournalExport Action = "journal.export"
	// ActionRequestEvidence: a request's evidence pack (its emails,
	// timeline and audit) was made; RequestID names the request.
	ActionRequestEvidence Action = "request.evidence"
	// ActionEmailTriage: a decision on an incoming email (registered as a
	// request, attached to one, or not a request, with the reason), by a
	// person or by Srok itself (a reply that named its request); the inbox
	// of emails awaiting a decision was shown (Outcome ok, Detail "inbox").
	ActionEmailTriage Action = "email.triage"
	// ActionLetterIssue: a letter was issued to the subject (its outgoing
	// number given, its files kept, the action it performs done), or the
	// post's details of one on paper recorded; RequestID names the
	// request, Detail the kind and the number, never the text.
	ActionLetterIssue Action = "letter.issue"
	// ActionMailboxConnect: an administrator connected a mailbox from the
	// page or the API; Detail names the mailbox (login, server, folder),
	// never its password.
	ActionMailboxConnect Action = "mailbox.connect"
	// ActionMailboxDisconnect: an administrator disconnected a mailbox (it
	// is no longer fetched; its emails stay); Detail names it.
	ActionMailboxDisconnect Action = "mailbox.disconnect"
)

// Actions lists every action, grouped by what it acts on.
func Actions() []Action {
	return []Action{
		ActionRequestRead, ActionRequestList, ActionRequestExport, ActionRequestCreate, ActionRequestEdit,
		ActionRequestAssign, ActionRequestExtend, ActionRequestAnswer, ActionRequestClose, ActionRequestCancel,
		ActionRequestNote,
		ActionAuthLogin, ActionAuthLoginFailed, ActionAuthLogout,
		ActionTokenCreate, ActionTokenRevoke,
		ActionUserCreate, ActionUserEdit, ActionUserDisable, ActionUserPassword,
		ActionAuditRead, ActionAuditExport,
		ActionCalendarImport,
		ActionReminderSettings,
		ActionCalendarFeedCreate, ActionCalendarFeedRevoke,
		ActionEmailIngest, ActionEmailRead, ActionEmailRaw, ActionEmailAttachment, ActionEmailTriage,
		ActionOrganisationEdit, ActionLetterTemplate, ActionLetterRead, ActionLetterIssue,
		ActionJournalExport, ActionRequestEvidence,
		ActionMailboxConnect, ActionMailboxDisconnect,
	}
}

// Valid reports whether a is one of the actions. Record refuses any other,
// so that a filter on an action finds everything recorded under it.
func (a Action) Valid() bool {
	for _, x := range Actions() {
		if a == x {
			return true
		}
	}
	return false
}

// Outcome is how an action ended.
type Outcome string

// The outcomes.
const (
	// OutcomeOK: the action was done.
	OutcomeOK Outcome = "ok"
	// OutcomeDenied: the actor was not allowed to do it (role, scope, a
	// wrong password).
	OutcomeDenied Outcome = "denied"
	// OutcomeFailed: it was allowed but did not happen (invalid input, a
	// conflict, the database down).
	OutcomeFailed Outcome = "failed"
)

// Outcomes lists every outcome.
func Outcomes() []Outcome { return []Outcome{OutcomeOK, OutcomeDenied, OutcomeFailed} }

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool { return o == OutcomeOK || o == OutcomeDenied || o == OutcomeFailed }

// Bounds of an entry's text. Record shortens longer text (and drops items
// beyond the counts) rather than refusing it: a log must not lose an entry
// because a browser sent a long user agent.
const (
	// MaxRequestIDs is how many requests one entry names: a list page is at
	// most 200 long. Record splits a longer export over several entries.
	MaxRequestIDs = 200
	// MaxFields is how many changed fields one entry names.
	MaxFields = 100
	// MaxUserAgent is the length of the user agent kept, in characters.
	MaxUserAgent = 300
	// MaxDetail is the length of the detail kept, in characters.
	MaxDetail = 1000
	// MaxIP is the length of the address kept (an IPv6 address with a zone
	// fits).
	MaxIP = 64
	// MaxID is the length kept of an id (user, token, request) or a field
	// name; a filter value longer than that is refused.
	MaxID = 100
	// MaxName is the length kept of the actor's id and name.
	MaxName = 200
)

// Entry is one line of the audit trail.
type Entry struct {
	// ID grows with every entry; it breaks ties between equal times.
	ID int64
	// At is when the action was recorded, in UTC: Record sets it from its
	// clock, whatever the caller put there.
	At time.Time
	// ActorID and ActorName are who acted (srok.Actor's ID and Name): a
	// user, "token:<id>" for an API token, "system"; empty for a failed
	// sign-in that named no known user.
	ActorID   string
	ActorName string
	// UserID is the user acting or whose token acts; TokenID is set when
	// an API token acts or is the object of a token action.
	UserID  string
	TokenID string
	// IP and UserAgent are where the action came from, as the HTTP layer
	// saw it (WithClient); empty on the command line.
	IP        string
	UserAgent string
	// Action is what was done.
	Action Action
	// RequestID is the register's request acted on, "" when none.
	RequestID string
	// RequestIDs are the requests whose personal data a list page or an
	// export showed, in the order shown.
	RequestIDs []string
	// Fields names the fields changed ("subject.email", "role"), never their
	// values: the trail must not become a second copy of personal data.
	Fields []string
	// Outcome is how the action ended.
	Outcome Outcome
	// Detail is free text for the reader of the trail: a reason, a count, an
	// error code. It must never hold personal data (a subject's name, email,
	// document number, a password): that is the caller's responsibility,
	// since the trail cannot tell.
	Detail string
}

// Filter selects entries. Empty fields do not filter.
type Filter struct {
	// UserID keeps the entries of one user, by their own hand or a token's.
	UserID string
	// RequestID keeps the entries that acted on a request or showed it in a
	// list or an export.
	RequestID string
	// Action keeps one action.
	Action Action
	// From and To bound the period: From ≤ At < To.
	From *time.Time
	To   *time.Time
	// Limit is the page size: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// After is the position the page starts after; List sets it from the
	// cursor.
	After *Cursor
}

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Cursor is an entry's position in the trail, newest first: its time and id.
type Cursor struct {
	At time.Time
	ID int64
}

// Page is one page of the trail and the cursor of the next one ("" at the
// end).
type Page struct {
	Items []Entry
	Next  string
}

// Store keeps the trail. The storage package implements it on PostgreSQL
// and SQLite, where triggers refuse to change or delete an entry; its errors
// are srok.Errors (EUNAVAILABLE).
type Store interface {
	// AppendAudit stores entries in one transaction and sets their IDs.
	AppendAudit(ctx context.Context, entries []*Entry) error
	// ListAudit returns up to f.Limit+1 entries matching f, newest first
	// (At, then ID, descending), after f.After.
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
}
