package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
)

type noteBody struct {
	Text string `json:"text"`
}

func (s *server) addNote(c echo.Context) error {
	var in noteBody
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	ev, r, err := s.reg.AddNote(c.Request().Context(), c.Param("id"), in.Text)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusCreated, NewEvent(ev, r.Location()))
}

func (s *server) timeline(c echo.Context) error {
	qp := c.QueryParams()
	if err := onlyParams(qp, []string{"after", "limit"}); err != nil {
		return err
	}
	var after int64
	if v := qp.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return httpx.BadParam("after", "must be an event id (a whole number)")
		}
		after = n
	}
	limit, err := intParam(qp, "limit", 1, register.MaxLimit)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = register.MaxLimit
	}
	r, evs, err := s.reg.Timeline(c.Request().Context(), c.Param("id"), after, limit)
	if err != nil {
		return err
	}
	out := Timeline{Items: make([]Event, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, NewEvent(e, r.Location()))
	}
	if len(evs) == limit {
		last := evs[len(evs)-1].ID
		out.NextAfter = &last
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}
