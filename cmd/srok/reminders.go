package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
)

const remindersUsage = `Usage:
  srok reminders plan --from DATE --to DATE [--json]

plan lists the reminders the register as it stands would send on each day
of the period (dates as YYYY-MM-DD or DD.MM.YYYY, both included): date,
stage, recipient, request number, obligation, internal target and legal
date. It sends and queues nothing. With --json, one JSON object a line, one
per reminder.

Stages: soon and tomorrow (working days before the internal target, as each
recipient set them, 3 and 1 by default), due (on the target), overdue (every
working day after the legal date, to the assignee, or to the officers when
nobody active is assigned), escalation (the first overdue day, to every
active officer).
`

// maxPlanDays bounds the period of a plan: a year and a day.
const maxPlanDays = 367

func runReminders(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("give a subcommand: plan (see srok reminders --help)")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "plan":
		return runRemindersPlan(ctx, rest, e)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, remindersUsage)
		return nil
	default:
		return usagef("unknown subcommand %q of reminders (subcommands: plan)", sub)
	}
}

// parsePlanDate reads a date given as YYYY-MM-DD or DD.MM.YYYY.
func parsePlanDate(flag, s string) (calendar.Date, error) {
	if s == "" {
		return 0, usagef("%s is required: a date as YYYY-MM-DD or DD.MM.YYYY", flag)
	}
	for _, layout := range []string{time.DateOnly, "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return calendar.DateOf(t), nil
		}
	}
	return 0, usagef("%s %q is not a date: give YYYY-MM-DD or DD.MM.YYYY", flag, s)
}

func runRemindersPlan(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("reminders plan", "--from DATE --to DATE [--json]")
	fromS := fs.String("from", "", "the first day (YYYY-MM-DD or DD.MM.YYYY)")
	toS := fs.String("to", "", "the last day, included")
	asJSON := fs.Bool("json", false, "print one JSON object a line, one per reminder")
	var calPaths pathList
	fs.Var(&calPaths, "calendar", "a file or folder of extra calendar years (repeatable)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	from, err := parsePlanDate("--from", *fromS)
	if err != nil {
		return err
	}
	to, err := parsePlanDate("--to", *toS)
	if err != nil {
		return err
	}
	if to < from {
		return usagef("--to %s is before --from %s", to, from)
	}
	if to-from >= maxPlanDays {
		return usagef("the period from %s to %s is longer than %d days: plan a year at most", from, to, maxPlanDays)
	}
	cal, err := commandCalendar(ctx, e, calPaths)
	if err != nil {
		return err
	}
	if !cal.Contains(from) || !cal.Contains(to) {
		first, last := cal.Years()
		return usagef("the period %s to %s is outside the calendar's years %d-%d", from, to, first, last)
	}
	_, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	sc := remind.NewScanner(st, cal)
	var all []remind.Reminder
	for d := from; d <= to; d++ {
		rs, err := sc.PlanDay(ctx, d)
		if err != nil {
			return err
		}
		all = append(all, rs...)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, r := range all {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	printPlan(e.stdout, all, from, to)
	return nil
}

// planDate is d as 18.05.2026.
func planDate(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%d", day, m, y)
}

func printPlan(w io.Writer, rs []remind.Reminder, from, to calendar.Date) {
	if len(rs) == 0 {
		fmt.Fprintf(w, "No reminders from %s to %s.\n", planDate(from), planDate(to))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tSEND AT\tSTAGE\tRECIPIENT\tREQUEST\tOBLIGATION\tTARGET\tLEGAL\tDIGEST")
	for _, r := range rs {
		digest := ""
		if r.Digest {
			digest = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", planDate(r.LocalDate), r.SendAt.Format("15:04 MST"), r.Stage, r.Email,
			r.Number, r.ObligationID, planDate(r.Target), planDate(r.Legal), digest)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d reminders from %s to %s.\n", len(rs), planDate(from), planDate(to))
}
