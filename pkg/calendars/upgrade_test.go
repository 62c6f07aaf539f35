package calendars_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestRecomputeDecreedOnUpgrade: terms stored by a release without the 2027
// decree (provisional over 2027) are recomputed once when a release that
// ships 2027 starts: the moved term gets a "recomputed" event with its old
// and new dates and the decree; a second start changes nothing. Both
// databases.
func TestRecomputeDecreedOnUpgrade(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			clock := storetest.NewClock(time.Date(2026, 12, 22, 9, 0, 0, 0, moscow))
			old := register.NewService(st, base, moscow, clock.Now)
			sys := srok.WithActor(context.Background(), srok.System)
			create := func(typ, received string) *register.Request {
				t.Helper()
				r, _, err := old.Create(sys, register.Input{Type: typ, Channel: "email", ReceivedAt: received, TimeZone: "Europe/Moscow",
					Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Obligations[0].Provisional {
					t.Fatalf("%s received %s: not provisional before the upgrade", typ, received)
				}
				return r
			}
			// 10 working days across the New Year: the dates stay, the
			// term stops being provisional.
			access := create("access", "2026-12-21T10:00:00+03:00")
			// 3 working days over 20-22 February 2027: without the decree
			// Monday 22 February is the third; with it Saturday 20 February.
			clock.Set(time.Date(2027, 2, 17, 12, 0, 0, 0, moscow))
			dissem := create("dissemination", "2027-02-17T10:00:00+03:00")
			if got := dissem.Obligations[0].Due.String(); got != "2027-02-22" {
				t.Fatalf("before: dissemination due %s", got)
			}

			// The new release: the shipped calendar with 2027.
			shipped, err := calendar.Embedded()
			if err != nil {
				t.Fatal(err)
			}
			start := func() ([]int, register.Recomputed) {
				t.Helper()
				live := calendar.NewLive(shipped)
				reg := register.NewService(st, shipped, moscow, clock.Now, register.WithCalendar(live))
				cals, err := calendars.NewService(st, shipped, clock.Now, calendars.WithLive(live), calendars.WithRecomputer(reg))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cals.Load(context.Background()); err != nil {
					t.Fatal(err)
				}
				years, rec, err := cals.RecomputeDecreed(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				return years, rec
			}
			years, rec := start()
			if fmt.Sprint(years) != "[2027]" || rec.Requests != 2 || rec.Obligations != 2 {
				t.Fatalf("first start: years %v, recomputed %+v", years, rec)
			}
			a := get(t, st, access.ID)
			if o := a.Obligations[0]; o.Due.String() != "2027-01-13" || o.Provisional {
				t.Errorf("access after: due %s, provisional %v", o.Due, o.Provisional)
			}
			m := get(t, st, dissem.ID)
			if o := m.Obligations[0]; o.Due.String() != "2027-02-20" || o.Provisional {
				t.Errorf("dissemination after: due %s, provisional %v", o.Due, o.Provisional)
			}
			evs, err := st.Timeline(context.Background(), dissem.ID, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			ev := evs[len(evs)-1]
			before, _ := ev.Before["dissemination.stop"].(map[string]any)
			after, _ := ev.After["dissemination.stop"].(map[string]any)
			if ev.Kind != register.EventRecomputed || ev.ActorID != register.CalendarActor.ID ||
				!strings.Contains(ev.Note, "2027 (Постановление Правительства РФ от 17.09.2026 № 1187)") ||
				before["due_date"] != "2027-02-22" || after["due_date"] != "2027-02-20" ||
				before["provisional"] != true || after["provisional"] != false {
				t.Errorf("event %s by %s, note %q, before %v, after %v", ev.Kind, ev.ActorID, ev.Note, before, after)
			}

			// A second start: nothing is provisional over 2027 any more.
			years, rec = start()
			if len(years) != 0 || rec != (register.Recomputed{}) {
				t.Errorf("second start: years %v, recomputed %+v", years, rec)
			}
			if again := get(t, st, dissem.ID); again.Version != m.Version {
				t.Errorf("second start wrote the request: version %d, was %d", again.Version, m.Version)
			}
		})
	}
}
