package intake

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Store keeps the emails. The storage package implements it on PostgreSQL
// and SQLite; its errors are srok.Errors (ENOTFOUND, EUNAVAILABLE).
//
// Deduplication is the store's, so that it holds under concurrent
// duplicates (unique indexes, the loser of a race reads the winner back):
//   - the same bytes (SHA-256 of the raw message) are the same email;
//   - a message with the same non-empty Message-ID and the same body
//     (BodyHash: after the header, line ends and trailing white space
//     aside) is the same email, though its header differs: the same
//     message fetched twice, by two mailboxes or two relays, differs in its
//     Received and similar headers;
//   - anything else is another email: a message without a Message-ID is
//     the same only byte for byte, and one that reuses a Message-ID with
//     another body is stored too (a Warning names the earlier one), for
//     nothing sent in may be lost.
type Store interface {
	// PutEmail stores e (with its ID, StoredAt and StoredBy set) and raw,
	// unless the same email is stored already (see above); either way it
	// records that e.StoredBy sent it in, and writes the audit entries
	// trail makes of the id and created, all in one transaction. It returns
	// the id of the email stored and whether this call stored it.
	PutEmail(ctx context.Context, e *Email, raw []byte, bodyHash string, trail Trail) (id string, created bool, err error)
	// Email returns what was read of the email with id (ENOTFOUND).
	Email(ctx context.Context, id string) (*Email, error)
	// EmailRaw returns the email's bytes as received (ENOTFOUND).
	EmailRaw(ctx context.Context, id string) ([]byte, error)
	// EmailSentBy reports whether actorID sent the email in.
	EmailSentBy(ctx context.Context, id, actorID string) (bool, error)
	// EmailsWithMessageID returns the keys of the emails stored with
	// Message-ID messageID, oldest first.
	EmailsWithMessageID(ctx context.Context, messageID string) ([]Key, error)
}

// Key is what identifies a stored email: its id, the SHA-256 of its bytes
// and of its body (BodyHash).
type Key struct {
	ID, SHA256, BodyHash string
}

// Trail makes the audit entries of an email sent in, once the store knows
// its id and whether it was stored now; nil makes none.
type Trail func(id string, created bool) ([]*audit.Entry, error)

// Readers decides who may read a stored email: whoever sees a request
// registered from it, else the person who sent it in (register.Service).
type Readers interface {
	// SeesEmail reports whether a may read the email with id.
	SeesEmail(ctx context.Context, a srok.Actor, id string) (bool, error)
}

// Replies finds the request an incoming email answers
// (register.Service.MatchReply): by the Message-IDs it replies to (refs)
// or a registration number in its subject. auto says Srok may attach it
// on its own; a number without auto is a suggestion for a person.
type Replies interface {
	MatchReply(ctx context.Context, subject, from string, refs []string) (requestID, number string, auto bool, err error)
}

// WithReplies attaches a reply to its request as it is stored (see
// Replies); without it every email waits for a person's decision.
func WithReplies(r Replies) Option { return func(s *Service) { s.replies = r } }

// Service stores and reads emails for the actors allowed to. It is safe
// for concurrent use.
type Service struct {
	store   Store
	now     func() time.Time
	audit   audit.Trail
	readers Readers
	replies Replies
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (time.Now by default).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithAudit records every store and read of an email in the audit trail;
// without it nothing is recorded (tests of the package alone).
func WithAudit(a audit.Trail) Option { return func(s *Service) { s.audit = a } }

// WithReaders makes r decide who reads an email (register.Service.SeesEmail).
// Without it, an operator or a token reads only what it sent in itself,
// and officers and administrators read every email (tests of the package
// alone).
func WithReaders(r Readers) Option { return func(s *Service) { s.readers = r } }

// NewService returns the intake on st.
func NewService(st Store, opts ...Option) *Service {
	s := &Service{store: st, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ingest stores raw as received and returns what was read of it, and
// whether it was stored now (false: the same email was stored before, and
// that one is returned). Whoever may register requests may send emails in
// (an intake token too).
func (s *Service) Ingest(ctx context.Context, a srok.Actor, raw []byte) (*Email, bool, error) {
	return s.ingest(ctx, a, raw, nil)
}

// MailboxActor is the actor of the emails a mailbox fetched: Srok itself,
// named by the mailbox.
func MailboxActor(mailboxID string) srok.Actor {
	return srok.Actor{ID: "mailbox:" + mailboxID, Name: "Srok (mailbox)", Role: srok.RoleAdmin}
}

// IngestArrived stores raw, fetched from the mailbox with mailboxID, where
// the operator's mail server received it at receivedAt (its INTERNALDATE):
// the moment a request in it was received (152-FZ art. 14 part 3). It is
// Ingest for the mailbox's own actor (MailboxActor), with the same limits
// and the same deduplication: a message fetched again is the email stored
// before, which keeps (or gains) its arrival.
func (s *Service) IngestArrived(ctx context.Context, raw []byte, mailboxID string, receivedAt time.Time) (*Email, bool, error) {
	at := receivedAt.UTC().Truncate(time.Microsecond)
	return s.ingest(ctx, MailboxActor(mailboxID), raw, &arrival{mailboxID: mailboxID, at: at})
}

// arrival is where and when a fetched message arrived.
type arrival struct {
	mailboxID string
	at        time.Time
}

func (s *Service) ingest(ctx context.Context, a srok.Actor, raw []byte, arr *arrival) (*Email, bool, error) {
	ctx = srok.WithActor(ctx, a)
	if err := s.authorize(ctx, a, srok.ActRequestCreate, audit.ActionEmailIngest, "send emails in"); err != nil {
		return nil, false, err
	}
	if len(raw) == 0 {
		return nil, false, &srok.Error{Code: srok.EMALFORMED, Message: "the message is empty: send the email as received (message/rfc822)"}
	}
	if len(raw) > MaxSize {
		return nil, false, &srok.Error{Code: srok.ETOOLARGE, Message: "the message is larger than 25 MiB"}
	}
	e := Parse(raw)
	bodyHash := BodyHash(raw)
	if e.MessageID != "" {
		earlier, err := s.store.EmailsWithMessageID(ctx, e.MessageID)
		if err != nil {
			return nil, false, err
		}
		if len(earlier) > 0 && !slices.ContainsFunc(earlier, func(k Key) bool { return k.BodyHash == bodyHash || k.SHA256 == e.SHA256 }) {
			e.Warnings = append(e.Warnings, "another email with the same Message-ID but another body was stored before: "+earlier[0].ID)
		}
	}
	if s.replies != nil {
		from := ""
		if e.From != nil {
			from = e.From.Email
		}
		reqID, number, auto, err := s.replies.MatchReply(ctx, e.Subject, from, e.References)
		if err != nil {
			return nil, false, err
		}
		switch {
		case auto && number != "":
			e.ReplyTo, e.ReplyNote = reqID, "reply naming request "+number+" from the subject's own address"
		case auto:
			e.ReplyTo, e.ReplyNote = reqID, "reply to a message Srok sent about the request"
		case number != "":
			e.Hint = number
		}
	}
	e.ID = uuid.Must(uuid.NewV7()).String()
	e.StoredAt = s.now().UTC().Truncate(time.Microsecond)
	e.StoredBy = a.ID
	if arr != nil {
		e.MailboxID, e.ReceivedAt = arr.mailboxID, &arr.at
	}
	var trail Trail
	if s.audit != nil {
		// The entry is written with the email, in its transaction: one is
		// never committed without the other.
		trail = func(id string, created bool) ([]*audit.Entry, error) {
			detail := "email " + id + " stored"
			if !created {
				detail = "email " + id + " was stored before"
			}
			entries, err := s.audit.Prepare(ctx, audit.Entry{Action: audit.ActionEmailIngest, Outcome: audit.OutcomeOK, Detail: detail})
			if err != nil || !created || e.ReplyTo == "" {
				return entries, err
			}
			// Srok's own decision, in the same transaction as the email.
			t, err := s.audit.Prepare(ctx, audit.Entry{Action: audit.ActionEmailTriage, Outcome: audit.OutcomeOK, RequestID: e.ReplyTo,
				Detail: "email " + id + ": attached to its request by Srok (" + e.ReplyNote + ")"})
			return append(entries, t...), err
		}
	}
	id, created, err := s.store.PutEmail(ctx, e, raw, bodyHash, trail)
	if err != nil {
		return nil, false, err
	}
	if !created {
		if e, err = s.store.Email(ctx, id); err != nil {
			return nil, false, err
		}
	}
	return e, created, nil
}

// Get returns what was read of the email with id. Reading an email is
// reading personal data (srok.ActPersonalData): a viewer may not; an intake
// token reads only what it sent in. The read is recorded.
func (s *Service) Get(ctx context.Context, a srok.Actor, id string) (*Email, error) {
	ctx = srok.WithActor(ctx, a)
	if err := s.visible(ctx, a, id, audit.ActionEmailRead); err != nil {
		return nil, err
	}
	e, err := s.store.Email(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, audit.Entry{Action: audit.ActionEmailRead, Outcome: audit.OutcomeOK, Detail: "email " + id}); err != nil {
		return nil, err
	}
	return e, nil
}

// Raw returns the email's bytes as received, for whoever may Get it. The
// read is recorded.
func (s *Service) Raw(ctx context.Context, a srok.Actor, id string) ([]byte, error) {
	ctx = srok.WithActor(ctx, a)
	if err := s.visible(ctx, a, id, audit.ActionEmailRaw); err != nil {
		return nil, err
	}
	raw, err := s.store.EmailRaw(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, audit.Entry{Action: audit.ActionEmailRaw, Outcome: audit.OutcomeOK, Detail: "email " + id}); err != nil {
		return nil, err
	}
	return raw, nil
}

// Attachment returns the email's n-th attachment (0-based, as listed in
// Email.Attachments) with its bytes, for whoever may Get the email
// (ENOTFOUND when there is no such attachment). The read is recorded.
func (s *Service) Attachment(ctx context.Context, a srok.Actor, id string, n int) (Attachment, []byte, error) {
	ctx = srok.WithActor(ctx, a)
	if err := s.visible(ctx, a, id, audit.ActionEmailAttachment); err != nil {
		return Attachment{}, nil, err
	}
	raw, err := s.store.EmailRaw(ctx, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	att, b, ok := AttachmentBytes(raw, n)
	if !ok {
		return Attachment{}, nil, srok.Errorf(srok.ENOTFOUND, "the email has no attachment %d", n)
	}
	if err := s.record(ctx, audit.Entry{Action: audit.ActionEmailAttachment, Outcome: audit.OutcomeOK,
		Detail: "email " + id + ", attachment " + strconv.Itoa(n)}); err != nil {
		return Attachment{}, nil, err
	}
	return att, b, nil
}

// visible returns nil when a may read the email with id: it may read
// personal data and the readers let it (see WithReaders: an email holds
// the personal data of its request, 152-FZ art. 19 part 2). A hidden email
// is "not found", so that its existence is not told either; the refusal
// is recorded.
func (s *Service) visible(ctx context.Context, a srok.Actor, id string, act audit.Action) error {
	if err := s.authorize(ctx, a, srok.ActPersonalData, act, "read emails (personal data)"); err != nil {
		return err
	}
	notFound := srok.Errorf(srok.ENOTFOUND, "no email with id %q", id)
	if _, err := uuid.Parse(id); err != nil {
		return notFound
	}
	var ok bool
	var err error
	switch {
	case s.readers != nil:
		ok, err = s.readers.SeesEmail(ctx, a, id)
	case a.Scope == srok.ScopeIntake || a.Role == srok.RoleOperator:
		ok, err = s.store.EmailSentBy(ctx, id, a.ID)
	default:
		ok = true
	}
	if err != nil {
		return err
	}
	if !ok {
		_ = s.record(ctx, audit.Entry{Action: act, Outcome: audit.OutcomeDenied, Detail: "email " + id + ": not visible to the actor"})
		return notFound
	}
	return nil
}

// authorize returns nil when a may do act, and records a refusal.
func (s *Service) authorize(ctx context.Context, a srok.Actor, act srok.Action, auditAct audit.Action, what string) error {
	if a.ID == "" {
		return srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if a.Can(act) {
		return nil
	}
	role := string(a.Role)
	if role == "" {
		role = "none"
	}
	if a.Scope != srok.ScopeFull {
		role += ", token scope " + string(a.Scope)
	}
	_ = s.record(ctx, audit.Entry{Action: auditAct, Outcome: audit.OutcomeDenied, Detail: "role " + role})
	return &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + role + ") may not " + what}
}

// record writes e to the audit trail, if there is one: a read that cannot
// be recorded shows nothing (152-FZ art. 19 part 2).
func (s *Service) record(ctx context.Context, e audit.Entry) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, e)
}
