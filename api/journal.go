package api

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/journal"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// journalParams are the query parameters GET /api/v1/journal takes.
var journalParams = []string{"from", "to", "format"}

// journalQuery reads the period and format of a journal from qp: dates
// YYYY-MM-DD in the operator's zone, both days included; xlsx by default.
// Every problem is a 400 naming the parameter.
func journalQuery(qp map[string][]string) (register.JournalQuery, journal.Format, error) {
	if err := onlyParams(qp, journalParams); err != nil {
		return register.JournalQuery{}, "", err
	}
	var q register.JournalQuery
	for _, p := range []struct {
		name string
		d    *calendar.Date
	}{{"from", &q.From}, {"to", &q.To}} {
		v := first(qp[p.name])
		if v == "" {
			return q, "", httpx.BadParam(p.name, "is required: a date YYYY-MM-DD in the operator's zone")
		}
		d, err := calendar.ParseDate(v)
		if err != nil {
			return q, "", httpx.BadParam(p.name, "must be a date YYYY-MM-DD, such as 2026-03-31")
		}
		*p.d = d
	}
	if err := register.CheckPeriod(q.From, q.To); err != nil {
		var e *srok.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			return q, "", httpx.BadParam(e.Fields[0].Field, "%s", e.Fields[0].Problem)
		}
		return q, "", err
	}
	f := journal.XLSX
	if v := first(qp["format"]); v != "" {
		f = journal.Format(v)
		if !f.Valid() {
			return q, "", httpx.BadParam("format", "must be xlsx or csv")
		}
	}
	q.Format = string(f)
	return q, f, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// journal streams the journal of requests received in a period: a row per
// request the caller may see, by number, as XLSX or CSV. The export is
// recorded in the audit trail before the first byte (register.Journal).
func (s *server) journal(c echo.Context) error {
	q, f, err := journalQuery(c.QueryParams())
	if err != nil {
		return err
	}
	return journal.Serve(c.Request().Context(), c.Response(), s.reg, q, f, s.now())
}
