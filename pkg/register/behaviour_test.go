package register_test

// The register's behaviour — transitions, extension, recomputation, the
// repeat flag, on-time answers, frozen terms, changes without a version —
// on SQLite and a real PostgreSQL. The storage contract is pkg/store's suite.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var moscow = storetest.Moscow

// env is one database with the register on it and a settable clock.
type env struct {
	st    *store.Store
	reg   *register.Service
	clock *storetest.Clock
	ctx   context.Context
}

// forEachStore runs fn against SQLite and against PostgreSQL.
func forEachStore(t *testing.T, fn func(t *testing.T, e env)) {
	// PostgreSQL's serving role owns nothing (README, Database roles).
	storetest.EachServing(t, func(t *testing.T, st *store.Store) {
		r := storetest.NewRegister(st)
		fn(t, env{st: st, reg: r.Service, clock: r.Clock, ctx: r.Ctx})
	})
}

var access = storetest.Access

func mustCreate(t *testing.T, e env, in register.Input) *register.Request {
	t.Helper()
	return storetest.MustCreate(t, e.reg, e.ctx, in)
}

func wantCode(t *testing.T, err error, code srok.Code) {
	t.Helper()
	if got := srok.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (error: %v)", got, code, err)
	}
}

func TestTransitions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		type step struct {
			name string
			do   func(id string) (*register.Request, error)
			code srok.Code
			want register.Status
		}
		assign := func(id string) (*register.Request, error) { return e.reg.Assign(e.ctx, id, 0, "ivanova") }
		answer := func(id string) (*register.Request, error) {
			return e.reg.Answer(e.ctx, id, 0, register.AnswerInput{Outcome: "fulfilled", Number: "исх-1", Text: "Сведения направлены"})
		}
		refuse := func(id string) (*register.Request, error) {
			return e.reg.Refuse(e.ctx, id, 0, register.AnswerInput{Text: "Запрос не содержит сведений ч. 3 ст. 14"})
		}
		closeIt := func(id string) (*register.Request, error) { return e.reg.Close(e.ctx, id, 0, "") }
		cancel := func(id string) (*register.Request, error) {
			return e.reg.Cancel(e.ctx, id, 0, register.CancelInput{Reason: "duplicate"})
		}
		tests := []struct {
			name  string
			steps []step
		}{
			{"answer path", []step{
				{"answer while new", answer, srok.ECONFLICT, ""},
				{"assign", assign, "", register.StatusInProgress},
				{"close before answer", closeIt, srok.ECONFLICT, ""},
				{"answer", answer, "", register.StatusAnswered},
				{"answer twice", answer, srok.ECONFLICT, ""},
				{"cancel answered", cancel, srok.ECONFLICT, ""},
				{"assign answered", assign, srok.ECONFLICT, ""},
				{"close", closeIt, "", register.StatusClosed},
				{"close twice", closeIt, srok.ECONFLICT, ""},
			}},
			{"refusal path", []step{
				{"assign", assign, "", register.StatusInProgress},
				{"refuse", refuse, "", register.StatusRefused},
				{"answer refused", answer, srok.ECONFLICT, ""},
				{"close", closeIt, "", register.StatusClosed},
			}},
			{"cancel new", []step{
				{"cancel", cancel, "", register.StatusCancelled},
				{"assign cancelled", assign, srok.ECONFLICT, ""},
				{"cancel twice", cancel, srok.ECONFLICT, ""},
				{"close cancelled", closeIt, srok.ECONFLICT, ""},
			}},
			{"cancel in progress", []step{
				{"assign", assign, "", register.StatusInProgress},
				{"cancel", cancel, "", register.StatusCancelled},
			}},
		}
		for i, tt := range tests {
			r := mustCreate(t, e, access("Субъект", fmt.Sprintf("s%d@example.ru", i), "2026-11-24T10:00:00+03:00"))
			for _, s := range tt.steps {
				got, err := s.do(r.ID)
				if s.code != "" {
					if srok.ErrorCode(err) != s.code {
						t.Fatalf("%s / %s: error %v, want %s", tt.name, s.name, err, s.code)
					}
					var se *srok.Error
					if errors.As(err, &se) && se.Message == "" {
						t.Errorf("%s / %s: conflict without a reason", tt.name, s.name)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s / %s: %v", tt.name, s.name, err)
				}
				if got.Status != s.want {
					t.Fatalf("%s / %s: status %s, want %s", tt.name, s.name, got.Status, s.want)
				}
			}
			final, _ := e.reg.Get(e.ctx, r.ID)
			for _, o := range final.Obligations {
				switch final.Status {
				case register.StatusCancelled:
					if o.Status != register.ObligationNotApplicable {
						t.Errorf("%s: obligation %s is %s after cancel", tt.name, o.ID, o.Status)
					}
				case register.StatusClosed:
					if o.Status != register.ObligationDone || !o.OnTime(final.Location()) || o.DoneBy != "u1" {
						t.Errorf("%s: obligation %+v after answer", tt.name, o)
					}
				}
			}
			if final.Status == register.StatusClosed && final.ClosedAt == nil {
				t.Errorf("%s: closed without closed_at", tt.name)
			}
		}
	})
}

func TestExtend(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		// Received Fri 20.11.2026: 10 working days end Fri 04.12; +5 → Fri 11.12.
		r := mustCreate(t, e, access("Субъект", "x@example.ru", "2026-11-20T10:00:00+03:00"))
		notice := register.ExtendInput{NoticeSentAt: "2026-11-25T08:00:00+03:00", Reasons: "большой объём сведений", Channel: "email"}
		_, err := e.reg.Extend(e.ctx, r.ID, 0, register.ExtendInput{NoticeSentAt: notice.NoticeSentAt, Channel: "email"})
		wantCode(t, err, srok.EINVALID)
		got, err := e.reg.Extend(e.ctx, r.ID, 0, notice)
		if err != nil {
			t.Fatal(err)
		}
		o := got.Obligations[0]
		if !o.Extended || o.EffectiveDue().String() != "2026-12-11" || got.Extension == nil {
			t.Fatalf("after extend: %+v due %s", o, o.EffectiveDue())
		}
		_, err = e.reg.Extend(e.ctx, r.ID, 0, notice)
		wantCode(t, err, srok.ECONFLICT)

		// A notice sent after the term ran out does not extend it.
		e.clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, moscow))
		late := mustCreate(t, e, access("Другой", "y@example.ru", "2026-11-20T10:00:00+03:00"))
		_, err = e.reg.Extend(e.ctx, late.ID, 0, register.ExtendInput{NoticeSentAt: "2026-12-05T10:00:00+03:00", Reasons: "r", Channel: "post"})
		var se *srok.Error
		if !errors.As(err, &se) || se.Code != srok.ECONFLICT || se.Reason != "term_passed" {
			t.Fatalf("late notice: %v", err)
		}
		// Withdrawal of consent (30 days) has no extension.
		w := mustCreate(t, e, register.Input{Type: "withdrawal", Channel: "email", ReceivedAt: "2026-12-01",
			Subject: register.SubjectInput{Name: "З", Email: "z@example.ru"}})
		_, err = e.reg.Extend(e.ctx, w.ID, 0, register.ExtendInput{NoticeSentAt: "2026-12-02T10:00:00+03:00", Reasons: "r", Channel: "post"})
		if !errors.As(err, &se) || se.Reason != "not_extendable" {
			t.Fatalf("withdrawal extend: %v", err)
		}
	})
}

func TestUpdateRecomputesAndLocks(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := register.Input{Type: "erasure", Channel: "email", ReceivedAt: "2026-11-02T10:00:00+03:00",
			Subject: register.SubjectInput{Name: "Е", Email: "e@example.ru"}}
		r := mustCreate(t, e, in)
		if d := r.Obligations[0].Due.String(); d != "2026-11-12" {
			t.Fatalf("erasure due %s", d) // 7 working days from Tue 03.11 (04.11 is a holiday)
		}
		in.EvidenceReceivedAt = "2026-11-16T12:00:00+03:00"
		in.Summary = "доказательства пришли позже"
		got, err := e.reg.Update(e.ctx, r.ID, 1, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.Obligations[0].Due.String(); d != "2026-11-25" || got.Version != 2 {
			t.Fatalf("after evidence: due %s version %d", d, got.Version)
		}
		_, err = e.reg.Update(e.ctx, r.ID, 1, in)
		wantCode(t, err, srok.EPRECONDITION)
		// At AnyVersion the edit applies to the request as it is: here it
		// changes nothing, so no new version.
		if got, err := e.reg.Update(e.ctx, r.ID, register.AnyVersion, in); err != nil || got.Version != 2 {
			t.Fatalf("update at any version: %v %v", got, err)
		}
		bad := in
		bad.Type = "access"
		_, err = e.reg.Update(e.ctx, r.ID, 2, bad)
		wantCode(t, err, srok.EINVALID)

		_, tl, _ := e.reg.Timeline(e.ctx, r.ID, 0, 50)
		var kinds []register.EventKind
		for _, ev := range tl {
			kinds = append(kinds, ev.Kind)
		}
		if !slices.Equal(kinds, []register.EventKind{register.EventCreated, register.EventUpdated, register.EventRecomputed}) {
			t.Fatalf("timeline kinds %v", kinds)
		}
		rec := tl[2]
		if b := rec.Before["erasure.destroy"].(map[string]any)["due_date"]; b != "2026-11-12" {
			t.Errorf("recomputed before %v", rec.Before)
		}
		if a := rec.After["erasure.destroy"].(map[string]any)["due_date"]; a != "2026-11-25" {
			t.Errorf("recomputed after %v", rec.After)
		}
		if tl[1].Before["summary"] != "" || tl[1].After["summary"] != "доказательства пришли позже" {
			t.Errorf("updated event %v → %v", tl[1].Before, tl[1].After)
		}

		// Concurrent updates from the same version: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, stale := 0, 0
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := in
				x.Summary = fmt.Sprintf("правка %d", i)
				_, err := e.reg.Update(e.ctx, r.ID, 2, x)
				mu.Lock()
				defer mu.Unlock()
				switch srok.ErrorCode(err) {
				case "":
					wins++
				case srok.EPRECONDITION:
					stale++
				default:
					t.Errorf("concurrent update: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || stale != 9 {
			t.Fatalf("concurrent updates: %d won, %d stale; want 1 and 9", wins, stale)
		}
	})
}

func TestRepeatedAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		first := mustCreate(t, e, access("Повтор", "rep@example.ru", "2026-10-01T10:00:00+03:00"))
		if first.Repeat != nil {
			t.Fatal("first request flagged as repeat")
		}
		second := mustCreate(t, e, access("Повтор", "REP@example.ru", "2026-10-20T10:00:00+03:00"))
		if second.Repeat == nil || second.Repeat.OfID != first.ID || second.Repeat.OfNumber != first.Number {
			t.Fatalf("second within 30 days: repeat %+v", second.Repeat)
		}
		// By phone, in another spelling.
		p1 := mustCreate(t, e, register.Input{Type: "access", Channel: "phone", ReceivedAt: "2026-11-01",
			Subject: register.SubjectInput{Name: "Тел", Phone: "+7 912 000-11-22"}})
		p2 := mustCreate(t, e, register.Input{Type: "access", Channel: "phone", ReceivedAt: "2026-11-10",
			Subject: register.SubjectInput{Name: "Тел", Phone: "8(912)0001122"}})
		if p1.Repeat != nil || p2.Repeat == nil || p2.Repeat.OfID != p1.ID {
			t.Fatalf("phone repeat: %+v %+v", p1.Repeat, p2.Repeat)
		}
		// Thirty days later it is a new request; other types never repeat.
		third := mustCreate(t, e, access("Повтор", "rep@example.ru", "2026-11-20T10:00:01+03:00"))
		if third.Repeat != nil {
			t.Fatalf("31 days after the last: repeat %+v", third.Repeat)
		}
		er := mustCreate(t, e, register.Input{Type: "erasure", Channel: "email", ReceivedAt: "2026-11-21",
			Subject: register.SubjectInput{Name: "Повтор", Email: "rep@example.ru"}})
		if er.Repeat != nil {
			t.Fatal("erasure flagged as repeat")
		}
		_, tl, _ := e.reg.Timeline(e.ctx, second.ID, 0, 10)
		if len(tl) != 2 || tl[1].Kind != register.EventRepeat {
			t.Fatalf("repeat not in timeline: %+v", tl)
		}
	})
}

// The answer's own date decides whether a term was met, not the moment the
// answer was entered (a letter dated 15 May, entered a week later).
func TestOnTimeByAnswerDate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		// Received Thu 30.04.2026: 10 working days end Mon 18.05.2026.
		e.clock.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, moscow))
		tests := []struct {
			date   string
			code   srok.Code
			onTime bool
		}{
			{"2026-05-15", "", true},
			{"2026-05-18", "", true}, // the last day counts until 24:00 (Civil Code art. 194)
			{"2026-05-19", "", false},
			{"2026-05-26", srok.EINVALID, false}, // in the future on 25.05
			{"2026-04-29", srok.EINVALID, false}, // before the receipt
		}
		for _, tt := range tests {
			t.Run(tt.date, func(t *testing.T) {
				e.clock.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, moscow))
				r := mustCreate(t, e, access("Субъект", "s@example.ru", "2026-04-30T10:00:00+03:00"))
				if r.Obligations[0].Due.String() != "2026-05-18" {
					t.Fatalf("due %s", r.Obligations[0].Due)
				}
				if _, err := e.reg.Assign(e.ctx, r.ID, 0, "ivanova"); err != nil {
					t.Fatal(err)
				}
				// Entered on Mon 25.05, a week after the term ended.
				e.clock.Set(time.Date(2026, 5, 25, 11, 0, 0, 0, moscow))
				got, err := e.reg.Answer(e.ctx, r.ID, 0, register.AnswerInput{Outcome: "fulfilled", Date: tt.date, Text: "Сведения направлены"})
				wantCode(t, err, tt.code)
				if err != nil {
					var se *srok.Error
					if !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Field != "date" {
						t.Fatalf("error %v does not name the date", err)
					}
					return
				}
				// Read back from the database, not the value in memory.
				got, err = e.reg.Get(e.ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				o := got.Obligations[0]
				if o.DoneOn == nil || o.DoneOn.String() != tt.date {
					t.Fatalf("done on %v, want %s", o.DoneOn, tt.date)
				}
				if o.OnTime(got.Location()) != tt.onTime {
					t.Fatalf("on time %v, want %v", o.OnTime(got.Location()), tt.onTime)
				}
				// The moment it was recorded stays in the obligation and the timeline.
				if !o.DoneAt.Equal(time.Date(2026, 5, 25, 11, 0, 0, 0, moscow)) {
					t.Fatalf("done at %v", o.DoneAt)
				}
				_, tl, err := e.reg.Timeline(e.ctx, r.ID, 0, 10)
				if err != nil {
					t.Fatal(err)
				}
				last := tl[len(tl)-1]
				if last.Kind != register.EventAnswered || !last.At.Equal(*o.DoneAt) || last.After["date"] != tt.date ||
					fmt.Sprint(last.After["obligations_done"]) != fmt.Sprintf("map[access.answer:map[on_time:%v]]", tt.onTime) {
					t.Fatalf("answered event %+v", last)
				}
			})
		}
	})
}

// An hour term (incident: 24 hours) cannot be proven met by a date alone
// on its last day; entered in time, or dated a day before, it is met.
func TestOnTimeHourTerm(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := register.Input{Type: "incident", Channel: "other", ReceivedAt: "2026-05-04T21:30:00+03:00",
			Summary: "утечка"}
		for _, tt := range []struct {
			name    string
			entered time.Time
			date    string
			notify  bool // incident.notify: 24 h, due 05.05 21:30
		}{
			{"entered in time", time.Date(2026, 5, 5, 20, 0, 0, 0, moscow), "", true},
			{"dated the day before the last", time.Date(2026, 5, 9, 10, 0, 0, 0, moscow), "2026-05-04", true},
			{"dated the last day, entered later", time.Date(2026, 5, 9, 10, 0, 0, 0, moscow), "2026-05-05", false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e.clock.Set(time.Date(2026, 5, 4, 22, 0, 0, 0, moscow))
				r := mustCreate(t, e, in)
				if _, err := e.reg.Assign(e.ctx, r.ID, 0, "ivanova"); err != nil {
					t.Fatal(err)
				}
				e.clock.Set(tt.entered)
				got, err := e.reg.Answer(e.ctx, r.ID, 0, register.AnswerInput{Outcome: "fulfilled", Date: tt.date, Text: "уведомление направлено"})
				if err != nil {
					t.Fatal(err)
				}
				if got, err = e.reg.Get(e.ctx, got.ID); err != nil {
					t.Fatal(err)
				}
				for _, o := range got.Obligations {
					if o.ID == "incident.notify" && o.OnTime(got.Location()) != tt.notify {
						t.Fatalf("incident.notify on time %v, want %v (due %s, done %v on %v)", o.OnTime(got.Location()), tt.notify, o.DueAt, o.DoneAt, o.DoneOn)
					}
				}
			})
		}
	})
}

// A notice of extension lies between the receipt and the end of the base
// term (152-FZ art. 20 part 2).
func TestExtendNoticeBounds(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		for _, tt := range []struct {
			sent string
			code srok.Code
		}{
			{"2026-11-19T18:00:00+03:00", srok.EINVALID}, // the day before the receipt
			{"2026-11-19", srok.EINVALID},
			{"2026-11-20T09:59:00+03:00", srok.EINVALID}, // the same day, before the receipt
			{"2026-11-20", ""},                           // a date alone is that whole day
			{"2026-11-20T10:00:00+03:00", ""},
			{"2026-11-24T12:00", ""},
		} {
			t.Run(tt.sent, func(t *testing.T) {
				r := mustCreate(t, e, access("Субъект", "x@example.ru", "2026-11-20T10:00:00+03:00"))
				_, err := e.reg.Extend(e.ctx, r.ID, 0, register.ExtendInput{NoticeSentAt: tt.sent, Reasons: "большой объём", Channel: "email"})
				wantCode(t, err, tt.code)
				if err != nil {
					var se *srok.Error
					if !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Field != "notice_sent_at" {
						t.Fatalf("error %v does not name notice_sent_at", err)
					}
				}
				got, err := e.reg.Get(e.ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Obligations[0].Extended != (tt.code == "") {
					t.Fatalf("extended %v", got.Obligations[0].Extended)
				}
			})
		}
	})
}

// After an answer, refusal, close or cancel, what the terms count from is
// frozen; names and contacts stay correctable, in the timeline.
func TestFinishedRequestTermsFrozen(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		answer := func(id string) error {
			_, err := e.reg.Answer(e.ctx, id, 0, register.AnswerInput{Outcome: "fulfilled", Text: "ok"})
			return err
		}
		refuse := func(id string) error {
			_, err := e.reg.Refuse(e.ctx, id, 0, register.AnswerInput{Text: "нет оснований"})
			return err
		}
		closeIt := func(id string) error {
			if err := answer(id); err != nil {
				return err
			}
			_, err := e.reg.Close(e.ctx, id, 0, "")
			return err
		}
		cancel := func(id string) error {
			_, err := e.reg.Cancel(e.ctx, id, 0, register.CancelInput{Reason: "duplicate"})
			return err
		}
		for _, fin := range []struct {
			name string
			do   func(id string) error
		}{{"answered", answer}, {"refused", refuse}, {"closed", closeIt}, {"cancelled", cancel}} {
			t.Run(fin.name, func(t *testing.T) {
				r := mustCreate(t, e, register.Input{Type: "erasure", Channel: "email", ReceivedAt: "2026-11-20T10:00:00+03:00",
					Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}})
				if _, err := e.reg.Assign(e.ctx, r.ID, 0, "ivanova"); err != nil {
					t.Fatal(err)
				}
				if err := fin.do(r.ID); err != nil {
					t.Fatal(err)
				}
				done, _ := e.reg.Get(e.ctx, r.ID)
				for _, tt := range []struct {
					field string
					edit  func(*register.Input)
				}{
					{"received_at", func(in *register.Input) { in.ReceivedAt = "2026-11-23T10:00:00+03:00" }},
					{"evidence_received_at", func(in *register.Input) { in.EvidenceReceivedAt = "2026-11-23T10:00:00+03:00" }},
					{"time_zone", func(in *register.Input) { in.TimeZone = "Asia/Vladivostok" }},
				} {
					in := done.Input()
					tt.edit(&in)
					_, err := e.reg.Update(e.ctx, r.ID, done.Version, in)
					var se *srok.Error
					if !errors.As(err, &se) || se.Code != srok.ECONFLICT || se.Reason != "terms_frozen" ||
						len(se.Fields) != 1 || se.Fields[0].Field != tt.field || !strings.Contains(se.Message, fin.name) {
						t.Fatalf("edit of %s: %v", tt.field, err)
					}
				}
				in := done.Input()
				in.Subject.Name = "Иван Петрович Петров"
				in.Subject.Email = "ivan.petrov@example.ru"
				got, err := e.reg.Update(e.ctx, r.ID, done.Version, in)
				if err != nil {
					t.Fatalf("a typo must stay correctable: %v", err)
				}
				if got.Subject.Name != "Иван Петрович Петров" || got.Version != done.Version+1 || !got.ReceivedAt.Equal(done.ReceivedAt) {
					t.Fatalf("after edit %+v", got)
				}
				_, tl, err := e.reg.Timeline(e.ctx, r.ID, 0, 50)
				if err != nil {
					t.Fatal(err)
				}
				last := tl[len(tl)-1]
				if last.Kind != register.EventUpdated || last.Before["subject.name"] != "Иван Петров" || last.After["subject.email"] != "ivan.petrov@example.ru" {
					t.Fatalf("timeline end %+v", last)
				}
			})
		}
	})
}

// Without a version an action applies to the request as it is: concurrent
// ones all succeed, one after the other. With a version, one wins.
func TestConcurrentActionsWithoutVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		r := mustCreate(t, e, access("Субъект", "c@example.ru", "2026-11-20T10:00:00+03:00"))
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.reg.Assign(e.ctx, r.ID, register.AnyVersion, fmt.Sprintf("assignee-%02d", i))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("assign %d: %v", i, err)
			}
		}
		got, err := e.reg.Get(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1+n {
			t.Fatalf("version %d, want %d: every assignment applied once", got.Version, 1+n)
		}
		won := 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.reg.Assign(e.ctx, r.ID, got.Version, fmt.Sprintf("other-%02d", i))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			switch srok.ErrorCode(err) {
			case "":
				won++
			case srok.EPRECONDITION:
			default:
				t.Errorf("versioned assign: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d versioned assignments won, want 1", won)
		}
	})
}
