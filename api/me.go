package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/srok"
)

// Me is who the caller is and what they may do (GET /api/v1/me).
type Me struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	// Scope narrows an API token: "" (the user's role) or intake.
	Scope string `json:"scope"`
	// TokenID is set when the caller is an API token.
	TokenID *string `json:"token_id"`
	// Can lists the actions the caller may do (srok.Action names);
	// request actions further depend on the request (see the README).
	Can []string `json:"can"`
}

// allActions are the actions /me reports on, in the README's order.
var allActions = []srok.Action{srok.ActRequestCreate, srok.ActRequestRead, srok.ActRequestEdit, srok.ActRequestAssign,
	srok.ActRequestExtend, srok.ActRequestAnswer, srok.ActRequestClose, srok.ActRequestCancel, srok.ActRequestNote,
	srok.ActDashboardRead, srok.ActPersonalData, srok.ActAuditRead, srok.ActUserManage, srok.ActTokenManage, srok.ActCalendarManage,
	srok.ActOrganisationManage}

func (s *server) me(c echo.Context) error {
	a, _ := srok.ActorFrom(c.Request().Context()) // Require let it through
	out := Me{ID: a.ID, UserID: a.UserID, Email: a.Email, Name: a.Name, Role: string(a.Role), Scope: string(a.Scope), Can: []string{}}
	if a.TokenID != "" {
		out.TokenID = &a.TokenID
	}
	for _, act := range allActions {
		if a.Can(act) {
			out.Can = append(out.Can, string(act))
		}
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}
