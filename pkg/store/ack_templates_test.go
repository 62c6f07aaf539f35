package store_test

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// The acknowledgement's template: the built-in one until an administrator
// saves one; a placeholder it does not know or an empty subject is refused
// naming the field and nothing is stored; each save is a version with who
// and when; going back to the built-in one is a version without text; and
// the acknowledgements sent through a real SMTP server follow the latest.
func TestAckTemplates(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		admin := srok.WithActor(context.Background(), srok.Actor{ID: "u9", Name: "Админ", UserID: "u9", Role: srok.RoleAdmin})
		trail := audit.NewService(e.st, e.clock.Now)
		svc := remind.NewAckTemplates(e.st, trail, e.clock.Now)

		cur, err := svc.Get(e.ctx)
		if err != nil || cur.Version != 0 || !cur.Builtin || cur.Subject != ru.AckBuiltinSubject || cur.Text != ru.AckBuiltinText {
			t.Fatalf("before any save: %+v %v", cur, err)
		}
		if _, err := svc.Put(e.ctx, "Тема", "Текст", false); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Fatalf("an officer saved the template: %v", err)
		}
		for _, c := range []struct{ subject, text, field, problem string }{
			{"", "Текст {номер}", "subject", ru.AckSubjectEmpty},
			{"   ", "Текст {номер}", "subject", ru.AckSubjectEmpty},
			{"Обращение {номер}", "Уважаемый {фамилия}!", "text", "неизвестная подстановка {фамилия}"},
			{"Обращение {номер", "Текст", "subject", ru.AckUnclosedBrace},
			{"Обращение {number}", "Текст", "subject", "неизвестная подстановка {number}"},
			{"Обращение", "  ", "text", ru.AckTextEmpty},
		} {
			_, err := svc.Put(admin, c.subject, c.text, false)
			var se *srok.Error
			if !errors.As(err, &se) || se.Code != srok.EINVALID || len(se.Fields) != 1 || se.Fields[0].Field != c.field ||
				!strings.Contains(se.Fields[0].Problem, c.problem) {
				t.Fatalf("%q / %q: %#v", c.subject, c.text, err)
			}
		}
		if _, err := e.st.AckTemplate(e.ctx); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Fatalf("a refused template was stored: %v", err)
		}

		if _, err := organisation.NewService(e.st, nil, e.clock.Now).Put(admin, sampleDetails()); err != nil {
			t.Fatal(err)
		}
		subject := "{оператор}: обращение № {номер} получено"
		text := "{приветствие}\r\nМы получили ваше обращение {дата_получения} и ответим до {срок_ответа}.\r\n{оператор}\r\n"
		saved, err := svc.Put(admin, subject, text, false)
		if err != nil || saved.Version != 1 || saved.Builtin || saved.SavedBy != "u9" || saved.SaverName != "Админ" || !saved.SavedAt.Equal(e.clock.Now()) {
			t.Fatalf("saved: %+v %v", saved, err)
		}
		cur, err = svc.Get(e.ctx)
		if err != nil || cur.Version != 1 || cur.Subject != subject || cur.Text != strings.ReplaceAll(text, "\r\n", "\n") || cur.SavedBy != "u9" {
			t.Fatalf("after the save: %+v %v", cur, err)
		}

		sink := mailertest.Start(t)
		sender, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
			From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
		if err != nil {
			t.Fatal(err)
		}
		ack := &remind.Acknowledger{Store: e.st, Sender: sender, Now: e.clock.Now, Zone: moscow, Domain: "example.ru"}
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg), intake.WithReplies(e.reg))
		registerFrom := func(from, name string) *register.Request {
			t.Helper()
			em, _, err := in.Ingest(e.ctx, officer, triageEML(from, "Запрос", "Прошу предоставить сведения"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.reg.Decide(e.ctx, em.ID, register.Decision{Kind: register.DecideRegister,
				Input: register.Input{Type: "access", Subject: register.SubjectInput{Name: name, Email: from}}})
			if err != nil {
				t.Fatal(err)
			}
			return r.Request
		}
		sent := func(i int) (subject, text string) {
			t.Helper()
			if err := ack.Round(e.ctx); err != nil {
				t.Fatal(err)
			}
			if sink.Count() != i+1 {
				t.Fatalf("acknowledgements sent: %d, want %d", sink.Count(), i+1)
			}
			got := sink.Mail()[i]
			msg, err := mail.ReadMessage(bytes.NewReader(got.Raw))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			return subject, intake.Parse(got.Raw).Text
		}

		r := registerFrom("ivan@example.ru", "Иван Петров")
		y, m, d := r.Obligations[0].Due.Civil()
		gotSubject, gotText := sent(0)
		if gotSubject != "ООО «Ромашка»: обращение № "+r.Number+" получено" ||
			!strings.Contains(gotText, "Здравствуйте, Иван Петров!") || !strings.Contains(gotText, "ответим до "+dateLong(d, m, y)) ||
			!strings.Contains(gotText, "ООО «Ромашка»") || strings.Contains(gotText, "{") || strings.Contains(gotText, "не позднее") {
			t.Fatalf("with the edited template: %q\n%s", gotSubject, gotText)
		}

		back, err := svc.Put(admin, "", "", true)
		if err != nil || back.Version != 2 || !back.Builtin || back.Text != ru.AckBuiltinText {
			t.Fatalf("back to the built-in: %+v %v", back, err)
		}
		if st, err := e.st.AckTemplate(e.ctx); err != nil || st.Version != 2 || !st.Builtin || st.Text != "" {
			t.Fatalf("stored: %+v %v", st, err)
		}
		r2 := registerFrom("anna@example.ru", "")
		gotSubject, gotText = sent(1)
		if gotSubject != "Ваше обращение зарегистрировано: № "+r2.Number || !strings.HasPrefix(gotText, "Здравствуйте!") {
			t.Fatalf("with the built-in template: %q\n%s", gotSubject, gotText)
		}

		entries, err := e.st.ListAudit(e.ctx, audit.Filter{Action: audit.ActionLetterTemplate})
		var ok int
		for _, x := range entries {
			if x.Outcome == audit.OutcomeOK && strings.HasPrefix(x.Detail, "ack: ") {
				ok++
			}
		}
		if err != nil || ok != 2 {
			t.Fatalf("audit of the saves: %d of %+v %v", ok, entries, err)
		}
	})
}
