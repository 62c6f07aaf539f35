package register

import (
	"context"
	"strings"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Who may do what is the one table of srok.Can; this file applies it to
// requests. 152-FZ art. 19 part 2 asks the operator to limit access to
// personal data to those who need it and to record who reached it: an
// operator sees the requests assigned to them or to nobody, an intake token
// those it registered, a viewer every request with the subject's contacts
// and identity details masked; every read of a request's personal data and
// every change goes to the audit trail.

// Assignee is a user a request can be assigned to.
type Assignee struct {
	ID     string
	Email  string
	Name   string
	Active bool
}

// Users is what the register asks of the accounts.
type Users interface {
	// Assignee returns the user with email (ENOTFOUND when none).
	Assignee(ctx context.Context, email string) (Assignee, error)
}

// Option configures a Service.
type Option func(*Service)

// WithUsers makes assignees users: an assignee must be an active user,
// named by email. Without it an assignee is free text (tests of the
// register alone).
func WithUsers(u Users) Option { return func(s *Service) { s.users = u } }

// Emails finds the stored email a request is registered from (package
// intake stores them).
type Emails interface {
	// EmailDate returns the Date of the email with id, with the header's
	// own offset, or nil when it has none; ENOTFOUND when no email has id.
	EmailDate(ctx context.Context, id string) (*time.Time, error)
	// EmailSentBy reports whether actorID sent the email with id in.
	EmailSentBy(ctx context.Context, id, actorID string) (bool, error)
	// EmailIngestedBy reports whether the user with userID sent the email
	// with id in, themselves or with one of their API tokens.
	EmailIngestedBy(ctx context.Context, id, userID string) (bool, error)
	// EmailLinks returns the requests registered from the email with id.
	EmailLinks(ctx context.Context, id string) ([]EmailLink, error)
}

// EmailLink is a request registered from an email, with what tells who may
// see it.
type EmailLink struct {
	RequestID  string
	Assignee   string
	AssigneeID string
	CreatedBy  string
}

// SeesEmail reports whether a may read the stored email with id. An email
// holds the personal data of the request it came with, so it is shown to
// those who need it and no one else (152-FZ art. 19 part 2):
//   - an email registered as a request is visible to whoever may see one of
//     the requests linked to it (visible);
//   - an email linked to no request, to the user who sent it in, in a
//     browser or with any of their API tokens, and to officers and
//     administrators;
//   - an intake token sees only what it sent in itself, linked or not;
//   - whoever may not read personal data (a viewer) sees no email.
//
// It does not tell whether the email exists: an officer "sees" any id.
func (s *Service) SeesEmail(ctx context.Context, a srok.Actor, id string) (bool, error) {
	switch {
	case a.ID == "" || !a.Can(srok.ActPersonalData):
		return false, nil
	case s.emails == nil:
		return false, nil
	case a.Scope == srok.ScopeIntake:
		return s.emails.EmailSentBy(ctx, id, a.ID)
	case a.Role != srok.RoleOperator:
		return true, nil
	}
	links, err := s.emails.EmailLinks(ctx, id)
	if err != nil {
		return false, err
	}
	if len(links) == 0 {
		return s.emails.EmailIngestedBy(ctx, id, a.UserID)
	}
	for _, l := range links {
		if visible(a, &Request{Assignee: l.Assignee, AssigneeID: l.AssigneeID, CreatedBy: l.CreatedBy}) {
			return true, nil
		}
	}
	return false, nil
}

// WithEmails lets requests link the email they came in. Without it, a
// store that implements Emails is asked.
func WithEmails(e Emails) Option { return func(s *Service) { s.emails = e } }

// WithAudit records reads and changes in the audit trail.
func WithAudit(a audit.Trail) Option { return func(s *Service) { s.audit = a } }

// authorize returns the actor of ctx if it may do act at all, and records
// a refusal.
func (s *Service) authorize(ctx context.Context, act srok.Action, auditAct audit.Action) (srok.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(act) {
		role := string(a.Role)
		if role == "" {
			role = "none"
		}
		s.record(ctx, audit.Entry{Action: auditAct, Outcome: audit.OutcomeDenied, Detail: "role " + role + scopeNote(a)})
		return a, &srok.Error{Code: srok.EFORBIDDEN,
			Message: "your role (" + role + scopeNote(a) + ") may not do this: " + describe(act)}
	}
	return a, nil
}

func scopeNote(a srok.Actor) string {
	if a.Scope != srok.ScopeFull {
		return ", token scope " + string(a.Scope)
	}
	return ""
}

// describe says an action in words.
func describe(act srok.Action) string {
	switch act {
	case srok.ActRequestCreate:
		return "register requests"
	case srok.ActRequestRead:
		return "read requests"
	case srok.ActDashboardRead:
		return "read the dashboard"
	}
	return strings.ReplaceAll(strings.TrimPrefix(string(act), "request."), "_", " ") + " requests"
}

// visible reports whether a may see r at all: an operator the requests
// assigned to them or to nobody, an intake token those it registered.
// Others see none of it: a hidden request is "not found", not "forbidden",
// so that its existence is not told either.
func visible(a srok.Actor, r *Request) bool {
	switch {
	case a.Scope == srok.ScopeIntake:
		return r.CreatedBy == a.ID
	case a.Role == srok.RoleOperator:
		return (r.AssigneeID != "" && r.AssigneeID == a.UserID) || (r.AssigneeID == "" && r.Assignee == "")
	}
	return true
}

// visibility is the list filter that matches what visible allows.
func visibility(a srok.Actor) *Visibility {
	switch {
	case a.Scope == srok.ScopeIntake:
		return &Visibility{CreatedBy: a.ID}
	case a.Role == srok.RoleOperator:
		return &Visibility{AssigneeID: a.UserID}
	}
	return nil
}

// Visibility narrows a list to what an actor may see: with CreatedBy, the
// requests it registered; with AssigneeID, those assigned to that user or
// to nobody.
type Visibility struct {
	CreatedBy  string
	AssigneeID string
}

// shown returns r as a may see it: a copy with the subject's contacts and
// identity details masked when a may not read personal data.
func shown(a srok.Actor, r *Request) *Request {
	if a.Can(srok.ActPersonalData) {
		return r
	}
	m := *r
	m.Subject.Email = maskEmail(r.Subject.Email)
	m.Subject.Phone = maskTail(r.Subject.Phone, 2)
	m.Subject.PostalAddress = maskAll(r.Subject.PostalAddress)
	m.Identity = Identity{DocumentNumber: maskTail(r.Identity.DocumentNumber, 2), DocumentIssuer: maskAll(r.Identity.DocumentIssuer),
		Relation: maskAll(r.Identity.Relation), Verified: r.Identity.Verified}
	if r.Representative != nil {
		rep := *r.Representative
		rep.Authority = maskAll(rep.Authority)
		m.Representative = &rep
	}
	return &m
}

// mask is what stands for hidden text.
const mask = "•••"

func maskAll(s string) string {
	if s == "" {
		return ""
	}
	return mask
}

// maskEmail keeps the first letter and the domain: i•••@example.ru.
func maskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return maskAll(s)
	}
	return string([]rune(local)[:1]) + mask + "@" + domain
}

// maskTail keeps the last n characters: •••47.
func maskTail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n*2 {
		return maskAll(s)
	}
	return mask + string(r[len(r)-n:])
}

// record writes e to the audit trail, if there is one. Reads call read
// instead, which fails when the trail cannot be written.
func (s *Service) record(ctx context.Context, e audit.Entry) {
	if s.audit == nil {
		return
	}
	_ = s.audit.Record(ctx, e) // a change is already in the timeline; a refusal changed nothing
}

// trail prepares the audit entry of a change, written by the store in the
// change's transaction; nil without a trail.
func (s *Service) trail(ctx context.Context, e audit.Entry) ([]*audit.Entry, error) {
	if s.audit == nil {
		return nil, nil
	}
	e.Outcome = audit.OutcomeOK
	return s.audit.Prepare(ctx, e)
}

// read records that ids' personal data was shown: with no trail to write,
// nothing is shown (152-FZ art. 19 part 2: access is recorded).
func (s *Service) read(ctx context.Context, act audit.Action, detail string, ids ...string) error {
	if s.audit == nil || len(ids) == 0 {
		return nil
	}
	e := audit.Entry{Action: act, Outcome: audit.OutcomeOK, Detail: detail}
	if len(ids) == 1 && act == audit.ActionRequestRead {
		e.RequestID = ids[0]
	} else {
		e.RequestIDs = ids
	}
	return s.audit.Record(ctx, e)
}

// personalFields are the snapshot fields masked for a viewer.
var personalFields = map[string]bool{
	"subject.email": true, "subject.phone": true, "subject.postal_address": true,
	"identity.document_number": true, "identity.document_date": true, "identity.document_issuer": true,
	"identity.relation": true, "representative.authority": true,
}

// maskEvent masks the personal fields of an event's before or after.
func maskEvent(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if personalFields[k] && v != nil && v != "" {
			v = mask
		}
		out[k] = v
	}
	return out
}

// assignee resolves the assignee typed as email for actor a: an active
// user (or free text without Users). An operator may take a request, not
// give it to someone else.
func (s *Service) assignee(ctx context.Context, a srok.Actor, email string) (Assignee, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return Assignee{}, nil
	}
	if s.users == nil {
		return Assignee{Email: email}, nil
	}
	u, err := s.users.Assignee(ctx, email)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		return Assignee{}, srok.Invalid(srok.FieldError{Field: "assignee", Problem: "no user of Srok has this email"})
	case err != nil:
		return Assignee{}, err
	case !u.Active:
		return Assignee{}, srok.Invalid(srok.FieldError{Field: "assignee", Problem: "the user is disabled: assign the request to an active user"})
	}
	if a.Role == srok.RoleOperator && u.ID != a.UserID {
		return Assignee{}, &srok.Error{Code: srok.EFORBIDDEN,
			Message: "an operator may take a request (assign it to themselves), not give it to someone else: ask an officer"}
	}
	return u, nil
}
