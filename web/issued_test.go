package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
)

// A request's page issues a letter: «Выпустить» for who may issue it, the
// confirmation required, the number told after, the letter listed with its
// delivery state and files, the timeline linking them; a letter on paper
// gets its post recorded later. A viewer sees the list but no form.
func TestIssueLetterPage(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		r := e.seed(t, "Иван Петров", "ivan@example.ru", regNow.Add(-48*time.Hour), "officer@example.ru")
		if res := e.admin.do(t, "POST", "/admin/organisation", orgForm()); res.status != http.StatusSeeOther {
			t.Fatalf("details: %d", res.status)
		}
		page := e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		if !strings.Contains(page.body, `id="letter-extension-issue-form"`) || !strings.Contains(page.body, `id="letter-details_request-issue-form"`) {
			t.Fatalf("no «Выпустить» on the officer's page")
		}
		if v := e.viewer.do(t, "GET", "/requests/"+r.ID, nil); strings.Contains(v.body, "-issue-form") {
			t.Errorf("a viewer is offered to issue")
		}

		form := url.Values{"delivery": {"email"}, "reasons": {"нужны сведения из архива"}}
		if res := e.officer.do(t, "POST", "/requests/"+r.ID+"/letters/extension", form); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "Подтвердите выпуск") {
			t.Fatalf("without the confirmation: %d", res.status)
		}
		form.Set("confirm", "1")
		res := e.officer.do(t, "POST", "/requests/"+r.ID+"/letters/extension", form)
		if res.status != http.StatusSeeOther || !strings.HasSuffix(res.location(), "#issued-letters") {
			t.Fatalf("issue: %d %s", res.status, res.body)
		}
		page = e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		for _, want := range []string{"Письмо «Уведомление о продлении срока» выпущено: исх. № 2026-0001", `id="issued-letters-table"`,
			"по электронной почте: в очереди на отправку", "/issued-letters/", "Выпущено письмо"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page after issuing lacks %q", want)
			}
		}
		if strings.Contains(page.body, `id="letter-extension-issue-form"`) {
			t.Errorf("an extension is offered again after the term was extended")
		}

		res = e.officer.do(t, "POST", "/requests/"+r.ID+"/letters/details_request", url.Values{"delivery": {"paper"},
			"missing": {"копия доверенности"}, "confirm": {"1"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("details request: %d %s", res.status, res.body)
		}
		list, err := e.st.IssuedLetters(e.sys, r.ID)
		if err != nil || len(list) != 2 || list[1].Number != "2026-0002" {
			t.Fatalf("stored: %+v %v", list, err)
		}
		post := "/requests/" + r.ID + "/issued-letters/" + list[1].ID
		if res := e.viewer.do(t, "POST", post, url.Values{"posted_on": {"2026-11-20"}}); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
			t.Errorf("a viewer recorded the post: %d", res.status)
		}
		res = e.officer.do(t, "POST", post, url.Values{"posted_on": {regNow.In(moscowZone(t)).Format("2006-01-02")}, "tracking": {"14500012345678"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("post: %d %s", res.status, res.body)
		}
		page = e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		if !strings.Contains(page.body, "почтовый идентификатор 14500012345678") {
			t.Errorf("the post is not shown")
		}
		if len(e.entries(t, audit.ActionLetterIssue)) < 3 {
			t.Errorf("issues and the post are not audited")
		}
	})
}

func moscowZone(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
