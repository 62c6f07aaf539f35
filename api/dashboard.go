package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
)

func (s *server) dashboard(c echo.Context) error {
	qp := c.QueryParams()
	if err := onlyParams(qp, []string{"top"}); err != nil {
		return err
	}
	top, err := intParam(qp, "top", 1, 50)
	if err != nil {
		return err
	}
	d, err := s.reg.Dashboard(c.Request().Context(), top)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusOK, NewDashboard(d))
}
