package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// EmailReader is what a request's page asks of the stored emails
// (intake.Service): the email the request was registered from.
type EmailReader interface {
	// Get returns the stored email with id as actor a may see it.
	Get(ctx context.Context, a srok.Actor, id string) (*intake.Email, error)
}

// requestRegister is what the request pages ask of the register
// (register.Service).
type requestRegister interface {
	Zone() *time.Location
	Dashboard(ctx context.Context, top int) (*register.Dashboard, error)
	List(ctx context.Context, f register.Filter, cursor string) (register.Page, error)
	Get(ctx context.Context, id string) (*register.Request, error)
	Timeline(ctx context.Context, id string, afterID int64, limit int) (*register.Request, []register.Event, error)
	Assign(ctx context.Context, id string, version int, assignee string) (*register.Request, error)
	Extend(ctx context.Context, id string, version int, in register.ExtendInput) (*register.Request, error)
	Answer(ctx context.Context, id string, version int, in register.AnswerInput) (*register.Request, error)
	Refuse(ctx context.Context, id string, version int, in register.AnswerInput) (*register.Request, error)
	Close(ctx context.Context, id string, version int, note string) (*register.Request, error)
	Cancel(ctx context.Context, id string, version int, in register.CancelInput) (*register.Request, error)
	AddNote(ctx context.Context, id string, text string) (register.Event, *register.Request, error)
}

// workdays counts working days (calendar.Calendar).
type workdays interface {
	WorkingDaysBetween(a, b calendar.Date) (int, error)
	NthWorkingDayAfter(d calendar.Date, n int) (calendar.Date, error)
}

// mountRequests adds the pages of the register: the list and its CSV, a
// request's page and its actions. The overview is the landing page (/).
// The register, the calendar and the emails are asked for what these
// pages need of them.
func (s *server) mountRequests(e *echo.Echo, cfg Config) {
	reg, ok := any(cfg.Register).(requestRegister)
	if !ok {
		panic("web: Config.Register cannot serve the request pages")
	}
	cal, ok := any(cfg.Calendar).(workdays)
	if cfg.Calendar == nil || !ok {
		panic("web: Mount needs Config.Calendar with Config.Register")
	}
	s.reg, s.cal, s.emailOf = reg, cal, cfg.EmailOf
	if cfg.Emails != nil {
		s.emails, _ = any(cfg.Emails).(EmailReader)
	}
	if s.emailOf == nil {
		s.emailOf = emailIDField
	}
	httpx.Get(e, "/requests", s.signedIn(s.requestList))
	httpx.Get(e, "/requests.csv", s.signedIn(s.requestsCSV))
	httpx.Get(e, "/requests/:id", s.signedIn(s.detail))
	for _, a := range detailActions {
		e.POST("/requests/:id/"+a.name, s.signedIn(s.act(a)))
	}
	if s.issuer != nil {
		e.POST("/requests/:id/letters/:kind", s.signedIn(s.issueLetter))
		e.POST("/requests/:id/issued-letters/:letter", s.signedIn(s.postLetter))
	}
	// A mistyped page under /requests is a page too, not the API's JSON.
	e.RouteNotFound("/requests/*", s.signedIn(s.notFound))
}

// notFound is the page of a page that is not there.
func (s *server) notFound(c echo.Context) error {
	return s.showMessage(c, http.StatusNotFound, message{Heading: "Страница не найдена",
		Text: "Такой страницы в Сроке нет. Проверьте адрес.", Link: "/", LinkText: "На главную"})
}

// emailIDField is the id of the email request r was registered from, ""
// when none.
func emailIDField(r *register.Request) string {
	if r == nil {
		return ""
	}
	return r.EmailID
}

// signedIn lets only a signed-in user through; an anonymous browser is
// sent to sign in, and back to the page it asked for afterwards.
func (s *server) signedIn(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := srok.ActorFrom(c.Request().Context()); ok {
			return h(c)
		}
		return s.toLogin(c)
	}
}

// toLogin sends an anonymous browser to the sign-in page, with the page it
// asked for (a GET's path and query) as where to go next.
func (s *server) toLogin(c echo.Context) error {
	next := "/"
	if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
		next = c.Request().URL.RequestURI()
	}
	if localPath(next) == "" {
		next = "/"
	}
	to := "/login?next=" + url.QueryEscape(next)
	if c.Request().Header.Get("HX-Request") == "true" {
		// htmx refreshing a part of a page whose session ended: the
		// whole page goes to sign in, not a part of it.
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// pageError renders an error of the register as a page: 404 for a request
// that is not there or not the user's to see, 403 for what the role does
// not allow, 409 for an action the request's state refuses, 400 for input
// no browser sends; anything else is fail's.
func (s *server) pageError(c echo.Context, err error) error {
	switch srok.ErrorCode(err) {
	case srok.ENOTFOUND:
		return s.showMessage(c, http.StatusNotFound, message{Heading: "Не найдено",
			Text: "Такого обращения нет, или оно вам не видно.", Link: "/requests", LinkText: "К списку обращений"})
	case srok.EFORBIDDEN:
		return s.forbidden(c)
	case srok.ECONFLICT, srok.EPRECONDITION:
		return s.showMessage(c, http.StatusConflict, message{Heading: "Действие невозможно",
			Text: "Обращение в таком состоянии, что это действие к нему не применимо. Откройте его заново.",
			Link: "/requests", LinkText: "К списку обращений"})
	case srok.EINVALID, srok.EMALFORMED:
		return s.showMessage(c, http.StatusBadRequest, message{Heading: "Неверный запрос",
			Text: "Адрес страницы содержит значения, которые Срок не понимает. Откройте страницу заново.",
			Link: "/requests", LinkText: "К списку обращений"})
	}
	return s.fail(c, err)
}

// forbidden is the page of what the user's role does not allow.
func (s *server) forbidden(c echo.Context) error {
	return s.showMessage(c, http.StatusForbidden, message{Heading: "Недостаточно прав",
		Text: "Ваша роль не позволяет это действие. Если оно нужно вам по работе, обратитесь к администратору Срока.",
		Link: "/", LinkText: "На главную"})
}

// term is how much time an obligation has left, read at today: working
// days to the internal target and to the legal date, or how late it is.
type term struct {
	// Due and Target are the legal date (extension included) and the
	// internal target, as 18.05.2026.
	Due, Target string
	// Late is set once the term ran out; LateText says by how much.
	Late     bool
	LateText string
	// DueLeft and TargetLeft say the working days left; TargetPassed is
	// set once the internal target is behind.
	DueLeft, TargetLeft string
	TargetPassed        bool
	// Urgency is "overdue", "today", "soon" or "" (the colour cue; the
	// text says it too).
	Urgency string
}

// termOf is o's term at now, dates read in loc.
func (s *server) termOf(o register.Obligation, now time.Time, loc *time.Location) (t term) {
	today := calendar.DateOf(now.In(loc))
	due := o.EffectiveDue()
	t = term{Due: ru.Date(due), Target: ru.Date(o.Target)}
	if o.Status != register.ObligationOpen {
		return t
	}
	// A term of hours ends at an hour, not with its day.
	hours := ""
	if at := o.EffectiveDueAt(); !at.Equal(due.End(loc)) {
		hours = " (до " + ru.Clock(at, loc) + ")"
	}
	defer func() {
		if !t.Late {
			t.DueLeft += hours
		}
	}()
	if !now.Before(o.EffectiveDueAt()) {
		t.Late, t.Urgency = true, "overdue"
		t.TargetPassed, t.TargetLeft = true, "внутренний срок прошёл"
		if n := int(today - due); n > 0 {
			t.LateText = "просрочено на " + ru.Days(n)
		} else {
			t.LateText = "просрочено сегодня"
		}
		return t
	}
	left := s.workingDaysLeft(today, due)
	switch {
	case due <= today:
		t.DueLeft, t.Urgency = "последний день — сегодня", "today"
	default:
		t.DueLeft = "осталось " + ru.WorkingDays(left)
		if soon, err := s.cal.NthWorkingDayAfter(today, register.SoonWorkingDays); err == nil && due <= soon {
			t.Urgency = "soon"
		}
	}
	switch {
	case o.Target < today:
		t.TargetPassed, t.TargetLeft = true, "внутренний срок прошёл"
	case o.Target == today:
		t.TargetLeft = "внутренний срок — сегодня"
	default:
		t.TargetLeft = "до внутреннего срока " + ru.WorkingDays(s.workingDaysLeft(today, o.Target))
	}
	return t
}

// workingDaysLeft counts the working days after today up to and including
// d, or the calendar days when d is beyond the calendar.
func (s *server) workingDaysLeft(today, d calendar.Date) int {
	n, err := s.cal.WorkingDaysBetween(today, d)
	if err != nil {
		return int(d - today)
	}
	return n
}

// nextObligation is r's open obligation that runs out first, or nil.
func nextObligation(r *register.Request) *register.Obligation {
	var next *register.Obligation
	for i := range r.Obligations {
		o := &r.Obligations[i]
		if o.Status != register.ObligationOpen {
			continue
		}
		if next == nil || o.EffectiveDueAt().Before(next.EffectiveDueAt()) {
			next = o
		}
	}
	return next
}
