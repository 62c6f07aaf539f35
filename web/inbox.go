package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Inbox is what the inbox page asks of the triage (register.Service).
type Inbox interface {
	// Inbox lists the emails awaiting the actor's decision, oldest first.
	Inbox(ctx context.Context) ([]register.InboxEmail, error)
	// InboxCount counts them, and those waiting longer than one working day.
	InboxCount(ctx context.Context) (pending, late int, err error)
	// InboxBadge counts them for the navigation.
	InboxBadge(ctx context.Context) (int, error)
	// Decide records a decision on an email.
	Decide(ctx context.Context, id string, d register.Decision) (*register.TriageResult, error)
	// NewMail is what the user is told: emails attached lately to the
	// requests assigned to them.
	NewMail(ctx context.Context) ([]register.AttachedEmail, error)
	// RequestByNumber finds a request the actor sees by its registration
	// number.
	RequestByNumber(ctx context.Context, number string) (*register.Request, error)
}

// inboxPath is the page of the emails awaiting a decision.
const inboxPath = "/inbox"

// inboxPage is the inbox: each email awaiting a decision with its forms.
type inboxPage struct {
	page
	WorkCSS string
	Rows    []inboxRow
	Reasons []option
	// Done says what the last decision did, "" when none.
	Done string
}

// inboxRow is one email of the inbox, with the problem of a decision sent
// for it (the field it names, marked and focused).
type inboxRow struct {
	ID, From, Subject, Arrived, Suggested, TermStarts, Due, Hint string
	Late                                                         bool
	RegisterURL                                                  string
	// Request, Reason and Note are what was typed in the forms; Errors the
	// problems by field ("request", "reason", "note").
	Request, Reason, Note string
	Errors                map[string]string
}

// mountInbox adds the inbox when the triage is given.
func mountInbox(e *echo.Echo, s *server, cfg Config) {
	if cfg.Inbox == nil {
		return
	}
	s.inbox = cfg.Inbox
	httpx.Get(e, inboxPath, s.inboxList)
	e.POST(inboxPath+"/:id/attach", s.inboxAttach)
	e.POST(inboxPath+"/:id/not-request", s.inboxNotRequest)
}

// triageActor returns the signed-in actor if they may triage; ok false
// when the answer (sign-in, or the 403 page) is written already.
func (s *server) triageActor(c echo.Context) (srok.Actor, bool, error) {
	a, ok := srok.ActorFrom(c.Request().Context())
	if !ok {
		return a, false, s.signInFirst(c)
	}
	if !register.MayTriage(a) {
		return a, false, s.noRights(c)
	}
	return a, true, nil
}

func (s *server) inboxList(c echo.Context) error {
	if _, ok, err := s.triageActor(c); !ok {
		return err
	}
	return s.renderInbox(c, http.StatusOK, "", nil)
}

// renderInbox shows the inbox; with failed, that row keeps what was typed
// and shows its problems.
func (s *server) renderInbox(c echo.Context, status int, done string, failed *inboxRow) error {
	items, err := s.inbox.Inbox(c.Request().Context())
	if err != nil {
		return s.pageError(c, err)
	}
	zone := s.zone()
	p := inboxPage{page: newPage(ru.Inbox), WorkCSS: workCSSURL, Done: done}
	for _, r := range register.NotRequestReasons() {
		p.Reasons = append(p.Reasons, option{Value: string(r), Label: ru.NotRequestReason(r)})
	}
	for _, it := range items {
		row := inboxRow{ID: it.ID, Subject: it.Subject, Arrived: ru.DateTime(it.ReceivedAt, zone),
			TermStarts: ru.Date(it.TermStartsOn), Late: it.Late, RegisterURL: "/intake?email=" + url.QueryEscape(it.ID),
			Errors: map[string]string{}}
		row.From = strings.TrimSpace(it.FromName + " <" + it.FromEmail + ">")
		if it.FromEmail == "" {
			row.From = it.FromName
		}
		if it.SuggestedType != "" {
			row.Suggested = ru.Type(it.SuggestedType)
		}
		if it.DueIfRegistered != nil {
			row.Due = ru.Date(*it.DueIfRegistered)
		}
		if it.Hint != "" {
			row.Hint = ru.MaybeRequest(it.Hint)
			row.Request = it.Hint
		}
		if failed != nil && failed.ID == it.ID {
			row.Request, row.Reason, row.Note, row.Errors = failed.Request, failed.Reason, failed.Note, failed.Errors
		}
		p.Rows = append(p.Rows, row)
	}
	return s.render(c, status, "inbox", p)
}

// inboxForm reads a decision's form; ok false when the answer is written.
func (s *server) inboxForm(c echo.Context) (id string, f url.Values, ok bool, err error) {
	if _, ok, err := s.triageActor(c); !ok {
		return "", nil, false, err
	}
	f, err = readForm(c)
	if err != nil {
		return "", nil, false, s.badForm(c, inboxPath)
	}
	return c.Param("id"), f, true, nil
}

// inboxAttach attaches an email to the request named by its number (or
// id).
func (s *server) inboxAttach(c echo.Context) error {
	id, f, ok, err := s.inboxForm(c)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	typed := strings.TrimSpace(f.Get("request"))
	failed := &inboxRow{ID: id, Request: typed, Errors: map[string]string{}}
	var reqID string
	switch {
	case typed == "":
		failed.Errors["request"] = "Укажите номер обращения, например 2026-000042."
	case uuidLike(typed):
		reqID = typed
	default:
		number := register.NumberIn(typed)
		if number == "" {
			failed.Errors["request"] = "Это не номер обращения: номер выглядит как 2026-000042."
			break
		}
		r, err := s.inbox.RequestByNumber(ctx, number)
		switch {
		case srok.ErrorCode(err) == srok.ENOTFOUND:
			failed.Errors["request"] = "Обращения № " + number + " нет среди тех, что вам доступны."
		case err != nil:
			return s.pageError(c, err)
		default:
			reqID = r.ID
		}
	}
	if len(failed.Errors) > 0 {
		return s.renderInbox(c, http.StatusUnprocessableEntity, "", failed)
	}
	res, err := s.inbox.Decide(ctx, id, register.Decision{Kind: register.DecideAttach, RequestID: reqID})
	if err != nil {
		return s.inboxFailed(c, err, failed)
	}
	return s.renderInbox(c, http.StatusOK, "Письмо прикреплено к обращению № "+res.Request.Number+".", nil)
}

// inboxNotRequest marks an email as not a request, with the reason.
func (s *server) inboxNotRequest(c echo.Context) error {
	id, f, ok, err := s.inboxForm(c)
	if !ok {
		return err
	}
	failed := &inboxRow{ID: id, Reason: f.Get("reason"), Note: f.Get("note"), Errors: map[string]string{}}
	_, err = s.inbox.Decide(c.Request().Context(), id, register.Decision{Kind: register.DecideNotRequest,
		Reason: register.NotRequestReason(failed.Reason), Note: failed.Note})
	if err != nil {
		return s.inboxFailed(c, err, failed)
	}
	return s.renderInbox(c, http.StatusOK, "Письмо отмечено как не обращение.", nil)
}

// inboxFailed shows why a decision was not recorded: next to the field,
// or, when the email was decided meanwhile or is gone, above the list.
func (s *server) inboxFailed(c echo.Context, err error, failed *inboxRow) error {
	switch srok.ErrorCode(err) {
	case srok.EINVALID:
		var se *srok.Error
		errors.As(err, &se)
		for _, fe := range se.Fields {
			switch fe.Field {
			case "request_id":
				failed.Errors["request"] = "Обращение не найдено среди тех, что вам доступны."
			case "reason":
				failed.Errors["reason"] = "Выберите, почему это не обращение."
			case "note":
				failed.Errors["note"] = "Напишите, почему это не обращение (до 2000 знаков)."
			}
		}
		if len(failed.Errors) == 0 {
			failed.Errors["reason"] = "Решение не сохранено: проверьте поля."
		}
		return s.renderInbox(c, http.StatusUnprocessableEntity, "", failed)
	case srok.ECONFLICT, srok.ENOTFOUND:
		return s.renderInbox(c, http.StatusConflict, "По этому письму уже принято решение (или оно вам недоступно): список обновлён.", nil)
	case srok.EFORBIDDEN:
		return s.noRights(c)
	}
	return s.pageError(c, err)
}

// uuidLike reports whether s is a request id rather than a number.
func uuidLike(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
