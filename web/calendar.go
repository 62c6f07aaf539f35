package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Calendar is what the calendar page asks of the production calendar
// (calendar.Calendar).
type Calendar interface {
	// Years returns the first and the last year covered.
	Years() (first, last int)
	// Year returns the data of year y: its weekdays off, working weekend
	// days, the decree's moves, or that it is provisional.
	Year(y int) (calendar.Year, error)
}

// calendarPages is the production calendar page (/calendar?year=2026).
type calendarPages struct {
	*server
	cal  Calendar
	zone func() *time.Location
	// imp imports calendar years (the admin's form); nil: no form.
	imp CalendarImporter
}

func mountCalendar(e *echo.Echo, s *server, cfg Config) {
	if cfg.Calendar == nil {
		return
	}
	p := &calendarPages{server: s, cal: cfg.Calendar, zone: operatorZone(s, cfg), imp: cfg.CalendarImport}
	httpx.Get(e, "/calendar", p.show)
	if p.imp != nil {
		e.POST("/calendar", p.importYears)
	}
}

// calWeekdays are the columns of a month, from Monday, as Russian calendars
// run.
var calWeekdays = func() (out [7]struct{ Short, Full string }) {
	for i := range out {
		d := time.Weekday((i + 1) % 7)
		out[i].Short, out[i].Full = ru.WeekdayShort(d), ru.Weekday(d)
	}
	return out
}()

// calHolidays are the non-working holidays of Labour Code art. 112 part 1,
// by "MM-DD".
var calHolidays = map[string]string{
	"01-01": "Новогодние каникулы", "01-02": "Новогодние каникулы", "01-03": "Новогодние каникулы",
	"01-04": "Новогодние каникулы", "01-05": "Новогодние каникулы", "01-06": "Новогодние каникулы",
	"01-07": "Рождество Христово", "01-08": "Новогодние каникулы",
	"02-23": "День защитника Отечества", "03-08": "Международный женский день",
	"05-01": "Праздник Весны и Труда", "05-09": "День Победы", "06-12": "День России",
	"11-04": "День народного единства",
}

// calendarPage is one year of the production calendar.
type calendarPage struct {
	page
	WorkCSS             string
	Year                int
	YearInput           string
	YearError           string
	First, Last         int
	Prev, Next          int
	Decree              string
	Provisional         bool
	Transfers           []string
	WorkingDays         int
	WorkingDaysWord     string
	Months              []calMonth
	Weekdays            [7]struct{ Short, Full string }
	HasShortened        bool
	ProvisionalYearNote string
	// Import is the form that imports calendar years, for those who may;
	// nil for the others.
	Import *calendarImport
}

type calMonth struct {
	Name  string
	Weeks [][]calDay
}

// calDay is one cell of a month: Day 0 is an empty cell.
type calDay struct {
	Day   int
	Date  string // 2026-05-18
	Class string
	// Mark is the short marker shown in the cell, Text the whole of what
	// the day is, for the title and screen readers.
	Mark, Text string
}

// show renders the year asked (the current one by default).
func (p *calendarPages) show(c echo.Context) error {
	if _, ok := srok.ActorFrom(c.Request().Context()); !ok {
		return p.signInFirst(c)
	}
	first, last := p.cal.Years()
	v := calendarPage{page: newPage(ru.CalendarPage), WorkCSS: workCSSURL, First: first, Last: last,
		Weekdays: calWeekdays}
	v.Import = p.importForm(c)
	if v.Import != nil {
		v.Import.Notice = p.sessions.PopString(c.Request().Context(), calendarFlashKey)
	}
	year := p.now().In(p.zone()).Year()
	if q := c.QueryParam("year"); q != "" {
		v.YearInput = q
		n, err := strconv.Atoi(strings.TrimSpace(q))
		if err != nil || n < first || n > last {
			v.YearError = fmt.Sprintf("Укажите год числом от %d до %d.", first, last)
			v.Year = year
			return p.render(c, http.StatusBadRequest, "calendar", v)
		}
		year = n
	}
	if err := p.fill(&v, year); err != nil {
		return p.fail(c, err)
	}
	return p.render(c, http.StatusOK, "calendar", v)
}

// fill lays year out on v (the nearest covered year when it is not).
func (p *calendarPages) fill(v *calendarPage, year int) error {
	year = min(max(year, v.First), v.Last)
	y, err := p.cal.Year(year)
	if err != nil {
		return err
	}
	v.Title = fmt.Sprintf("Производственный календарь на %d год", year)
	v.Year, v.YearInput = year, strconv.Itoa(year)
	v.Prev, v.Next = year-1, year+1
	if v.Prev < v.First {
		v.Prev = 0
	}
	if v.Next > v.Last {
		v.Next = 0
	}
	v.Decree, v.Provisional = y.Decree.Citation, y.Provisional
	v.WorkingDays = y.WorkingDays
	v.WorkingDaysWord = ru.Plural(y.WorkingDays, "рабочий день", "рабочих дня", "рабочих дней")
	v.HasShortened = len(y.ShortenedDays) > 0
	moved := map[calendar.Date]calendar.Date{}
	for _, t := range y.Transfers {
		moved[t.To] = t.From
		v.Transfers = append(v.Transfers, fmt.Sprintf("выходной %s (%s) перенесён на %s (%s)",
			ru.Date(t.From), ru.Weekday(t.From.Weekday()), ru.Date(t.To), ru.Weekday(t.To.Weekday())))
	}
	v.Months = calMonths12(y, moved)
	return nil
}

// calMonths12 lays the year out as twelve months of weeks from Monday.
func calMonths12(y calendar.Year, moved map[calendar.Date]calendar.Date) []calMonth {
	set := func(ds []calendar.Date) map[calendar.Date]bool {
		m := map[calendar.Date]bool{}
		for _, d := range ds {
			m[d] = true
		}
		return m
	}
	off, working, short := set(y.NonworkingWeekdays), set(y.WorkingWeekends), set(y.ShortenedDays)
	var out []calMonth
	for m := time.January; m <= time.December; m++ {
		cm := calMonth{Name: ru.Month(m)}
		d := calendar.NewDate(y.Year, m, 1)
		week := make([]calDay, (int(d.Weekday())+6)%7)
		for ; d.Year() == y.Year && monthOf(d) == m; d = d.AddDays(1) {
			week = append(week, calDayOf(d, off, working, short, moved))
			if len(week) == 7 {
				cm.Weeks = append(cm.Weeks, week)
				week = nil
			}
		}
		if len(week) > 0 {
			for len(week) < 7 {
				week = append(week, calDay{})
			}
			cm.Weeks = append(cm.Weeks, week)
		}
		out = append(out, cm)
	}
	return out
}

func monthOf(d calendar.Date) time.Month {
	_, m, _ := d.Civil()
	return m
}

// calDayOf says what day d is, in colour (Class) and in words (Mark,
// Text).
func calDayOf(d calendar.Date, off, working, short map[calendar.Date]bool, moved map[calendar.Date]calendar.Date) calDay {
	y, m, day := d.Civil()
	cd := calDay{Day: day, Date: fmt.Sprintf("%04d-%02d-%02d", y, int(m), day)}
	dayName := fmt.Sprintf("%d %s, %s", day, ru.MonthOf(m), ru.Weekday(d.Weekday()))
	holiday, isHoliday := calHolidays[fmt.Sprintf("%02d-%02d", int(m), day)]
	switch {
	case working[d]:
		cd.Class, cd.Mark = "working-weekend", "Р"
		what := "рабочая суббота"
		if d.Weekday() == time.Sunday {
			what = "рабочее воскресенье"
		}
		cd.Text = dayName + ": " + what
	case off[d] && isHoliday:
		cd.Class, cd.Mark, cd.Text = "holiday", "П", dayName+": нерабочий праздничный день ("+holiday+")"
	case off[d]:
		cd.Class, cd.Mark = "moved", "Пер"
		if from, ok := moved[d]; ok {
			cd.Text = dayName + ": перенесённый выходной (с " + ru.Date(from) + ")"
		} else {
			cd.Text = dayName + ": перенесённый выходной (праздник пришёлся на выходной, ст. 112 ТК РФ)"
		}
	case d.IsWeekend() && isHoliday:
		cd.Class, cd.Mark, cd.Text = "holiday weekend", "П", dayName+": выходной, праздник ("+holiday+")"
	case d.IsWeekend():
		cd.Class, cd.Text = "weekend", dayName+": выходной"
	default:
		// An ordinary working day: its column and number say it all.
	}
	if short[d] {
		if cd.Text == "" {
			cd.Text = dayName + ": рабочий день"
		}
		cd.Class = strings.TrimSpace(cd.Class + " shortened")
		cd.Mark += "*"
		cd.Text += ", сокращённый на час (предпраздничный)"
	}
	return cd
}
