package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestEmailOfAnotherOperator: the intake form does not link, nor show, an
// email another operator sent in, and a request's page shows its email only
// to those who see the request.
func TestEmailOfAnotherOperator(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newWorkEnvOf(t, d, true)
			a := w.signedIn(t, "op.a@example.ru", srok.RoleOperator)
			b := w.signedIn(t, "op.b@example.ru", srok.RoleOperator)
			r := a.upload(t, sampleEmail(t), nil)
			if r.status != http.StatusOK {
				t.Fatalf("A's upload: %d %s", r.status, r.body)
			}
			m := regexp.MustCompile(`name="email_id" value="([0-9a-f-]{36})"`).FindStringSubmatch(r.body)
			if m == nil {
				t.Fatalf("no email_id in the form: %s", r.body)
			}
			form := url.Values{"type": {"erasure"}, "channel": {"email"}, "time_zone": {"Europe/Moscow"},
				"subject_name": {"Иван Петров"}, "subject_email": {"ivan.petrov@example.ru"}, "email_id": {m[1]}}
			// B: refused, and the email is not shown with the form.
			got := b.post(t, "/requests", form)
			if got.status != http.StatusUnprocessableEntity || strings.Contains(got.body, "Прошу удалить все мои") {
				t.Fatalf("B linked or saw A's email: %d %s", got.status, got.body)
			}
			// A: registered, assigned to A; its page shows the email to A only.
			form.Set("assignee", "op.a@example.ru")
			created := a.post(t, "/requests", form)
			if created.status != http.StatusSeeOther {
				t.Fatalf("A's request: %d %s", created.status, created.body)
			}
			page := created.header.Get("Location")
			if p := a.get(t, page); p.status != http.StatusOK || !strings.Contains(p.body, "Прошу удалить все мои") {
				t.Errorf("A's page does not show the email: %d", p.status)
			}
			if p := b.get(t, page); p.status == http.StatusOK || strings.Contains(p.body, "Прошу удалить все мои") {
				t.Errorf("B sees A's request page: %d", p.status)
			}
			if got := b.post(t, "/requests", form); got.status == http.StatusSeeOther || strings.Contains(got.body, "Прошу удалить все мои") {
				t.Errorf("B linked or saw A's registered email: %d", got.status)
			}
		})
	}
}
