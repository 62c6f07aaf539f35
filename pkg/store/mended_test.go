package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

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
		if applied, err := e.st.Migrate(e.ctx); err != nil || len(applied) != 1 || applied[0] != 2 {
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
