package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// seedReminder writes one outbox row as the planner would, with the given
// status and send_at, for an obligation of request r and recipient user.
func seedReminder(t *testing.T, st *store.Store, r *register.Request, user, stage, status string, sendAt time.Time) {
	t.Helper()
	q := `INSERT INTO reminders (request_id, obligation_id, stage, recipient_id, recipient_email, local_date, send_at,
    target_date, legal_date, status, next_attempt_at, created_at, updated_at)
VALUES (?, ?, ?, ?, 'officer@example.ru', ?, ?, ?, ?, ?, ?, ?, ?)`
	if st.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	sendAt = sendAt.UTC()
	day := sendAt.Format(time.DateOnly)
	if _, err := st.SQL().ExecContext(context.Background(), q, r.ID, r.Obligations[0].ID, stage, user, day, sendAt,
		day, day, status, sendAt, sendAt, sendAt); err != nil {
		t.Fatalf("seed reminder: %v", err)
	}
}

func TestReminderStats(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))

			empty, err := st.ReminderStats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if empty != (store.ReminderStats{}) {
				t.Fatalf("an empty outbox: %+v", empty)
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

			oldest := time.Date(2026, 11, 24, 6, 0, 0, 123000, time.UTC)
			seedReminder(t, st, r, u.ID, "soon", "pending", oldest.Add(48*time.Hour)) // not due yet
			seedReminder(t, st, r, u.ID, "tomorrow", "pending", oldest)
			seedReminder(t, st, r, u.ID, "due", "pending", oldest.Add(24*time.Hour))
			seedReminder(t, st, r, u.ID, "overdue", "sent", oldest.Add(-72*time.Hour))
			seedReminder(t, st, r, u.ID, "escalation", "failed", oldest.Add(-48*time.Hour))

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
}
