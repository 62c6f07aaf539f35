package calendars_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestRecomputeAlongsideEdits recomputes more requests than one batch
// while their assignees change at the same time: every request ends with
// the new dates, one recomputed event and its assignee, whichever change
// was saved first (optimistic versions, no lost update).
func TestRecomputeAlongsideEdits(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			clock := storetest.NewClock(time.Date(2026, 12, 25, 12, 0, 0, 0, moscow))
			in := newInstance(t, st, clock.Now)
			n := register.RecomputeBatch + 5
			ids := make([]string, n)
			for i := range ids {
				ids[i] = create(t, in.reg, "2026-12-21T10:00:00+03:00").ID
			}

			var wg sync.WaitGroup
			errs := make(chan error, n+1)
			wg.Add(2)
			go func() {
				defer wg.Done()
				sum, err := in.cals.Import(admin, "2027.json", mustRead(t, made2027File), false)
				if err == nil && (sum.Recomputed.Requests != n || sum.Recomputed.Obligations != n) {
					err = fmt.Errorf("recomputed %+v, want %d", sum.Recomputed, n)
				}
				errs <- err
			}()
			go func() {
				defer wg.Done()
				for _, id := range ids {
					if _, err := in.reg.Assign(admin, id, register.AnyVersion, "ivanova@example.ru"); err != nil {
						errs <- err
					}
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range ids {
				r := get(t, st, id)
				if o := r.Obligations[0]; o.Due != date("2027-01-14") || o.Provisional || r.Assignee != "ivanova@example.ru" {
					t.Fatalf("%s: due %s, provisional %v, assignee %q", id, o.Due, o.Provisional, r.Assignee)
				}
				if k := len(recomputedEvents(t, st, id)); k != 1 {
					t.Fatalf("%s: %d recomputed events", id, k)
				}
			}
			// Nothing is left to recompute: all are looked at again (their
			// dates are in 2027), none is written.
			again, err := in.reg.RecomputeCalendar(admin, 2027, "again")
			if err != nil || again.Requests != 0 || again.Examined != n {
				t.Errorf("again: %+v, %v", again, err)
			}
		})
	}
}
