package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// ListFailedReminders lists the failed reminders alone, the latest failure
// first, with the request's number and the last error; limit bounds it.
func TestListFailedReminders(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		st, ctx := e.st, context.Background()
		if got, err := st.ListFailedReminders(ctx, 10); err != nil || len(got) != 0 {
			t.Fatalf("an empty outbox: %v %v", got, err)
		}
		user, r := outboxFixture(t, e)
		at := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
		seedReminder(t, st, r, user, "soon", "failed", at.Add(-48*time.Hour))
		seedReminder(t, st, r, user, "tomorrow", "failed", at)
		seedReminder(t, st, r, user, "due", "pending", at.Add(time.Hour))
		seedReminder(t, st, r, user, "overdue", "sent", at.Add(2*time.Hour))
		q := `UPDATE reminders SET last_error = '550 5.1.1 mailbox unavailable', attempts = 1 WHERE stage = 'tomorrow'`
		if _, err := st.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}

		got, err := st.ListFailedReminders(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Stage != "tomorrow" || got[1].Stage != "soon" {
			t.Fatalf("failed reminders: %+v", got)
		}
		f := got[0]
		if f.RequestID != r.ID || f.Number != r.Number || f.ObligationID != r.Obligations[0].ID ||
			f.RecipientEmail != "officer@example.ru" || f.LastError != "550 5.1.1 mailbox unavailable" || f.Attempts != 1 ||
			!f.FailedAt.Equal(at) || f.LocalDate != calendar.NewDate(2026, 11, 24) {
			t.Errorf("the latest: %+v", f)
		}
		if got[1].LastError != "" {
			t.Errorf("no error recorded, yet %q", got[1].LastError)
		}
		if got, err := st.ListFailedReminders(ctx, 1); err != nil || len(got) != 1 || got[0].Stage != "tomorrow" {
			t.Errorf("limit 1: %+v %v", got, err)
		}
		if n, err := st.FailedReminders(ctx); err != nil || n != 2 {
			t.Errorf("count %d %v", n, err)
		}
		if got[0].FailedAt.Location() != time.UTC {
			t.Error("not in UTC")
		}
	})
}
