package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestClaimReminders: a claim takes the due, unleased rows, a digest row
// brings its recipient's whole digest of the date, and a lease keeps the
// rows from a second claim until it runs out.
func TestClaimReminders(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			ctx := context.Background()
			now := time.Date(2026, 5, 18, 9, 0, 0, 0, moscow)
			bob := dt.MustUser(t, st, "bob@example.ru", srok.RoleOfficer)
			var rows []dt.Row
			for i := range 3 {
				r := dt.MustRequest(t, st, now.Add(-time.Duration(7+i)*24*time.Hour), bob, "bob@example.ru")
				rows = append(rows, dt.Row{Request: r, Stage: "soon", RecipientID: bob, RecipientEmail: "bob@example.ru",
					LocalDate: calendar.DateOf(now), Due: now.Add(-time.Duration(3-i) * time.Minute), Digest: true})
			}
			late := rows[0]
			late.Stage, late.Due, late.Digest = "due", now.Add(time.Hour), false
			dt.MustReminders(t, st, append(rows, late)...)

			got, err := st.ClaimReminders(ctx, "a", now, now.Add(time.Minute), 1)
			if err != nil || len(got) != 3 {
				t.Fatalf("claim of 1: %d rows, %v; want the digest's 3", len(got), err)
			}
			for _, it := range got {
				if !it.Digest || it.Number == "" || !it.ObligationOpen || !it.RecipientActive || it.RecipientRole != srok.RoleOfficer ||
					it.AssigneeID != bob || it.LegalDate == 0 || it.Basis == "" {
					t.Errorf("claimed %+v", it)
				}
			}
			if again, err := st.ClaimReminders(ctx, "b", now, now.Add(time.Minute), 10); err != nil || len(again) != 0 {
				t.Fatalf("second claim within the lease: %d rows, %v", len(again), err)
			}
			after := now.Add(time.Minute)
			if again, err := st.ClaimReminders(ctx, "b", after, after.Add(time.Minute), 10); err != nil || len(again) != 3 {
				t.Fatalf("claim after the lease: %d rows, %v", len(again), err)
			}
			ids := []int64{got[0].ID}
			if err := st.FailReminders(ctx, ids, remind.Delivery{At: after, Instance: "b", Code: 550, Error: "550 no such mailbox"}); err != nil {
				t.Fatal(err)
			}
			if n, err := st.FailedReminders(ctx); err != nil || n != 1 {
				t.Errorf("FailedReminders: %d, %v", n, err)
			}
			if err := st.ReleaseReminders(ctx, []int64{got[1].ID, got[2].ID}, "b"); err != nil {
				t.Fatal(err)
			}
			if again, err := st.ClaimReminders(ctx, "c", after, after.Add(time.Minute), 10); err != nil || len(again) != 2 {
				t.Fatalf("claim after release: %d rows, %v; want the 2 released (not the failed, not the late)", len(again), err)
			}
		})
	}
}
