package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
)

// listParams are the query parameters GET /api/v1/requests takes.
var listParams = []string{"status", "type", "assignee", "overdue", "due_before", "due_after",
	"received_from", "received_to", "q", "sort", "cursor", "limit"}

func (s *server) listRequests(c echo.Context) error {
	qp := c.QueryParams()
	if err := onlyParams(qp, listParams); err != nil {
		return err
	}
	var f register.Filter
	for _, v := range multi(qp, "status") {
		if !slices.Contains(register.Statuses(), register.Status(v)) {
			return httpx.BadParam("status", "%q is not a status: one of new, in_progress, answered, refused, closed, cancelled", v)
		}
		f.Statuses = append(f.Statuses, register.Status(v))
	}
	for _, v := range multi(qp, "type") {
		if _, ok := deadlines.ObligationsOf(deadlines.RequestType(v)); !ok {
			return httpx.BadParam("type", "%q is not a request type", v)
		}
		f.Types = append(f.Types, deadlines.RequestType(v))
	}
	if _, ok := qp["assignee"]; ok {
		a := qp.Get("assignee")
		f.Assignee = &a
	}
	zone := s.reg.Zone()
	var err error
	if f.DueAtOrBefore, err = boundParam(qp, "due_before", zone, true); err != nil {
		return err
	}
	if f.DueAfter, err = boundParam(qp, "due_after", zone, false); err != nil {
		return err
	}
	if f.ReceivedFrom, err = boundParam(qp, "received_from", zone, false); err != nil {
		return err
	}
	if f.ReceivedUntil, err = boundParam(qp, "received_to", zone, true); err != nil {
		return err
	}
	if v := qp.Get("overdue"); v != "" {
		now := s.now()
		switch v {
		case "true":
			if f.DueAtOrBefore == nil || now.Before(*f.DueAtOrBefore) {
				f.DueAtOrBefore = &now
			}
		case "false":
			f.NotOverdueAt = &now
		default:
			return httpx.BadParam("overdue", "must be true or false")
		}
	}
	f.Q = qp.Get("q")
	if utf8.RuneCountInString(f.Q) > 200 {
		return httpx.BadParam("q", "is longer than 200 characters")
	}
	if v := qp.Get("sort"); v != "" {
		key := strings.TrimPrefix(v, "-")
		switch register.SortKey(key) {
		case register.SortReceivedAt, register.SortDue, register.SortNumber, register.SortUpdatedAt:
			f.Sort = register.Sort{Key: register.SortKey(key), Desc: strings.HasPrefix(v, "-")}
		default:
			return httpx.BadParam("sort", "%q: sort by received_at, due, number or updated_at, with - for descending", v)
		}
	}
	if f.Sort.Key == "" && qp.Get("overdue") == "true" {
		// What is overdue is read most overdue first.
		f.Sort = register.Sort{Key: register.SortDue}
	}
	if f.Limit, err = intParam(qp, "limit", 1, register.MaxLimit); err != nil {
		return err
	}
	page, err := s.reg.List(c.Request().Context(), f, qp.Get("cursor"))
	if err != nil {
		return err
	}
	out := RequestList{Items: make([]Request, 0, len(page.Items))}
	now := s.now()
	for _, r := range page.Items {
		out.Items = append(out.Items, NewRequest(r, now))
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}

// onlyParams refuses query parameters not in known: a typo must not
// silently widen a list.
func onlyParams(qp url.Values, known []string) error {
	for k := range qp {
		if !slices.Contains(known, k) {
			return httpx.BadParam(k, "is not a parameter of this endpoint (known: %s)", strings.Join(known, ", "))
		}
	}
	return nil
}

// multi returns the values of a parameter given repeated or comma-separated.
func multi(qp url.Values, name string) []string {
	var out []string
	for _, v := range qp[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// boundParam reads a date (in zone) or an RFC 3339 instant. A date as an
// upper bound means the end of that day (24:00), as a lower bound its start.
func boundParam(qp url.Values, name string, zone *time.Location, upper bool) (*time.Time, error) {
	v := qp.Get(name)
	if v == "" {
		return nil, nil
	}
	if d, err := calendar.ParseDate(v); err == nil {
		t := d.Start(zone)
		if upper {
			t = d.End(zone)
		}
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, httpx.BadParam(name, "%q is not a date (2026-05-14) or an RFC 3339 time (2026-05-14T10:00:00+03:00)", v)
	}
	return &t, nil
}

func intParam(qp url.Values, name string, min, max int) (int, error) {
	v := qp.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, httpx.BadParam(name, "must be a whole number from %d to %d", min, max)
	}
	return n, nil
}
