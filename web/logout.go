package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// logout ends the browser's session: its row is deleted from the session
// store, so the cookie is worth nothing even if kept, and the browser is
// told to drop it. Signed out already, it just goes to the sign-in page.
func (s *server) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if a, ok := srok.ActorFrom(ctx); ok && a.TokenID == "" {
		s.record(ctx, audit.Entry{Action: audit.ActionAuthLogout, Outcome: audit.OutcomeOK})
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return s.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
