package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/srok"
)

func (s *server) calendarYear(c echo.Context) error {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return httpx.BadParam("year", "%q is not a year", c.Param("year"))
	}
	cal := s.cals.Current()
	first, last := cal.Years()
	if y < first || y > last {
		return srok.Errorf(srok.ENOTFOUND, "the calendar covers %d-%d", first, last)
	}
	year, err := cal.Year(y)
	if err != nil {
		return err
	}
	days, err := cal.Days(y)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusOK, NewCalendarYear(year, days))
}

// previewBody is the body of POST /api/v1/deadlines/preview.
type previewBody struct {
	Type     string `json:"type"`
	Trigger  string `json:"trigger"`
	TimeZone string `json:"time_zone"`
	Extended bool   `json:"extended"`
}

func (s *server) preview(c echo.Context) error {
	var in previewBody
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	var f srok.Fields
	t := deadlines.RequestType(in.Type)
	if !t.Known() {
		f.Add("type", "%q is not a request type", in.Type)
	}
	loc := s.reg.Zone()
	if in.TimeZone != "" {
		var err error
		if loc, err = deadlines.LoadZone(in.TimeZone); err != nil {
			f.Add("time_zone", "%v", err)
		}
	}
	var trigger time.Time
	if loc != nil {
		var err error
		if trigger, err = t.ParseTrigger(in.Trigger, loc); err != nil {
			f.Add("trigger", "%v", err)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	ds, err := deadlines.New(s.cals.Current()).ForRequest(t, trigger, loc)
	if err != nil {
		return srok.Invalid(srok.FieldError{Field: "trigger", Problem: err.Error()})
	}
	return httpx.WriteJSON(c, http.StatusOK, NewDeadlinePreview(t, trigger, loc, ds, in.Extended))
}
