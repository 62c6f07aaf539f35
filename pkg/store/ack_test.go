package store_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
)

// TestAcknowledgements: a request registered from an email is acknowledged
// to its subject once, with its number and the date the answer is due,
// through a real SMTP server; a refusal is retried; the subject's reply to
// the acknowledgement finds the request.
func TestAcknowledgements(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		sink := mailertest.Start(t)
		sender, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
			From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
		if err != nil {
			t.Fatal(err)
		}
		ack := &remind.Acknowledger{Store: e.st, Sender: sender, Now: e.clock.Now, Zone: moscow, Domain: "example.ru"}
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg), intake.WithReplies(e.reg))
		em, _, err := in.Ingest(e.ctx, officer, triageEML("ivan@example.ru", "Запрос", "Прошу предоставить сведения"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.reg.Decide(e.ctx, em.ID, register.Decision{Kind: register.DecideRegister,
			Input: register.Input{Type: "access", Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}})
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, e, access("Пётр", "petr@example.ru", "2026-11-24T10:00:00+03:00")) // not from an email: none

		// The server refuses once: retried later, not lost.
		sink.RefuseNext(1)
		if err := ack.Round(e.ctx); err != nil {
			t.Fatal(err)
		}
		if sink.Count() != 0 {
			t.Fatalf("sent despite the refusal: %d", sink.Count())
		}
		if err := ack.Round(e.ctx); err != nil || sink.Count() != 0 {
			t.Fatalf("retried before its time: %v %d", err, sink.Count())
		}
		e.clock.Set(e.clock.Now().Add(2 * time.Minute))
		for range 3 {
			if err := ack.Round(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if sink.Count() != 1 {
			t.Fatalf("acknowledgements sent: %d, want 1", sink.Count())
		}
		got := sink.Mail()[0]
		msg, err := mail.ReadMessage(bytes.NewReader(got.Raw))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		text := intake.Parse(got.Raw)
		due := r.Request.Obligations[0].Due
		y, m, d := due.Civil()
		if got.To[0] != "ivan@example.ru" || subject != "Ваше обращение зарегистрировано: № "+r.Request.Number ||
			!strings.Contains(text.Text, "№ "+r.Request.Number) || !strings.Contains(text.Text, "не позднее "+dateLong(d, m, y)) {
			t.Fatalf("acknowledgement to %v, subject %q:\n%s", got.To, subject, text.Text)
		}

		// The subject's reply to it joins the request.
		reply := triageEML("ivan.petrov@other.example", "Re: "+subject, "Спасибо", "In-Reply-To: <"+text.MessageID+">")
		re, _, err := in.Ingest(e.ctx, officer, reply)
		if err != nil {
			t.Fatal(err)
		}
		if tr, _, _ := e.st.EmailTriage(e.ctx, re.ID); tr.State != register.TriageAttached || tr.RequestID != r.Request.ID {
			t.Fatalf("reply to the acknowledgement: %+v", tr)
		}
	})
}

func dateLong(d int, m time.Month, y int) string {
	months := []string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	return fmt.Sprintf("%d %s %d г.", d, months[m-1], y)
}
