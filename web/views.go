package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

//go:embed templates/*.html static/srok.css
var assets embed.FS

// stylesheetPath is where the stylesheet is served.
const stylesheetPath = "/static/srok.css"

// css is the embedded stylesheet, and cssURL its URL with a digest of its
// content: the URL changes whenever the file does, so that browsers may
// keep it for a year.
var css, cssURL = func() ([]byte, string) {
	b, err := assets.ReadFile("static/srok.css")
	if err != nil {
		panic(err) // embedded: it exists
	}
	sum := sha256.Sum256(b)
	return b, stylesheetPath + "?v=" + hex.EncodeToString(sum[:6])
}()

// views are the pages, each a template set of its own: the layout with
// the page's "content".
type views struct {
	pages map[string]*template.Template
}

// parseViews parses every page with the layout, once, at start-up.
func parseViews() (*views, error) {
	funcs := template.FuncMap{"role": ru.Role}
	for k, f := range pageFuncs {
		funcs[k] = f
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", n, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// page is what every page shows around its content.
type page struct {
	// Title names the page in the browser's tab, before " — Срок".
	Title      string
	Stylesheet string
}

func newPage(title string) page { return page{Title: title, Stylesheet: cssURL} }

// base returns the page of a page's data (each embeds page).
func (p page) base() page { return p }

// render writes the page name with data and status. A page is rendered
// whole before a byte is sent, so that a template error is a clean 500.
func (s *server) render(c echo.Context, status int, name string, data any) error {
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", s.layoutOf(c, data)); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	return c.HTMLBlob(status, b.Bytes())
}

// message is a page that says one thing and offers one way on.
type message struct {
	page
	Heading string
	Text    string
	// Link and LinkText lead on; none when empty.
	Link, LinkText string
}

// showMessage renders a message page.
func (s *server) showMessage(c echo.Context, status int, m message) error {
	if m.Title == "" {
		m.page = newPage(m.Heading)
	}
	return s.render(c, status, "message", m)
}

// fail renders, as a page, an error a handler did not expect of its
// input: the database unreachable (503, with Retry-After), the client gone,
// or a bug (500, logged with the request id, whose cause is never shown).
func (s *server) fail(c echo.Context, err error) error {
	ctx := c.Request().Context()
	if srok.ErrorCode(err) == srok.EUNAVAILABLE || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		s.log.WarnContext(ctx, "web: unavailable", "route", c.Path(), "error", err.Error())
		c.Response().Header().Set("Retry-After", strconv.Itoa(httpx.RetryAfter))
		return s.showMessage(c, http.StatusServiceUnavailable, message{
			Heading: "Срок временно недоступен",
			Text:    "База данных не отвечает. Повторите через минуту.",
			Link:    c.Request().URL.Path, LinkText: "Повторить",
		})
	}
	id := c.Response().Header().Get(echo.HeaderXRequestID)
	s.log.ErrorContext(ctx, "web: request failed", "route", c.Path(), "request_id", id, "error", err.Error())
	return s.showMessage(c, http.StatusInternalServerError, message{
		Heading: "Что-то пошло не так",
		Text:    "Ошибка на стороне сервера записана в журнал под номером запроса " + id + ".",
		Link:    "/", LinkText: "На главную",
	})
}

// stylesheet serves the stylesheet. Its URL carries a digest of its
// content, so browsers keep it for a year.
func (s *server) stylesheet(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
}
