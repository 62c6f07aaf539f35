package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// An administrator creates a user with a generated password (shown once)
// or a typed one, changes a role, disables and enables: each change is in
// the audit trail. Anyone else gets 403.
func TestAdminUsers(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		if r := w.browser().do(t, "GET", "/admin/users", nil); r.status != http.StatusSeeOther ||
			r.location() != "/login?next=%2Fadmin%2Fusers" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		officer := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
		for _, r := range []response{officer.do(t, "GET", "/admin/users", nil), officer.do(t, "GET", "/admin/tokens", nil),
			officer.do(t, "POST", "/admin/users", url.Values{"email": {"x@example.ru"}, "name": {"X"}, "role": {"admin"}}),
			officer.do(t, "POST", "/admin/users/role", url.Values{"email": {"officer@example.ru"}, "role": {"admin"}})} {
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "<h1>Недостаточно прав</h1>") {
				t.Errorf("officer: %d", r.status)
			}
		}
		if _, err := w.acc.UserByEmail(context.Background(), "x@example.ru"); err == nil {
			t.Error("an officer created a user")
		}
		// The refusals are in the trail too.
		for _, action := range []audit.Action{audit.ActionUserCreate, audit.ActionUserEdit} {
			var denied int
			for _, e := range w.entries(t, action) {
				if e.Outcome == audit.OutcomeDenied && e.ActorName == "Пользователь officer" {
					denied++
				}
			}
			if denied != 1 {
				t.Errorf("%s: %d refusals of the officer recorded, want 1", action, denied)
			}
		}

		admin := w.signedIn(t, "admin@example.ru", srok.RoleAdmin)
		r := admin.do(t, "GET", "/admin/users", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<tr data-email="officer@example.ru">`) ||
			!strings.Contains(r.body, "Пользователь admin (вы)") {
			t.Fatalf("list: %d\n%s", r.status, r.body)
		}

		// A generated password, shown once, that works.
		r = admin.do(t, "POST", "/admin/users", url.Values{"email": {"nina@example.ru"}, "name": {"Нина Орлова"},
			"role": {"operator"}, "password_mode": {"generated"}})
		m := regexp.MustCompile(`<code class="secret" id="password-once">([^<]+)</code>`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, `<tr data-email="nina@example.ru">`) {
			t.Fatalf("create: %d\n%s", r.status, r.body)
		}
		if _, err := w.acc.CheckPassword(context.Background(), "nina@example.ru", m[1]); err != nil {
			t.Errorf("the generated password does not work: %v", err)
		}
		if r := admin.do(t, "GET", "/admin/users", nil); strings.Contains(r.body, m[1]) {
			t.Error("the generated password is shown again")
		}
		// A typed one; mistakes keep what was typed.
		r = admin.do(t, "POST", "/admin/users", url.Values{"email": {"nina@example.ru"}, "name": {"Нина"}, "role": {"operator"},
			"password_mode": {"typed"}, "password": {"short"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="password-error" role="alert">Пароль должен быть не короче 12`) ||
			!strings.Contains(r.body, `value="nina@example.ru"`) || strings.Contains(r.body, `value="short"`) ||
			!strings.Contains(r.body, `value="typed" checked>`) {
			t.Errorf("short password: %d\n%s", r.status, r.body)
		}
		r = admin.do(t, "POST", "/admin/users", url.Values{"email": {"pavel@example.ru"}, "name": {"Павел"}, "role": {"operator"},
			"password_mode": {"typed"}, "password": {""}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="password-error" role="alert"`) {
			t.Errorf("typed, but no password: %d", r.status)
		}
		r = admin.do(t, "POST", "/admin/users", url.Values{"email": {"nina@example.ru"}, "name": {"Нина"}, "role": {"operator"},
			"password_mode": {"typed"}, "password": {goodPassword}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="email-error" role="alert">Пользователь с таким адресом уже есть.`) {
			t.Errorf("email taken: %d", r.status)
		}
		r = admin.do(t, "POST", "/admin/users", url.Values{"email": {"oleg@example.ru"}, "name": {"Олег"}, "role": {"viewer"},
			"password_mode": {"typed"}, "password": {goodPassword}})
		if r.status != http.StatusOK || strings.Contains(r.body, `id="password-once"`) {
			t.Errorf("typed password: %d", r.status)
		}
		if _, err := w.acc.CheckPassword(context.Background(), "oleg@example.ru", goodPassword); err != nil {
			t.Errorf("the typed password does not work: %v", err)
		}

		// Another role, at once.
		r = admin.do(t, "POST", "/admin/users/role", url.Values{"email": {"oleg@example.ru"}, "role": {"officer"}})
		if r.status != http.StatusSeeOther || r.location() != "/admin/users?done=role" {
			t.Fatalf("role: %d %s\n%s", r.status, r.location(), r.body)
		}
		if u, _ := w.acc.UserByEmail(context.Background(), "oleg@example.ru"); u.Role != srok.RoleOfficer {
			t.Errorf("role %s", u.Role)
		}
		if r := admin.do(t, "POST", "/admin/users/role", url.Values{"email": {"oleg@example.ru"}, "role": {"boss"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("unknown role: %d", r.status)
		}
		// Disable, then enable; not oneself.
		oleg := w.browser()
		oleg.do(t, "POST", "/login", loginForm("oleg@example.ru", goodPassword))
		if r := admin.do(t, "POST", "/admin/users/disable", url.Values{"email": {"oleg@example.ru"}}); r.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.status)
		}
		if oleg.signedIn(t) {
			t.Error("a disabled user is still signed in")
		}
		if r := admin.do(t, "GET", "/admin/users?done=disable", nil); !strings.Contains(r.body, `<tr data-email="oleg@example.ru" class="inactive">`) ||
			!strings.Contains(r.body, `aria-label="Включить oleg@example.ru"`) {
			t.Errorf("after disable:\n%s", r.body)
		}
		if r := admin.do(t, "POST", "/admin/users/enable", url.Values{"email": {"oleg@example.ru"}}); r.status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.status)
		}
		if u, _ := w.acc.UserByEmail(context.Background(), "oleg@example.ru"); !u.Active {
			t.Error("not enabled")
		}
		if r := admin.do(t, "POST", "/admin/users/disable", url.Values{"email": {"admin@example.ru"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("disable oneself: %d", r.status)
		}
		if u, _ := w.acc.UserByEmail(context.Background(), "admin@example.ru"); !u.Active {
			t.Error("the administrator disabled themselves")
		}

		// Every change is in the trail, by the administrator.
		admin0, _ := w.acc.UserByEmail(context.Background(), "admin@example.ru")
		for action, n := range map[audit.Action]int{audit.ActionUserCreate: 2, audit.ActionUserEdit: 2, audit.ActionUserDisable: 1} {
			var ok int
			for _, e := range w.entries(t, action) {
				if e.ActorID == admin0.ID && e.Outcome == audit.OutcomeOK {
					ok++
				}
			}
			if ok != n {
				t.Errorf("%s: %d entries by the administrator, want %d", action, ok, n)
			}
		}
		edits := w.entries(t, audit.ActionUserEdit)
		var fields []string
		for _, e := range edits {
			if e.Outcome == audit.OutcomeOK {
				fields = append(fields, e.Fields...)
			}
		}
		if strings.Join(fields, ",") != "active,role" {
			t.Errorf("user.edit fields %v", fields)
		}
	})
}

// Tokens: the secret is shown once, works, and stops working when revoked;
// both changes are in the trail.
func TestAdminTokens(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		w.mustUser(t, "op@example.ru", "Оператор", srok.RoleOperator)
		viewerB := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)
		if r := viewerB.do(t, "POST", "/admin/tokens", url.Values{"user": {"viewer@example.ru"}, "name": {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("viewer: %d", r.status)
		}
		admin := w.signedIn(t, "admin@example.ru", srok.RoleAdmin)
		r := admin.do(t, "GET", "/admin/tokens", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, "Токенов пока нет.") || !strings.Contains(r.body, `<option value="op@example.ru">`) {
			t.Fatalf("list: %d\n%s", r.status, r.body)
		}
		r = admin.do(t, "POST", "/admin/tokens", url.Values{"user": {"viewer@example.ru"}, "name": {"Форма на сайте"}, "scope": {"intake"},
			"expires_in_days": {""}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="scope-error" role="alert">Роль этого пользователя`) ||
			!strings.Contains(r.body, `value="Форма на сайте"`) {
			t.Errorf("intake token for a viewer: %d\n%s", r.status, r.body)
		}
		r = admin.do(t, "POST", "/admin/tokens", url.Values{"user": {"op@example.ru"}, "name": {"Форма на сайте"}, "scope": {"intake"},
			"expires_in_days": {"-3"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="days-error" role="alert"`) {
			t.Errorf("negative days: %d", r.status)
		}
		r = admin.do(t, "POST", "/admin/tokens", url.Values{"user": {"op@example.ru"}, "name": {"Форма на сайте"}, "scope": {"intake"},
			"expires_in_days": {"30"}})
		m := regexp.MustCompile(`<code class="secret" id="token-secret">([^<]+)</code>`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d\n%s", r.status, r.body)
		}
		secret := m[1]
		a, err := w.acc.AuthenticateToken(context.Background(), secret)
		if err != nil || a.Email != "op@example.ru" || a.Scope != srok.ScopeIntake {
			t.Fatalf("the token: %+v %v", a, err)
		}
		r = admin.do(t, "GET", "/admin/tokens", nil)
		if strings.Contains(r.body, secret) || !strings.Contains(r.body, "Форма на сайте") || !strings.Contains(r.body, "25.12.2026") {
			t.Errorf("the list after create:\n%s", r.body)
		}
		id := regexp.MustCompile(`<tr data-token="([^"]+)">`).FindStringSubmatch(r.body)
		if id == nil {
			t.Fatal("no token row")
		}
		r = admin.do(t, "POST", "/admin/tokens/revoke", url.Values{"id": {id[1]}})
		if r.status != http.StatusSeeOther || r.location() != "/admin/tokens?done=revoke" {
			t.Fatalf("revoke: %d %s", r.status, r.location())
		}
		if _, err := w.acc.AuthenticateToken(context.Background(), secret); err == nil {
			t.Error("a revoked token works")
		}
		if r := admin.do(t, "GET", "/admin/tokens?done=revoke", nil); !strings.Contains(r.body, "отозван 25.11.2026") {
			t.Errorf("after revoke:\n%s", r.body)
		}
		if r := admin.do(t, "POST", "/admin/tokens/revoke", url.Values{"id": {"nonsense"}}); r.status != http.StatusNotFound {
			t.Errorf("unknown token: %d", r.status)
		}
		for _, action := range []audit.Action{audit.ActionTokenCreate, audit.ActionTokenRevoke} {
			var ok int
			for _, e := range w.entries(t, action) {
				if e.Outcome == audit.OutcomeOK && strings.Contains(e.Detail, id[1]) {
					ok++
				}
			}
			if ok != 1 {
				t.Errorf("%s: %d entries of the token", action, ok)
			}
		}
	})
}
