package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
)

// homePage is the landing page of a signed-in user, until the dashboard
// takes its place.
type homePage struct {
	page
	Name, Email string
	Role        srok.Role
}

// home shows who is signed in, or sends the browser to sign in first.
func (s *server) home(c echo.Context) error {
	a, ok := srok.ActorFrom(c.Request().Context())
	if !ok {
		if s.reg != nil {
			return s.toLogin(c)
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.Path))
	}
	if s.reg != nil {
		return s.overview(c, a)
	}
	return s.render(c, http.StatusOK, "home", homePage{page: newPage("Срок"), Name: a.Name, Email: a.Email, Role: a.Role})
}
