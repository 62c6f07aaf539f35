package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/srok"
)

// CalendarImporter imports production calendar years: calendars.Service.
type CalendarImporter interface {
	Import(ctx context.Context, name string, data []byte, force bool) (calendars.Summary, error)
}

// CalendarImportSummary is the answer of POST /api/v1/calendar/years.
type CalendarImportSummary struct {
	Years      []CalendarImportYear `json:"years"`
	Recomputed CalendarRecomputed   `json:"recomputed"`
}

// CalendarImportYear is what an import did with one year.
type CalendarImportYear struct {
	Year            int    `json:"year"`
	Status          string `json:"status"`
	Decree          string `json:"decree"`
	DaysOff         int    `json:"days_off"`
	WorkingWeekends int    `json:"working_weekends"`
	WorkingDays     int    `json:"working_days"`
}

// CalendarRecomputed counts the requests and obligations whose terms the
// import moved.
type CalendarRecomputed struct {
	Examined    int `json:"examined"`
	Requests    int `json:"requests"`
	Obligations int `json:"obligations"`
}

// NewCalendarImportSummary is the JSON shape of an import's summary.
func NewCalendarImportSummary(s calendars.Summary) CalendarImportSummary {
	out := CalendarImportSummary{Years: []CalendarImportYear{},
		Recomputed: CalendarRecomputed{Examined: s.Recomputed.Examined, Requests: s.Recomputed.Requests, Obligations: s.Recomputed.Obligations}}
	for _, y := range s.Years {
		out.Years = append(out.Years, CalendarImportYear{Year: y.Year, Status: string(y.Status), Decree: y.Decree,
			DaysOff: y.DaysOff, WorkingWeekends: y.WorkingWeekends, WorkingDays: y.WorkingDays})
	}
	return out
}

// importCalendar is POST /api/v1/calendar/years: the body is a calendar
// data file of one or more years; ?force=true replaces a year that already
// has decree data.
func (s *server) importCalendar(c echo.Context) error {
	if s.calImp == nil {
		return srok.Errorf(srok.ENOTFOUND, "calendar import is not available on this server")
	}
	a, ok := srok.ActorFrom(c.Request().Context())
	if !ok || !a.Can(srok.ActCalendarManage) {
		// Refused before the body is read; the service records the refusal.
		_, err := s.calImp.Import(c.Request().Context(), "", nil, false)
		return err
	}
	force := false
	if v := c.QueryParam("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			return httpx.BadParam("force", "%q is not true or false", v)
		}
	}
	body, err := httpx.JSON.Read(c)
	if err != nil {
		return err
	}
	sum, err := s.calImp.Import(c.Request().Context(), "(request body)", body, force)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusOK, NewCalendarImportSummary(sum))
}
