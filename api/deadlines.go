// Package api holds Srok's wire formats: the JSON bodies the command line
// prints and the REST API serves, so that both speak the same shapes.
package api

import (
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// DeadlinePreview is the JSON of `srok deadline --json`: the deadlines a
// request of one type opens.
type DeadlinePreview struct {
	Type        string               `json:"type"`
	Trigger     string               `json:"trigger"`
	TimeZone    string               `json:"time_zone"`
	Obligations []ObligationDeadline `json:"obligations"`
}

// ObligationDeadline is one obligation's deadline.
type ObligationDeadline struct {
	ID    string `json:"id"`
	Term  string `json:"term"`
	Basis string `json:"basis"`
	// DueDate is the legal deadline (local date).
	DueDate string `json:"due_date"`
	// TargetDate is the internal target (local date).
	TargetDate string `json:"target_date"`
	// DueAt is the instant the term runs out.
	DueAt string `json:"due_at"`
	// ExtendedDueDate is the deadline after an extension; null when the
	// obligation cannot be extended.
	ExtendedDueDate *string `json:"extended_due_date"`
	Provisional     bool    `json:"provisional"`
}

// NewDeadlinePreview renders the deadlines of a request of type t. With
// extended, extendable obligations show their extended deadline as due.
func NewDeadlinePreview(t deadlines.RequestType, trigger time.Time, loc *time.Location, ds []deadlines.Deadline, extended bool) DeadlinePreview {
	p := DeadlinePreview{
		Type:        string(t),
		Trigger:     trigger.In(loc).Format(time.RFC3339),
		TimeZone:    loc.String(),
		Obligations: make([]ObligationDeadline, 0, len(ds)),
	}
	for _, d := range ds {
		o := ObligationDeadline{
			ID:          d.Obligation.ID,
			Term:        d.Obligation.Term.String(),
			Basis:       d.Obligation.Basis,
			Provisional: d.Provisional,
		}
		if d.HasExtension() {
			s := d.ExtendedDue.String()
			o.ExtendedDueDate = &s
		}
		if extended {
			d = d.WithExtension()
		}
		o.DueDate, o.TargetDate, o.DueAt = d.Due.String(), d.Target.String(), d.DueAt.Format(time.RFC3339)
		p.Obligations = append(p.Obligations, o)
	}
	return p
}

// CalendarYear is the JSON of `srok calendar --json`: every date of a year.
type CalendarYear struct {
	Year        int  `json:"year"`
	Provisional bool `json:"provisional"`
	WorkingDays int  `json:"working_days"`
	// Decree cites the Government decree of the year; null when provisional.
	Decree *string       `json:"decree"`
	Days   []CalendarDay `json:"days"`
}

// CalendarDay is one date of the production calendar.
type CalendarDay struct {
	Date    string `json:"date"`
	Working bool   `json:"working"`
	Kind    string `json:"kind"`
	Name    string `json:"name,omitempty"`
	// Shortened marks a pre-holiday day shortened by one hour (Labour Code
	// art. 95); present only when the year's data lists such days.
	Shortened *bool `json:"shortened,omitempty"`
}

// NewCalendarYear renders year y of the calendar.
func NewCalendarYear(y calendar.Year, days []calendar.Day) CalendarYear {
	out := CalendarYear{
		Year:        y.Year,
		Provisional: y.Provisional,
		WorkingDays: y.WorkingDays,
		Days:        make([]CalendarDay, 0, len(days)),
	}
	if !y.Provisional {
		out.Decree = &y.Decree.Citation
	}
	for _, d := range days {
		out.Days = append(out.Days, CalendarDay{
			Date:      d.Date.String(),
			Working:   d.Working,
			Kind:      string(d.Kind),
			Name:      d.Name,
			Shortened: d.Shortened,
		})
	}
	return out
}
