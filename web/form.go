package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
)

// maxForm is the largest form body read: the forms here are a few short
// fields.
const maxForm = 64 << 10

// errForm is a form body that cannot be read.
var errForm = errors.New("web: the form cannot be read")

// readForm reads a form posted as application/x-www-form-urlencoded, as
// strictly as the query strings (httpx.ParseQuery): values that are not
// clean text are refused, not dropped.
func readForm(c echo.Context) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationForm {
		return nil, errForm
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxForm))
	if err != nil {
		return nil, errForm
	}
	v, err := httpx.ParseQuery(string(b))
	if err != nil {
		return nil, errForm
	}
	return v, nil
}

// badForm is the page of a form that cannot be read: a browser sends
// none such, so it is a client's mistake, shown without what was sent.
func (s *server) badForm(c echo.Context, back string) error {
	return s.showMessage(c, http.StatusBadRequest, message{
		Heading: "Форма не прочитана",
		Text:    "Браузер прислал форму, которую нельзя прочитать. Откройте страницу заново и заполните форму ещё раз.",
		Link:    back, LinkText: "Открыть заново",
	})
}

// localPath returns next when it is a path on this site to send a browser
// to after sign-in, and "" otherwise: an absolute URL, "//host" (another
// site without a scheme) or "/\host" (the same to browsers) would make the
// sign-in page an open redirect.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") ||
		httpx.TextProblem(next) != "" {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// orHome is path, or "/" when it is "".
func orHome(path string) string {
	if path == "" {
		return "/"
	}
	return path
}
