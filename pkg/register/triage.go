package register

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Triage (разбор входящей почты): every stored email gets a decision, so
// that no request sent by email waits unseen. The term of a request runs
// from its receipt (152-FZ art. 14 part 3, art. 20 part 1), not from the
// day someone opens the email: an email nobody decided on is a term
// running unwatched.

// TriageState is where an email stands in the triage.
type TriageState string

// The triage states.
const (
	// TriagePending: awaiting a decision.
	TriagePending TriageState = "pending"
	// TriageRegistered: a request was registered from the email.
	TriageRegistered TriageState = "registered"
	// TriageAttached: the email joined an existing request's timeline (a
	// reply, a document sent later).
	TriageAttached TriageState = "attached"
	// TriageNotRequest: not a data subject's request, with a reason.
	TriageNotRequest TriageState = "not_request"
)

// TriageStates lists every triage state.
func TriageStates() []TriageState {
	return []TriageState{TriagePending, TriageRegistered, TriageAttached, TriageNotRequest}
}

// NotRequestReason says why an email is not a request.
type NotRequestReason string

// The reasons an email is not a request.
const (
	NotRequestSpam            NotRequestReason = "spam"
	NotRequestNotPersonalData NotRequestReason = "not_personal_data"
	NotRequestDuplicate       NotRequestReason = "duplicate"
	NotRequestOther           NotRequestReason = "other"
)

// NotRequestReasons lists every reason.
func NotRequestReasons() []NotRequestReason {
	return []NotRequestReason{NotRequestSpam, NotRequestNotPersonalData, NotRequestDuplicate, NotRequestOther}
}

// DecisionKind is what a person decides about an email.
type DecisionKind string

// The decisions.
const (
	DecideRegister   DecisionKind = "register"
	DecideAttach     DecisionKind = "attach"
	DecideNotRequest DecisionKind = "not_request"
)

// EventEmailAttached is the timeline event of an email attached to a
// request: a reply of the subject, a document sent later.
const EventEmailAttached EventKind = "email_attached"

// SystemActorID is the actor of what Srok decides itself (a reply that
// named its request).
const SystemActorID = "system"

// Triage is the decision made on an email.
type Triage struct {
	State TriageState
	// RequestID is the request registered from the email or the one it
	// was attached to.
	RequestID string
	Reason    NotRequestReason
	Note      string
	// By and ByName are who decided (SystemActorID for Srok), At when.
	By, ByName string
	At         *time.Time
	// Hint is a registration number the subject line named when the email
	// could not be attached on its own.
	Hint string
}

// InboxEmail is an email awaiting a decision, as the inbox lists it.
type InboxEmail struct {
	ID        string
	MessageID string
	FromName  string
	FromEmail string
	Subject   string
	// SuggestedType is the type the wording suggests, "" when none.
	SuggestedType deadlines.RequestType
	// ReceivedAt is when the email arrived (see the store's arrival).
	ReceivedAt time.Time
	// Mailbox names the mailbox it was fetched from; nil for an email sent
	// in by a person (pasted, uploaded, POST /api/v1/emails).
	Mailbox *string
	// Hint is a registration number its subject named («возможно, к
	// обращению № …»), "" when none.
	Hint string

	// Computed by the register: the first day of the term if it were
	// registered now as received (Civil Code art. 191), the legal date of
	// the suggested type's first obligation (nil without a suggestion), and
	// whether it waits longer than one working day.
	TermStartsOn    calendar.Date
	DueIfRegistered *calendar.Date
	Late            bool
}

// InboxFilter selects emails awaiting a decision.
type InboxFilter struct {
	// IngestedBy narrows to the emails the user with this id sent in
	// (themselves or with one of their tokens); "" for every one.
	IngestedBy string
	Limit      int
}

// Inbox is what the triage asks of the storage.
type Inbox interface {
	// PendingEmails returns up to f.Limit emails awaiting a decision,
	// oldest arrival first. An email linked to a request is never pending.
	PendingEmails(ctx context.Context, f InboxFilter) ([]InboxEmail, error)
	// CountPendingEmails counts what PendingEmails would list without a
	// limit.
	CountPendingEmails(ctx context.Context, f InboxFilter) (int, error)
	// EmailTriage returns the decision on the email with id (its state
	// pending when none) and when it arrived (ENOTFOUND).
	EmailTriage(ctx context.Context, id string) (Triage, time.Time, error)
	// DecideEmail records t on the pending email id with the events and
	// audit entries, in one transaction; ECONFLICT when the email is no
	// longer pending (decided meanwhile, or linked to a request).
	DecideEmail(ctx context.Context, id string, t Triage, events []Event, trail []*audit.Entry) error
	// ClaimEmail holds the pending email id until until for a decision
	// being made (a request being registered from it); ECONFLICT when it is
	// decided or held by another at now. A decision clears the hold.
	ClaimEmail(ctx context.Context, id string, now, until time.Time) error
	// ReleaseEmail lets go of the hold of a decision that was not made.
	ReleaseEmail(ctx context.Context, id string) error
	// RequestIDByNumber returns the id of the request with the
	// registration number (ENOTFOUND).
	RequestIDByNumber(ctx context.Context, number string) (string, error)
	// AttachedTo returns up to limit emails attached at or after since to
	// requests assigned to the user with assigneeID by someone else, the
	// latest first.
	AttachedTo(ctx context.Context, assigneeID string, since time.Time, limit int) ([]AttachedEmail, error)
	// RequestsBySentMessage returns the requests that the messages Srok
	// sent with these Message-IDs were about, without repetition.
	RequestsBySentMessage(ctx context.Context, messageIDs []string) ([]string, error)
}

// AttachedEmail is an email attached to a request: what its assignee is
// told.
type AttachedEmail struct {
	EmailID, RequestID, Number string
	At                         time.Time
	// BySrok: Srok attached it itself (a reply that named the request).
	BySrok bool
}

// NewMailWindow is how long an assignee is told of an email attached to
// their request.
const NewMailWindow = 7 * 24 * time.Hour

// NewMail is what the actor of ctx is told: the emails attached in the last
// NewMailWindow to the requests assigned to them, by Srok or a colleague
// (an in-app notice; the request's timeline keeps each as an
// email_attached event).
func (s *Service) NewMail(ctx context.Context) ([]AttachedEmail, error) {
	a, err := actorOf(ctx)
	if err != nil || a.UserID == "" || a.Scope != srok.ScopeFull {
		return nil, nil
	}
	st, err := s.inboxStore()
	if err != nil {
		return nil, nil
	}
	return st.AttachedTo(ctx, a.UserID, s.now().Add(-NewMailWindow), 20)
}

// WithInbox sets the storage of the triage. Without it, a store that
// implements Inbox is asked.
func WithInbox(i Inbox) Option { return func(s *Service) { s.inbox = i } }

func (s *Service) inboxStore() (Inbox, error) {
	if s.inbox != nil {
		return s.inbox, nil
	}
	if i, ok := s.store.(Inbox); ok {
		return i, nil
	}
	return nil, srok.Errorf(srok.EUNAVAILABLE, "the triage of emails is not available here")
}

// MayTriage reports whether a may decide on incoming emails at all: whoever
// may register requests and read personal data with a full-scope
// credential (operators, officers, administrators; not viewers, not intake
// tokens, which only send emails in).
func MayTriage(a srok.Actor) bool {
	return a.ID != "" && a.Scope == srok.ScopeFull && a.Can(srok.ActRequestCreate) && a.Can(srok.ActPersonalData)
}

// inboxFilter is what a sees in the inbox. Least privilege: officers and
// administrators triage every email, including those a mailbox fetched;
// an operator only the emails they sent in themselves (pasted, uploaded or
// posted with one of their tokens), the only ones they may read
// unregistered (SeesEmail).
func inboxFilter(a srok.Actor) InboxFilter {
	if a.Role == srok.RoleOperator {
		return InboxFilter{IngestedBy: a.UserID}
	}
	return InboxFilter{}
}

// triager returns the actor of ctx if it may triage, recording a refusal.
func (s *Service) triager(ctx context.Context) (srok.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !MayTriage(a) {
		role := string(a.Role)
		if role == "" {
			role = "none"
		}
		s.record(ctx, audit.Entry{Action: audit.ActionEmailTriage, Outcome: audit.OutcomeDenied, Detail: "role " + role + scopeNote(a)})
		return a, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + role + scopeNote(a) + ") may not triage incoming emails"}
	}
	return a, nil
}

// MaxInbox bounds one listing of the inbox.
const MaxInbox = 500

// Inbox returns the emails awaiting a decision that the actor of ctx may
// decide on, oldest first, with the first day of the term and the date an
// answer would be due if each were registered now. The listing shows
// senders and subjects (personal data): it is recorded.
func (s *Service) Inbox(ctx context.Context) ([]InboxEmail, error) {
	a, err := s.triager(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.inboxStore()
	if err != nil {
		return nil, err
	}
	f := inboxFilter(a)
	f.Limit = MaxInbox
	items, err := st.PendingEmails(ctx, f)
	if err != nil {
		return nil, err
	}
	s.annotate(items)
	if s.audit != nil && len(items) > 0 {
		if err := s.audit.Record(ctx, audit.Entry{Action: audit.ActionEmailTriage, Outcome: audit.OutcomeOK,
			Detail: "inbox: " + strconv.Itoa(len(items)) + " emails awaiting a decision"}); err != nil {
			return nil, err // shown only when recorded (152-FZ art. 19 part 2)
		}
	}
	return items, nil
}

// InboxCount is how many emails await the actor's decision, and how many
// of them wait longer than one working day. It shows no personal data.
func (s *Service) InboxCount(ctx context.Context) (pending, late int, err error) {
	a, err := actorOf(ctx)
	if err != nil || !MayTriage(a) {
		return 0, 0, err
	}
	st, err := s.inboxStore()
	if err != nil {
		return 0, 0, err
	}
	f := inboxFilter(a)
	f.Limit = MaxInbox
	items, err := st.PendingEmails(ctx, f)
	if err != nil {
		return 0, 0, err
	}
	if len(items) == MaxInbox {
		if pending, err = st.CountPendingEmails(ctx, inboxFilter(a)); err != nil {
			return 0, 0, err
		}
	} else {
		pending = len(items)
	}
	s.annotate(items)
	for _, it := range items {
		if it.Late {
			late++
		}
	}
	return pending, late, nil
}

// InboxBadge counts the emails awaiting the actor's decision, for the
// navigation: 0 for whoever may not triage. It shows no personal data.
func (s *Service) InboxBadge(ctx context.Context) (int, error) {
	a, err := actorOf(ctx)
	if err != nil || !MayTriage(a) {
		return 0, nil
	}
	st, err := s.inboxStore()
	if err != nil {
		return 0, nil
	}
	return st.CountPendingEmails(ctx, inboxFilter(a))
}

// RequestByNumber returns the request with the registration number, if
// the actor of ctx may see it (ENOTFOUND otherwise): to attach an email to
// the request a person names by its number. The read is recorded.
func (s *Service) RequestByNumber(ctx context.Context, number string) (*Request, error) {
	st, err := s.inboxStore()
	if err != nil {
		return nil, err
	}
	id, err := st.RequestIDByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// annotate computes each email's term start, due date if registered now
// and lateness on the calendar in use.
func (s *Service) annotate(items []InboxEmail) {
	cal := s.cals.Current()
	engine := deadlines.New(cal)
	now := s.now()
	for i := range items {
		it := &items[i]
		it.TermStartsOn = deadlines.TermStart(it.ReceivedAt, s.zone)
		if it.SuggestedType != "" {
			if ds, err := engine.ForRequest(it.SuggestedType, it.ReceivedAt, s.zone); err == nil && len(ds) > 0 {
				d := ds[0].Due
				it.DueIfRegistered = &d
			}
		}
		it.Late = LateTriage(cal, it.ReceivedAt, now, s.zone)
	}
}

// LateTriage reports whether an email that arrived at arrived and still
// awaits a decision at now has waited longer than one working day: past
// the end of the first working day after its arrival's local date. By then
// a tenth of a ten-working-day term (152-FZ art. 20 part 1) has gone.
func LateTriage(cal *calendar.Calendar, arrived, now time.Time, loc *time.Location) bool {
	next, err := cal.NthWorkingDayAfter(calendar.DateOf(arrived.In(loc)), 1)
	if err != nil {
		return false
	}
	return !now.Before(next.End(loc))
}

// Decision is a person's decision on an email.
type Decision struct {
	Kind DecisionKind
	// Input registers the request (DecideRegister): the fields of Create;
	// its email is the one decided on, and it is received when the email
	// arrived unless given.
	Input Input
	// RequestID is the request to attach to (DecideAttach).
	RequestID string
	// Reason and Note say why it is not a request (DecideNotRequest); a
	// note is required with NotRequestOther.
	Reason NotRequestReason
	Note   string
}

// TriageResult is what a decision did.
type TriageResult struct {
	Triage  Triage
	Request *Request
}

// claimFor is how long a registration holds its email: far longer than a
// create takes, short enough that a crash in between leaves the email
// waiting for a minute only.
const claimFor = time.Minute

// maxTriageNote bounds the free text of a decision.
const maxTriageNote = 2000

// Decide records the actor's decision on the email with id: register a
// request from it, attach it to a request the actor sees, or mark it as not
// a request. An email already decided (or registered another way) is a
// conflict: one decision per email, never overwritten. The decision and
// who made it are in the audit trail, written in the decision's
// transaction.
func (s *Service) Decide(ctx context.Context, id string, d Decision) (*TriageResult, error) {
	a, err := s.triager(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.inboxStore()
	if err != nil {
		return nil, err
	}
	notFound := srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound
	}
	ok, err := s.SeesEmail(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.record(ctx, audit.Entry{Action: audit.ActionEmailTriage, Outcome: audit.OutcomeDenied, Detail: "email " + id + ": not visible to the actor"})
		return nil, notFound
	}
	cur, arrived, err := st.EmailTriage(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.State != TriagePending {
		return nil, decided(cur)
	}
	now := s.now().UTC()
	t := Triage{By: a.ID, ByName: a.Name, At: &now}
	switch d.Kind {
	case DecideRegister:
		in := d.Input
		in.EmailID = id
		if strings.TrimSpace(in.ReceivedAt) == "" {
			// Received when the email arrived (152-FZ art. 14 part 3).
			in.ReceivedAt = arrived.Format(time.RFC3339Nano)
		}
		if strings.TrimSpace(in.Channel) == "" {
			in.Channel = string(ChannelEmail)
		}
		// Held while the request is registered: the request links the email
		// only once it is stored, and two registrations at once must not
		// make two requests.
		if err := st.ClaimEmail(ctx, id, now, now.Add(claimFor)); err != nil {
			return nil, s.conflict(ctx, st, id, err)
		}
		r, _, err := s.Create(ctx, in, nil)
		if err != nil {
			_ = st.ReleaseEmail(ctx, id) // the email waits again; the hold would run out anyway
			return nil, err
		}
		t.State, t.RequestID = TriageRegistered, r.ID
		return &TriageResult{Triage: t, Request: r}, nil
	case DecideAttach:
		r, err := s.attachTarget(ctx, a, d.RequestID)
		if err != nil {
			return nil, err
		}
		t.State, t.RequestID = TriageAttached, r.ID
		ev := s.event(r, a, now, EventEmailAttached)
		ev.After = map[string]any{"email_id": id}
		trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionEmailTriage, RequestID: r.ID,
			Detail: "email " + id + ": attached to request " + r.Number})
		if err != nil {
			return nil, err
		}
		if err := st.DecideEmail(ctx, id, t, []Event{ev}, trail); err != nil {
			return nil, s.conflict(ctx, st, id, err)
		}
		s.gen.Add(1)
		return &TriageResult{Triage: t, Request: shown(a, r)}, nil
	case DecideNotRequest:
		reason, note := d.Reason, strings.TrimSpace(d.Note)
		var f srok.Fields
		switch {
		case reason == "":
			f.Add("reason", "is required: one of spam, not_personal_data, duplicate, other")
		case !knownReason(reason):
			f.Add("reason", "%q is not one of spam, not_personal_data, duplicate, other", string(reason))
		case reason == NotRequestOther && note == "":
			f.Add("note", "is required with the reason other: say why the email is not a request")
		}
		if len([]rune(note)) > maxTriageNote {
			f.Add("note", "is longer than %d characters", maxTriageNote)
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
		t.State, t.Reason, t.Note = TriageNotRequest, reason, note
		trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionEmailTriage,
			Detail: "email " + id + ": not a request (" + string(reason) + ")"})
		if err != nil {
			return nil, err
		}
		if err := st.DecideEmail(ctx, id, t, nil, trail); err != nil {
			return nil, s.conflict(ctx, st, id, err)
		}
		return &TriageResult{Triage: t}, nil
	case "":
		return nil, srok.Invalid(srok.FieldError{Field: "decision", Problem: "is required: register, attach or not_request"})
	}
	return nil, srok.Invalid(srok.FieldError{Field: "decision", Problem: fmt.Sprintf("%q is not one of register, attach, not_request", string(d.Kind))})
}

func knownReason(r NotRequestReason) bool {
	for _, k := range NotRequestReasons() {
		if k == r {
			return true
		}
	}
	return false
}

// attachTarget is the request an email may be attached to by a: one a sees
// and may add to (the note action's rule: an open or closed request the
// actor may work on).
func (s *Service) attachTarget(ctx context.Context, a srok.Actor, id string) (*Request, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, srok.Invalid(srok.FieldError{Field: "request_id", Problem: "is required to attach an email: the id of the request"})
	}
	r, err := s.get(ctx, a, id)
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		return nil, srok.Invalid(srok.FieldError{Field: "request_id", Problem: fmt.Sprintf("no request you may see has id %q", id)})
	}
	if err != nil {
		return nil, err
	}
	if av := Check(a, r, ActionNote); !av.Allowed {
		return nil, &srok.Error{Code: srok.EFORBIDDEN, Message: "you may not add to this request (" + string(av.Reason) + ")"}
	}
	return r, nil
}

// conflict turns a lost race into the decision that won it.
func (s *Service) conflict(ctx context.Context, st Inbox, id string, err error) error {
	if srok.ErrorCode(err) != srok.ECONFLICT {
		return err
	}
	if cur, _, e := st.EmailTriage(ctx, id); e == nil && cur.State != TriagePending {
		return decided(cur)
	}
	return err
}

// decided is the conflict of a second decision on an email.
func decided(t Triage) error {
	msg := "the email was already decided: " + string(t.State)
	if t.RequestID != "" {
		msg += " (request " + t.RequestID + ")"
	}
	if t.Reason != "" {
		msg += " (" + string(t.Reason) + ")"
	}
	if t.At != nil {
		msg += " at " + t.At.UTC().Format(time.RFC3339)
	}
	return &srok.Error{Code: srok.ECONFLICT, Reason: "email_already_decided", Message: msg + "; a decision is never overwritten"}
}

// numberInText finds a registration number as people write it: «№
// 2026-000042», «2026-0042», «№2026-42»: a year of this century, a hyphen
// and up to seven digits, not inside a longer run of digits.
var numberInText = regexp.MustCompile(`(?:^|[^0-9])(20[0-9]{2})-([0-9]{1,7})(?:[^0-9-]|$)`)

// NumberIn returns the registration number a text names, normalised to the
// register's form (2026-000042, Store.CreateRequest), "" when none.
func NumberIn(s string) string {
	m := numberInText.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n == 0 {
		return ""
	}
	return fmt.Sprintf("%s-%06d", m[1], n)
}

// MatchReply finds the request an incoming email answers: one whose
// In-Reply-To or References (refs, without angle brackets) name a message
// Srok sent about exactly one request, or whose subject names a
// registration number. It returns the request's id and whether Srok may
// attach the email on its own (auto); with auto false and a number, the
// number is a suggestion for the person who decides.
//
// By number, Srok attaches only mail from the request's subject's own
// address: a number is no secret (it is printed in letters, and guessed by
// counting), so a stranger could otherwise push mail into someone's request
// and its timeline. A Message-ID of Srok's is not guessable and was sent to
// the request's own people.
func (s *Service) MatchReply(ctx context.Context, subject, from string, refs []string) (requestID, number string, auto bool, err error) {
	st, err := s.inboxStore()
	if err != nil {
		return "", "", false, nil // no triage here: nothing to match
	}
	if len(refs) > 0 {
		ids, err := st.RequestsBySentMessage(ctx, refs)
		if err != nil {
			return "", "", false, err
		}
		if len(ids) == 1 {
			return ids[0], "", true, nil
		}
	}
	number = NumberIn(subject)
	if number == "" {
		return "", "", false, nil
	}
	id, err := st.RequestIDByNumber(ctx, number)
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	r, err := s.store.Request(ctx, id)
	if err != nil {
		return "", "", false, err
	}
	from = strings.ToLower(strings.TrimSpace(from))
	if from != "" && from == strings.ToLower(strings.TrimSpace(r.Subject.Email)) {
		return id, number, true, nil
	}
	return "", number, false, nil
}
