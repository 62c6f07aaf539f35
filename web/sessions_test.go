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

// login opens one more session of email in a browser of its own.
func (w *workEnv) login(t *testing.T, email, password string) *browser {
	t.Helper()
	b := w.browser()
	if r := b.do(t, "POST", "/login", loginForm(email, password)); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d", email, r.status)
	}
	return b
}

func passwordForm(current, next, again string) url.Values {
	return url.Values{"current_password": {current}, "new_password": {next}, "new_password_again": {again}}
}

// A user changes their own password: the session that does it stays signed
// in under a new id, every other session of theirs ends at once, another
// user's does not. Mistakes change nothing.
func TestOwnPasswordEndsOtherSessions(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		const newPassword = "another long password"
		anna := w.signedIn(t, "anna@example.ru", srok.RoleOperator)
		other := w.login(t, "anna@example.ru", goodPassword)
		boris := w.signedIn(t, "boris@example.ru", srok.RoleOperator)

		if r := w.browser().do(t, "GET", "/settings/password", nil); r.status != http.StatusSeeOther ||
			r.location() != "/login?next=%2Fsettings%2Fpassword" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		r := anna.do(t, "GET", "/settings/password", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<form method="post" action="/settings/password" id="password-form"`) ||
			!strings.Contains(r.body, `<a href="/settings/password" id="my-password" aria-current="page">Сменить пароль</a>`) {
			t.Fatalf("GET: %d\n%s", r.status, r.body)
		}
		if r := anna.do(t, "GET", "/", nil); !strings.Contains(r.body, `id="my-password"`) {
			t.Error("the user area does not link the password page")
		}

		for _, c := range []struct {
			name, current, next, again, want string
		}{
			{"wrong current", "not my password at all", newPassword, newPassword, `id="current-password-error" role="alert">Это не ваш текущий пароль.`},
			{"no current", "", newPassword, newPassword, `id="current-password-error" role="alert">Введите текущий пароль.`},
			{"twice differently", goodPassword, newPassword, newPassword + "!", `id="new-password-again-error" role="alert">Пароли не совпадают`},
			{"too short", goodPassword, "short", "short", `id="new-password-error" role="alert">Пароль должен быть не короче 12`},
		} {
			r := anna.do(t, "POST", "/settings/password", passwordForm(c.current, c.next, c.again))
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.want) ||
				strings.Contains(r.body, c.next) && c.next != "" {
				t.Errorf("%s: %d\n%s", c.name, r.status, r.body)
			}
		}
		if !other.signedIn(t) {
			t.Fatal("a refused change ended the other session")
		}
		if _, err := w.acc.CheckPassword(context.Background(), "anna@example.ru", goodPassword); err != nil {
			t.Fatalf("a refused change changed the password: %v", err)
		}

		before := anna.cookie
		r = anna.do(t, "POST", "/settings/password", passwordForm(goodPassword, newPassword, newPassword))
		if r.status != http.StatusSeeOther || r.location() != "/settings/password?done=1" {
			t.Fatalf("change: %d %s\n%s", r.status, r.location(), r.body)
		}
		if anna.cookie == "" || anna.cookie == before {
			t.Error("the session id was not renewed")
		}
		if r := anna.do(t, "GET", "/settings/password?done=1", nil); r.status != http.StatusOK ||
			!strings.Contains(r.body, "Пароль изменён.") {
			t.Errorf("the changing session: %d\n%s", r.status, r.body)
		}
		if other.signedIn(t) {
			t.Error("the session opened before the change is still signed in")
		}
		if stale := (&browser{e: w.env, cookie: before, addr: "192.0.2.10"}); stale.signedIn(t) {
			t.Error("the changing session's old id still works")
		}
		if !boris.signedIn(t) {
			t.Error("another user's session ended")
		}
		if _, err := w.acc.CheckPassword(context.Background(), "anna@example.ru", goodPassword); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("the old password: %v", err)
		}
		if again := w.login(t, "anna@example.ru", newPassword); !again.signedIn(t) {
			t.Error("a sign-in with the new password does not stay signed in")
		}
		var ok, failed int
		for _, e := range w.entries(t, audit.ActionUserPassword) {
			switch e.Outcome {
			case audit.OutcomeOK:
				ok++
			case audit.OutcomeFailed:
				failed++
			}
		}
		if ok != 1 || failed < 2 {
			t.Errorf("audit: %d changes, %d failures; want 1 and the refused ones", ok, failed)
		}
	})
}

// An administrator sets a user's password on the users page, generated
// (shown once) or typed: every session of that user ends at once.
func TestAdminPasswordResetEndsSessions(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		admin := w.signedIn(t, "admin@example.ru", srok.RoleAdmin)
		nina := w.signedIn(t, "nina@example.ru", srok.RoleOperator)
		other := w.login(t, "nina@example.ru", goodPassword)
		officer := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)

		r := admin.do(t, "GET", "/admin/users", nil)
		if !strings.Contains(r.body, `<form method="post" action="/admin/users/password" class="password-form">`) {
			t.Fatalf("no reset form:\n%s", r.body)
		}
		if r := officer.do(t, "POST", "/admin/users/password", url.Values{"email": {"nina@example.ru"}}); r.status != http.StatusForbidden {
			t.Errorf("officer: %d", r.status)
		}
		r = admin.do(t, "POST", "/admin/users/password", url.Values{"email": {"nina@example.ru"}, "password": {"short"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Пароль не задан.") {
			t.Errorf("short: %d\n%s", r.status, r.body)
		}
		if r := admin.do(t, "POST", "/admin/users/password", url.Values{"email": {"admin@example.ru"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("own password on the users page: %d", r.status)
		}
		if r := admin.do(t, "POST", "/admin/users/password", url.Values{"email": {"nobody@example.ru"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("unknown user: %d", r.status)
		}
		if !nina.signedIn(t) || !other.signedIn(t) {
			t.Fatal("a refused reset ended the sessions")
		}

		r = admin.do(t, "POST", "/admin/users/password", url.Values{"email": {"nina@example.ru"}, "password": {""}})
		m := regexp.MustCompile(`<code class="secret" id="password-once">([^<]+)</code>`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("generated: %d\n%s", r.status, r.body)
		}
		if nina.signedIn(t) || other.signedIn(t) {
			t.Error("a session opened before the reset is still signed in")
		}
		if !admin.signedIn(t) || !officer.signedIn(t) {
			t.Error("the reset ended another user's session")
		}
		again := w.login(t, "nina@example.ru", m[1])
		if !again.signedIn(t) {
			t.Fatal("a sign-in with the generated password does not stay")
		}

		r = admin.do(t, "POST", "/admin/users/password", url.Values{"email": {"nina@example.ru"}, "password": {"a typed long password"}})
		if r.status != http.StatusOK || strings.Contains(r.body, `id="password-once"`) {
			t.Errorf("typed: %d\n%s", r.status, r.body)
		}
		if again.signedIn(t) {
			t.Error("the second reset left the session signed in")
		}
		var ok int
		for _, e := range w.entries(t, audit.ActionUserPassword) {
			if e.Outcome == audit.OutcomeOK && e.ActorName == "Пользователь admin" {
				ok++
			}
		}
		if ok != 2 {
			t.Errorf("audit: %d resets by the administrator, want 2", ok)
		}
	})
}

// `srok user set-password` (account.Service.SetPassword as Srok itself)
// ends every session of the user at once.
func TestSetPasswordEndsSessions(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		anna := w.signedIn(t, "anna@example.ru", srok.RoleOperator)
		other := w.login(t, "anna@example.ru", goodPassword)
		boris := w.signedIn(t, "boris@example.ru", srok.RoleOperator)
		if err := w.acc.SetPassword(w.sys, "anna@example.ru", "a password from the shell"); err != nil {
			t.Fatal(err)
		}
		if anna.signedIn(t) || other.signedIn(t) {
			t.Error("a session opened before set-password is still signed in")
		}
		if !boris.signedIn(t) {
			t.Error("another user's session ended")
		}
	})
}

// A session left untouched while its user was disabled does not work
// again once the user is enabled: it ended with the disable.
func TestDisableEnableDoesNotReviveSession(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		anna := w.signedIn(t, "anna@example.ru", srok.RoleOperator)
		if _, err := w.acc.DisableUser(w.sys, "anna@example.ru"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.acc.EnableUser(w.sys, "anna@example.ru"); err != nil {
			t.Fatal(err)
		}
		if anna.signedIn(t) {
			t.Error("the session from before the disable works again")
		}
		if b := w.login(t, "anna@example.ru", goodPassword); !b.signedIn(t) {
			t.Error("a new sign-in after the enable does not stay")
		}
	})
}
