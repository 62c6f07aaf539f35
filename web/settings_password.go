package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// passwordPath is "Сменить пароль": the signed-in user's own password.
const passwordPath = "/settings/password"

// passwordPage is the form of a new password. Passwords typed are never
// shown again, not even after a mistake.
type passwordPage struct {
	page
	WorkCSS       string
	MinPassword   int
	Errors        map[string]string
	Notice, Alert string
}

func newPasswordPage() passwordPage {
	return passwordPage{page: newPage("Сменить пароль"), WorkCSS: workCSSURL, MinPassword: account.MinPasswordLen,
		Errors: map[string]string{}}
}

// passwordForm shows the form; the user is signed in with a password (an
// API token has no password to change here).
func (s *server) passwordForm(c echo.Context) error {
	if a, ok := srok.ActorFrom(c.Request().Context()); !ok || a.UserID == "" || a.TokenID != "" {
		return s.signInFirst(c)
	}
	v := newPasswordPage()
	if c.QueryParam("done") == "1" {
		v.Notice = "Пароль изменён. Все остальные ваши сеансы завершены: на других устройствах войдите с новым паролем."
	}
	return s.render(c, http.StatusOK, "settings_password", v)
}

// changePassword sets the user's new password. The session that does it
// stays signed in under a new id; every other session of the user ends
// (account.Service.ChangeOwnPassword). Wrong current passwords count as
// failed sign-ins: a session left open must not become a way to guess it.
func (s *server) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	a, ok := srok.ActorFrom(ctx)
	if !ok || a.UserID == "" || a.TokenID != "" {
		return s.signInFirst(c)
	}
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, passwordPath)
	}
	current, next, again := form.Get("current_password"), form.Get("new_password"), form.Get("new_password_again")
	v := newPasswordPage()
	if current == "" {
		v.Errors["current_password"] = "Введите текущий пароль."
	}
	if next == "" {
		v.Errors["new_password"] = "Введите новый пароль."
	} else if next != again {
		v.Errors["new_password_again"] = "Пароли не совпадают: введите новый пароль дважды одинаково."
	}
	if len(v.Errors) > 0 {
		v.Alert = "Пароль не изменён: исправьте отмеченные поля."
		return s.render(c, http.StatusUnprocessableEntity, "settings_password", v)
	}

	addr := c.RealIP()
	delay, err := s.throttle.Check(ctx, a.Email, addr)
	var se *srok.Error
	if errors.As(err, &se) && se.Code == srok.ETOOMANY {
		s.record(ctx, audit.Entry{Action: audit.ActionUserPassword, Outcome: audit.OutcomeDenied,
			Detail: "refused unchecked: too many wrong passwords, locked for a while"})
		retry := max(se.RetryAfter, time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
		v.Alert = "Слишком много неверных паролей. Повторите " + ru.RetryIn(retry, s.now(), s.zone()) + "."
		return s.render(c, http.StatusTooManyRequests, "settings_password", v)
	}
	if err != nil {
		return s.fail(c, err)
	}
	if delay > 0 {
		if err := s.sleep(ctx, delay); err != nil {
			return s.fail(c, err)
		}
	}

	u, err := s.accounts.ChangeOwnPassword(ctx, current, next)
	switch {
	case err == nil:
	case srok.ErrorCode(err) == srok.EINVALID && errors.As(err, &se):
		for _, f := range se.Fields {
			switch f.Field {
			case "current_password":
				if err := s.throttle.Failure(ctx, a.Email, addr); err != nil {
					s.log.ErrorContext(ctx, "web: count a wrong current password", "error", err.Error())
				}
				v.Errors[f.Field] = "Это не ваш текущий пароль."
			default:
				v.Errors[f.Field] = adminProblem("password")
			}
		}
		v.Alert = "Пароль не изменён: исправьте отмеченные поля."
		return s.render(c, http.StatusUnprocessableEntity, "settings_password", v)
	case srok.ErrorCode(err) == srok.EUNAUTHENTICATED:
		_ = s.sessions.Destroy(ctx)
		return s.signInFirst(c)
	case srok.ErrorCode(err) == srok.EFORBIDDEN:
		return s.noRights(c)
	default:
		return s.fail(c, err)
	}
	// This session goes on under a new id, at the new generation; the
	// others hold the old one and end at their next request.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return s.fail(c, err)
	}
	s.sessions.Put(ctx, httpx.SessionGenerationKey, u.SessionGeneration)
	return c.Redirect(http.StatusSeeOther, passwordPath+"?done=1")
}
