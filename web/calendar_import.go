package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// CalendarImporter imports production calendar years (calendars.Service:
// it checks the role, validates the whole file, stores the years, replaces
// the calendar in use, recomputes the terms they move and audits it all).
type CalendarImporter interface {
	Import(ctx context.Context, name string, data []byte, force bool) (calendars.Summary, error)
}

// calendarFlashKey is the session key of the summary the calendar page
// shows once after an import.
const calendarFlashKey = "web.calendar.flash"

// maxCalendarFile is the largest calendar file read: a year is a few
// kilobytes.
const maxCalendarFile = 1 << 20

// calendarImport is the import form: the outcome of the last import, or
// the problems of the file sent, shown next to the file field.
type calendarImport struct {
	Notice   string
	Problems []string
	Force    bool
}

// importForm is the empty form for a user who may import, nil for others.
func (p *calendarPages) importForm(c echo.Context) *calendarImport {
	a, ok := srok.ActorFrom(c.Request().Context())
	if p.imp == nil || !ok || !a.Can(srok.ActCalendarManage) {
		return nil
	}
	return &calendarImport{}
}

// importYears imports the calendar file sent (POST /calendar) and shows
// the year it brought, with the summary; or the page again with the file's
// problems.
func (p *calendarPages) importYears(c echo.Context) error {
	_, ok, err := p.actorFor(c, srok.ActCalendarManage, audit.ActionCalendarImport)
	if !ok {
		return err
	}
	data, name, form, problem, err := readCalendarFile(c)
	force := form.Get("force") == "1"
	if err != nil {
		return p.badForm(c, "/calendar")
	}
	ctx := c.Request().Context()
	v := calendarPage{page: newPage(ru.CalendarPage), WorkCSS: workCSSURL, Weekdays: calWeekdays,
		Import: &calendarImport{Force: force}}
	v.First, v.Last = p.cal.Years()
	var sum calendars.Summary
	if problem == "" {
		sum, err = p.imp.Import(ctx, name, data, force)
	}
	var se *srok.Error
	switch {
	case problem != "":
		v.Import.Problems = []string{problem}
	case err == nil:
		p.sessions.Put(ctx, calendarFlashKey, importSummary(sum))
		year := ""
		if len(sum.Years) > 0 {
			year = "?year=" + strconv.Itoa(sum.Years[0].Year)
		}
		return c.Redirect(http.StatusSeeOther, "/calendar"+year)
	case srok.ErrorCode(err) == srok.EINVALID && errors.As(err, &se):
		for _, f := range se.Fields {
			v.Import.Problems = append(v.Import.Problems, calendarProblem(f))
		}
		if len(v.Import.Problems) == 0 {
			v.Import.Problems = []string{"Файл не принят: " + se.Message}
		}
	case srok.ErrorCode(err) == srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	// The year the page showed when the form was sent, shown again.
	year, err := strconv.Atoi(form.Get("year"))
	if err != nil {
		year = p.now().In(p.zone()).Year()
	}
	if err := p.fill(&v, year); err != nil {
		return p.fail(c, err)
	}
	return p.render(c, http.StatusUnprocessableEntity, "calendar", v)
}

// readCalendarFile reads the multipart form of the import: the file, and
// the other fields (force, the checkbox; year, the year the page showed).
// problem is what to show next to the file field (none chosen, too large);
// err a body that is no such form.
func readCalendarFile(c echo.Context) (data []byte, name string, form url.Values, problem string, err error) {
	form = url.Values{}
	mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return nil, "", form, "", errForm
	}
	mr := multipart.NewReader(http.MaxBytesReader(c.Response(), c.Request().Body, maxCalendarFile+64<<10), params["boundary"])
	tooBig := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", form, "", errForm
		}
		limit := int64(1 << 10)
		if part.FormName() == "file" {
			limit = maxCalendarFile + 1
		}
		b, err := io.ReadAll(io.LimitReader(part, limit))
		_ = part.Close()
		if err != nil {
			return nil, "", form, "", errForm
		}
		switch n := part.FormName(); n {
		case "file":
			data, name = b, part.FileName()
			tooBig = len(b) > maxCalendarFile
		case "force", "year":
			form.Set(n, string(b))
		}
		if tooBig {
			break
		}
	}
	switch {
	case tooBig:
		return nil, name, form, "Файл больше 1 МиБ: это не файл производственного календаря.", nil
	case len(data) == 0:
		return nil, name, form, "Выберите файл производственного календаря (.json).", nil
	}
	if name == "" || httpx.TextProblem(name) != "" {
		name = "calendar.json"
	}
	return data, name, form, "", nil
}

// importSummary says in Russian what an import did: «2027: импортирован
// (Постановление …); пересчитано 3 обязательства в 2 обращениях».
func importSummary(sum calendars.Summary) string {
	var parts []string
	for _, y := range sum.Years {
		what := map[calendars.YearStatus]string{calendars.YearImported: "импортирован", calendars.YearReplaced: "заменён",
			calendars.YearUnchanged: "без изменений"}[y.Status]
		if what == "" {
			what = string(y.Status)
		}
		parts = append(parts, fmt.Sprintf("%d: %s (%s; %d %s)", y.Year, what, y.Decree, y.WorkingDays,
			ru.Plural(y.WorkingDays, "рабочий день", "рабочих дня", "рабочих дней")))
	}
	n := sum.Recomputed.Obligations
	rec := fmt.Sprintf("пересчитано %d %s", n, ru.Plural(n, "обязательство", "обязательства", "обязательств"))
	if r := sum.Recomputed.Requests; r > 0 {
		rec += fmt.Sprintf(" в %d %s", r, ru.Plural(r, "обращении", "обращениях", "обращениях"))
	}
	return strings.Join(parts, "; ") + "; " + rec + "."
}

// forceRe finds the year a problem says needs force to be replaced.
var forceRe = regexp.MustCompile(`^(\d{4}) already has verified decree data \(([^)]*)\)`)

// calendarProblem is a problem of the file in Russian where Srok knows it
// (a year that needs force to be replaced), else as the validation wrote
// it, with the place in the file.
func calendarProblem(f srok.FieldError) string {
	if m := forceRe.FindStringSubmatch(f.Problem); m != nil {
		return m[1] + " год уже есть с данными постановления (" + m[2] + "). Чтобы заменить их данными файла, отметьте «Заменить годы, которые уже есть» и загрузите файл ещё раз."
	}
	if f.Field == "" || f.Field == "body" {
		return "Ошибка в файле: " + f.Problem
	}
	return "Ошибка в файле, " + f.Field + ": " + f.Problem
}
