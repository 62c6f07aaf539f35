package mailer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
)

func mustSender(t *testing.T, sink *mailertest.Sink) *mailer.Sender {
	t.Helper()
	s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
		From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendBatchOverOneConnection(t *testing.T) {
	sink := mailertest.Start(t)
	s := mustSender(t, sink)
	c, err := s.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		resp, err := c.Send(mailer.Message{To: "ivanov@example.ru", Subject: "[Srok] Сроки на 18.05.2026: 5 обращений",
			Text: "Текст письма", HTML: "<p>Текст <b>письма</b></p>", MessageID: "m" + string(rune('a'+i)) + "@srok.test"})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if !strings.HasPrefix(resp, "250 ") {
			t.Fatalf("response %q, want 250 …", resp)
		}
	}
	mail := sink.Mail()
	if len(mail) != 3 {
		t.Fatalf("sink got %d messages, want 3", len(mail))
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(mail[0].Raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := env.GetHeader("Subject"); got != "[Srok] Сроки на 18.05.2026: 5 обращений" {
		t.Errorf("subject %q", got)
	}
	if !strings.Contains(string(mail[0].Raw), "=?UTF-8?q?[Srok]") {
		t.Errorf("subject not RFC 2047 encoded:\n%s", mail[0].Raw)
	}
	if env.Text != "Текст письма" || !strings.Contains(env.HTML, "<b>письма</b>") {
		t.Errorf("text %q html %q", env.Text, env.HTML)
	}
	if got := env.GetHeader("Message-ID"); got != "<ma@srok.test>" {
		t.Errorf("Message-ID %q", got)
	}
	if len(env.Errors) > 0 {
		t.Errorf("MIME errors: %v", env.Errors)
	}
}

func TestErrorsClassified(t *testing.T) {
	sink := mailertest.Start(t)
	s := mustSender(t, sink)
	ctx := context.Background()
	msg := mailer.Message{To: "petrov@example.ru", Subject: "x", Text: "x"}

	sink.RefuseNext(1)
	c, err := s.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(msg)
	if err == nil || mailer.Permanent(err) || mailer.CodeOf(err) != 451 {
		t.Fatalf("4xx: err %v, permanent %v, code %d; want temporary 451", err, mailer.Permanent(err), mailer.CodeOf(err))
	}
	// The connection stays usable after a refusal.
	if _, err := c.Send(msg); err != nil {
		t.Fatalf("after 451: %v", err)
	}
	sink.Reject("nobody@example.ru")
	_, err = c.Send(mailer.Message{To: "nobody@example.ru", Subject: "x", Text: "x"})
	if !mailer.Permanent(err) || mailer.CodeOf(err) != 550 {
		t.Fatalf("5xx: err %v, permanent %v, code %d; want permanent 550", err, mailer.Permanent(err), mailer.CodeOf(err))
	}
	_ = c.Close()

	sink.Stop()
	_, err = s.Dial(ctx)
	if err == nil || mailer.Permanent(err) {
		t.Fatalf("server down: err %v, want a temporary error", err)
	}
	if sink.Count() != 1 {
		t.Fatalf("sink got %d, want 1", sink.Count())
	}
}

func TestConfigChecked(t *testing.T) {
	for _, c := range []mailer.Config{
		{Host: "", From: "a@b.ru"},
		{Host: "h", From: "not an address"},
		{Host: "h", From: "a@b.ru", TLS: "ssl"},
		{Host: "h", From: "a@b.ru", Port: 70000},
	} {
		if _, err := mailer.New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	s, err := mailer.New(mailer.Config{Host: "smtp.example.ru", From: "a@b.ru"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Describe(); got != "smtp.example.ru:587 (STARTTLS)" {
		t.Errorf("Describe %q", got)
	}
}

func TestTestMessage(t *testing.T) {
	sink := mailertest.Start(t)
	s := mustSender(t, sink)
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	// 21:30 UTC is already the next day in Moscow: the body says the
	// operator's date and time, never UTC's.
	at := time.Date(2026, 5, 18, 21, 30, 0, 0, time.UTC)
	resp, err := s.Test(context.Background(), "admin@example.ru", at, moscow)
	if err != nil || !strings.HasPrefix(resp, "250") {
		t.Fatalf("test: %q, %v", resp, err)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(sink.Mail()[0].Raw))
	if err != nil {
		t.Fatal(err)
	}
	if env.GetHeader("Subject") != "[Srok] Проверка отправки почты" {
		t.Errorf("subject %q", env.GetHeader("Subject"))
	}
	if want := "Отправлено 19.05.2026 00:30 (Москва, UTC+3) через "; !strings.Contains(env.Text, want) || strings.Contains(env.Text, "UTC через") {
		t.Errorf("the body does not say the time in the operator's zone (%q):\n%s", want, env.Text)
	}
}
