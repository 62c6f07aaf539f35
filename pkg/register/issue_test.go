package register_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// Issuing a letter performs its action exactly as the action's own method
// does: refused with the register's reason before anything is prepared or
// saved when the state or the role does not allow it; the action's event
// and the letter's go to Save together, which writes them or nothing; a
// letter with no action only adds its event.
func TestIssueAction(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		r := mustCreate(t, e, storetest.Access("Иван", "ivan@example.ru", "2026-11-24T10:00:00+03:00"))
		prepared, saved := 0, 0
		letterEvent := func(r *register.Request, a srok.Actor, now time.Time) ([]register.Event, error) {
			prepared++
			return []register.Event{e.reg.LetterEvent(r, a, now, map[string]any{"number": "2026-0001"})}, nil
		}
		save := func(ctx context.Context, r *register.Request, version int, events []register.Event, trail []*audit.Entry) error {
			saved++
			return e.st.UpdateRequest(ctx, r, version, events, trail)
		}

		// A new request cannot be answered: nothing prepared or saved.
		_, err := e.reg.Issue(e.ctx, r.ID, register.Issuing{Action: register.ActionAnswer,
			Answer: register.AnswerInput{Outcome: "fulfilled", Reference: "письмо"}, Prepare: letterEvent, Save: save})
		var se *srok.Error
		if !errors.As(err, &se) || se.Code != srok.ECONFLICT || se.Reason != "transition_forbidden" || prepared+saved != 0 {
			t.Fatalf("answer of a new request: %v (prepared %d, saved %d)", err, prepared, saved)
		}
		// A viewer may not issue at all.
		viewer := srok.WithActor(context.Background(), srok.Actor{ID: "v1", Name: "Viewer", UserID: "v1", Role: srok.RoleViewer})
		_, err = e.reg.Issue(viewer, r.ID, register.Issuing{Prepare: letterEvent, Save: save})
		wantCode(t, err, srok.EFORBIDDEN)

		// A letter with no action (a request for details): its event alone.
		got, err := e.reg.Issue(e.ctx, r.ID, register.Issuing{Prepare: letterEvent, Save: save})
		if err != nil || got.Status != register.StatusNew || got.Version != r.Version+1 {
			t.Fatalf("no action: %v %+v", err, got)
		}
		if _, err := e.reg.Assign(e.ctx, r.ID, register.AnyVersion, "Officer One"); err != nil {
			t.Fatal(err)
		}
		// Save failing leaves the request as it was.
		_, err = e.reg.Issue(e.ctx, r.ID, register.Issuing{Action: register.ActionExtend,
			Extend: register.ExtendInput{Reasons: "архив", Channel: "post"}, Prepare: letterEvent,
			Save: func(context.Context, *register.Request, int, []register.Event, []*audit.Entry) error {
				return errors.New("disk full")
			}})
		if err == nil {
			t.Fatal("a failed save was reported done")
		}
		if cur, _ := e.reg.Get(e.ctx, r.ID); cur.Extension != nil {
			t.Fatalf("the failed issue extended the term")
		}
		// The extension: its notice is the letter, sent now.
		got, err = e.reg.Issue(e.ctx, r.ID, register.Issuing{Action: register.ActionExtend,
			Extend: register.ExtendInput{Reasons: "архив", Channel: "post"}, Prepare: letterEvent, Save: save})
		if err != nil || got.Extension == nil || !got.Extension.NoticeSentAt.Equal(e.clock.Now().UTC()) {
			t.Fatalf("extension: %v %+v", err, got)
		}
		_, tl, err := e.reg.Timeline(e.ctx, r.ID, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[register.EventKind]int{}
		for _, ev := range tl {
			kinds[ev.Kind]++
		}
		if kinds[register.EventLetterIssued] != 2 || kinds[register.EventExtended] != 1 {
			t.Fatalf("timeline: %v", kinds)
		}
	})
}
