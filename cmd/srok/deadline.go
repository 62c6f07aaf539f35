package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/srok/srok/api"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// runDeadline is `srok deadline`: the deadlines a request opens.
func runDeadline(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("deadline", "--type TYPE --trigger TIME [--tz ZONE] [--extended] [--json]")
	typ := fs.String("type", "", "request type: "+typeList())
	triggerArg := fs.String("trigger", "", "when the request was received (or the event detected): RFC 3339 (2026-04-30T10:00:00+03:00), a local time in --tz (2026-04-30T10:00), a date (2026-04-30) or 'now'")
	tz := fs.String("tz", "Europe/Moscow", "the operator's IANA time zone")
	extended := fs.Bool("extended", false, "show the extended deadline (after a motivated notice) as due, where the term can be extended")
	asJSON := fs.Bool("json", false, "print JSON")
	var calPaths pathList
	fs.Var(&calPaths, "calendar", "a file or folder of extra calendar years (repeatable)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}

	if *typ == "" {
		return usagef("--type is required (one of: %s)", typeList())
	}
	t := deadlines.RequestType(*typ)
	if !t.Known() {
		return usagef("unknown --type %q (one of: %s)", *typ, typeList())
	}
	loc, err := deadlines.LoadZone(*tz)
	if err != nil {
		return usagef("--tz: %v", err)
	}
	if *triggerArg == "" {
		return usagef("--trigger is required: when the request was received, e.g. 2026-04-30T10:00:00+03:00")
	}
	var trigger time.Time
	if strings.EqualFold(*triggerArg, "now") {
		trigger = e.now()
	} else if trigger, err = t.ParseTrigger(*triggerArg, loc); errors.Is(err, deadlines.ErrNeedsTime) {
		obls, _ := deadlines.ObligationsOf(t)
		for _, o := range obls {
			if o.Term.Unit == deadlines.Hours {
				return usagef("--trigger: %s runs %s from the moment of detection: give the time too, e.g. %sT21:30", o.ID, o.Term, *triggerArg)
			}
		}
	} else if err != nil {
		return usagef("--trigger: %v", err)
	}

	c, err := commandCalendar(ctx, e, calPaths)
	if err != nil {
		return err
	}
	ds, err := deadlines.New(c).ForRequest(t, trigger, loc)
	if err != nil {
		return usagef("--trigger: %v", err)
	}
	if *asJSON {
		return writeJSON(e.stdout, api.NewDeadlinePreview(t, trigger, loc, ds, *extended))
	}
	printDeadlines(e.stdout, t, trigger.In(loc), ds, *extended)
	return nil
}

// dayFmt shows a date with its weekday, e.g. "Mon 18.05.2026".
func dayFmt(d calendar.Date) string {
	y, m, day := d.Civil()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Format("Mon 02.01.2006")
}

func printDeadlines(w io.Writer, t deadlines.RequestType, trigger time.Time, ds []deadlines.Deadline, extended bool) {
	fmt.Fprintf(w, "Request type %s, received %s (%s)\n", t, trigger.Format("Mon 02.01.2006 15:04 -07:00"), trigger.Location())
	for _, d := range ds {
		o := d.Obligation
		fmt.Fprintf(w, "\n%s: %s\n", o.ID, o.Duty)
		term := o.Term.String()
		if o.Extendable() {
			term += fmt.Sprintf(" (+%s with a motivated notice sent before the term ends)", o.Extension)
		}
		fmt.Fprintf(w, "  term      %s, from the %s\n", term, o.Trigger)
		fmt.Fprintf(w, "  basis     %s\n", o.Basis)
		shown := d
		if extended && d.HasExtension() {
			shown = d.WithExtension()
			fmt.Fprintf(w, "  extended  yes: base deadline %s\n", dayFmt(d.Due))
		}
		due, target, dueAt := shown.Due, shown.Target, shown.DueAt
		if o.Term.Unit == deadlines.Hours {
			fmt.Fprintf(w, "  due       %s\n", dueAt.Format("Mon 02.01.2006 15:04 -07:00"))
		} else {
			fmt.Fprintf(w, "  due       %s (the term ends at %s)\n", dayFmt(due), dueAt.Format("02.01.2006 15:04 -07:00"))
		}
		if target != due {
			fmt.Fprintf(w, "  target    %s (the last day falls on a day off; the legal deadline moves to the next working day, Civil Code art. 193: plan for the target)\n", dayFmt(target))
		}
		if d.HasExtension() && !extended {
			fmt.Fprintf(w, "  extended  %s, if a motivated notice is sent before the term ends\n", dayFmt(d.ExtendedDue))
		}
		if d.Provisional {
			fmt.Fprintln(w, "  NOTE      provisional: a year used has no Government decree in the calendar data yet; the date may move when it is published")
		}
	}
}
