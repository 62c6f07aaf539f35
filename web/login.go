package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// loginPage is the sign-in form.
type loginPage struct {
	page
	// Email is what was typed; the password never comes back.
	Email string
	// Next is where to go after sign-in: a path on this site, or "".
	Next string
	// Error is the one message above the form; Fields the problems of
	// single fields, by their names.
	Error  string
	Fields map[string]string
	// Notice says that Srok is not set up yet.
	Notice string
}

// wrongCredentials is the one answer to a failed sign-in, whatever failed
// (no such email, a wrong password, a disabled user): telling them apart
// would tell anyone who works with the register.
const wrongCredentials = "Неверный адрес или пароль."

func newLoginPage(email, next string) loginPage {
	return loginPage{page: newPage("Вход"), Email: email, Next: next}
}

// loginForm shows the sign-in form, or sends a signed-in user on.
func (s *server) loginForm(c echo.Context) error {
	ctx := c.Request().Context()
	next := localPath(c.QueryParam("next"))
	if _, ok := srok.ActorFrom(ctx); ok {
		return c.Redirect(http.StatusSeeOther, orHome(next))
	}
	p := newLoginPage("", next)
	has, err := s.accounts.HasUsers(ctx)
	if err != nil {
		return s.fail(c, err)
	}
	if !has {
		p.Notice = "В Сроке ещё нет ни одного пользователя. Первого администратора создают по одноразовой ссылке, " +
			"которую напечатала команда srok serve при запуске."
	}
	return s.render(c, http.StatusOK, "login", p)
}

// login checks an email and a password, under the throttle: a locked
// account or address is refused before the password is checked, a
// throttled one waits first. On success the browser gets a new session id
// holding the user's id, and goes on to next.
func (s *server) login(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, "/login")
	}
	ctx := c.Request().Context()
	email, password := strings.TrimSpace(form.Get("email")), form.Get("password")
	p := newLoginPage(email, localPath(form.Get("next")))
	p.Fields = map[string]string{}
	if email == "" {
		p.Fields["email"] = "Введите адрес электронной почты."
	}
	if password == "" {
		p.Fields["password"] = "Введите пароль."
	}
	if len(p.Fields) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "login", p)
	}

	// A failed sign-in names no actor, even when someone is signed in in
	// this browser: the entry is about the attempt, not the session.
	anon := srok.WithActor(ctx, srok.Actor{})
	addr := c.RealIP()
	delay, err := s.throttle.Check(ctx, email, addr)
	var se *srok.Error
	if errors.As(err, &se) && se.Code == srok.ETOOMANY {
		s.record(anon, audit.Entry{Action: audit.ActionAuthLoginFailed, Outcome: audit.OutcomeDenied,
			Detail: "refused unchecked: too many failed sign-ins, locked for a while"})
		retry := max(se.RetryAfter, time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
		p.Error = "Слишком много неудачных попыток входа. Повторите " + ru.RetryIn(retry, s.now(), s.zone()) + "."
		return s.render(c, http.StatusTooManyRequests, "login", p)
	}
	if err != nil {
		return s.fail(c, err)
	}
	if delay > 0 {
		if err := s.sleep(ctx, delay); err != nil {
			return s.fail(c, err)
		}
	}

	u, err := s.accounts.CheckPassword(ctx, email, password)
	if srok.ErrorCode(err) == srok.EUNAUTHENTICATED {
		if err := s.throttle.Failure(ctx, email, addr); err != nil {
			s.log.ErrorContext(ctx, "web: count a failed sign-in", "error", err.Error())
		}
		s.record(anon, audit.Entry{Action: audit.ActionAuthLoginFailed, Outcome: audit.OutcomeDenied,
			Detail: "wrong email or password"})
		p.Error = wrongCredentials
		return s.render(c, http.StatusUnauthorized, "login", p)
	}
	if err != nil {
		return s.fail(c, err)
	}

	if err := s.signIn(ctx, u); err != nil {
		return s.fail(c, err)
	}
	if err := s.throttle.Success(ctx, email); err != nil {
		s.log.ErrorContext(ctx, "web: clear the failed sign-ins", "error", err.Error())
	}
	// A sign-in the trail cannot record does not happen.
	if err := s.audit.Record(srok.WithActor(ctx, s.accounts.ActorOf(u)),
		audit.Entry{Action: audit.ActionAuthLogin, Outcome: audit.OutcomeOK}); err != nil {
		_ = s.sessions.Destroy(ctx)
		return s.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, orHome(p.Next))
}

// record adds e to the audit trail, logging a failure: the sign-in page
// answers anyway.
func (s *server) record(ctx context.Context, e audit.Entry) {
	if err := s.audit.Record(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "web: audit", "action", string(e.Action), "error", err.Error())
	}
}
