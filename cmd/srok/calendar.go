package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/srok/srok/api"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/ru"
)

// runCalendar is `srok calendar`: every date of a year.
func runCalendar(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "import" {
		return runCalendarImport(ctx, args[1:], e)
	}
	fs := newFlagSet("calendar", "[--year YEAR] [--json]")
	year := fs.Int("year", 0, "the year (default: this year)")
	asJSON := fs.Bool("json", false, "print JSON")
	var calPaths pathList
	fs.Var(&calPaths, "calendar", "a file or folder of extra calendar years (repeatable)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	c, err := commandCalendar(ctx, e, calPaths)
	if err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	today := calendar.DateOf(e.now().In(cfg.Zone()))
	if *year == 0 {
		*year = today.Year()
	}
	first, last := c.Years()
	if *year < first || *year > last {
		return usagef("--year %d is out of range: the calendar covers %d-%d", *year, first, last)
	}
	y, err := c.Year(*year)
	if err != nil {
		return err
	}
	days, err := c.Days(*year)
	if err != nil {
		return err
	}
	if *asJSON {
		err = writeJSON(e.stdout, api.NewCalendarYear(y, days))
	} else {
		printCalendar(e.stdout, y, days)
	}
	warnUndecreedNextYear(e.stderr, c, today)
	return err
}

// warnUndecreedNextYear warns on w, as the overview warns administrators,
// when from 1 October next year still has no decree in the calendar the
// servers use (calendar.UndecreedNextYear). It is a line of stderr, so
// that the JSON on stdout stays whole and the exit code is unchanged.
func warnUndecreedNextYear(w io.Writer, c *calendar.Calendar, today calendar.Date) {
	if y := calendar.UndecreedNextYear(today, c.Year); y != 0 {
		fmt.Fprintf(w, "srok calendar: ВНИМАНИЕ: %s %s\n", ru.CalendarNotLoaded(y), ru.CalendarImportCommand)
	}
}

var ruMonths = [...]string{"", "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"}

// printCalendar prints the year month by month, a week a line, with the
// days off marked and the named days listed under each month.
func printCalendar(w io.Writer, y calendar.Year, days []calendar.Day) {
	fmt.Fprintf(w, "Production calendar %d (производственный календарь), five-day week\n", y.Year)
	if y.Provisional {
		fmt.Fprintln(w, "PROVISIONAL: no Government decree in the data for this year; Labour Code arts. 111-112 applied alone")
	} else {
		fmt.Fprintf(w, "Source: %s\n", y.Decree.Citation)
	}
	fmt.Fprintf(w, "Working days: %d\n", y.WorkingDays)
	fmt.Fprintln(w, "Marks: * holiday   + day off moved here   . weekend   ! working weekend day   ~ shortened pre-holiday day")

	for m := time.January; m <= time.December; m++ {
		var month []calendar.Day
		for _, d := range days {
			if _, dm, _ := d.Date.Civil(); dm == m {
				month = append(month, d)
			}
		}
		working := 0
		for _, d := range month {
			if d.Working {
				working++
			}
		}
		fmt.Fprintf(w, "\n%s %d / %s, %d working days\n", m, y.Year, ruMonths[m], working)
		fmt.Fprintln(w, " Mo  Tu  We  Th  Fr  Sa  Su")
		var line strings.Builder
		// Monday-based column of the first day.
		col := (int(month[0].Date.Weekday()) + 6) % 7
		line.WriteString(strings.Repeat("    ", col))
		for _, d := range month {
			_, _, day := d.Date.Civil()
			fmt.Fprintf(&line, "%3d%s", day, dayMark(d))
			col++
			if col == 7 {
				fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
				line.Reset()
				col = 0
			}
		}
		if line.Len() > 0 {
			fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
		}
		for _, d := range month {
			if d.Name != "" {
				fmt.Fprintf(w, "   %s %s\n", dayFmt(d.Date), d.Name)
			}
		}
	}
}

func dayMark(d calendar.Day) string {
	switch {
	case d.Shortened != nil && *d.Shortened:
		return "~"
	case d.Kind == calendar.KindHoliday:
		return "*"
	case d.Kind == calendar.KindTransferredDayOff:
		return "+"
	case d.Kind == calendar.KindWeekend:
		return "."
	case d.Kind == calendar.KindWorkingWeekend:
		return "!"
	}
	return " "
}
