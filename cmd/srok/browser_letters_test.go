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
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestBrowserLetters drives the operator's details and a request's letters
// in Chromium: an administrator fills the details page (a bad INN shown
// next to its field first), and a request's page then offers its letters;
// the PDF the page links to is a letter naming the operator and the
// request's number. The request's page is saved as letter-preview.png.
func TestBrowserLetters(t *testing.T) {
	chrome := needChrome(t)
	browser := startBrowser(t, chrome)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			s := startBrowserSrok(t, d)
			out := filepath.Join(browserOut, "letters-"+string(d))
			_ = os.RemoveAll(out)
			b := newBrowserTab(t, browser, s.base, out)

			ctx := srok.WithActor(context.Background(), srok.System)
			if _, err := s.accounts.CreateUser(ctx, account.UserInput{Email: browserAdmin.email, Name: browserAdmin.name,
				Role: srok.RoleAdmin, Password: browserAdmin.password}); err != nil {
				t.Fatal(err)
			}
			r, _, err := s.register.Create(s.as(t, browserAdmin), register.Input{Type: "access", Channel: "email",
				ReceivedAt: browserNow.Add(-72 * time.Hour).Format(time.RFC3339),
				Subject:    register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r, err = s.register.Assign(s.as(t, browserAdmin), r.ID, register.AnyVersion, browserAdmin.email); err != nil {
				t.Fatal(err)
			}
			b.login(t, browserAdmin)

			// Before the details: the request's page names what is missing.
			b.open(t, "/requests/"+r.ID)
			b.waitLoad(t, "the letters section", `!!document.querySelector("#letters-missing")`)
			if txt, _ := b.text(t, "#letters-missing"); !strings.Contains(txt, "ИНН оператора") {
				t.Errorf("missing details: %q", txt)
			}

			b.open(t, "/admin/organisation")
			fields := map[string]string{
				"name": "Общество с ограниченной ответственностью «Ромашка»", "short_name": "ООО «Ромашка»",
				"inn": "7704217371", "ogrn": "1027700132195", "kpp": "770401001",
				"address": "119021, г. Москва, ул. Льва Толстого, д. 16", "email": "privacy@romashka.example",
				"phone": "+7 495 123-45-67", "signatory.name": "И. И. Иванов", "signatory.position": "Генеральный директор",
				"responsible.name": "П. П. Петров", "responsible.position": "Ответственный за организацию обработки ПДн",
				"number_format": "ПДн-{year}/{seq}", "access_persons": "ООО «Курьер-Сервис» по договору № 5-К",
				"duties":             "назначен ответственный; политика обработки опубликована на сайте",
				"records[0].purpose": "Исполнение договора поставки", "records[0].legal_basis": "п. 5 ч. 1 ст. 6 152-ФЗ",
				"records[0].data": "ФИО, телефон, адрес доставки", "records[0].source": "от субъекта",
				"records[0].subjects": "клиенты", "records[0].methods": "смешанная обработка",
				"records[0].processing_term": "до исполнения договора", "records[0].storage_term": "5 лет",
				"records[0].recipients": "ООО «Курьер-Сервис»", "records[0].cross_border": "не осуществляется",
				"records[0].processors": "нет",
			}
			b.fill(t, "#organisation-form", fields)
			b.submit(t, "#organisation-form")
			b.waitLoad(t, "the INN's problem", `!!document.querySelector("#org-inn-error")`)
			if got := b.value(t, "#record-0-purpose"); got != "Исполнение договора поставки" {
				t.Errorf("the record typed is lost: %q", got)
			}
			b.fill(t, "#organisation-form", map[string]string{"inn": "7704217370"})
			b.submit(t, "#organisation-form")
			b.waitLoad(t, "the details saved", `!!document.querySelector("#notice")`)
			b.shot(t, "organisation")

			b.open(t, "/requests/"+r.ID)
			b.waitLoad(t, "the letters", `!!document.querySelector("#letter-answer-pdf")`)
			if _, missing := b.text(t, "#letters-missing"); missing {
				t.Errorf("details still reported missing")
			}
			b.do(t, "scroll to the letters", chromedp.ScrollIntoView(chromedp.CSS("#letters")))
			b.shot(t, "letter-preview")

			// The PDF the page links to, fetched with the page's session.
			href := evalJS[string](t, b, `document.querySelector("#letter-answer-pdf").href`)
			st := evalJS[string](t, b, `(async () => { const r = await fetch(`+strconv.Quote(href)+`);
				const b = new Uint8Array(await r.arrayBuffer());
				return r.status + " " + r.headers.get("Content-Type") + " " + r.headers.get("Srok-Template-Version") + " " +
					String.fromCharCode(...b.slice(0, 5)) })()`, chromedp.EvalAwaitPromise)
			if st != "200 application/pdf 0 %PDF-" {
				t.Errorf("the linked PDF: %q", st)
			}
		})
	}
}
