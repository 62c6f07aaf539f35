package web

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// UserAdmin is what the administration pages ask of the accounts
// (account.Service): every change goes through its audited methods.
type UserAdmin interface {
	Users(ctx context.Context) ([]account.User, error)
	CreateUser(ctx context.Context, in account.UserInput) (account.User, error)
	SetRole(ctx context.Context, email string, role srok.Role) (bool, error)
	DisableUser(ctx context.Context, email string) (bool, error)
	EnableUser(ctx context.Context, email string) (bool, error)
	SetPassword(ctx context.Context, email, password string) error
	Tokens(ctx context.Context, userEmail string) ([]account.Token, error)
	CreateToken(ctx context.Context, in account.TokenInput) (string, account.Token, error)
	RevokeToken(ctx context.Context, id string) error
}

// adminPages are the administration of users (/admin/users) and tokens
// (/admin/tokens), for administrators only.
type adminPages struct {
	*server
	acc UserAdmin
	// zone is the operator's time zone, which dates are shown in.
	zone func() *time.Location
}

func mountAdmin(e *echo.Echo, s *server, cfg Config) {
	if cfg.UserAdmin == nil {
		return
	}
	p := &adminPages{server: s, acc: cfg.UserAdmin, zone: operatorZone(s, cfg)}
	httpx.Get(e, "/admin/users", p.users)
	e.POST("/admin/users", p.createUser)
	e.POST("/admin/users/role", p.setRole)
	e.POST("/admin/users/disable", p.disable)
	e.POST("/admin/users/enable", p.enable)
	e.POST("/admin/users/password", p.resetPassword)
	httpx.Get(e, "/admin/tokens", p.tokens)
	e.POST("/admin/tokens", p.createToken)
	e.POST("/admin/tokens/revoke", p.revoke)
}

// adminUser is a user as listed.
type adminUser struct {
	Email, Name, Role, RoleName, Created string
	Active, Self                         bool
}

// usersPage lists the users, with the form of a new one.
type usersPage struct {
	page
	WorkCSS string
	Users   []adminUser
	Roles   []option
	// New is the new user's form as typed (never the password).
	NewEmail, NewName, NewRole string
	// NewMode is "typed" when the password is typed, not generated.
	NewMode string
	Errors  map[string]string
	// Notice says what was done; Password is a generated password, shown
	// this once.
	Notice, Password, PasswordFor string
	Alert                         string
	MinPassword                   int
}

func (p *adminPages) usersPage(ctx context.Context, me srok.Actor) (usersPage, error) {
	v := usersPage{page: newPage("Пользователи"), WorkCSS: workCSSURL, Errors: map[string]string{},
		NewRole: string(srok.RoleOperator), MinPassword: account.MinPasswordLen}
	users, err := p.acc.Users(ctx)
	if err != nil {
		return v, err
	}
	for _, u := range users {
		v.Users = append(v.Users, adminUser{Email: u.Email, Name: u.Name, Role: string(u.Role), RoleName: ru.Role(u.Role),
			Created: ru.Day(u.CreatedAt, p.zone()), Active: u.Active, Self: u.ID == me.UserID})
	}
	return v, nil
}

// RoleOptions are the roles for a select with sel chosen.
func (v usersPage) RoleOptions(sel string) []option {
	var out []option
	for _, r := range srok.Roles() {
		out = append(out, option{Value: string(r), Label: ru.Role(r), Selected: string(r) == sel})
	}
	return out
}

func (p *adminPages) users(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActUserManage, "")
	if !ok {
		return err
	}
	v, err := p.usersPage(c.Request().Context(), a)
	if err != nil {
		return p.fail(c, err)
	}
	switch c.QueryParam("done") {
	case "role":
		v.Notice = "Роль изменена."
	case "disable":
		v.Notice = "Пользователь отключён: войти он больше не может, его сеансы и токены не действуют."
	case "enable":
		v.Notice = "Пользователь снова может войти."
	case "same":
		v.Notice = "Ничего не изменилось."
	}
	return p.render(c, http.StatusOK, "admin_users", v)
}

// createUser creates a user with the password typed, or a generated one
// shown this once.
func (p *adminPages) createUser(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActUserManage, audit.ActionUserCreate)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/users")
	}
	ctx := c.Request().Context()
	in := account.UserInput{Email: strings.TrimSpace(form.Get("email")), Name: strings.TrimSpace(form.Get("name")),
		Role: srok.Role(form.Get("role")), Password: form.Get("password")}
	generated := form.Get("password_mode") != "typed"
	if generated {
		// 26 characters of base32: 130 random bits.
		in.Password = strings.ToLower(rand.Text())
	}
	var u account.User
	var cerr error = srok.Invalid(srok.FieldError{Field: "password", Problem: "is required"})
	if in.Password != "" {
		u, cerr = p.acc.CreateUser(ctx, in)
	}
	v, err := p.usersPage(ctx, a)
	if err != nil {
		return p.fail(c, err)
	}
	if !generated {
		v.NewMode = "typed"
	}
	var se *srok.Error
	switch {
	case cerr == nil:
		v.Notice = "Пользователь " + u.Email + " создан."
		if generated {
			v.Password, v.PasswordFor = in.Password, u.Email
		}
		return p.render(c, http.StatusOK, "admin_users", v)
	case srok.ErrorCode(cerr) == srok.ECONFLICT:
		v.Errors["email"] = "Пользователь с таким адресом уже есть."
	case srok.ErrorCode(cerr) == srok.EINVALID && errors.As(cerr, &se):
		for _, f := range se.Fields {
			v.Errors[f.Field] = adminProblem(f.Field)
		}
	case srok.ErrorCode(cerr) == srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, cerr)
	}
	v.NewEmail, v.NewName, v.NewRole = in.Email, in.Name, string(in.Role)
	v.Alert = "Пользователь не создан: исправьте отмеченные поля."
	return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
}

// adminProblem says in Russian what the account's rules want of a field.
func adminProblem(field string) string {
	switch field {
	case "role":
		return "Выберите роль из списка."
	case "password":
		return "Пароль должен быть не короче " + strconv.Itoa(account.MinPasswordLen) + " и не длиннее " +
			strconv.Itoa(account.MaxPasswordLen) + " знаков."
	case "user":
		return "Нет пользователя с таким адресом."
	case "name":
		return "Нужно имя до 300 знаков, без управляющих символов."
	case "email":
		return "Нужен адрес электронной почты вида name@example.ru."
	case "expires_in_days":
		return "Укажите от 1 до 3650 дней или оставьте пустым: токен будет действовать до отзыва."
	}
	return setupProblem(field)
}

// resetPassword sets a user's password, typed or generated (shown this
// once), and so ends every session of theirs at once
// (account.Service.SetPassword). An administrator's own password is
// changed on /settings/password, with the current one.
func (p *adminPages) resetPassword(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActUserManage, audit.ActionUserPassword)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/users")
	}
	ctx := c.Request().Context()
	email, password := strings.TrimSpace(form.Get("email")), form.Get("password")
	generated := password == ""
	if generated {
		// 26 characters of base32: 130 random bits.
		password = strings.ToLower(rand.Text())
	}
	v, err := p.usersPage(ctx, a)
	if err != nil {
		return p.fail(c, err)
	}
	if strings.EqualFold(email, a.Email) {
		v.Alert = "Свой пароль меняйте на странице «Сменить пароль»: там нужен текущий пароль."
		return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
	}
	err = p.acc.SetPassword(ctx, email, password)
	switch srok.ErrorCode(err) {
	case "":
	case srok.ENOTFOUND:
		v.Alert = "Пароль не задан: " + adminProblem("user")
		return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
	case srok.EINVALID:
		v.Alert = "Пароль не задан. " + adminProblem("password")
		return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	v.Notice = "Пароль пользователя " + email + " изменён, все его сеансы завершены."
	if generated {
		v.Password, v.PasswordFor = password, email
	}
	return p.render(c, http.StatusOK, "admin_users", v)
}

// changeUser applies one change to the user named by the form's email and
// goes back to the list.
func (p *adminPages) changeUser(c echo.Context, denied audit.Action, change func(ctx context.Context, email string, form url.Values) (bool, error), done string) error {
	a, ok, err := p.actorFor(c, srok.ActUserManage, denied)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/users")
	}
	ctx := c.Request().Context()
	email := strings.TrimSpace(form.Get("email"))
	if strings.EqualFold(email, a.Email) {
		// An administrator who demotes or disables themselves may leave
		// Srok with no one to manage it.
		v, err := p.usersPage(ctx, a)
		if err != nil {
			return p.fail(c, err)
		}
		v.Alert = "Свою роль и доступ изменить нельзя: попросите другого администратора."
		return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
	}
	changed, err := change(ctx, email, form)
	switch srok.ErrorCode(err) {
	case "":
	case srok.ENOTFOUND, srok.EINVALID:
		v, lerr := p.usersPage(ctx, a)
		if lerr != nil {
			return p.fail(c, lerr)
		}
		v.Alert = "Не изменено: нет такого пользователя или такой роли."
		return p.render(c, http.StatusUnprocessableEntity, "admin_users", v)
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	if !changed {
		done = "same"
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done="+done)
}

func (p *adminPages) setRole(c echo.Context) error {
	return p.changeUser(c, audit.ActionUserEdit, func(ctx context.Context, email string, form url.Values) (bool, error) {
		return p.acc.SetRole(ctx, email, srok.Role(form.Get("role")))
	}, "role")
}

func (p *adminPages) disable(c echo.Context) error {
	return p.changeUser(c, audit.ActionUserDisable, func(ctx context.Context, email string, _ url.Values) (bool, error) {
		return p.acc.DisableUser(ctx, email)
	}, "disable")
}

func (p *adminPages) enable(c echo.Context) error {
	return p.changeUser(c, audit.ActionUserEdit, func(ctx context.Context, email string, _ url.Values) (bool, error) {
		return p.acc.EnableUser(ctx, email)
	}, "enable")
}

// adminToken is a token as listed: never its secret.
type adminToken struct {
	ID, User, Name, Scope, Created, Expires, LastUsed, Revoked string
	Valid                                                      bool
}

// tokensPage lists every token, with the form of a new one.
type tokensPage struct {
	page
	WorkCSS string
	Tokens  []adminToken
	Users   []option
	// The new token's form as typed.
	NewUser, NewName, NewScope, NewDays string
	Errors                              map[string]string
	Alert, Notice                       string
	// Secret is the new token's secret, shown this once; SecretName its
	// name.
	Secret, SecretName string
}

func (p *adminPages) tokensPage(ctx context.Context, me srok.Actor) (tokensPage, error) {
	v := tokensPage{page: newPage("Токены API"), WorkCSS: workCSSURL, Errors: map[string]string{}, NewUser: me.Email}
	ts, err := p.acc.Tokens(ctx, "")
	if err != nil {
		return v, err
	}
	loc, now := p.zone(), p.now()
	day := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return ru.Day(*t, loc)
	}
	for _, t := range ts {
		scope := "все права пользователя"
		if t.Scope == srok.ScopeIntake {
			scope = "только приём обращений"
		}
		v.Tokens = append(v.Tokens, adminToken{ID: t.ID, User: t.UserEmail, Name: t.Name, Scope: scope,
			Created: day(&t.CreatedAt, ""), Expires: day(t.ExpiresAt, "бессрочно"), LastUsed: day(t.LastUsedAt, "не использовался"),
			Revoked: day(t.RevokedAt, ""), Valid: t.Valid(now)})
	}
	users, err := p.acc.Users(ctx)
	if err != nil {
		return v, err
	}
	for _, u := range users {
		if u.Active {
			v.Users = append(v.Users, option{Value: u.Email, Label: u.Name + " (" + u.Email + ")"})
		}
	}
	return v, nil
}

// UserOptions are the users for the select, the typed one chosen.
func (v tokensPage) UserOptions() []option {
	out := make([]option, len(v.Users))
	for i, o := range v.Users {
		o.Selected = strings.EqualFold(o.Value, v.NewUser)
		out[i] = o
	}
	return out
}

func (p *adminPages) tokens(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActTokenManage, "")
	if !ok {
		return err
	}
	v, err := p.tokensPage(c.Request().Context(), a)
	if err != nil {
		return p.fail(c, err)
	}
	if c.QueryParam("done") == "revoke" {
		v.Notice = "Токен отозван: он больше не действует."
	}
	return p.render(c, http.StatusOK, "admin_tokens", v)
}

// createToken issues a token and shows its secret this once: the page is
// not redirected, and the secret is never stored nor shown again.
func (p *adminPages) createToken(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActTokenManage, audit.ActionTokenCreate)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/tokens")
	}
	ctx := c.Request().Context()
	user, name := strings.TrimSpace(form.Get("user")), strings.TrimSpace(form.Get("name"))
	scope, days := form.Get("scope"), strings.TrimSpace(form.Get("expires_in_days"))
	errs := map[string]string{}
	n := 0
	if days != "" {
		var cerr error
		n, cerr = strconv.Atoi(days)
		if cerr != nil || n < 0 || n > 3650 {
			errs["expires_in_days"] = adminProblem("expires_in_days")
		}
	}
	if scope != "" && scope != string(srok.ScopeIntake) {
		errs["scope"] = "Выберите права токена из списка."
	}
	var secret string
	var cerr error
	if len(errs) == 0 {
		secret, _, cerr = p.acc.CreateToken(ctx, account.TokenInput{UserEmail: user, Name: name, Scope: srok.Scope(scope),
			ExpiresIn: time.Duration(n) * 24 * time.Hour})
		var se *srok.Error
		switch {
		case cerr == nil:
		case srok.ErrorCode(cerr) == srok.ENOTFOUND:
			errs["user"] = adminProblem("user")
		case srok.ErrorCode(cerr) == srok.EINVALID && errors.As(cerr, &se):
			for _, f := range se.Fields {
				field, msg := tokenProblem(f)
				errs[field] = msg
			}
		case srok.ErrorCode(cerr) == srok.EFORBIDDEN:
			return p.noRights(c)
		default:
			return p.fail(c, cerr)
		}
	}
	v, err := p.tokensPage(ctx, a)
	if err != nil {
		return p.fail(c, err)
	}
	if len(errs) > 0 {
		v.Errors = errs
		v.NewUser, v.NewName, v.NewScope, v.NewDays = user, name, scope, days
		v.Alert = "Токен не создан: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "admin_tokens", v)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	v.Secret, v.SecretName = secret, name
	return p.render(c, http.StatusOK, "admin_tokens", v)
}

func (p *adminPages) revoke(c echo.Context) error {
	_, ok, err := p.actorFor(c, srok.ActTokenManage, audit.ActionTokenRevoke)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/tokens")
	}
	switch err := p.acc.RevokeToken(c.Request().Context(), form.Get("id")); srok.ErrorCode(err) {
	case "":
	case srok.ENOTFOUND, srok.EINVALID:
		return p.showMessage(c, http.StatusNotFound, message{Heading: "Токен не найден",
			Text: "Такого токена нет: возможно, список устарел.", Link: "/admin/tokens", LinkText: "К списку токенов"})
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/tokens?done=revoke")
}

// tokenProblem maps a field the accounts refused in a new token to the
// form's field, in Russian.
func tokenProblem(f srok.FieldError) (field, msg string) {
	switch f.Field {
	case "user":
		if strings.Contains(f.Problem, "disabled") {
			return "user", "Пользователь отключён: токен ему не выдать."
		}
		if strings.HasPrefix(f.Problem, "is required") {
			return "user", "Выберите пользователя, от имени которого действует токен."
		}
		return "user", adminProblem("user")
	case "name":
		return "name", "Назовите токен (до 300 знаков): по имени его узнают в журнале."
	case "scope":
		if strings.Contains(f.Problem, "intake token") {
			return "scope", "Роль этого пользователя не позволяет регистрировать обращения: токен приёма ему не выдать."
		}
		return "scope", "Выберите права токена из списка."
	case "expires":
		return "expires_in_days", adminProblem("expires_in_days")
	}
	return f.Field, adminProblem(f.Field)
}

// operatorZone is the operator's time zone: the register's, or else the
// clock's.
func operatorZone(s *server, cfg Config) func() *time.Location {
	if cfg.Register != nil {
		return cfg.Register.Zone
	}
	return func() *time.Location { return s.now().Location() }
}
