package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/srok"
)

// navCurrent finds the link of the navigation marked as the current page.
var navCurrent = regexp.MustCompile(`<li><a href="([^"]+)" aria-current="page">`)

// The intake form that comes back with mistakes from POST /requests (a
// route of the list's section) still marks «Зарегистрировать» current;
// its summary of mistakes, focused on load, links to each field in the
// order of the page; the zones are named in Russian, not by IANA name.
func TestIntakeMistakesSummary(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		page := b.get(t, "/intake")
		if m := navCurrent.FindStringSubmatch(page.body); m == nil || m[1] != "/intake" {
			t.Errorf("GET /intake marks %v current", m)
		}
		if strings.Contains(page.body, `id="error-summary"`) || strings.Contains(page.body, "autofocus") {
			t.Error("the empty form has a summary of mistakes or takes the focus")
		}
		shown := html.UnescapeString(page.body)
		if !strings.Contains(shown, `<option value="Europe/Moscow" selected>Москва, UTC+3</option>`) ||
			!strings.Contains(shown, `<option value="Asia/Vladivostok">Владивосток, UTC+10</option>`) ||
			strings.Contains(page.body, ">Europe/") || strings.Contains(page.body, ">Asia/") {
			t.Errorf("the zones are not named in Russian:\n%s", section(t, page.body, "time_zone"))
		}
		token := hidden.FindStringSubmatch(page.body)
		if token == nil {
			t.Fatal("no form token")
		}
		form := url.Values{"form_token": {token[1]}, "type": {""}, "channel": {""}, "received_at": {"2026-11-23T10:00"},
			"time_zone": {"Europe/Moscow"}, "subject_name": {"Мария Сидорова"}, "subject_email": {"not an email"}}
		r := b.post(t, "/requests", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid: %d\n%s", r.status, r.body)
		}
		if m := navCurrent.FindStringSubmatch(r.body); m == nil || m[1] != "/intake" {
			t.Errorf("the form with its mistakes marks %v current, want /intake", m)
		}
		summary := regexp.MustCompile(`(?s)<div class="error-summary" id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" autofocus>.*?</div>`).FindString(r.body)
		links := regexp.MustCompile(`<a href="(#[a-z_]+)">`).FindAllStringSubmatch(summary, -1)
		var got []string
		for _, l := range links {
			got = append(got, l[1])
		}
		if strings.Join(got, " ") != "#type #channel #subject_email" ||
			!strings.Contains(summary, "Обращение не сохранено: исправьте отмеченные поля.") {
			t.Errorf("the summary of mistakes links to %v, want #type #channel #subject_email:\n%s", got, summary)
		}
		if n := strings.Count(r.body, "autofocus"); n != 1 {
			t.Errorf("%d elements take the focus on load, want the summary alone", n)
		}
	})
}

// The request's page names the zone of its times as pkg/ru does, not by
// its IANA name; its table of terms scrolls, if at all, under the
// keyboard too, and says so to a screen reader.
func TestDetailZoneNamed(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		r := e.officer.do(t, "GET", "/requests/"+f.today.ID, nil)
		shown := html.UnescapeString(r.body)
		if r.status != http.StatusOK || !strings.Contains(shown, `<span class="hint">(Москва, UTC+3)</span>`) ||
			strings.Contains(shown, "Europe/Moscow") {
			t.Errorf("the request's page does not name its zone in Russian: %d\n%s", r.status, section(t, r.body, "about-title"))
		}
		if !strings.Contains(r.body, `<div class="table-wrap" tabindex="0" role="region" aria-label="Обязанности и сроки, прокручивается">`) {
			t.Errorf("the table of terms is no region reached by the keyboard:\n%s", section(t, r.body, "obligations-title"))
		}
	})
}
