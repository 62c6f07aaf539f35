package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// ListFailedReminders lists the failed reminders alone, the latest failure
// first, with the request's number and the last error; limit bounds it.
func TestListFailedReminders(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
			if got, err := st.ListFailedReminders(ctx, 10); err != nil || len(got) != 0 {
				t.Fatalf("an empty outbox: %v %v", got, err)
			}
			acc := account.NewService(st, clock.Now, cheapHash)
			u, err := acc.CreateUser(srok.WithActor(ctx, srok.System), account.UserInput{Email: "officer@example.ru",
				Name: "Officer", Role: srok.RoleOfficer, Password: goodPassword})
			if err != nil {
				t.Fatal(err)
			}
			reg := register.NewService(st, cal, moscow, clock.Now)
			actor := srok.WithActor(ctx, srok.Actor{ID: "u1", Name: "Officer One", UserID: "u1", Role: srok.RoleOfficer})
			r, _, err := reg.Create(actor, access("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"), nil)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
			seedReminder(t, st, r, u.ID, "soon", "failed", at.Add(-48*time.Hour))
			seedReminder(t, st, r, u.ID, "tomorrow", "failed", at)
			seedReminder(t, st, r, u.ID, "due", "pending", at.Add(time.Hour))
			seedReminder(t, st, r, u.ID, "overdue", "sent", at.Add(2*time.Hour))
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
}
