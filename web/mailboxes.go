package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Mailboxes are the mailboxes Srok fetches (mailbox.Service): listed, and
// their connection checked, for administrators and officers.
type Mailboxes interface {
	List(ctx context.Context, a srok.Actor) ([]mailbox.Mailbox, error)
	Check(ctx context.Context, a srok.Actor, id string) error
}

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
	httpx.Get(e, "/admin/mailboxes", p.list)
	e.POST("/admin/mailboxes/check", p.check)
}

// mailboxRow is a mailbox as listed, in Russian.
type mailboxRow struct {
	ID, Address, URL, Folder, State, LastFetch, Error, ErrorAt string
	Waiting                                                    int
	Failing, Active                                            bool
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
}

func (p *mailboxPages) view(ctx context.Context, a srok.Actor) (mailboxesPage, error) {
	v := mailboxesPage{page: newPage("Почтовые ящики"), WorkCSS: workCSSURL}
	list, err := p.mb.List(ctx, a)
	if err != nil {
		return v, err
	}
	loc := p.zone()
	for _, m := range list {
		r := mailboxRow{ID: m.ID, Address: m.Address, URL: m.URL, Folder: m.Folder, State: ru.MailboxState(m.State),
			Waiting: m.Waiting, Error: ru.MailboxError(m.LastError), Failing: m.State == mailbox.StateFailing, Active: m.Active,
			LastFetch: "ещё не было"}
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
	return p.render(c, http.StatusOK, "admin_mailboxes", v)
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
