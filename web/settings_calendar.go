package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// CalendarFeeds are the signed-in user's own calendar feed
// (feeds.Service, which audits every creation and revocation).
type CalendarFeeds interface {
	Get(ctx context.Context) (feeds.Feed, error)
	Create(ctx context.Context) (secret string, f feeds.Feed, err error)
	Revoke(ctx context.Context) error
	URL(secret string) string
}

// calendarFeedPath is «Сроки в моём календаре»: the user's calendar feed.
const calendarFeedPath = "/settings/calendar"

// calendarFeedPages serve /settings/calendar.
type calendarFeedPages struct {
	*server
	svc CalendarFeeds
}

func mountCalendarFeed(e *echo.Echo, s *server, cfg Config) {
	if cfg.Feeds == nil {
		return
	}
	p := &calendarFeedPages{server: s, svc: cfg.Feeds}
	httpx.Get(e, calendarFeedPath, p.show)
	e.POST(calendarFeedPath, p.create)
	e.POST(calendarFeedPath+"/revoke", p.revoke)
}

// calendarFeedPage shows whether the user has a feed and, right after it
// was made, its address: this once, as an API token's secret.
type calendarFeedPage struct {
	page
	WorkCSS string
	// Allowed is false for a role that answers for no requests.
	Allowed bool
	Exists  bool
	// CreatedAt and LastReadAt are in the operator's zone; LastReadAt ""
	// when never read.
	CreatedAt, LastReadAt string
	// URL is the feed's address, set only on the answer that made it.
	URL           string
	Notice, Alert string
}

// user returns the signed-in user; ok false when the answer (sign in
// first) is written already. A feed is a person's, so an API token has no
// page here.
func (p *calendarFeedPages) user(c echo.Context) (srok.Actor, bool, error) {
	a, ok := srok.ActorFrom(c.Request().Context())
	if !ok || a.UserID == "" || a.TokenID != "" {
		return srok.Actor{}, false, p.signInFirst(c)
	}
	return a, true, nil
}

// view reads the user's feed into the page.
func (p *calendarFeedPages) view(ctx context.Context, a srok.Actor) (calendarFeedPage, error) {
	v := calendarFeedPage{page: newPage("Сроки в моём календаре"), WorkCSS: workCSSURL, Allowed: feeds.MayHaveFeed(a.Role)}
	f, err := p.svc.Get(ctx)
	switch srok.ErrorCode(err) {
	case "":
		v.Exists, v.CreatedAt = true, ru.DateTime(f.CreatedAt, p.zone())
		if f.LastReadAt != nil {
			v.LastReadAt = ru.DateTime(*f.LastReadAt, p.zone())
		}
	case srok.ENOTFOUND:
	default:
		return v, err
	}
	return v, nil
}

func (p *calendarFeedPages) show(c echo.Context) error {
	a, ok, err := p.user(c)
	if !ok {
		return err
	}
	v, err := p.view(c.Request().Context(), a)
	if err != nil {
		return p.fail(c, err)
	}
	if c.QueryParam("done") == "revoked" {
		v.Notice = "Подписка отозвана: календарь по старому адресу больше ничего не получит. Удалите его из своего календаря."
	}
	return p.render(c, http.StatusOK, "settings_calendar", v)
}

// create makes a new feed (replacing the old one) and shows its address
// in the answer itself: a redirect would have to carry the secret in a URL.
func (p *calendarFeedPages) create(c echo.Context) error {
	a, ok, err := p.user(c)
	if !ok {
		return err
	}
	if _, err := readForm(c); err != nil {
		return p.badForm(c, calendarFeedPath)
	}
	ctx := c.Request().Context()
	secret, _, err := p.svc.Create(ctx)
	switch srok.ErrorCode(err) {
	case "":
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	v, err := p.view(ctx, a)
	if err != nil {
		return p.fail(c, err)
	}
	v.URL = p.svc.URL(secret)
	v.Notice = "Подписка создана. Скопируйте адрес сейчас: он показывается только один раз."
	return p.render(c, http.StatusOK, "settings_calendar", v)
}

func (p *calendarFeedPages) revoke(c echo.Context) error {
	_, ok, err := p.user(c)
	if !ok {
		return err
	}
	if _, err := readForm(c); err != nil {
		return p.badForm(c, calendarFeedPath)
	}
	switch err := p.svc.Revoke(c.Request().Context()); srok.ErrorCode(err) {
	case "", srok.ENOTFOUND: // nothing left to revoke either way
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, calendarFeedPath+"?done=revoked")
}
