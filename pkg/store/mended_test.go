package store_test

import (
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
)

// Migration 00002 gives the answers recorded before it their date, so that
// on_time is decided by it for them too.
func TestMigrationFillsAnswerDates(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		e.clock.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, moscow))
		r := mustCreate(t, e, access("Субъект", "m@example.ru", "2026-04-30T10:00:00+03:00"))
		open := mustCreate(t, e, access("Другой", "o@example.ru", "2026-04-30T10:00:00+03:00"))
		if _, err := e.reg.Assign(e.ctx, r.ID, 0, "ivanova"); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(time.Date(2026, 5, 25, 11, 0, 0, 0, moscow))
		if _, err := e.reg.Answer(e.ctx, r.ID, 0, register.AnswerInput{Outcome: "fulfilled", Date: "2026-05-15", Text: "ok"}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.MigrateDownTo(e.ctx, 1); err != nil {
			t.Fatalf("down to 1: %v", err)
		}
		if applied, err := e.st.Migrate(e.ctx); err != nil || len(applied) == 0 || applied[0] != 2 {
			t.Fatalf("up again: %v %v", applied, err)
		}
		got, err := e.reg.Get(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o := got.Obligations[0]; o.DoneOn == nil || o.DoneOn.String() != "2026-05-15" || !o.OnTime(got.Location()) {
			t.Fatalf("after the migration: %+v", o)
		}
		if got, err = e.reg.Get(e.ctx, open.ID); err != nil || got.Obligations[0].DoneOn != nil {
			t.Fatalf("an open obligation got a date: %+v %v", got, err)
		}
	})
}
