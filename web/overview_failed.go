package web

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// FailedReminders are the reminders that failed for good (pkg/store).
type FailedReminders interface {
	// FailedReminders counts them.
	FailedReminders(ctx context.Context) (int, error)
	// ListFailedReminders returns up to limit, the latest failure first.
	ListFailedReminders(ctx context.Context, limit int) ([]remind.FailedReminder, error)
}

// ReminderRecipients are who gets the reminders of the requests nobody
// works on (pkg/store): the officers, or the administrators while there is
// no officer.
type ReminderRecipients interface {
	ReminderOfficers(ctx context.Context) ([]remind.Recipient, error)
}

// recipientsView says on the overview who is reminded of unassigned
// requests, or warns that nobody is.
type recipientsView struct {
	Emails []string
	// Admins: there is no officer, so the administrators are reminded.
	Admins bool
}

// recipientsOf is the overview's line on the reminders of unassigned
// requests: for officers and administrators who gets them; for everyone a
// warning when nobody does. nil when there is nothing to say.
func (s *server) recipientsOf(ctx context.Context, a srok.Actor) (*recipientsView, error) {
	if s.recipients == nil {
		return nil, nil
	}
	rs, err := s.recipients.ReminderOfficers(ctx)
	if err != nil {
		return nil, err
	}
	v := &recipientsView{}
	for _, r := range rs {
		v.Emails = append(v.Emails, r.Email)
	}
	if len(v.Emails) == 0 {
		return v, nil
	}
	if a.Role != srok.RoleOfficer && a.Role != srok.RoleAdmin {
		return nil, nil
	}
	v.Admins = !slices.ContainsFunc(rs, func(r remind.Recipient) bool { return r.Role == srok.RoleOfficer })
	return v, nil
}

// failedTop is how many failed reminders the overview lists.
const failedTop = 20

// failedView is the overview's notice of the reminders that failed for
// good: nobody was told of those terms.
type failedView struct {
	Count     int
	CountText string
	Rows      []failedRow
	// More is set when the notice lists fewer than Count.
	More bool
}

type failedRow struct {
	Number, URL string
	Stage       string
	Obligation  string
	Recipient   string
	Error       string
	Date        string
	FailedAt    string
}

// seesFailedReminders reports whether a is told of failed reminders: the
// officer responsible for the processing (152-FZ art. 22.1) and the
// administrator, who can mend an address or the mail server; not the
// operators and viewers.
func seesFailedReminders(a srok.Actor) bool {
	return a.Role == srok.RoleOfficer || a.Role == srok.RoleAdmin
}

// failedOf is the notice of failed reminders for a, nil when there are
// none or a is not told of them.
func (s *server) failedOf(ctx context.Context, a srok.Actor, loc *time.Location) (*failedView, error) {
	if s.failed == nil || !seesFailedReminders(a) {
		return nil, nil
	}
	n, err := s.failed.FailedReminders(ctx)
	if err != nil || n == 0 {
		return nil, err
	}
	list, err := s.failed.ListFailedReminders(ctx, failedTop)
	if err != nil {
		return nil, err
	}
	v := &failedView{Count: n, More: n > len(list),
		CountText: strconv.Itoa(n) + " " + ru.Plural(n, "напоминание не доставлено", "напоминания не доставлены", "напоминаний не доставлено")}
	for _, f := range list {
		stage, ok := stageNames[f.Stage]
		if !ok {
			stage = f.Stage
		}
		v.Rows = append(v.Rows, failedRow{Number: f.Number, URL: "/requests/" + f.RequestID, Stage: stage,
			Obligation: ru.Obligation(f.ObligationID), Recipient: f.RecipientEmail, Error: f.LastError,
			Date: ru.Date(f.LocalDate), FailedAt: ru.DateTime(f.FailedAt, loc)})
	}
	return v, nil
}
