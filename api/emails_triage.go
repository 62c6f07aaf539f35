package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
)

// InboxEmail is an email awaiting a decision in GET /api/v1/emails.
type InboxEmail struct {
	ID        string `json:"id"`
	MessageID string `json:"message_id"`
	// ReceivedAt is when the email arrived.
	ReceivedAt time.Time `json:"received_at"`
	// Mailbox names the mailbox it was fetched from; null for an email a
	// person sent in.
	Mailbox       *string         `json:"mailbox"`
	From          *intake.Address `json:"from"`
	Subject       string          `json:"subject"`
	SuggestedType *string         `json:"suggested_type"`
	// TermStartsOn is the first day of the term if it were registered now
	// (the day after receipt, Civil Code art. 191); DueIfRegistered the
	// legal date of the suggested type's first obligation, null without a
	// suggestion.
	TermStartsOn    calendar.Date  `json:"term_starts_on"`
	DueIfRegistered *calendar.Date `json:"due_if_registered"`
	// Late: waiting for a decision longer than one working day.
	Late bool `json:"late"`
	// SuggestedRequest is the registration number its subject named, when
	// Srok could not attach it on its own; null when none.
	SuggestedRequest *string `json:"suggested_request"`
}

// NewInboxEmail is e as the API shows it.
func NewInboxEmail(e register.InboxEmail) InboxEmail {
	out := InboxEmail{ID: e.ID, MessageID: e.MessageID, ReceivedAt: e.ReceivedAt, Mailbox: e.Mailbox, Subject: e.Subject,
		TermStartsOn: e.TermStartsOn, DueIfRegistered: e.DueIfRegistered, Late: e.Late}
	if e.FromEmail != "" || e.FromName != "" {
		out.From = &intake.Address{Name: e.FromName, Email: e.FromEmail}
	}
	if e.SuggestedType != "" {
		t := string(e.SuggestedType)
		out.SuggestedType = &t
	}
	if e.Hint != "" {
		h := e.Hint
		out.SuggestedRequest = &h
	}
	return out
}

// listEmails is GET /api/v1/emails?triage=pending: the emails awaiting a
// decision, oldest first.
func (s *server) listEmails(c echo.Context) error {
	switch v := c.QueryParam("triage"); v {
	case "pending":
	case "":
		return httpx.BadParam("triage", "is required: only triage=pending lists emails")
	default:
		return httpx.BadParam("triage", "%q is not pending", v)
	}
	items, err := s.reg.Inbox(c.Request().Context())
	if err != nil {
		return err
	}
	out := struct {
		Items []InboxEmail `json:"items"`
	}{Items: make([]InboxEmail, len(items))}
	for i, e := range items {
		out.Items[i] = NewInboxEmail(e)
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}

// triageBody is the body of POST /api/v1/emails/{id}/triage: the decision,
// with the request's fields when it registers one.
type triageBody struct {
	Decision  string `json:"decision"`
	RequestID string `json:"request_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Note      string `json:"note,omitempty"`

	// The fields of register.Input, listed (the body decoder checks the
	// fields of a struct, not of an embedded one).
	Type               string                        `json:"type"`
	Channel            string                        `json:"channel"`
	AnswerForm         string                        `json:"answer_form,omitempty"`
	ReceivedAt         string                        `json:"received_at"`
	TimeZone           string                        `json:"time_zone,omitempty"`
	EvidenceReceivedAt string                        `json:"evidence_received_at,omitempty"`
	Subject            register.SubjectInput         `json:"subject"`
	Representative     *register.RepresentativeInput `json:"representative,omitempty"`
	Identity           *register.IdentityInput       `json:"identity,omitempty"`
	Summary            string                        `json:"summary,omitempty"`
	Assignee           string                        `json:"assignee,omitempty"`
	EmailID            string                        `json:"email_id,omitempty"`
}

// input is the request the body registers.
func (b triageBody) input() register.Input {
	return register.Input{Type: b.Type, Channel: b.Channel, AnswerForm: b.AnswerForm, ReceivedAt: b.ReceivedAt, TimeZone: b.TimeZone,
		EvidenceReceivedAt: b.EvidenceReceivedAt, Subject: b.Subject, Representative: b.Representative, Identity: b.Identity,
		Summary: b.Summary, Assignee: b.Assignee}
}

// Triage is the decision on an email as the API shows it.
type Triage struct {
	EmailID   string     `json:"email_id"`
	State     string     `json:"state"`
	RequestID *string    `json:"request_id"`
	Reason    *string    `json:"reason"`
	Note      string     `json:"note"`
	DecidedBy string     `json:"decided_by"`
	DecidedAt *time.Time `json:"decided_at"`
	// Request is the request registered or attached to, null for
	// not_request.
	Request *Request `json:"request"`
}

// triageEmail is POST /api/v1/emails/{id}/triage: 201 with the request
// registered, 200 for the other decisions, 409 on a decided email.
func (s *server) triageEmail(c echo.Context) error {
	var in triageBody
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	if in.EmailID != "" {
		return httpx.BadParam("email_id", "is the email in the path: leave it out of the body")
	}
	id := c.Param("id")
	res, err := s.reg.Decide(c.Request().Context(), id, register.Decision{Kind: register.DecisionKind(in.Decision),
		Input: in.input(), RequestID: in.RequestID, Reason: register.NotRequestReason(in.Reason), Note: in.Note})
	if err != nil {
		return err
	}
	t := res.Triage
	out := Triage{EmailID: id, State: string(t.State), Note: t.Note, DecidedBy: t.By, DecidedAt: t.At}
	if t.RequestID != "" {
		out.RequestID = &t.RequestID
	}
	if t.Reason != "" {
		r := string(t.Reason)
		out.Reason = &r
	}
	st := http.StatusOK
	if res.Request != nil {
		r := NewRequest(res.Request, s.now())
		out.Request = &r
		if t.State == register.TriageRegistered {
			st = http.StatusCreated
			c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+res.Request.ID)
		}
	}
	return httpx.WriteJSON(c, st, out)
}
