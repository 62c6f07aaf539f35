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
// expired (the three are not told apart): 410, no form, and how to get a
// new link.
func (s *server) setupInvalid(c echo.Context) error {
	return s.showMessage(c, http.StatusGone, message{
		Heading: "Ссылка устарела или уже использована",
		Text: fmt.Sprintf("Ссылка первой настройки действует %d минут и только один раз. Чтобы получить новую, "+
			"перезапустите srok serve: пока в базе нет ни одного пользователя, он напечатает новую ссылку. "+
			"Или создайте администратора на сервере командой srok user create --role admin.",
			int(account.SetupTokenLife.Minutes())),
		Link: "/login", LinkText: "Ко входу",
	})
}

// checkSetup answers for a setup link that cannot create the first
// administrator now (used, expired or unknown, or a user exists), with its
// page; nil when the form may be shown or taken. It uses nothing up.
func (s *server) checkSetup(c echo.Context, token string) (handled bool, err error) {
	switch err := s.accounts.CheckSetupToken(c.Request().Context(), token); srok.ErrorCode(err) {
	case "":
		return false, nil
	case srok.ECONFLICT: // a user exists
		return true, s.setupDone(c)
	case srok.EFORBIDDEN:
		return true, s.setupInvalid(c)
	default:
		return true, s.fail(c, err)
	}
}

// setupForm shows the form of the first administrator while no user
// exists and the link's token is valid. It changes nothing: the token is
// checked, not used, until the form comes back.
func (s *server) setupForm(c echo.Context) error {
	if handled, err := s.checkSetup(c, c.QueryParam("token")); handled {
		return err
	}
	return s.render(c, http.StatusOK, "setup", newSetupPage(c.QueryParam("token")))
}

// setup creates the first administrator with the setup token, and signs
// them in.
func (s *server) setup(c echo.Context) error {
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, "/login")
	}
	ctx := c.Request().Context()
	// A link that cannot work is refused before its fields are looked at.
	if handled, err := s.checkSetup(c, form.Get("token")); handled {
		return err
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
