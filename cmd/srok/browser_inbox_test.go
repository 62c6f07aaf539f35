package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// inboxEML writes an email to a file of its own and returns its path.
func inboxEML(t *testing.T, name, from, subject, body string) string {
	t.Helper()
	raw := "From: " + from + "\r\nTo: privacy@operator.example.ru\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\n" +
		"Subject: " + subject + "\r\nMessage-ID: <" + name + ".inbox@mail.example.ru>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	p := filepath.Join(t.TempDir(), name+".eml")
	if err := os.WriteFile(p, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// browserInbox is the inbox step: two emails read on the intake page and
// left there wait in «Входящие», counted in the navigation; one is marked
// as not a request from the keyboard (its missing reason focused first),
// the other registered through the intake form it opens.
func browserInbox(t *testing.T, b *browserTab) {
	for _, e := range []struct{ name, from, subject, body string }{
		{"access", "Анна Смирнова <anna.smirnova@example.ru>", "Запрос сведений о персональных данных",
			"Прошу предоставить сведения об обработке моих персональных данных."},
		{"spam", "Магазин <news@shop.example.com>", "Скидки недели", "Только до пятницы!"},
	} {
		if st := b.open(t, "/intake"); st != 200 {
			t.Fatalf("GET /intake: %d", st)
		}
		b.do(t, "choose "+e.name, chromedp.SetUploadFiles(chromedp.CSS("#eml"), []string{inboxEML(t, e.name, e.from, e.subject, e.body)}))
		b.submit(t, "#email-form")
		b.waitLoad(t, "the email read", `(document.querySelector("#request-form [name=email_id]") || {}).value > ""`)
	}
	if st := b.open(t, "/inbox"); st != 200 {
		t.Fatalf("GET /inbox: %d", st)
	}
	b.waitFor(t, "the inbox", `document.querySelectorAll("section.inbox-email").length === 2`)
	if badge, _ := b.text(t, "#nav-inbox .badge"); !strings.HasPrefix(badge, "2") {
		t.Errorf("the navigation's count: %q", badge)
	}
	if h := b.h1(t); h != "Входящие" {
		t.Errorf("h1 %q", h)
	}
	ids := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("section.inbox-email")).map(s => s.id.replace("email-", ""))`)
	first, _ := b.text(t, "#email-"+ids[0]+" h2")
	if first != "Запрос сведений о персональных данных" {
		t.Errorf("oldest first: %q", first)
	}
	if due, _ := b.text(t, "#email-"+ids[0]+" .due"); !pageDateRe.MatchString(due) {
		t.Errorf("no due date for the access request: %q", due)
	}
	b.shot(t, "inbox")

	// From the keyboard: focus «Не обращение» of the spam and press Enter
	// with no reason chosen: the reason is marked and focused.
	spam := ids[1]
	b.mark(t)
	b.do(t, "press «Не обращение»", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`form[action="/inbox/%s/not-request"] button`, spam))),
		chromedp.KeyEvent("\r"))
	b.waitLoad(t, "the reason's problem", fmt.Sprintf(`!!document.querySelector("#reason-%s-error")`, spam))
	if focused := evalJS[string](t, b, `document.activeElement.id`); focused != "reason-"+spam {
		t.Errorf("focused %q, want the reason", focused)
	}
	b.shot(t, "inbox-error")
	b.fill(t, fmt.Sprintf(`form[action="/inbox/%s/not-request"]`, spam), map[string]string{"reason": "spam"})
	b.submit(t, fmt.Sprintf(`form[action="/inbox/%s/not-request"]`, spam))
	b.waitLoad(t, "the decision", `!!document.querySelector("#inbox-done")`)

	// «Зарегистрировать» opens the intake form filled from the email.
	b.mark(t)
	b.do(t, "open «Зарегистрировать»", chromedp.Click(chromedp.CSS("#register-"+ids[0])))
	b.waitLoad(t, "the form", fmt.Sprintf(`(document.querySelector("#request-form [name=email_id]") || {}).value === %q`, ids[0]))
	if got := b.value(t, "#request-form [name=type]"); got != "access" {
		t.Errorf("type %q", got)
	}
	b.mark(t)
	b.do(t, "save", chromedp.Click(chromedp.CSS("#save")))
	b.waitLoad(t, "the new request's page", `/^\/requests\/[^\/]+$/.test(location.pathname)`)
	if st := b.open(t, "/inbox"); st != 200 {
		t.Fatalf("GET /inbox: %d", st)
	}
	b.waitFor(t, "the empty inbox", `!!document.querySelector("#inbox-empty") && !document.querySelector("#nav-inbox .badge")`)
}
