package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestTriageMigration: migration 18 makes the emails stored before it
// pending when no request links them, and registered (by whoever registered
// the request, when they did) when one does; it rolls back too.
func TestTriageMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.MigrateDownTo(ctx, 17); err != nil {
			t.Fatalf("down to 17: %v", err)
		}
		clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
		reg := register.NewService(st, cal, moscow, clock.Now)
		in := intake.NewService(st, intake.WithClock(clock.Now))
		actx := srok.WithActor(ctx, officer)
		linked, _, err := in.Ingest(actx, officer, triageEML("a@example.ru", "Запрос", "Прошу сведения"))
		if err != nil {
			t.Fatal(err)
		}
		loose, _, err := in.Ingest(actx, officer, triageEML("b@example.ru", "Запрос 2", "Прошу сведения"))
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(time.Hour))
		r, _, err := reg.Create(actx, register.Input{Type: "access", Channel: "email", EmailID: linked.ID,
			Subject: register.SubjectInput{Name: "А", Email: "a@example.ru"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			if st.Dialect() == store.Postgres {
				q = pgPlaceholders(q)
			}
			var n int
			if err := st.SQL().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT count(*) FROM emails WHERE id = ? AND triage = 'registered' AND triage_request_id = ?
			AND triage_by = ? AND triage_at IS NOT NULL`, linked.ID, r.ID, officer.ID); n != 1 {
			t.Error("the linked email is not registered by the request's registrar")
		}
		if n := count(`SELECT count(*) FROM emails WHERE id = ? AND triage = 'pending' AND triage_request_id IS NULL
			AND triage_by IS NULL`, loose.ID); n != 1 {
			t.Error("the unlinked email is not pending")
		}
	})
}

// pgPlaceholders numbers the ? of q as $1, $2, … for PostgreSQL.
func pgPlaceholders(q string) string {
	var b []byte
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b = append(b, '$')
			b = append(b, []byte(strconv.Itoa(n))...)
			continue
		}
		b = append(b, q[i])
	}
	return string(b)
}
