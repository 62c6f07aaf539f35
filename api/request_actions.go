package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
)

// action decodes the body of a request action into in, then runs do with
// the If-Match version (register.AnyVersion when absent or "*": the action
// applies to the request as it is, retried past concurrent changes).
func action[T any](s *server, c echo.Context, do func(id string, version int, in T) (*register.Request, error)) error {
	version, _, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in T
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	r, err := do(c.Param("id"), version, in)
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

type assignBody struct {
	Assignee string `json:"assignee"`
}

type closeBody struct {
	Note string `json:"note"`
}

func (s *server) assign(c echo.Context) error {
	return action(s, c, func(id string, v int, in assignBody) (*register.Request, error) {
		return s.reg.Assign(c.Request().Context(), id, v, in.Assignee)
	})
}

func (s *server) extend(c echo.Context) error {
	return action(s, c, func(id string, v int, in register.ExtendInput) (*register.Request, error) {
		return s.reg.Extend(c.Request().Context(), id, v, in)
	})
}

func (s *server) answer(c echo.Context) error {
	return action(s, c, func(id string, v int, in register.AnswerInput) (*register.Request, error) {
		return s.reg.Answer(c.Request().Context(), id, v, in)
	})
}

func (s *server) refuse(c echo.Context) error {
	return action(s, c, func(id string, v int, in register.AnswerInput) (*register.Request, error) {
		return s.reg.Refuse(c.Request().Context(), id, v, in)
	})
}

func (s *server) close(c echo.Context) error {
	return action(s, c, func(id string, v int, in closeBody) (*register.Request, error) {
		return s.reg.Close(c.Request().Context(), id, v, in.Note)
	})
}

func (s *server) cancel(c echo.Context) error {
	return action(s, c, func(id string, v int, in register.CancelInput) (*register.Request, error) {
		return s.reg.Cancel(c.Request().Context(), id, v, in)
	})
}
