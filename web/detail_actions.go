package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// detailAction is an action of a request's page: its form posts to
// /requests/{id}/<name>.
type detailAction struct {
	name string
	// act is the permission it needs, audit the trail's action.
	act   srok.Action
	audit audit.Action
	// fields are the form's fields, kept as typed when it is refused.
	fields []string
	// done is said after it succeeded.
	done string
	do   func(s *server, ctx context.Context, id string, version int, v url.Values) error
}

// detailActions are the actions, in the order of the page.
var detailActions = []detailAction{
	{name: "assign", act: srok.ActRequestAssign, audit: audit.ActionRequestAssign, fields: []string{"assignee"},
		done: "Исполнитель назначен.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Assign(ctx, id, version, v.Get("assignee"))
			return err
		}},
	{name: "extend", act: srok.ActRequestExtend, audit: audit.ActionRequestExtend,
		fields: []string{"notice_sent_at", "reasons", "channel"}, done: "Срок продлён.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Extend(ctx, id, version, register.ExtendInput{NoticeSentAt: isoDay(v.Get("notice_sent_at")),
				Reasons: v.Get("reasons"), Channel: v.Get("channel")})
			return err
		}},
	{name: "answer", act: srok.ActRequestAnswer, audit: audit.ActionRequestAnswer,
		fields: []string{"outcome", "date", "number", "text", "reference"}, done: "Ответ записан.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Answer(ctx, id, version, register.AnswerInput{Outcome: v.Get("outcome"), Date: isoDay(v.Get("date")),
				Number: v.Get("number"), Text: v.Get("text"), Reference: v.Get("reference")})
			return err
		}},
	{name: "refuse", act: srok.ActRequestAnswer, audit: audit.ActionRequestAnswer,
		fields: []string{"date", "number", "text", "reference"}, done: "Мотивированный отказ записан.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Refuse(ctx, id, version, register.AnswerInput{Date: isoDay(v.Get("date")),
				Number: v.Get("number"), Text: v.Get("text"), Reference: v.Get("reference")})
			return err
		}},
	{name: "close", act: srok.ActRequestClose, audit: audit.ActionRequestClose, fields: []string{"note"},
		done: "Обращение закрыто.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Close(ctx, id, version, v.Get("note"))
			return err
		}},
	{name: "cancel", act: srok.ActRequestCancel, audit: audit.ActionRequestCancel, fields: []string{"reason", "note"},
		done: "Обращение аннулировано.",
		do: func(s *server, ctx context.Context, id string, version int, v url.Values) error {
			_, err := s.reg.Cancel(ctx, id, version, register.CancelInput{Reason: v.Get("reason"), Note: v.Get("note")})
			return err
		}},
	{name: "note", act: srok.ActRequestNote, audit: audit.ActionRequestNote, fields: []string{"text"},
		done: "Заметка добавлена.",
		do: func(s *server, ctx context.Context, id string, _ int, v url.Values) error {
			// A note changes nothing of the request: it needs no version.
			_, _, err := s.reg.AddNote(ctx, id, v.Get("text"))
			return err
		}},
}

// isoDay is a date typed as 18.05.2026 written as 2026-05-18, what the
// register reads; anything else as typed, for the register to judge.
func isoDay(s string) string {
	s = strings.TrimSpace(s)
	if d, ok := parseDay(s); ok {
		return d.String()
	}
	return s
}

// act handles the post of action x: 303 back to the request's page when
// done; the page again, with what was typed and the problems next to their
// fields, when refused; the 403 page for a role that may not.
func (s *server) act(x detailAction) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a, _ := srok.ActorFrom(ctx)
		id := c.Param("id")
		if !a.Can(x.act) {
			role := string(a.Role)
			if role == "" {
				role = "none"
			}
			s.record(ctx, audit.Entry{Action: x.audit, Outcome: audit.OutcomeDenied, Detail: "role " + role})
			return s.forbidden(c)
		}
		back := "/requests/" + url.PathEscape(id)
		form, err := readForm(c)
		if err != nil {
			return s.badForm(c, back)
		}
		version, err := strconv.Atoi(form.Get("version"))
		if err != nil || version < 1 {
			return s.badForm(c, back)
		}
		err = x.do(s, ctx, id, version, form)
		if err == nil {
			s.sessions.Put(ctx, flashKey, x.done)
			return c.Redirect(http.StatusSeeOther, back)
		}
		typed := &actionForm{Values: map[string]string{}, Errors: map[string]string{}}
		for _, f := range x.fields {
			typed.Values[f] = form.Get(f)
			if f == "date" || f == "notice_sent_at" {
				// A date field shows a date as the browser writes it.
				typed.Values[f] = isoDay(form.Get(f))
			}
		}
		status := http.StatusUnprocessableEntity
		stale := false
		switch code := srok.ErrorCode(err); {
		case code == srok.EINVALID:
			if e := asError(err); e != nil {
				for _, fe := range e.Fields {
					field := fe.Field
					if _, ok := typed.Values[field]; !ok {
						typed.Alert = "Проверьте форму и отправьте её снова."
						continue
					}
					if typed.Errors[field] == "" {
						typed.Errors[field] = ruProblem(x.name, field, fe.Problem)
					}
				}
			}
		case code == srok.EPRECONDITION:
			status, stale = http.StatusConflict, true
		case code == srok.ECONFLICT:
			status = http.StatusConflict
			reason := ""
			if e := asError(err); e != nil {
				reason = e.Reason
			}
			switch reason {
			case "term_passed":
				typed.Errors["notice_sent_at"] = "Срок по закону уже истёк к этой дате: продлить его можно только уведомлением, " +
					"отправленным до окончания срока. Ответьте или откажите как можно скорее."
			case "already_extended":
				typed.Alert = "Срок уже продлевали: продлить его можно только один раз."
			default:
				typed.Alert = "Обращение в таком состоянии, что это действие к нему не применимо."
			}
		case code == srok.EFORBIDDEN && x.name == "assign":
			// An operator may take a request, not give it to another.
			status = http.StatusForbidden
			typed.Errors["assignee"] = "Оператор может взять обращение себе, но не передать другому: попросите ответственного."
		case code == srok.EFORBIDDEN:
			return s.forbidden(c)
		default:
			return s.pageError(c, err)
		}
		p, err := s.detailOf(c, id)
		if err != nil {
			return s.pageError(c, err)
		}
		if _, shown := p.Forms[x.name]; !shown && !stale {
			// The action is no longer on the page: say why on its own.
			return s.pageError(c, &srok.Error{Code: srok.ECONFLICT})
		}
		p.Stale = stale
		if _, shown := p.Forms[x.name]; shown {
			p.Forms[x.name] = typed
		}
		return s.render(c, status, "detail", p)
	}
}

// ruProblem says in Russian what is wrong with field of action's form,
// from the register's problem.
func ruProblem(action, field, problem string) string {
	has := func(s string) bool { return strings.Contains(problem, s) }
	switch {
	case has("characters long"):
		return "Слишком длинный текст."
	case has("control characters"), has("UTF-8"):
		return "Текст содержит недопустимые знаки."
	}
	switch field {
	case "assignee":
		switch {
		case has("is required"):
			return "Укажите email исполнителя."
		case has("disabled"):
			return "Пользователь отключён: назначьте активного пользователя."
		}
		return "Нет пользователя Срока с таким email."
	case "notice_sent_at", "date":
		switch {
		case has("is required"):
			return "Укажите дату."
		case has("future"):
			return "Дата ещё не наступила."
		case has("before the request was received"), has("before the request"):
			return "Дата раньше получения обращения."
		case has("before 2000"):
			return "Дата раньше 2000 года."
		}
		return "Введите дату, например 18.05.2026."
	case "reasons":
		return "Укажите причины продления: уведомление должно быть мотивированным."
	case "channel":
		return "Выберите, как отправлено уведомление."
	case "outcome":
		return "Выберите результат ответа."
	case "reason":
		return "Выберите причину аннулирования."
	case "text":
		switch action {
		case "refuse":
			return "Отказ должен быть мотивирован: дайте его текст или ссылку на письмо (ч. 6 ст. 14 152-ФЗ)."
		case "note":
			return "Введите текст заметки."
		}
		return "Дайте текст ответа или ссылку на него."
	}
	return "Проверьте значение."
}

// asError is err as a srok.Error, or nil.
func asError(err error) *srok.Error {
	var e *srok.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
