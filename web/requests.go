package web

import (
	"bytes"
	"encoding/csv"
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
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// The list of requests: filters, search, sort, pages and its CSV.
const (
	// listLimit is a page of the list.
	listLimit = 50
	// maxBack is how many earlier pages the list remembers for its
	// "previous" link; beyond them it leads to the first page.
	maxBack = 30
	// csvMax bounds an export: a larger one is narrowed by the filters.
	csvMax = 10000
)

// listForm is what the filters hold, as typed.
type listForm struct {
	Status, Type, Assignee, ReceivedFrom, ReceivedTo, Q, Sort string
	Overdue                                                   bool
	Limit                                                     int
	// Cursor is where the page starts ("" the first page); Back the
	// cursors of the pages before it, oldest first, the first page's
	// left out.
	Cursor string
	Back   []string
}

// choice is an option of a select.
type choice struct{ Value, Label string }

// sortOptions are the orders of the list; the first is the default.
var sortOptions = []choice{
	{"due", "по сроку — ближайшие первыми"},
	{"-received_at", "по дате получения — новые первыми"},
	{"received_at", "по дате получения — старые первыми"},
	{"-number", "по номеру — с последнего"},
	{"number", "по номеру — с первого"},
	{"-updated_at", "по последнему изменению"},
}

// statusOptions are the statuses to filter by, "open" for both open ones.
func statusOptions() []choice {
	out := []choice{{"", "все"}, {"open", "открытые (новые и в работе)"}}
	for _, st := range register.Statuses() {
		out = append(out, choice{string(st), ru.Status(st)})
	}
	return out
}

func typeOptions() []choice {
	out := []choice{{"", "все"}}
	for _, t := range deadlines.RequestTypes() {
		out = append(out, choice{string(t), ru.Type(t)})
	}
	return out
}

// listPage is the list of requests.
type listPage struct {
	page
	Form           listForm
	Errors         map[string]string
	StatusOptions  []choice
	TypeOptions    []choice
	SortOptions    []choice
	Rows           []requestRow
	PageNo         int
	Next, Prev     string
	First          string
	CSV            string
	CanCreate      bool
	HasFilters     bool
	ShownFromCount int
	// Journal is the form of the journal of requests ("" Action: none).
	Journal       journalForm
	JournalAction string
}

// parseList reads the filters of query qp for actor a at now: the form as
// typed, the register's filter, and the problems of fields, in Russian.
func (s *server) parseList(qp url.Values, a srok.Actor, now time.Time) (listForm, register.Filter, map[string]string) {
	zone := s.reg.Zone()
	form := listForm{Status: qp.Get("status"), Type: qp.Get("type"), Assignee: strings.TrimSpace(qp.Get("assignee")),
		ReceivedFrom: strings.TrimSpace(qp.Get("received_from")), ReceivedTo: strings.TrimSpace(qp.Get("received_to")),
		Q: strings.TrimSpace(qp.Get("q")), Sort: qp.Get("sort"), Cursor: qp.Get("cursor"), Limit: listLimit}
	for _, b := range qp["back"] {
		if b != "" {
			form.Back = append(form.Back, b)
		}
	}
	if len(form.Back) > maxBack {
		form.Back = form.Back[len(form.Back)-maxBack:]
	}
	errs := map[string]string{}
	var f register.Filter
	switch st := register.Status(form.Status); {
	case form.Status == "":
	case form.Status == "open":
		f.Statuses = []register.Status{register.StatusNew, register.StatusInProgress}
	case slices.Contains(register.Statuses(), st):
		f.Statuses = []register.Status{st}
	default:
		errs["status"] = "Выберите статус из списка."
	}
	if form.Type != "" {
		if t := deadlines.RequestType(form.Type); t.Known() {
			f.Types = []deadlines.RequestType{t}
		} else {
			errs["type"] = "Выберите тип из списка."
		}
	}
	switch strings.ToLower(form.Assignee) {
	case "":
	case "none", "-", "—", "нет", "без исполнителя":
		empty := ""
		f.Assignee = &empty
	case "me", "я":
		me := a.Email
		f.Assignee = &me
	default:
		as := form.Assignee
		f.Assignee = &as
	}
	switch v := qp.Get("overdue"); v {
	case "":
	case "1", "true", "on":
		form.Overdue = true
		at := now
		f.DueAtOrBefore = &at
	default:
		errs["overdue"] = "Отметьте флажок или снимите его."
	}
	var from, to calendar.Date
	if form.ReceivedFrom != "" {
		if d, ok := parseDay(form.ReceivedFrom); ok {
			from, form.ReceivedFrom = d, d.String()
			t := d.Start(zone)
			f.ReceivedFrom = &t
		} else {
			errs["received_from"] = "Введите дату, например 18.05.2026."
		}
	}
	if form.ReceivedTo != "" {
		if d, ok := parseDay(form.ReceivedTo); ok {
			to, form.ReceivedTo = d, d.String()
			t := d.End(zone)
			f.ReceivedUntil = &t
		} else {
			errs["received_to"] = "Введите дату, например 18.05.2026."
		}
	}
	if from != 0 && to != 0 && to < from {
		errs["received_to"] = "Конец периода раньше его начала."
	}
	if utf8.RuneCountInString(form.Q) > 200 {
		errs["q"] = "Не длиннее 200 знаков."
	}
	f.Q = form.Q
	if form.Sort == "" {
		form.Sort = sortOptions[0].Value
	}
	if !slices.ContainsFunc(sortOptions, func(o choice) bool { return o.Value == form.Sort }) {
		errs["sort"] = "Выберите порядок из списка."
		form.Sort = sortOptions[0].Value
	}
	f.Sort = register.Sort{Key: register.SortKey(strings.TrimPrefix(form.Sort, "-")), Desc: strings.HasPrefix(form.Sort, "-")}
	if v := qp.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > register.MaxLimit {
			errs["limit"] = "Число строк на странице: от 1 до " + strconv.Itoa(register.MaxLimit) + "."
		} else {
			form.Limit = n
		}
	}
	f.Limit = form.Limit
	return form, f, errs
}

// parseDay reads a date as a browser's date field sends it (2026-05-18)
// or as typed by hand (18.05.2026).
func parseDay(s string) (calendar.Date, bool) {
	if d, err := calendar.ParseDate(s); err == nil {
		return d, true
	}
	t, err := time.Parse("02.01.2006", s)
	if err != nil {
		return 0, false
	}
	return calendar.DateOf(t), true
}

// query is the form as the query of a list URL, without paging.
func (f listForm) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "type": f.Type, "assignee": f.Assignee,
		"received_from": f.ReceivedFrom, "received_to": f.ReceivedTo, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Overdue {
		q.Set("overdue", "1")
	}
	if f.Sort != sortOptions[0].Value {
		q.Set("sort", f.Sort)
	}
	if f.Limit != listLimit {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// link is the list URL of the form's filters at cursor with back.
func (f listForm) link(cursor string, back []string) string {
	q := f.query()
	if cursor != "" {
		q.Set("cursor", cursor)
		for _, b := range back {
			q.Add("back", b)
		}
	}
	if len(q) == 0 {
		return "/requests"
	}
	return "/requests?" + q.Encode()
}

// requestList renders the list of requests.
func (s *server) requestList(c echo.Context) error {
	ctx := c.Request().Context()
	a, _ := srok.ActorFrom(ctx)
	now := s.now()
	form, f, errs := s.parseList(c.QueryParams(), a, now)
	p := listPage{page: newPage("Обращения"), Form: form, Errors: errs, StatusOptions: statusOptions(),
		TypeOptions: typeOptions(), SortOptions: sortOptions, CanCreate: a.Can(srok.ActRequestCreate),
		HasFilters: len(form.query()) > 0, First: form.link("", nil)}
	if s.journals != nil {
		p.Journal, p.JournalAction = journalDefaults(now, s.reg.Zone()), journalPath
	}
	if raw := c.Request().URL.RawQuery; raw != "" {
		p.CSV = "/requests.csv?" + raw
	} else {
		p.CSV = "/requests.csv"
	}
	if len(errs) > 0 {
		return s.render(c, http.StatusBadRequest, "requests", p)
	}
	page, err := s.reg.List(ctx, f, form.Cursor)
	if err != nil {
		if srok.ErrorCode(err) == srok.EMALFORMED {
			// A cursor of another list, or of none: start the list again.
			return c.Redirect(http.StatusSeeOther, form.link("", nil))
		}
		return s.pageError(c, err)
	}
	for _, r := range page.Items {
		p.Rows = append(p.Rows, s.rowOf(r, a, now))
	}
	p.PageNo = 1
	if form.Cursor != "" {
		p.PageNo = len(form.Back) + 2
		if n := len(form.Back); n > 0 {
			p.Prev = form.link(form.Back[n-1], form.Back[:n-1])
		} else {
			p.Prev = form.link("", nil)
		}
	}
	if page.Next != "" {
		back := form.Back
		if form.Cursor != "" {
			back = append(slices.Clone(back), form.Cursor)
		}
		if len(back) > maxBack {
			back = back[len(back)-maxBack:]
		}
		p.Next = form.link(page.Next, back)
	}
	p.ShownFromCount = (p.PageNo-1)*form.Limit + 1
	return s.render(c, http.StatusOK, "requests", p)
}

// csvHeader is the first line of the export.
var csvHeader = []string{"Номер", "Тип", "Статус", "Получено", "Субъект", "Исполнитель", "Обязанность",
	"Срок по закону", "Внутренний срок", "Осталось", "Просрочено"}

// requestsCSV exports the list with the filters and order of the view, all
// its pages, as CSV that Excel opens: UTF-8 with a byte order mark, «;»
// between fields. The export is recorded in the audit trail with the
// requests it holds (152-FZ art. 19 part 2); nothing is sent unrecorded.
func (s *server) requestsCSV(c echo.Context) error {
	ctx := c.Request().Context()
	a, _ := srok.ActorFrom(ctx)
	now := s.now()
	qp := c.QueryParams()
	qp.Del("cursor")
	qp.Del("back")
	qp.Del("limit")
	form, f, errs := s.parseList(qp, a, now)
	if len(errs) > 0 {
		return s.showMessage(c, http.StatusBadRequest, message{Heading: "Фильтры не прочитаны",
			Text: "В фильтрах есть ошибки. Исправьте их в списке и выгрузите снова.", Link: form.link("", nil), LinkText: "К списку"})
	}
	f.Limit = register.MaxLimit
	var rows []*register.Request
	cursor := ""
	for {
		page, err := s.reg.List(ctx, f, cursor)
		if err != nil {
			return s.pageError(c, err)
		}
		rows = append(rows, page.Items...)
		if page.Next == "" {
			break
		}
		if len(rows) >= csvMax {
			return s.showMessage(c, http.StatusBadRequest, message{Heading: "Слишком большая выгрузка",
				Text: "Выгрузка ограничена " + ru.Requests(csvMax) + ". Сузьте фильтры (например, период получения) и выгрузите снова.",
				Link: form.link("", nil), LinkText: "К списку"})
		}
		cursor = page.Next
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = ';', true
	_ = w.Write(csvHeader)
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
		row := s.rowOf(r, a, now)
		subject := row.Subject
		if subject == "—" {
			subject = ""
		}
		assignee := r.Assignee
		left := row.Term.DueLeft
		late := ""
		if row.Term.Late {
			late, left = row.Term.LateText, ""
		}
		_ = w.Write([]string{row.Number, row.Type, row.Status, row.Received, cell(subject), cell(assignee), row.Obligation,
			row.Term.Due, row.Term.Target, left, late})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return s.fail(c, err)
	}
	if err := s.audit.Record(ctx, audit.Entry{Action: audit.ActionRequestExport, Outcome: audit.OutcomeOK,
		RequestIDs: ids, Detail: "csv"}); err != nil {
		return s.fail(c, err)
	}
	name := "srok-requests-" + now.In(s.reg.Zone()).Format("2006-01-02") + ".csv"
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// cell keeps typed text from being read as a formula by a spreadsheet
// (CSV injection): text starting with = + - @ or a tab gets a leading
// apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
