package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// setupPage is the form of the first administrator, reached by the
// one-time link `srok serve` prints while no user exists.
type setupPage struct {
	page
	// Token is the setup token of the link, posted back with the form.
	Token string
	// Email and Name are what was typed; the password never comes back.
	Email, Name string
	Fields      map[string]string
	// MinPassword is the shortest password accepted, in characters.
	MinPassword int
}

func newSetupPage(token string) setupPage {
	return setupPage{page: newPage("Первый администратор"), Token: token, MinPassword: account.MinPasswordLen}
}

// setupDone is the page of a setup link once a user exists: the link has
// done its work, or another one has.
func (s *server) setupDone(c echo.Context) error {
	return s.showMessage(c, http.StatusGone, message{
		Heading: "Срок уже настроен",
		Text:    "Пользователи уже есть, и ссылка первой настройки больше не действует. Войдите, или попросите администратора создать вам учётную запись.",
		Link:    "/login", LinkText: "Войти",
	})
}

// setupInvalid is the page of a setup link that is unknown, used or
// expired: the three are not told apart.
func (s *server) setupInvalid(c echo.Context) error {
	return s.showMessage(c, http.StatusForbidden, message{
		Heading: "Ссылка недействительна",
		Text: fmt.Sprintf("Эта ссылка первой настройки неверна, уже использована или устарела (она действует %d минут). "+
			"Перезапустите srok serve: он напечатает новую ссылку.", int(account.SetupTokenLife.Minutes())),
		Link: "/login", LinkText: "Ко входу",
	})
}

// setupForm shows the form of the first administrator while no user
// exists. It changes nothing: the token is checked when the form comes
// back.
func (s *server) setupForm(c echo.Context) error {
	has, err := s.accounts.HasUsers(c.Request().Context())
	switch {
	case err != nil:
		return s.fail(c, err)
	case has:
		return s.setupDone(c)
	}
	token := c.QueryParam("token")
	if !strings.HasPrefix(token, account.SetupTokenPrefix) {
		return s.setupInvalid(c)
	}
	return s.render(c, http.StatusOK, "setup", newSetupPage(token))
}

// setup creates the first administrator with the setup token, and signs
// them in.
func (s *server) setup(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, "/login")
	}
	ctx := c.Request().Context()
	has, err := s.accounts.HasUsers(ctx)
	switch {
	case err != nil:
		return s.fail(c, err)
	case has:
		return s.setupDone(c)
	}
	p := newSetupPage(form.Get("token"))
	p.Email, p.Name = strings.TrimSpace(form.Get("email")), strings.TrimSpace(form.Get("name"))
	password := form.Get("password")
	p.Fields = map[string]string{}
	// The account's rules decide (CompleteSetup); the plainest of them are
	// checked here too, so that every mistake shows at once.
	if p.Email == "" {
		p.Fields["email"] = "Введите адрес электронной почты."
	} else if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
		p.Fields["email"] = setupProblem("email")
	}
	if p.Name == "" {
		p.Fields["name"] = "Введите имя: так вас увидят в истории обращений."
	}
	switch {
	case password == "":
		p.Fields["password"] = "Придумайте пароль."
	case utf8.RuneCountInString(password) < account.MinPasswordLen:
		p.Fields["password"] = setupProblem("password")
	case password != form.Get("password2"):
		p.Fields["password2"] = "Пароли не совпадают."
	}
	if len(p.Fields) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "setup", p)
	}

	u, err := s.accounts.CompleteSetup(ctx, p.Token, account.UserInput{Email: p.Email, Name: p.Name, Password: password})
	switch srok.ErrorCode(err) {
	case "":
	case srok.ECONFLICT: // a user exists
		return s.setupDone(c)
	case srok.EFORBIDDEN: // the token is unknown, used or expired
		return s.setupInvalid(c)
	case srok.EINVALID:
		var se *srok.Error
		if errors.As(err, &se) {
			for _, f := range se.Fields {
				p.Fields[f.Field] = setupProblem(f.Field)
			}
		}
		return s.render(c, http.StatusUnprocessableEntity, "setup", p)
	default:
		return s.fail(c, err)
	}

	actor := srok.WithActor(ctx, s.accounts.ActorOf(u))
	s.record(actor, audit.Entry{Action: audit.ActionUserCreate, Outcome: audit.OutcomeOK, UserID: u.ID,
		Detail: "the first administrator, by the one-time setup link"})
	// As on the sign-in page, a sign-in the trail cannot record does not
	// happen; the administrator exists and may sign in later.
	if err := s.audit.Record(actor, audit.Entry{Action: audit.ActionAuthLogin, Outcome: audit.OutcomeOK}); err != nil {
		return s.fail(c, err)
	}
	if err := s.signIn(ctx, u); err != nil {
		return s.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// setupProblem says, in Russian, what the account's rules want of a field
// they refused.
func setupProblem(field string) string {
	switch field {
	case "email":
		return "Нужен адрес электронной почты вида name@example.ru."
	case "name":
		return "Нужно имя до 300 знаков, без управляющих символов."
	case "password":
		return fmt.Sprintf("Пароль должен быть не короче %d и не длиннее %d знаков.", account.MinPasswordLen, account.MaxPasswordLen)
	}
	return "Проверьте это поле."
}
