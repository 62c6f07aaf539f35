package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// inboxEmail is a plain UTF-8 email from from with subject.
func inboxEmail(from, subject, id string) string {
	return "From: " + from + "\r\nTo: privacy@operator.example\r\nDate: Tue, 24 Nov 2026 13:30:00 +0000\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + id + "@example.ru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст письма\r\n"
}

var emailIDInForm = regexp.MustCompile(`name="email_id" value="([0-9a-f-]{36})"`)

// TestInboxPage: the inbox lists what awaits a decision with the dates the
// engine gives, takes each decision once, and shows a problem next to its
// field, focused.
func TestInboxPage(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newWorkEnvOf(t, d, true)
			o := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
			if p := o.get(t, "/inbox"); p.status != http.StatusOK || !strings.Contains(p.body, `id="inbox-empty"`) ||
				strings.Contains(p.body, `class="badge"`) {
				t.Fatalf("empty inbox: %d %s", p.status, p.body)
			}
			ids := map[string]string{}
			for _, m := range []struct{ key, from, subject string }{
				{"access", "Иван Петров <ivan@example.ru>", "Прошу предоставить сведения о моих персональных данных"},
				{"spam", "shop@example.com", "Скидки недели"},
			} {
				r := o.upload(t, inboxEmail(m.from, m.subject, m.key), nil)
				mm := emailIDInForm.FindStringSubmatch(r.body)
				if r.status != http.StatusOK || mm == nil {
					t.Fatalf("upload %s: %d", m.key, r.status)
				}
				ids[m.key] = mm[1]
			}
			p := o.get(t, "/inbox")
			// Stored Wed 25.11 09:00 Moscow: the term starts Thursday 26.11;
			// an access request would be due 09.12.2026.
			if p.status != http.StatusOK || !strings.Contains(p.body, `<span class="badge">2`) ||
				!strings.Contains(p.body, `aria-current="page">Входящие`) ||
				!strings.Contains(p.body, "25.11.2026 09:00") || !strings.Contains(p.body, "26.11.2026") ||
				!strings.Contains(p.body, "09.12.2026 (если зарегистрировать сейчас)") ||
				strings.Index(p.body, ids["access"]) > strings.Index(p.body, ids["spam"]) {
				t.Fatalf("inbox: %d %s", p.status, p.body)
			}
			// «Зарегистрировать» opens the intake form filled from the email,
			// received when it arrived.
			f := o.get(t, "/intake?email="+ids["access"])
			if f.status != http.StatusOK || !strings.Contains(f.body, `value="`+ids["access"]+`"`) ||
				!strings.Contains(f.body, `value="2026-11-25T09:00"`) || !strings.Contains(f.body, `value="ivan@example.ru"`) {
				t.Fatalf("intake from the inbox: %d %s", f.status, f.body)
			}
			if f := o.get(t, "/intake?email=01900000-0000-7000-8000-000000000000"); f.status != http.StatusNotFound {
				t.Errorf("intake of an unknown email: %d", f.status)
			}

			// Problems next to the field, marked and focused.
			bad := o.post(t, "/inbox/"+ids["spam"]+"/not-request", url.Values{"reason": {""}})
			if bad.status != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="reason-`+ids["spam"]+`" aria-invalid="true" aria-describedby="reason-`+ids["spam"]+`-error" autofocus`).MatchString(bad.body) {
				t.Fatalf("no reason: %d %s", bad.status, bad.body)
			}
			bad = o.post(t, "/inbox/"+ids["spam"]+"/not-request", url.Values{"reason": {"other"}})
			if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="note-`+ids["spam"]+`-error"`) {
				t.Fatalf("other without a note: %d %s", bad.status, bad.body)
			}
			bad = o.post(t, "/inbox/"+ids["spam"]+"/attach", url.Values{"request": {"2026-999999"}})
			if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Обращения № 2026-999999 нет") ||
				!strings.Contains(bad.body, `value="2026-999999"`) {
				t.Fatalf("unknown number: %d %s", bad.status, bad.body)
			}

			// Register the first (the intake form, as from the inbox), then
			// attach the second to it by its number, then no more decisions.
			form := url.Values{"type": {"access"}, "channel": {"email"}, "time_zone": {"Europe/Moscow"}, "received_at": {"2026-11-25T09:00"},
				"subject_name": {"Иван Петров"}, "subject_email": {"ivan@example.ru"}, "email_id": {ids["access"]}}
			if r := o.post(t, "/requests", form); r.status != http.StatusSeeOther {
				t.Fatalf("register: %d %s", r.status, r.body)
			}
			p = o.get(t, "/inbox")
			if strings.Contains(p.body, `id="email-`+ids["access"]+`"`) || !strings.Contains(p.body, `<span class="badge">1`) {
				t.Fatalf("registered email still pending: %s", p.body)
			}
			ok := o.post(t, "/inbox/"+ids["spam"]+"/attach", url.Values{"request": {"№ 2026-1"}})
			if ok.status != http.StatusOK || !strings.Contains(ok.body, "Письмо прикреплено к обращению № 2026-000001.") ||
				!strings.Contains(ok.body, `id="inbox-empty"`) {
				t.Fatalf("attach: %d %s", ok.status, ok.body)
			}
			again := o.post(t, "/inbox/"+ids["spam"]+"/not-request", url.Values{"reason": {"spam"}})
			if again.status != http.StatusConflict || !strings.Contains(again.body, "уже принято решение") {
				t.Fatalf("second decision: %d %s", again.status, again.body)
			}

			// A viewer has no inbox.
			v := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)
			if r := v.get(t, "/inbox"); r.status != http.StatusForbidden {
				t.Errorf("viewer: %d", r.status)
			}
			if r := v.get(t, "/"); strings.Contains(r.body, `id="nav-inbox"`) {
				t.Errorf("viewer's navigation offers the inbox")
			}
		})
	}
}

// TestOverviewLateEmails: an email waiting longer than one working day is
// on the overview of officers and administrators, not of operators.
func TestOverviewLateEmails(t *testing.T) {
	w := newWorkEnvOf(t, "sqlite", true)
	o := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
	op := w.signedIn(t, "operator@example.ru", srok.RoleOperator)
	if r := op.upload(t, inboxEmail("shop@example.com", "Скидки", "late"), nil); r.status != http.StatusOK {
		t.Fatalf("upload: %d", r.status)
	}
	// Stored Wed 25.11 09:00: Thursday is its working day.
	w.clock.Set(time.Date(2026, 11, 26, 23, 0, 0, 0, moscow))
	if p := o.get(t, "/"); strings.Contains(p.body, `id="late-emails"`) {
		t.Fatalf("late on its first working day: %s", p.body)
	}
	w.clock.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, moscow))
	p := o.get(t, "/")
	if !strings.Contains(p.body, "Ждёт решения дольше рабочего дня: 1 письмо") || !strings.Contains(p.body, `href="/inbox"`) {
		t.Fatalf("overview: %s", p.body)
	}
	if p := op.get(t, "/"); strings.Contains(p.body, `id="late-emails"`) {
		t.Error("an operator's overview tells of late emails")
	}
}

// TestNewMailNotice: the assignee of a request is told, on their overview,
// of an email attached to it by someone else.
func TestNewMailNotice(t *testing.T) {
	w := newWorkEnvOf(t, "sqlite", true)
	o := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
	op := w.signedIn(t, "operator@example.ru", srok.RoleOperator)
	r, _, err := w.reg.Create(w.sys, register.Input{Type: "access", Channel: "email", ReceivedAt: "2026-11-24T10:00:00+03:00",
		Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}, Assignee: "operator@example.ru"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := op.get(t, "/"); strings.Contains(p.body, `id="new-mail"`) {
		t.Fatal("a notice before any email")
	}
	up := o.upload(t, inboxEmail("Иван Петров <ivan@example.ru>", "Дополнение", "more"), nil)
	m := emailIDInForm.FindStringSubmatch(up.body)
	if m == nil {
		t.Fatalf("upload: %d", up.status)
	}
	if res := o.post(t, "/inbox/"+m[1]+"/attach", url.Values{"request": {r.Number}}); res.status != http.StatusOK {
		t.Fatalf("attach: %d %s", res.status, res.body)
	}
	p := op.get(t, "/")
	if !strings.Contains(p.body, `id="new-mail"`) || !strings.Contains(p.body, `href="/requests/`+r.ID+`">№ `+r.Number) ||
		!strings.Contains(p.body, "прикреплено при разборе входящих") {
		t.Fatalf("assignee's overview: %s", p.body)
	}
	if p := o.get(t, "/"); strings.Contains(p.body, `id="new-mail"`) {
		t.Error("the officer who attached it is told")
	}
}
