package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// runCalendarImport is `srok calendar import FILE [--force]`: it validates
// a file of production calendar years (the shipped data format), stores
// them in the database for every srok instance, and recomputes the terms
// they move. It acts as Srok itself (srok.System), as `srok user` does:
// whoever runs the command line runs the server.
func runCalendarImport(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("calendar import", "FILE [--force]")
	force := fs.Bool("force", false, "replace a year that already has decree data (shipped or imported)")
	// FILE may come before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return parseFlags(fs, args, e)
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
		if err := fs.Parse(rest); err != nil {
			return parseFlags(fs, rest, e)
		}
		rest = fs.Args()
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	if file == "" {
		return usagef("give the calendar file to import: srok calendar import FILE [--force]")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return usagef("unable to read %s: %v", file, err)
	}
	// A malformed file is refused before the database is opened.
	if _, problems := calendars.ParseFile(file, data); len(problems) > 0 {
		lines := make([]string, 0, len(problems))
		for _, p := range problems {
			lines = append(lines, p.String())
		}
		return problemLines(file, lines)
	}

	cfg, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	base, err := loadCalendar(e, nil)
	if err != nil {
		return err
	}
	trail := audit.NewService(st, e.now)
	live := calendar.NewLive(base)
	reg := register.NewService(st, base, cfg.Zone(), e.now, register.WithAudit(trail), register.WithCalendar(live))
	svc, err := calendars.NewService(st, base, e.now, calendars.WithLive(live), calendars.WithRecomputer(reg),
		calendars.WithAudit(trail))
	if err != nil {
		return err
	}
	sum, err := svc.Import(srok.WithActor(ctx, srok.System), file, data, *force)
	var se *srok.Error
	if errors.As(err, &se) && se.Code == srok.EINVALID {
		lines := make([]string, 0, len(se.Fields))
		for _, f := range se.Fields {
			lines = append(lines, f.Field+": "+f.Problem)
		}
		return problemLines(file, lines)
	}
	for _, y := range sum.Years {
		fmt.Fprintf(e.stdout, "%d: %s (%s, %s)\n", y.Year, y.Status, count(y.DaysOff, "day off", "days off"),
			workingWeekends(y))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "recomputed %s of %s\n", count(sum.Recomputed.Obligations, "obligation", "obligations"),
		count(sum.Recomputed.Requests, "request", "requests"))
	return nil
}

// problemLines is the usage error listing the problems of file, one a line.
func problemLines(file string, lines []string) error {
	head := fmt.Sprintf("%s: nothing imported, %s:", file, count(len(lines), "problem", "problems"))
	return usagef("%s\n  %s", head, strings.Join(lines, "\n  "))
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// workingWeekends says how many weekend days of y are working days: "working
// Saturdays" when all are Saturdays, as decrees usually make them.
func workingWeekends(y calendars.YearSummary) string {
	if y.WorkingSaturdays == y.WorkingWeekends {
		return count(y.WorkingWeekends, "working Saturday", "working Saturdays")
	}
	return count(y.WorkingWeekends, "working weekend day", "working weekend days")
}
