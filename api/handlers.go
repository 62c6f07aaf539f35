package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// writeRequest writes r with its version as the ETag.
func (s *server) writeRequest(c echo.Context, st int, r *register.Request) error {
	c.Response().Header().Set(echo.HeaderLastModified, r.UpdatedAt.UTC().Format(http.TimeFormat))
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(r.Version)))
	return writeJSON(c, st, NewRequest(r, s.now()))
}

// ifMatch reads the version from If-Match ("3", W/"3" or 3). present is
// false without the header; "*" matches any current version (RFC 9110
// section 13.1.1) and gives register.AnyVersion.
func ifMatch(c echo.Context) (version int, present bool, err error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		return register.AnyVersion, false, nil
	}
	if h == "*" {
		return register.AnyVersion, true, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.Atoi(h)
	if err != nil || v <= 0 {
		return 0, true, badParam("If-Match", "must be the request's version from its ETag, such as \"3\", or *")
	}
	return v, true, nil
}

func (s *server) createRequest(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var in register.Input
	if err := decodeStrict(b, &in); err != nil {
		return err
	}
	var key *register.IdempotencyKey
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" {
		if len(k) > 255 || strings.IndexFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
			return badParam("Idempotency-Key", "must be 1 to 255 visible ASCII characters, such as a UUID")
		}
		// The body is hashed as decoded, so that spacing does not matter.
		canon, _ := json.Marshal(in)
		sum := sha256.Sum256(canon)
		key = &register.IdempotencyKey{Key: k, BodyHash: hex.EncodeToString(sum[:])}
	}
	r, replayed, err := s.reg.Create(c.Request().Context(), in, key)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+r.ID)
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return s.writeRequest(c, http.StatusCreated, r)
}

func (s *server) getRequest(c echo.Context) error {
	r, err := s.reg.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

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
			return badParam("status", "%q is not a status: one of new, in_progress, answered, refused, closed, cancelled", v)
		}
		f.Statuses = append(f.Statuses, register.Status(v))
	}
	for _, v := range multi(qp, "type") {
		if _, ok := deadlines.ObligationsOf(deadlines.RequestType(v)); !ok {
			return badParam("type", "%q is not a request type", v)
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
			return badParam("overdue", "must be true or false")
		}
	}
	f.Q = qp.Get("q")
	if utf8.RuneCountInString(f.Q) > 200 {
		return badParam("q", "is longer than 200 characters")
	}
	if v := qp.Get("sort"); v != "" {
		key := strings.TrimPrefix(v, "-")
		switch register.SortKey(key) {
		case register.SortReceivedAt, register.SortDue, register.SortNumber, register.SortUpdatedAt:
			f.Sort = register.Sort{Key: register.SortKey(key), Desc: strings.HasPrefix(v, "-")}
		default:
			return badParam("sort", "%q: sort by received_at, due, number or updated_at, with - for descending", v)
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
	return writeJSON(c, http.StatusOK, out)
}

// onlyParams refuses query parameters not in known: a typo must not
// silently widen a list.
func onlyParams(qp url.Values, known []string) error {
	for k := range qp {
		if !slices.Contains(known, k) {
			return badParam(k, "is not a parameter of this endpoint (known: %s)", strings.Join(known, ", "))
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
		return nil, badParam(name, "%q is not a date (2026-05-14) or an RFC 3339 time (2026-05-14T10:00:00+03:00)", v)
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
		return 0, badParam(name, "must be a whole number from %d to %d", min, max)
	}
	return n, nil
}

func (s *server) patchRequest(c echo.Context) error {
	version, present, err := ifMatch(c)
	if err != nil {
		return err
	}
	if !present {
		return &srok.Error{Code: srok.EPRECONDITIONREQUIRED, Reason: "version_required",
			Message: "send the version you edit in the If-Match header, as given in the ETag: If-Match: \"3\"",
			Fields:  []srok.FieldError{{Field: "If-Match", Problem: "is required"}}}
	}
	b, err := readBody(c, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	var patch map[string]any
	if err := decodeStrict(b, &patch); err != nil {
		return err
	}
	if patch == nil {
		return malformed("", "the body must be a JSON object")
	}
	// RFC 7396: the patch is merged into the request as an input, read
	// once by the service for the change.
	r, err := s.reg.Edit(c.Request().Context(), c.Param("id"), version, func(cur register.Input) (register.Input, error) {
		base, _ := json.Marshal(cur)
		var doc map[string]any
		_ = json.Unmarshal(base, &doc)
		merged, _ := json.Marshal(mergePatch(doc, patch))
		var in register.Input
		return in, decodeStrict(merged, &in)
	})
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

// action decodes the body of a request action into in, then runs do with
// the If-Match version (register.AnyVersion when absent or "*": the action
// applies to the request as it is, retried past concurrent changes).
func action[T any](s *server, c echo.Context, do func(id string, version int, in T) (*register.Request, error)) error {
	version, _, err := ifMatch(c)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var in T
	if err := decodeStrict(b, &in); err != nil {
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

type noteBody struct {
	Text string `json:"text"`
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

func (s *server) addNote(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var in noteBody
	if err := decodeStrict(b, &in); err != nil {
		return err
	}
	ev, r, err := s.reg.AddNote(c.Request().Context(), c.Param("id"), in.Text)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, NewEvent(ev, r.Location()))
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
			return badParam("after", "must be an event id (a whole number)")
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
	return writeJSON(c, http.StatusOK, out)
}

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
	return writeJSON(c, http.StatusOK, NewDashboard(d))
}

func (s *server) calendarYear(c echo.Context) error {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return badParam("year", "%q is not a year", c.Param("year"))
	}
	first, last := s.cal.Years()
	if y < first || y > last {
		return srok.Errorf(srok.ENOTFOUND, "the calendar covers %d-%d", first, last)
	}
	year, err := s.cal.Year(y)
	if err != nil {
		return err
	}
	days, err := s.cal.Days(y)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, NewCalendarYear(year, days))
}

// previewBody is the body of POST /api/v1/deadlines/preview.
type previewBody struct {
	Type     string `json:"type"`
	Trigger  string `json:"trigger"`
	TimeZone string `json:"time_zone"`
	Extended bool   `json:"extended"`
}

func (s *server) preview(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var in previewBody
	if err := decodeStrict(b, &in); err != nil {
		return err
	}
	var f srok.Fields
	t := deadlines.RequestType(in.Type)
	obls, ok := deadlines.ObligationsOf(t)
	if !ok {
		f.Add("type", "%q is not a request type", in.Type)
	}
	loc := s.reg.Zone()
	if in.TimeZone != "" {
		if loc, err = deadlines.LoadZone(in.TimeZone); err != nil {
			f.Add("time_zone", "%v", err)
		}
	}
	var trigger time.Time
	if loc != nil {
		var hasTime bool
		switch trigger, hasTime, err = deadlines.ParseTrigger(in.Trigger, loc); {
		case err != nil:
			f.Add("trigger", "%v", err)
		case !hasTime && slices.ContainsFunc(obls, func(o deadlines.Obligation) bool { return o.Term.Unit == deadlines.Hours }):
			f.Add("trigger", "needs a time of day: the terms of this type run in hours")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	ds, err := s.engine.ForRequest(t, trigger, loc)
	if err != nil {
		return srok.Invalid(srok.FieldError{Field: "trigger", Problem: err.Error()})
	}
	return writeJSON(c, http.StatusOK, NewDeadlinePreview(t, trigger, loc, ds, in.Extended))
}
