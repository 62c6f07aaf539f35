package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// triageEML is a plain UTF-8 email; extra are more header lines.
func triageEML(from, subject, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: pd@operator.example.ru\r\nSubject: %s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\n", from, subject)
	fmt.Fprintf(&b, "Message-ID: <%d.%s>\r\n", time.Now().UnixNano(), strings.NewReplacer("@", ".", " ", "").Replace(from))
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}

func pendingIDs(t *testing.T, e env) []string {
	t.Helper()
	items, err := e.reg.Inbox(e.ctx)
	if err != nil {
		t.Fatalf("inbox: %v", err)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

func TestTriageDecisions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg), intake.WithReplies(e.reg))
		var ids []string
		for i, subj := range []string{"Реклама", "Прошу предоставить сведения о моих персональных данных", "Отзыв согласия", "Дополнение к запросу"} {
			em, _, err := in.Ingest(e.ctx, officer, triageEML(fmt.Sprintf("ivan%d@example.ru", i), subj, "Текст письма"))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, em.ID)
			e.clock.Set(e.clock.Now().Add(time.Hour))
		}
		items, err := e.reg.Inbox(e.ctx)
		if err != nil || len(items) != 4 {
			t.Fatalf("inbox: %d %v", len(items), err)
		}
		for i, it := range items {
			if it.ID != ids[i] {
				t.Fatalf("inbox order %d: %s, want %s", i, it.ID, ids[i])
			}
		}
		// Arrived Wednesday 25.11 09:00 Moscow: the term starts on Thursday;
		// an access request would be due 10 working days later.
		access := items[1]
		if access.SuggestedType != deadlines.TypeAccess || access.TermStartsOn != calendar.NewDate(2026, 11, 26) ||
			access.DueIfRegistered == nil || *access.DueIfRegistered != calendar.NewDate(2026, 12, 9) ||
			!access.ReceivedAt.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, moscow)) || access.Late {
			t.Fatalf("access email: %+v", access)
		}
		if items[0].SuggestedType != "" || items[0].DueIfRegistered != nil || items[2].SuggestedType != deadlines.TypeWithdrawal {
			t.Fatalf("suggestions: %+v / %+v", items[0], items[2])
		}

		// not_request needs a reason, and a note with "other".
		for _, d := range []register.Decision{{Kind: register.DecideNotRequest}, {Kind: register.DecideNotRequest, Reason: "junk"},
			{Kind: register.DecideNotRequest, Reason: register.NotRequestOther}, {Kind: "maybe"}, {}} {
			if _, err := e.reg.Decide(e.ctx, ids[0], d); srok.ErrorCode(err) != srok.EINVALID {
				t.Errorf("decision %+v: %v", d, err)
			}
		}
		if _, err := e.reg.Decide(e.ctx, ids[0], register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); err != nil {
			t.Fatal(err)
		}
		tr, _, err := e.st.EmailTriage(e.ctx, ids[0])
		if err != nil || tr.State != register.TriageNotRequest || tr.Reason != register.NotRequestSpam || tr.By != officer.ID || tr.At == nil {
			t.Fatalf("not_request stored: %+v %v", tr, err)
		}

		// register: received when the email arrived, linked to it.
		res, err := e.reg.Decide(e.ctx, ids[1], register.Decision{Kind: register.DecideRegister,
			Input: register.Input{Type: "access", Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan1@example.ru"}}})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Request
		if r.EmailID != ids[1] || !r.ReceivedAt.Equal(access.ReceivedAt) || r.Channel != register.ChannelEmail || res.Triage.State != register.TriageRegistered {
			t.Fatalf("registered: %+v", r)
		}
		if tr, _, err := e.st.EmailTriage(e.ctx, ids[1]); err != nil || tr.State != register.TriageRegistered || tr.RequestID != r.ID {
			t.Fatalf("registered stored: %+v %v", tr, err)
		}

		// An email registered the old way (POST /requests with email_id) is
		// decided too.
		other := mustCreate(t, e, register.Input{Type: "withdrawal", Channel: "email", EmailID: ids[2],
			Subject: register.SubjectInput{Name: "Пётр", Email: "ivan2@example.ru"}})
		if got := pendingIDs(t, e); len(got) != 1 || got[0] != ids[3] {
			t.Fatalf("pending after three decisions: %v", got)
		}

		// attach: to a request the actor sees, on its timeline.
		if _, err := e.reg.Decide(e.ctx, ids[3], register.Decision{Kind: register.DecideAttach}); srok.ErrorCode(err) != srok.EINVALID {
			t.Errorf("attach without request: %v", err)
		}
		if _, err := e.reg.Decide(e.ctx, ids[3], register.Decision{Kind: register.DecideAttach, RequestID: "01900000-0000-7000-8000-000000000000"}); srok.ErrorCode(err) != srok.EINVALID {
			t.Errorf("attach to an unknown request: %v", err)
		}
		if _, err := e.reg.Decide(e.ctx, ids[3], register.Decision{Kind: register.DecideAttach, RequestID: r.ID}); err != nil {
			t.Fatal(err)
		}
		_, evs, err := e.reg.Timeline(e.ctx, r.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != register.EventEmailAttached || last.After["email_id"] != ids[3] || last.ActorID != officer.ID {
			t.Fatalf("timeline: %+v", last)
		}
		if got := pendingIDs(t, e); len(got) != 0 {
			t.Fatalf("pending after four decisions: %v", got)
		}

		// One decision per email: a second is a conflict, whatever it is.
		for i, id := range ids {
			for _, d := range []register.Decision{{Kind: register.DecideNotRequest, Reason: register.NotRequestDuplicate},
				{Kind: register.DecideAttach, RequestID: other.ID},
				{Kind: register.DecideRegister, Input: register.Input{Type: "access", Subject: register.SubjectInput{Name: "X", Email: "x@example.ru"}}}} {
				if _, err := e.reg.Decide(e.ctx, id, d); srok.ErrorCode(err) != srok.ECONFLICT {
					t.Errorf("email %d decided again (%s): %v", i, d.Kind, err)
				}
			}
		}
		if tr, _, _ := e.st.EmailTriage(e.ctx, ids[0]); tr.State != register.TriageNotRequest {
			t.Errorf("a second decision changed the first: %+v", tr)
		}
	})
}

func TestTriageWho(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg))
		op1 := srok.Actor{ID: "01900000-0000-7000-8000-00000000000a", UserID: "01900000-0000-7000-8000-00000000000a", Name: "Op One", Role: srok.RoleOperator}
		op2 := srok.Actor{ID: "01900000-0000-7000-8000-00000000000b", UserID: "01900000-0000-7000-8000-00000000000b", Name: "Op Two", Role: srok.RoleOperator}
		viewer := srok.Actor{ID: "v", UserID: "v", Role: srok.RoleViewer}
		em1, _, err := in.Ingest(srok.WithActor(e.ctx, op1), op1, triageEML("a@example.ru", "Запрос", "Прошу сведения"))
		if err != nil {
			t.Fatal(err)
		}
		em2, _, err := in.Ingest(e.ctx, officer, triageEML("b@example.ru", "Запрос 2", "Прошу сведения"))
		if err != nil {
			t.Fatal(err)
		}
		ctx1, ctx2 := srok.WithActor(e.ctx, op1), srok.WithActor(e.ctx, op2)
		items, err := e.reg.Inbox(ctx1)
		if err != nil || len(items) != 1 || items[0].ID != em1.ID {
			t.Fatalf("operator's inbox: %+v %v", items, err)
		}
		if items, err := e.reg.Inbox(ctx2); err != nil || len(items) != 0 {
			t.Fatalf("another operator's inbox: %+v %v", items, err)
		}
		if n, _, err := e.reg.InboxCount(e.ctx); err != nil || n != 2 {
			t.Fatalf("officer's count: %d %v", n, err)
		}
		// An operator may not decide on an email they may not read: 404.
		if _, err := e.reg.Decide(ctx2, em1.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("operator on another's email: %v", err)
		}
		if _, err := e.reg.Decide(ctx1, em2.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("operator on the officer's email: %v", err)
		}
		vctx := srok.WithActor(e.ctx, viewer)
		if _, err := e.reg.Inbox(vctx); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("viewer's inbox: %v", err)
		}
		if _, err := e.reg.Decide(vctx, em2.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("viewer decides: %v", err)
		}
		if _, err := e.reg.Decide(ctx1, em1.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); err != nil {
			t.Errorf("operator on their own email: %v", err)
		}
	})
}

func TestTriageRepliesFindTheirRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg), intake.WithReplies(e.reg))
		r := mustCreate(t, e, access("Иван Петров", "Ivan@Example.ru", "2026-11-20T10:00:00+03:00"))
		short := strings.Replace(r.Number, "-0000", "-", 1) // 2026-000001 → 2026-01
		ingest := func(raw []byte) *intake.Email {
			t.Helper()
			em, created, err := in.Ingest(e.ctx, officer, raw)
			if err != nil || !created {
				t.Fatalf("ingest: %v %v", err, created)
			}
			return em
		}
		attached := func(em *intake.Email) bool {
			t.Helper()
			tr, _, err := e.st.EmailTriage(e.ctx, em.ID)
			if err != nil {
				t.Fatal(err)
			}
			return tr.State == register.TriageAttached && tr.RequestID == r.ID && tr.By == register.SystemActorID
		}

		// The subject's own address and the number in the subject line.
		own := ingest(triageEML("ivan@example.ru", "Re: Ваше обращение № "+short, "Паспорт во вложении"))
		if !attached(own) {
			t.Fatal("a reply from the subject naming the number was not attached")
		}
		// A stranger naming the number: pending, with the suggestion.
		stranger := ingest(triageEML("mallory@example.com", "По обращению "+r.Number, "Удалите данные Ивана"))
		if attached(stranger) {
			t.Fatal("a stranger's email was attached by number")
		}
		items, err := e.reg.Inbox(e.ctx)
		if err != nil || len(items) != 1 || items[0].ID != stranger.ID || items[0].Hint != r.Number {
			t.Fatalf("inbox: %+v %v", items, err)
		}
		// A reply to a message Srok sent about the request.
		if err := e.st.RecordSentMessage(e.ctx, "ack-1@srok.example.ru", r.ID, "ack", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		reply := ingest(triageEML("ivan.other@example.org", "Re: Ответ", "Спасибо", "In-Reply-To: <ack-1@srok.example.ru>",
			"References: <unknown@elsewhere> <ack-1@srok.example.ru>"))
		if !attached(reply) {
			t.Fatal("a reply to Srok's message was not attached")
		}
		// A reply to something else stays pending.
		lost := ingest(triageEML("ivan@example.ru", "Re: привет", "Текст", "In-Reply-To: <unknown@elsewhere>"))
		if attached(lost) {
			t.Fatal("a reply to an unknown message was attached")
		}
		_, evs, err := e.reg.Timeline(e.ctx, r.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range evs {
			if ev.Kind == register.EventEmailAttached && ev.ActorID == register.SystemActorID {
				got = append(got, ev.After["email_id"].(string))
			}
		}
		if len(got) != 2 || got[0] != own.ID || got[1] != reply.ID {
			t.Fatalf("timeline's attached emails: %v", got)
		}
	})
}

func TestNumberIn(t *testing.T) {
	for s, want := range map[string]string{
		"Re: обращение № 2026-000042":  "2026-000042",
		"№2026-0042 дополнение":        "2026-000042",
		"по заявке 2026-42.":           "2026-000042",
		"2026-0000000":                 "",
		"телефон 8-2026-4242-1":        "",
		"12026-000042":                 "",
		"без номера":                   "",
		"2026-12345678 слишком длинно": "",
	} {
		if got := register.NumberIn(s); got != want {
			t.Errorf("NumberIn(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestLateTriage: an email waits too long once the first working day after
// its arrival has ended, weekends and holidays aside.
func TestLateTriage(t *testing.T) {
	at := func(s string) time.Time {
		x, err := time.ParseInLocation("2006-01-02 15:04", s, moscow)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		arrived, now string
		late         bool
	}{
		{"2026-11-25 09:00", "2026-11-26 23:59", false}, // Wed → Thu is the working day
		{"2026-11-25 09:00", "2026-11-27 00:00", true},
		{"2026-11-20 18:00", "2026-11-23 23:59", false}, // Fri → Mon
		{"2026-11-20 18:00", "2026-11-24 00:00", true},
		{"2026-11-03 10:00", "2026-11-05 23:59", false}, // Tue → 04.11 a holiday → Thu
		{"2026-11-03 10:00", "2026-11-06 00:00", true},
		{"2026-12-31 12:00", "2027-01-11 23:59", false}, // the New Year holidays
	} {
		if got := register.LateTriage(cal, at(c.arrived), at(c.now), moscow); got != c.late {
			t.Errorf("arrived %s, at %s: late %v, want %v", c.arrived, c.now, got, c.late)
		}
	}
}

// TestDecideEmailOnce: the store itself refuses a second decision (the
// register's check before it is no guard against two at once), and one of
// several decisions at once wins.
func TestDecideEmailOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		em, _, err := in.Ingest(e.ctx, officer, triageEML("a@example.ru", "Реклама", "Текст"))
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		spam := register.Triage{State: register.TriageNotRequest, Reason: register.NotRequestSpam, By: "u1", At: &now}
		dup := register.Triage{State: register.TriageNotRequest, Reason: register.NotRequestDuplicate, By: "u2", At: &now}
		if err := e.st.DecideEmail(e.ctx, em.ID, spam, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.st.DecideEmail(e.ctx, em.ID, dup, nil, nil); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Fatalf("second decision: %v", err)
		}
		if tr, _, _ := e.st.EmailTriage(e.ctx, em.ID); tr.Reason != register.NotRequestSpam || tr.By != "u1" {
			t.Fatalf("overwritten: %+v", tr)
		}

		em2, _, err := in.Ingest(e.ctx, officer, triageEML("b@example.ru", "Реклама 2", "Текст"))
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := e.reg.Decide(e.ctx, em2.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam})
				errs <- err
			}()
		}
		won := 0
		for range 8 {
			switch err := <-errs; srok.ErrorCode(err) {
			case "":
				won++
			case srok.ECONFLICT:
			default:
				t.Errorf("decision at once: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d decisions at once won, want 1", won)
		}

		// Registrations at once make one request; a registration refused
		// for its input lets the email go at once.
		em3, _, err := in.Ingest(e.ctx, officer, triageEML("c@example.ru", "Запрос", "Прошу сведения"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.reg.Decide(e.ctx, em3.ID, register.Decision{Kind: register.DecideRegister}); srok.ErrorCode(err) != srok.EINVALID {
			t.Fatalf("register without a type: %v", err)
		}
		for range 6 {
			go func() {
				_, err := e.reg.Decide(e.ctx, em3.ID, register.Decision{Kind: register.DecideRegister,
					Input: register.Input{Type: "access", Subject: register.SubjectInput{Name: "В", Email: "c@example.ru"}}})
				errs <- err
			}()
		}
		won = 0
		for range 6 {
			switch err := <-errs; srok.ErrorCode(err) {
			case "":
				won++
			case srok.ECONFLICT:
			default:
				t.Errorf("registration at once: %v", err)
			}
		}
		links, err := e.st.EmailLinks(e.ctx, em3.ID)
		if err != nil || won != 1 || len(links) != 1 {
			t.Errorf("registrations at once: %d won, %d requests (%v), want 1", won, len(links), err)
		}
	})
}
