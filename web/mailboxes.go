package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Mailboxes are the mailboxes Srok fetches (mailbox.Service): listed, and
// their connection checked, for administrators and officers; connected and
// disconnected by administrators.
type Mailboxes interface {
	List(ctx context.Context, a srok.Actor) ([]mailbox.Mailbox, error)
	Check(ctx context.Context, a srok.Actor, id string) error
	Connect(ctx context.Context, a srok.Actor, c mailbox.Connection) (mailbox.Mailbox, error)
	Disconnect(ctx context.Context, a srok.Actor, id string) error
	// CanConnect reports whether the secret key is set.
	CanConnect() bool
}

// mailboxesPath is the page of the mailboxes.
const mailboxesPath = "/admin/mailboxes"

// mailboxPages are /admin/mailboxes.
type mailboxPages struct {
	*server
	mb   Mailboxes
	zone func() *time.Location
}

func mountMailboxes(e *echo.Echo, s *server, cfg Config) {
	if cfg.Mailboxes == nil {
		return
	}
	p := &mailboxPages{server: s, mb: cfg.Mailboxes, zone: operatorZone(s, cfg)}
	httpx.Get(e, mailboxesPath, p.list)
	e.POST(mailboxesPath+"/check", p.check)
	e.POST(mailboxesPath+"/connect", p.connect)
	e.POST(mailboxesPath+"/disconnect", p.disconnect)
}

// mailboxRow is a mailbox as listed, in Russian.
type mailboxRow struct {
	ID, Address, URL, Folder, State, LastFetch, Error, ErrorAt string
	Waiting                                                    int
	Failing, Active                                            bool
	// FromPage: connected by an administrator (it may be disconnected);
	// otherwise configured by SROK_IMAP_URL, read-only here.
	FromPage bool
}

// mailboxForm is the connection form as typed (never its password).
type mailboxForm struct {
	Address, Host, Port, TLS, Folder, DoneFolder string
}

// mailboxesPage lists the mailboxes; Checked is the result of a check.
type mailboxesPage struct {
	page
	WorkCSS   string
	Mailboxes []mailboxRow
	// CheckedID is the mailbox just checked; CheckOK whether it works,
	// CheckError what failed.
	CheckedID, CheckError string
	CheckOK               bool
	// CanManage: the viewer is an administrator; CanConnect: the secret
	// key is set, so the connection form is shown.
	CanManage, CanConnect bool
	Form                  mailboxForm
	// Errors are the form's problems by field, in Russian.
	Errors        map[string]string
	Alert, Notice string
}

func (p *mailboxPages) view(ctx context.Context, a srok.Actor) (mailboxesPage, error) {
	v := mailboxesPage{page: newPage("Почтовые ящики"), WorkCSS: workCSSURL, CanManage: a.Can(srok.ActOrganisationManage),
		CanConnect: p.mb.CanConnect(), Form: mailboxForm{TLS: "imaps", Folder: "INBOX"}, Errors: map[string]string{}}
	list, err := p.mb.List(ctx, a)
	if err != nil {
		return v, err
	}
	loc := p.zone()
	for _, m := range list {
		r := mailboxRow{ID: m.ID, Address: m.Address, URL: m.URL, Folder: m.Folder, State: ru.MailboxState(m.State),
			Waiting: m.Waiting, Error: mailboxErrorText(m), Failing: m.State == mailbox.StateFailing, Active: m.Active,
			LastFetch: "ещё не было", FromPage: m.Source == mailbox.SourcePage}
		if m.LastFetchAt != nil {
			r.LastFetch = ru.DateTime(*m.LastFetchAt, loc)
		}
		if m.ErrorAt != nil {
			r.ErrorAt = ru.DateTime(*m.ErrorAt, loc)
		}
		v.Mailboxes = append(v.Mailboxes, r)
	}
	return v, nil
}

func (p *mailboxPages) list(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActAuditRead, "")
	if !ok {
		return err
	}
	v, err := p.view(c.Request().Context(), a)
	if err != nil {
		return p.fail(c, err)
	}
	switch c.QueryParam("done") {
	case "connected":
		v.Notice = "Ящик подключён: Срок начнёт забирать из него письма в течение нескольких секунд."
	case "disconnected":
		v.Notice = "Ящик отключён: письма из него больше не забираются, полученные остаются во входящих."
	}
	return p.render(c, http.StatusOK, "admin_mailboxes", v)
}

// connect tests the connection of the mailbox typed in the form and, when
// it works, connects it; otherwise the form comes back as typed (without
// the password), the problem next to the field it concerns, and nothing is
// stored.
func (p *mailboxPages) connect(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionMailboxConnect)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, mailboxesPath)
	}
	f := mailboxForm{Address: form.Get("address"), Host: form.Get("host"), Port: strings.TrimSpace(form.Get("port")),
		TLS: form.Get("tls"), Folder: form.Get("folder"), DoneFolder: form.Get("done_folder")}
	conn := mailbox.Connection{Address: f.Address, Password: form.Get("password"), Host: f.Host, TLS: f.TLS, Folder: f.Folder,
		DoneFolder: f.DoneFolder}
	ctx := c.Request().Context()
	var cerr error
	if f.Port != "" {
		n, perr := strconv.Atoi(f.Port)
		if perr != nil {
			cerr = srok.Invalid(srok.FieldError{Field: "port", Problem: "not a number"})
		}
		conn.Port = n
	}
	if cerr == nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, cerr = p.mb.Connect(cctx, a, conn)
		cancel()
	}
	if cerr == nil {
		return c.Redirect(http.StatusSeeOther, mailboxesPath+"?done=connected")
	}
	var se *srok.Error
	if !errors.As(cerr, &se) {
		return p.fail(c, cerr)
	}
	v, err := p.view(ctx, a)
	if err != nil {
		return p.fail(c, err)
	}
	v.Form = f
	status := http.StatusUnprocessableEntity
	switch {
	case se.Code == srok.EFORBIDDEN:
		return p.noRights(c)
	case se.Reason == "secret_key_missing":
		status, v.Alert = http.StatusConflict, "Ящик не подключён: на сервере не задан ключ шифрования паролей (SROK_SECRET_KEY_FILE)."
	case se.Code == srok.ECONFLICT:
		status = http.StatusConflict
		v.Errors["address"] = "Этот ящик уже подключён. Чтобы сменить пароль, отключите его и подключите заново."
		v.Alert = "Ящик не подключён: он уже есть в списке."
	case se.Code == srok.EINVALID && strings.HasPrefix(se.Reason, "mailbox_"):
		// The test of the connection failed: the reason is the code.
		code := mailbox.Code(strings.TrimPrefix(se.Reason, "mailbox_"))
		for _, fe := range se.Fields {
			v.Errors[fe.Field] = ru.Capitalize(ru.MailboxCheckError(code)) + "."
		}
		v.Alert = "Подключение не работает, ящик не сохранён: " + ru.MailboxCheckError(code) + "."
	case se.Code == srok.EINVALID:
		for _, fe := range se.Fields {
			v.Errors[fe.Field] = ru.Capitalize(ru.MailboxFieldProblem(fe.Field)) + "."
		}
		v.Alert = "Ящик не подключён: исправьте отмеченные поля."
	default:
		return p.fail(c, cerr)
	}
	return p.render(c, status, "admin_mailboxes", v)
}

// disconnect disconnects a mailbox connected from the page.
func (p *mailboxPages) disconnect(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionMailboxDisconnect)
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, mailboxesPath)
	}
	derr := p.mb.Disconnect(c.Request().Context(), a, form.Get("id"))
	switch srok.ErrorCode(derr) {
	case "":
		return c.Redirect(http.StatusSeeOther, mailboxesPath+"?done=disconnected")
	case srok.ENOTFOUND:
		return p.showMessage(c, http.StatusNotFound, message{Heading: "Ящик не найден",
			Text: "Такого подключённого ящика нет: возможно, его уже отключили.", Link: mailboxesPath, LinkText: "К почтовым ящикам"})
	case srok.ECONFLICT:
		return p.showMessage(c, http.StatusConflict, message{Heading: "Ящик задан в настройках сервера",
			Text: "Этот ящик задан переменной окружения SROK_IMAP_URL: уберите его оттуда и перезапустите Срок.", Link: mailboxesPath, LinkText: "К почтовым ящикам"})
	case srok.EFORBIDDEN:
		return p.noRights(c)
	}
	return p.fail(c, derr)
}

// check connects to the mailbox (TLS, login, folder) and shows the result
// on the list.
func (p *mailboxPages) check(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActAuditRead, "")
	if !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, "/admin/mailboxes")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second)
	defer cancel()
	id := form.Get("id")
	cerr := p.mb.Check(ctx, a, id)
	switch srok.ErrorCode(cerr) {
	case srok.ENOTFOUND:
		return p.showMessage(c, http.StatusNotFound, message{Heading: "Ящик не найден",
			Text: "Такого ящика нет в настройках этого сервера: возможно, список устарел.", Link: "/admin/mailboxes", LinkText: "К почтовым ящикам"})
	case srok.EFORBIDDEN:
		return p.noRights(c)
	}
	v, err := p.view(c.Request().Context(), a)
	if err != nil {
		return p.fail(c, err)
	}
	v.CheckedID, v.CheckOK = id, cerr == nil
	if cerr != nil {
		v.CheckError = ru.MailboxError(mailbox.CodeOf(cerr))
	}
	return p.render(c, http.StatusOK, "admin_mailboxes", v)
}

// mailboxField is one field of the connection form.
type mailboxField struct {
	Name, ID, Label, Type, Value, Auto, Hint, Error string
}

func newMailboxField(name, id, label, typ, value, auto, hint, err string) mailboxField {
	return mailboxField{Name: name, ID: id, Label: label, Type: typ, Value: value, Auto: auto, Hint: hint, Error: err}
}

// mailboxErrorText is a mailbox's last error in Russian: for one connected
// from the page, the advice of the connection form (not SROK_IMAP_URL's).
func mailboxErrorText(m mailbox.Mailbox) string {
	if m.Source == mailbox.SourcePage && m.LastError != "" {
		return ru.MailboxCheckError(m.LastError)
	}
	return ru.MailboxError(m.LastError)
}
