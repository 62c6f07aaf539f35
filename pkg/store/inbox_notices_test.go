package store_test

import (
	"bytes"
	"mime"
	"net/mail"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestInboxNotices: on a working day on which an email has waited for a
// decision longer than one working day, each active officer gets one
// notice through a real SMTP server, not a second on a re-run; none on a
// day off, none when the digest of the day carried the line, none when
// nothing is late; with no officer, the administrators get it.
func TestInboxNotices(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		sink := mailertest.Start(t)
		sender, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
			From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
		if err != nil {
			t.Fatal(err)
		}
		sys := srok.WithActor(e.ctx, srok.System)
		acc := account.NewService(e.st, e.clock.Now)
		mk := func(email string, role srok.Role) account.User {
			u, err := acc.CreateUser(sys, account.UserInput{Email: email, Name: "Сотрудник", Role: role, Password: "correct horse battery staple"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		admin := mk("admin@example.ru", srok.RoleAdmin)
		o1, o2 := mk("o1@example.ru", srok.RoleOfficer), mk("o2@example.ru", srok.RoleOfficer)
		mk("operator@example.ru", srok.RoleOperator)
		late := func(string) int {
			_, n, err := e.reg.InboxCount(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		n := &remind.InboxNotifier{Store: e.st, Sender: sender, Now: e.clock.Now, Calendar: storetest.Calendar, Zone: moscow,
			BaseURL: "https://srok.example.ru/", Domain: "example.ru", LateEmails: late}
		round := func(want int, what string) {
			t.Helper()
			for range 2 { // a re-run sends nothing more
				if err := n.Round(e.ctx); err != nil {
					t.Fatal(err)
				}
			}
			if sink.Count() != want {
				t.Fatalf("%s: %d emails sent, want %d", what, sink.Count(), want)
			}
		}
		at := func(y int, m time.Month, d, h int) { e.clock.Set(time.Date(y, m, d, h, 0, 0, 0, moscow)) }

		// Arrived on Wednesday 25 November: late from Friday 00:00.
		in := intake.NewService(e.st, intake.WithClock(e.clock.Now), intake.WithReaders(e.reg), intake.WithReplies(e.reg))
		em, _, err := in.Ingest(e.ctx, officer, triageEML("ivan@example.ru", "Запрос", "Прошу предоставить сведения"))
		if err != nil {
			t.Fatal(err)
		}
		at(2026, time.November, 26, 18)
		round(0, "Thursday, nothing late yet")

		// Friday, before the sending hour (9:00): queued, not yet due.
		at(2026, time.November, 27, 8)
		round(0, "Friday 8:00")
		at(2026, time.November, 27, 10)
		sink.RefuseNext(1)
		round(1, "Friday, one refused for now")
		e.clock.Set(e.clock.Now().Add(10 * time.Minute))
		round(2, "Friday, the refused one retried")
		var to []string
		for _, m := range sink.Mail() {
			to = append(to, m.To[0])
			msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			text := intake.Parse(m.Raw).Text
			if subject != "Входящие: 1 письмо ждёт решения дольше рабочего дня" ||
				!strings.Contains(text, "https://srok.example.ru/inbox") || strings.Contains(text, "ivan@example.ru") {
				t.Fatalf("notice %q:\n%s", subject, text)
			}
		}
		sort.Strings(to)
		if strings.Join(to, ",") != o1.Email+","+o2.Email {
			t.Fatalf("notices to %v, want the two officers", to)
		}

		// Saturday and Sunday are days off.
		at(2026, time.November, 28, 10)
		round(2, "Saturday")
		at(2026, time.November, 29, 10)
		round(2, "Sunday")

		// With no officer, the administrator.
		for _, o := range []account.User{o1, o2} {
			if _, err := acc.DisableUser(sys, o.Email); err != nil {
				t.Fatal(err)
			}
		}
		at(2026, time.November, 30, 10)
		round(3, "Monday, officers disabled")
		if got := sink.Mail()[2].To[0]; got != admin.Email {
			t.Fatalf("Monday's notice to %s, want the administrator", got)
		}

		// Tuesday: the administrator's digest, due at the same hour, carried
		// the line; no notice as well.
		at(2026, time.December, 1, 8)
		tue := calendar.DateOf(e.clock.Now().In(moscow))
		c := &remind.Composer{BaseURL: "https://srok.example.ru", Calendar: storetest.Calendar, LateEmails: late,
			InDigest: func(id string, d calendar.Date) {
				if err := e.st.InboxNoticeInDigest(e.ctx, id, d, e.clock.Now()); err != nil {
					t.Fatal(err)
				}
			}}
		if err := n.Round(e.ctx); err != nil { // queued before the digest went
			t.Fatal(err)
		}
		at(2026, time.December, 1, 9)
		msg, err := c.Compose([]remind.OutboxItem{{ID: 1, RecipientID: admin.ID, RecipientEmail: admin.Email, RequestID: "r",
			Number: "2026-000001", LocalDate: tue, TargetDate: tue + 3, LegalDate: tue + 3, Stage: "soon"}}, true, e.clock.Now())
		if err != nil || !strings.Contains(msg.Text, "Ждёт решения дольше рабочего дня: 1 письмо") {
			t.Fatalf("digest: %v\n%s", err, msg.Text)
		}
		at(2026, time.December, 1, 10)
		round(3, "Tuesday, the digest carried the line")

		// Wednesday: the email decided on, nothing is late.
		if _, err := e.reg.Decide(e.ctx, em.ID, register.Decision{Kind: register.DecideNotRequest, Reason: register.NotRequestSpam}); err != nil {
			t.Fatal(err)
		}
		at(2026, time.December, 2, 10)
		round(3, "Wednesday, nothing late")
	})
}
