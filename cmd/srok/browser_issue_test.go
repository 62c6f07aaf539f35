package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestBrowserIssueLetters issues two letters from a request's page in
// Chromium: a request for details by email, which the scheduler sends
// through a real SMTP server (the page then says it was sent), and an
// extension on paper with its tracking number; both are listed with their
// outgoing numbers and files, and the timeline links them. The request's
// page is saved as issued-letters.png (docs/screenshots/issued-letters.png).
func TestBrowserIssueLetters(t *testing.T) {
	chrome := needChrome(t)
	browser := startBrowser(t, chrome)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			sink := mailertest.Start(t)
			s := startBrowserSrokWith(t, d, map[string]string{"SROK_SCHEDULER": "on", "SROK_SCHEDULER_INTERVAL": "200ms",
				"SROK_SMTP_HOST": sink.Host(), "SROK_SMTP_PORT": strconv.Itoa(sink.Port()), "SROK_SMTP_TLS": "none",
				"SROK_SMTP_FROM": "Srok <srok@example.ru>", "SROK_SMTP_TIMEOUT": "5s"})
			out := filepath.Join(browserOut, "issue-"+string(d))
			_ = os.RemoveAll(out)
			b := newBrowserTab(t, browser, s.base, out)

			ctx := srok.WithActor(context.Background(), srok.System)
			if _, err := s.accounts.CreateUser(ctx, account.UserInput{Email: browserAdmin.email, Name: browserAdmin.name,
				Role: srok.RoleAdmin, Password: browserAdmin.password}); err != nil {
				t.Fatal(err)
			}
			admin := s.as(t, browserAdmin)
			org := organisation.NewService(s.store, audit.NewService(s.store, func() time.Time { return browserNow }), func() time.Time { return browserNow })
			if _, err := org.Put(admin, organisation.Details{Name: "Общество с ограниченной ответственностью «Ромашка»",
				ShortName: "ООО «Ромашка»", INN: "7704217370", OGRN: "1027700132195", KPP: "770401001",
				Address: "119021, г. Москва, ул. Льва Толстого, д. 16", Email: "privacy@romashka.example", Phone: "+7 495 123-45-67",
				Signatory: organisation.Person{Name: "И. И. Иванов", Position: "Генеральный директор"}}); err != nil {
				t.Fatal(err)
			}
			r, _, err := s.register.Create(admin, register.Input{Type: "access", Channel: "email",
				ReceivedAt: browserNow.Add(-72 * time.Hour).Format(time.RFC3339),
				Subject:    register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r, err = s.register.Assign(admin, r.ID, register.AnyVersion, browserAdmin.email); err != nil {
				t.Fatal(err)
			}
			b.login(t, browserAdmin)

			// A request for details, by email.
			b.open(t, "/requests/"+r.ID)
			b.waitLoad(t, "the issue form", `!!document.querySelector("#letter-details_request-issue-form")`)
			b.do(t, "open «Выпустить»", chromedp.Click(chromedp.CSS("#letter-details_request-issue summary")))
			b.fill(t, "#letter-details_request-issue-form", map[string]string{"delivery": "email"})
			evalJS[bool](t, b, `(document.querySelector("#letter-details_request-issue-confirm").checked = true)`)
			b.submit(t, "#letter-details_request-issue-form")
			b.waitLoad(t, "the issued letter", `!!document.querySelector("#issued-letters-table")`)
			if txt, _ := b.text(t, "#flash"); !strings.Contains(txt, "исх. № 2026-0001") {
				if body := b.bodyText(); !strings.Contains(body, "выпущено: исх. № 2026-0001") {
					t.Errorf("the number is not told: %.400s", body)
				}
			}
			deadline := time.Now().Add(15 * time.Second)
			for sink.Count() == 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if sink.Count() != 1 || sink.Mail()[0].To[0] != "ivan@example.ru" || !strings.Contains(string(sink.Mail()[0].Raw), "application/pdf") {
				t.Fatalf("the letter was not sent once with its PDF: %d", sink.Count())
			}

			// An extension, on paper, with its tracking number.
			b.open(t, "/requests/"+r.ID)
			b.waitLoad(t, "the extension's form", `!!document.querySelector("#letter-extension-issue-form")`)
			b.do(t, "open «Выпустить»", chromedp.Click(chromedp.CSS("#letter-extension-issue summary")))
			b.fill(t, "#letter-extension-issue-form", map[string]string{"reasons": "необходимостью получить сведения из архива",
				"delivery": "paper", "tracking": "14500012345678"})
			evalJS[bool](t, b, `(document.querySelector("#letter-extension-issue-confirm").checked = true)`)
			b.submit(t, "#letter-extension-issue-form")
			b.waitLoad(t, "two issued letters", `document.querySelectorAll("#issued-letters-table tbody tr").length === 2`)
			table, _ := b.text(t, "#issued-letters-table")
			for _, want := range []string{"2026-0001", "по электронной почте: отправлено", "2026-0002", "почтой", "14500012345678"} {
				if !strings.Contains(table, want) {
					t.Errorf("the list lacks %q:\n%s", want, table)
				}
			}
			timeline, _ := b.text(t, "#timeline")
			if !strings.Contains(timeline, "Выпущено письмо") || !strings.Contains(timeline, "исх. № 2026-0002") {
				t.Errorf("the timeline: %s", timeline)
			}
			// The stored PDF the list links to, fetched with the page's session.
			st := evalJS[string](t, b, `(async () => { const a = document.querySelector("#issued-letters-table a[href$='.pdf']");
				const r = await fetch(a.href); const b = new Uint8Array(await r.arrayBuffer());
				return r.status + " " + r.headers.get("Content-Type") + " " + String.fromCharCode(...b.slice(0, 5)) })()`, chromedp.EvalAwaitPromise)
			if st != "200 application/pdf %PDF-" {
				t.Errorf("the stored PDF: %q", st)
			}
			b.do(t, "scroll to the letters", chromedp.ScrollIntoView(chromedp.CSS("#issued-letters")))
			b.shot(t, "issued-letters")
		})
	}
}
