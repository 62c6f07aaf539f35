package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// seedReminder writes one outbox row as the planner would, with the given
// status and send_at, for the first obligation of request r and recipient
// user.
func seedReminder(t *testing.T, st *store.Store, r *register.Request, user, stage, status string, sendAt time.Time) {
	t.Helper()
	dt.MustReminders(t, st, dt.Row{Request: r, Stage: stage, RecipientID: user, RecipientEmail: "officer@example.ru",
		LocalDate: calendar.DateOf(sendAt.UTC()), Due: sendAt, Status: status})
}

// outboxFixture adds an officer and an access request of e's officer for
// their reminders, and returns the officer's id and the request.
func outboxFixture(t *testing.T, e env) (string, *register.Request) {
	t.Helper()
	acc := account.NewService(e.st, e.clock.Now, cheapHash)
	u, err := acc.CreateUser(srok.WithActor(context.Background(), srok.System), account.UserInput{Email: "officer@example.ru",
		Name: "Officer", Role: srok.RoleOfficer, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, mustCreate(t, e, access("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
}

func TestReminderStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		st, ctx := e.st, context.Background()

		empty, err := st.ReminderStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if empty != (store.ReminderStats{}) {
			t.Fatalf("an empty outbox: %+v", empty)
		}

		user, r := outboxFixture(t, e)

		oldest := time.Date(2026, 11, 24, 6, 0, 0, 123000, time.UTC)
		seedReminder(t, st, r, user, "soon", "pending", oldest.Add(48*time.Hour)) // not due yet
		seedReminder(t, st, r, user, "tomorrow", "pending", oldest)
		seedReminder(t, st, r, user, "due", "pending", oldest.Add(24*time.Hour))
		seedReminder(t, st, r, user, "overdue", "sent", oldest.Add(-72*time.Hour))
		seedReminder(t, st, r, user, "escalation", "failed", oldest.Add(-48*time.Hour))

		got, err := st.ReminderStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := store.ReminderStats{Pending: 3, Sent: 1, Failed: 1, OldestPendingSendAt: oldest}
		if !got.OldestPendingSendAt.Equal(want.OldestPendingSendAt) || got.OldestPendingSendAt.Location() != time.UTC {
			t.Errorf("oldest pending send_at %v, want %v", got.OldestPendingSendAt, want.OldestPendingSendAt)
		}
		got.OldestPendingSendAt = want.OldestPendingSendAt
		if got != want {
			t.Errorf("stats %+v, want %+v", got, want)
		}
	})
}
