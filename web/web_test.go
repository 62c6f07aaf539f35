package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
	"github.com/srok/srok/web"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// cheapHash makes password hashing almost free in tests.
var cheapHash = account.WithPasswordParams(account.PasswordParams{Memory: 64, Time: 1, Threads: 1})

var moscow = storetest.Moscow

const goodPassword = "a long enough password"

// sessionOptions are the browser sessions of one test's server.
type sessionOptions struct {
	idle, lifetime time.Duration
	secure         bool
}

var defaultSessions = sessionOptions{idle: 30 * time.Minute, lifetime: 12 * time.Hour}

// env is one database with the pages mounted on the real server (httpx.New
// with sessions and Identify), a settable clock, and a free slow-down that
// notes how long it was asked to wait.
type env struct {
	st    *store.Store
	acc   *account.Service
	clock *storetest.Clock
	h     http.Handler
	// sys acts as Srok itself (the command line).
	sys context.Context

	mu    sync.Mutex
	slept []time.Duration
}

// forEach runs fn against SQLite and against PostgreSQL.
func forEach(t *testing.T, o sessionOptions, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, d, o))
		})
	}
}

func newEnv(t *testing.T, d store.Dialect, o sessionOptions) *env {
	t.Helper()
	st := storetest.MustOpen(t, d)
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
	acc := account.NewService(st, clock.Now, cheapHash)
	ss := storetest.Sessions(st)
	sm := httpx.NewSessions(httpx.SessionOptions{Store: ss, IdleTimeout: o.idle, Lifetime: o.lifetime, Secure: o.secure})
	e := &env{st: st, acc: acc, clock: clock, sys: srok.WithActor(context.Background(), srok.System)}
	srv := httpx.New(httpx.Options{Auth: acc, Sessions: sm, SessionIdle: o.idle})
	web.Mount(srv, web.Config{Accounts: acc, Throttle: account.NewThrottle(st, clock.Now),
		Audit: audit.NewService(st, clock.Now), Sessions: sm, Now: clock.Now, Sleep: e.sleep})
	e.h = srv
	return e
}

func (e *env) sleep(_ context.Context, d time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.slept = append(e.slept, d)
	return nil
}

// takeSlept returns the waits asked for since the last call.
func (e *env) takeSlept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.slept
	e.slept = nil
	return s
}

func (e *env) mustUser(t *testing.T, email, name string, role srok.Role) account.User {
	t.Helper()
	u, err := e.acc.CreateUser(e.sys, account.UserInput{Email: email, Name: name, Role: role, Password: goodPassword})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// entries returns the audit entries of action, newest first.
func (e *env) entries(t *testing.T, action audit.Action) []audit.Entry {
	t.Helper()
	got, err := e.st.ListAudit(context.Background(), audit.Filter{Action: action, Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (e *env) sessionRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.st.SQL().QueryRow(`SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// browser keeps the session cookie between requests, as a browser does.
type browser struct {
	e *env
	// cookie is the value of srok_session, "" when none.
	cookie string
	// addr is the client's address.
	addr string
}

func (e *env) browser() *browser { return &browser{e: e, addr: "192.0.2.10"} }

// response is an answer, its body read.
type response struct {
	status int
	header http.Header
	body   string
	// session is the srok_session cookie set, nil when none.
	session *http.Cookie
}

func (r response) location() string { return r.header.Get("Location") }

var inline = regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)

// staticScript is a script the pages may load: a file of Srok's own, with
// no inline code.
var staticScript = regexp.MustCompile(`<script src="/static/[^"]+"(?: defer)?></script>`)

// do sends a request; form, if any, goes as a form body. Headers come in
// pairs. Every HTML page is checked for what the CSP forbids.
func (b *browser) do(t *testing.T, method, target string, form url.Values, headers ...string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = b.addr + ":40000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: b.cookie})
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	r := response{status: res.StatusCode, header: res.Header, body: rec.Body.String()}
	for _, c := range res.Cookies() {
		if c.Name != httpx.SessionCookie {
			continue
		}
		r.session = c
		if c.MaxAge < 0 || c.Value == "" {
			b.cookie = ""
		} else {
			b.cookie = c.Value
		}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if m := inline.FindString(staticScript.ReplaceAllString(r.body, "")); m != "" {
			t.Errorf("%s %s: the page has %q, which the CSP forbids", method, target, m)
		}
		if !strings.Contains(res.Header.Get("Content-Type"), "charset=UTF-8") {
			t.Errorf("%s %s: Content-Type %q", method, target, res.Header.Get("Content-Type"))
		}
	}
	return r
}

func loginForm(email, password string) url.Values {
	return url.Values{"email": {email}, "password": {password}}
}

// signedIn reports whether the browser's session is a signed-in user's.
func (b *browser) signedIn(t *testing.T) bool {
	t.Helper()
	r := b.do(t, "GET", "/", nil)
	switch {
	case r.status == http.StatusOK:
		return true
	case r.status == http.StatusSeeOther && r.location() == "/login?next=%2F":
		return false
	}
	t.Fatalf("GET /: %d %s", r.status, r.location())
	return false
}

func TestLogin(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		u := e.mustUser(t, "Anna@Example.ru", "Анна Смирнова", srok.RoleOfficer)
		b := e.browser()
		if b.signedIn(t) {
			t.Fatal("signed in before sign-in")
		}
		r := b.do(t, "GET", "/login?next=%2F", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<form method="post" action="/login"`) ||
			!strings.Contains(r.body, `name="next" value="/"`) || strings.Contains(r.body, "ещё нет ни одного пользователя") {
			t.Fatalf("GET /login: %d\n%s", r.status, r.body)
		}
		if r.session != nil {
			t.Error("GET /login set a session cookie: a GET changes nothing")
		}

		// The email in another case, with spaces: the same person.
		r = b.do(t, "POST", "/login", url.Values{"email": {" anna@example.RU "}, "password": {goodPassword}, "next": {"/"}})
		if r.status != http.StatusSeeOther || r.location() != "/" {
			t.Fatalf("sign-in: %d %s\n%s", r.status, r.location(), r.body)
		}
		c := r.session
		if c == nil || c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain http", c)
		}
		if c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("session cookie %+v: want a browser-session cookie", c)
		}
		if n := e.sessionRows(t); n != 1 {
			t.Errorf("%d session rows, want 1", n)
		}
		r = b.do(t, "GET", "/", nil)
		for _, want := range []string{"Анна Смирнова", "Anna@Example.ru", "ответственный за организацию обработки персональных данных",
			`href="/api/v1/openapi.yaml"`, `<form method="post" action="/logout">`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("GET / lacks %q:\n%s", want, r.body)
			}
		}
		// Signed in, /login sends on.
		if r := b.do(t, "GET", "/login?next=%2Frequests", nil); r.status != http.StatusSeeOther || r.location() != "/requests" {
			t.Errorf("GET /login signed in: %d %s", r.status, r.location())
		}

		logins := e.entries(t, audit.ActionAuthLogin)
		if len(logins) != 1 || logins[0].ActorID != u.ID || logins[0].UserID != u.ID || logins[0].Outcome != audit.OutcomeOK ||
			logins[0].IP != "192.0.2.10" {
			t.Errorf("auth.login entries: %+v", logins)
		}
	})
}

// The cookie is Secure when Srok is served over TLS.
func TestLoginSecureCookie(t *testing.T) {
	forEach(t, sessionOptions{idle: time.Hour, lifetime: time.Hour, secure: true}, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		r := e.browser().do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
		if r.status != http.StatusSeeOther || r.session == nil || !r.session.Secure || !r.session.HttpOnly ||
			r.session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("%d %+v", r.status, r.session)
		}
	})
}

// Only a path on this site is followed after sign-in.
func TestLoginNext(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		for next, want := range map[string]string{
			"":                     "/",
			"/":                    "/",
			"/requests?status=new": "/requests?status=new",
			"//evil.example":       "/",
			"/\\evil.example":      "/",
			"https://evil.example": "/",
			"evil.example":         "/",
			"javascript:alert(1)":  "/",
		} {
			f := loginForm("anna@example.ru", goodPassword)
			f.Set("next", next)
			if r := e.browser().do(t, "POST", "/login", f); r.status != http.StatusSeeOther || r.location() != want {
				t.Errorf("next %q: %d %q, want %q", next, r.status, r.location(), want)
			}
		}
	})
}

// Whatever is wrong — an unknown email, a wrong password, a disabled user —
// the page is the same, byte for byte, but for the email typed.
func TestLoginSameAnswer(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		e.mustUser(t, "boris@example.ru", "Борис", srok.RoleOperator)
		if _, err := e.acc.DisableUser(e.sys, "boris@example.ru"); err != nil {
			t.Fatal(err)
		}
		var pages []string
		for _, c := range []struct{ email, password string }{
			{"anna@example.ru", "wrong password, sorry"},
			{"nobody@example.ru", "wrong password, sorry"},
			{"boris@example.ru", goodPassword},
		} {
			b := e.browser()
			r := b.do(t, "POST", "/login", loginForm(c.email, c.password))
			if r.status != http.StatusUnauthorized || r.session != nil {
				t.Fatalf("%s: %d %+v", c.email, r.status, r.session)
			}
			if !strings.Contains(r.body, "Неверный адрес или пароль.") || !strings.Contains(r.body, `value="`+c.email+`"`) ||
				strings.Contains(r.body, c.password) {
				t.Errorf("%s: the page\n%s", c.email, r.body)
			}
			pages = append(pages, strings.ReplaceAll(r.body, c.email, "EMAIL"))
		}
		for i := 1; i < len(pages); i++ {
			if pages[i] != pages[0] {
				t.Errorf("page %d differs from page 0:\n%s\n---\n%s", i, pages[i], pages[0])
			}
		}
		// The trail has the failures, with no actor and no email.
		failed := e.entries(t, audit.ActionAuthLoginFailed)
		if len(failed) != 3 {
			t.Fatalf("%d auth.login_failed entries, want 3", len(failed))
		}
		for _, f := range failed {
			if f.ActorID != "" || f.UserID != "" || f.Outcome != audit.OutcomeDenied || strings.Contains(f.Detail, "@") ||
				f.IP != "192.0.2.10" {
				t.Errorf("entry %+v", f)
			}
		}
		// Empty fields are named, and nothing is counted.
		r := e.browser().do(t, "POST", "/login", loginForm("", ""))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Введите адрес электронной почты.") ||
			!strings.Contains(r.body, "Введите пароль.") || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Errorf("empty form: %d\n%s", r.status, r.body)
		}
		if n := len(e.entries(t, audit.ActionAuthLoginFailed)); n != 3 {
			t.Errorf("an empty form was recorded: %d", n)
		}
	})
}

// A sign-in gives a new session id: one planted before, or the one of an
// earlier sign-in, is worth nothing after.
func TestLoginNewSessionID(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		e.mustUser(t, "boris@example.ru", "Борис", srok.RoleOperator)
		b := e.browser()
		b.cookie = "planted-by-an-attacker"
		r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
		if r.status != http.StatusSeeOther || b.cookie == "" || b.cookie == "planted-by-an-attacker" {
			t.Fatalf("sign-in with a planted cookie: %d, cookie %q", r.status, b.cookie)
		}
		first := b.cookie
		r = b.do(t, "POST", "/login", loginForm("boris@example.ru", goodPassword))
		if r.status != http.StatusSeeOther || b.cookie == "" || b.cookie == first {
			t.Fatalf("second sign-in: %d, cookie %q (was %q)", r.status, b.cookie, first)
		}
		if r := b.do(t, "GET", "/", nil); !strings.Contains(r.body, "Борис") {
			t.Errorf("after the second sign-in: %s", r.body)
		}
		old := e.browser()
		old.cookie = first
		if old.signedIn(t) {
			t.Error("the session id of before the second sign-in still works")
		}
		if n := e.sessionRows(t); n != 1 {
			t.Errorf("%d session rows, want 1", n)
		}
	})
}

// Signing out ends the session in the database: the old cookie, kept, is
// worth nothing.
func TestLogout(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		u := e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		b := e.browser()
		b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
		kept := b.cookie
		r := b.do(t, "POST", "/logout", url.Values{})
		if r.status != http.StatusSeeOther || r.location() != "/login" || r.session == nil || r.session.MaxAge >= 0 {
			t.Fatalf("logout: %d %s %+v", r.status, r.location(), r.session)
		}
		if n := e.sessionRows(t); n != 0 {
			t.Errorf("%d session rows after logout", n)
		}
		replay := e.browser()
		replay.cookie = kept
		if replay.signedIn(t) {
			t.Error("the cookie of a signed-out session still works")
		}
		outs := e.entries(t, audit.ActionAuthLogout)
		if len(outs) != 1 || outs[0].ActorID != u.ID || outs[0].Outcome != audit.OutcomeOK {
			t.Errorf("auth.logout entries: %+v", outs)
		}
		// Signed out already: no entry, on to the sign-in page.
		if r := b.do(t, "POST", "/logout", url.Values{}); r.status != http.StatusSeeOther || r.location() != "/login" {
			t.Errorf("logout again: %d %s", r.status, r.location())
		}
		if n := len(e.entries(t, audit.ActionAuthLogout)); n != 1 {
			t.Errorf("%d auth.logout entries", n)
		}
	})
}

// A session unused for IdleTimeout ends; any session ends Lifetime after
// sign-in, used or not.
func TestSessionTimeouts(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		forEach(t, sessionOptions{idle: time.Second, lifetime: time.Hour}, func(t *testing.T, e *env) {
			e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
			b := e.browser()
			b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
			// Each use keeps it a second longer.
			for range 3 {
				time.Sleep(500 * time.Millisecond)
				if !b.signedIn(t) {
					t.Fatal("a session in use ended")
				}
			}
			time.Sleep(1300 * time.Millisecond)
			if b.signedIn(t) {
				t.Error("a session idle past its timeout still works")
			}
		})
	})
	t.Run("lifetime", func(t *testing.T) {
		forEach(t, sessionOptions{idle: time.Second, lifetime: 2 * time.Second}, func(t *testing.T, e *env) {
			e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
			b := e.browser()
			start := time.Now()
			b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
			kept := b.cookie
			// In use every half second, it never idles out, …
			for range 3 {
				time.Sleep(500 * time.Millisecond)
				if !b.signedIn(t) {
					t.Fatal("a young session ended")
				}
			}
			// … but ends 2 seconds after sign-in all the same.
			time.Sleep(2200*time.Millisecond - time.Since(start))
			b.cookie = kept
			if b.signedIn(t) {
				t.Error("a session in use past its lifetime still works")
			}
		})
	})
}

// Disabling a user ends their session at the next request.
func TestDisabledUserSessionEnds(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		b := e.browser()
		b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
		kept := b.cookie
		if !b.signedIn(t) {
			t.Fatal("not signed in")
		}
		if _, err := e.acc.DisableUser(e.sys, "anna@example.ru"); err != nil {
			t.Fatal(err)
		}
		if b.signedIn(t) {
			t.Fatal("a disabled user's session still works")
		}
		if n := e.sessionRows(t); n != 0 {
			t.Errorf("%d session rows left", n)
		}
		b.cookie = kept
		if b.signedIn(t) {
			t.Error("the disabled user's kept cookie works")
		}
	})
}

// A form posted from another site is refused before any handler.
func TestCrossSitePost(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		b := e.browser()
		r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword), "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden || r.session != nil {
			t.Fatalf("cross-site sign-in: %d %+v", r.status, r.session)
		}
		r = b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword), "Sec-Fetch-Site", "same-origin")
		if r.status != http.StatusSeeOther {
			t.Fatalf("same-origin sign-in: %d", r.status)
		}
		r = b.do(t, "POST", "/logout", url.Values{}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if r.status != http.StatusForbidden || !b.signedIn(t) {
			t.Errorf("cross-site logout: %d", r.status)
		}
		if r := b.do(t, "POST", "/setup", url.Values{}, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
			t.Errorf("cross-site setup: %d", r.status)
		}
	})
}

// Wrong passwords pass freely five times, then slow down by one more second
// each, then lock the account for 15 minutes, the right password too.
func TestLoginThrottle(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		b := e.browser()
		var slept []time.Duration
		for i := range account.ThrottleLockAt {
			r := b.do(t, "POST", "/login", loginForm("anna@example.ru", "wrong password, sorry"))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.status)
			}
			slept = append(slept, e.takeSlept()...)
		}
		want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second}
		if len(slept) != len(want) {
			t.Fatalf("slept %v, want %v", slept, want)
		}
		for i := range want {
			if slept[i] != want[i] {
				t.Fatalf("slept %v, want %v", slept, want)
			}
		}
		// Locked: the right password too, from another address too.
		b.addr = "198.51.100.20"
		r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword))
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "900" || r.session != nil ||
			!strings.Contains(r.body, "Слишком много неудачных попыток входа. Повторите через 15 минут (в 09:15).") ||
			!strings.Contains(r.body, `value="anna@example.ru"`) {
			t.Fatalf("locked: %d Retry-After %q\n%s", r.status, r.header.Get("Retry-After"), r.body)
		}
		if s := e.takeSlept(); len(s) != 0 {
			t.Errorf("a locked sign-in waited %v", s)
		}
		denied := e.entries(t, audit.ActionAuthLoginFailed)
		if len(denied) != 11 || !strings.Contains(denied[0].Detail, "too many failed sign-ins") {
			t.Errorf("%d auth.login_failed, the last %+v", len(denied), denied[0])
		}
		// An unknown email is locked the same way, from addresses of its
		// own.
		for i := range account.ThrottleLockAt {
			b.addr = fmt.Sprintf("203.0.113.%d", i+1)
			b.do(t, "POST", "/login", loginForm("nobody@example.ru", "wrong password, sorry"))
		}
		b.addr = "203.0.113.100"
		if r := b.do(t, "POST", "/login", loginForm("nobody@example.ru", goodPassword)); r.status != http.StatusTooManyRequests {
			t.Errorf("an unknown email after 10 failures: %d", r.status)
		}
		e.takeSlept()

		e.clock.Set(e.clock.Now().Add(account.ThrottleLock))
		b.addr = "192.0.2.10"
		if r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword)); r.status != http.StatusSeeOther {
			t.Fatalf("after 15 minutes: %d\n%s", r.status, r.body)
		}
		if s := e.takeSlept(); len(s) != 0 {
			t.Errorf("after the lock, waited %v", s)
		}
	})
}

// A spray of one guess over many emails from one address locks the address.
func TestLoginThrottleSpray(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		e.mustUser(t, "anna@example.ru", "Анна", srok.RoleOperator)
		b := e.browser()
		for i := range account.ThrottleLockAt {
			b.do(t, "POST", "/login", loginForm("user"+string(rune('a'+i))+"@example.ru", "Winter2026!"))
		}
		if r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword)); r.status != http.StatusTooManyRequests {
			t.Errorf("the sprayed address: %d", r.status)
		}
		b.addr = "198.51.100.20"
		if r := b.do(t, "POST", "/login", loginForm("anna@example.ru", goodPassword)); r.status != http.StatusSeeOther {
			t.Errorf("another address: %d", r.status)
		}
	})
}

// The first administrator signs up once, by the link, while no user
// exists.
func TestSetup(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := e.browser()
		if r := b.do(t, "GET", "/login", nil); !strings.Contains(r.body, "ещё нет ни одного пользователя") {
			t.Errorf("GET /login before setup lacks the notice:\n%s", r.body)
		}
		secret, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		link := "/setup?token=" + url.QueryEscape(secret)
		r := b.do(t, "GET", link, nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<form method="post" action="/setup"`) ||
			!strings.Contains(r.body, `name="token" value="`+secret+`"`) {
			t.Fatalf("GET %s: %d\n%s", link, r.status, r.body)
		}
		form := url.Values{"token": {secret}, "email": {"admin@example.ru"}, "name": {"Вера Админ"},
			"password": {goodPassword}, "password2": {goodPassword + "!"}}

		// Mistakes are shown next to their fields, with what was typed
		// but the passwords.
		r = b.do(t, "POST", "/setup", form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Пароли не совпадают.") ||
			!strings.Contains(r.body, `value="admin@example.ru"`) || !strings.Contains(r.body, `value="Вера Админ"`) ||
			strings.Contains(r.body, goodPassword) {
			t.Fatalf("passwords that differ: %d\n%s", r.status, r.body)
		}
		short := url.Values{"token": {secret}, "email": {"not an email"}, "name": {"Вера"}, "password": {"short"}, "password2": {"short"}}
		r = b.do(t, "POST", "/setup", short)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "name@example.ru") ||
			!strings.Contains(r.body, "не короче 12") || !strings.Contains(r.body, `id="password-problem"`) {
			t.Fatalf("bad email and password: %d\n%s", r.status, r.body)
		}
		// What only the account's rules know is shown next to its field
		// too.
		long := url.Values{"token": {secret}, "email": {"admin@example.ru"}, "name": {strings.Repeat("я", 301)},
			"password": {goodPassword}, "password2": {goodPassword}}
		r = b.do(t, "POST", "/setup", long)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="name-problem">Нужно имя до 300 знаков`) {
			t.Fatalf("a name too long: %d\n%s", r.status, r.body)
		}
		if has, _ := e.acc.HasUsers(ctx); has {
			t.Fatal("a refused form created a user")
		}

		form.Set("password2", goodPassword)
		r = b.do(t, "POST", "/setup", form)
		if r.status != http.StatusSeeOther || r.location() != "/" || r.session == nil {
			t.Fatalf("setup: %d %s\n%s", r.status, r.location(), r.body)
		}
		r = b.do(t, "GET", "/", nil)
		if !strings.Contains(r.body, "Вера Админ") || !strings.Contains(r.body, "администратор") {
			t.Errorf("after setup:\n%s", r.body)
		}
		if n := len(e.entries(t, audit.ActionUserCreate)); n != 1 {
			t.Errorf("%d user.create entries", n)
		}
		if n := len(e.entries(t, audit.ActionAuthLogin)); n != 1 {
			t.Errorf("%d auth.login entries", n)
		}

		// The link works once; once a user exists, /setup is closed.
		other := e.browser()
		for _, r := range []response{other.do(t, "POST", "/setup", form), other.do(t, "GET", link, nil), other.do(t, "GET", "/setup", nil)} {
			if r.status != http.StatusGone || !strings.Contains(r.body, "Срок уже настроен") || !strings.Contains(r.body, `href="/login"`) ||
				r.session != nil {
				t.Errorf("setup again: %d\n%s", r.status, r.body)
			}
		}
		if users, err := e.acc.Users(e.sys); err != nil || len(users) != 1 {
			t.Errorf("users %v %v", users, err)
		}
	})
}

// An expired, used or unknown setup link is refused with 410 and a page
// saying how to get a new one, without the form, on GET as on POST.
func TestSetupInvalidLink(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		ctx := context.Background()
		secret, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		link := "/setup?token=" + url.QueryEscape(secret)
		form := url.Values{"token": {secret}, "email": {"admin@example.ru"}, "name": {"Вера"},
			"password": {goodPassword}, "password2": {goodPassword}}
		unknown := url.Values{}
		for k, v := range form {
			unknown[k] = v
		}
		unknown.Set("token", account.SetupTokenPrefix+strings.Repeat("A", 43))
		refused := func(what string, r response) {
			t.Helper()
			if r.status != http.StatusGone || !strings.Contains(r.body, "Ссылка устарела или уже использована") ||
				!strings.Contains(r.body, "перезапустите srok serve") || !strings.Contains(r.body, "srok user create") ||
				strings.Contains(r.body, `action="/setup"`) || r.session != nil {
				t.Errorf("%s: %d\n%s", what, r.status, r.body)
			}
		}
		refused("no token", b.do(t, "GET", "/setup", nil))
		refused("not a token", b.do(t, "GET", "/setup?token=whatever", nil))
		refused("unknown token", b.do(t, "GET", "/setup?token="+url.QueryEscape(unknown.Get("token")), nil))
		refused("unknown token posted", b.do(t, "POST", "/setup", unknown))

		// Looking at the link uses nothing up; once expired, the link
		// shows no form, and its form posted late is refused alike, even
		// with a mistake in a field.
		if r := b.do(t, "GET", link, nil); r.status != http.StatusOK || !strings.Contains(r.body, `action="/setup"`) {
			t.Fatalf("a fresh link: %d\n%s", r.status, r.body)
		}
		e.clock.Set(e.clock.Now().Add(account.SetupTokenLife + time.Minute))
		refused("an expired link", b.do(t, "GET", link, nil))
		refused("an expired link posted", b.do(t, "POST", "/setup", form))
		bad := url.Values{"token": {secret}, "email": {"admin@example.ru"}, "name": {"Вера"}, "password": {"short"}}
		refused("an expired link posted with a mistake", b.do(t, "POST", "/setup", bad))
		if has, _ := e.acc.HasUsers(ctx); has {
			t.Error("an invalid link created a user")
		}
	})
}

// The stylesheet is served with a long cache, under a URL that changes
// with its content; pages refer to it and to nothing inline.
func TestStylesheet(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		b := e.browser()
		page := b.do(t, "GET", "/login", nil)
		m := regexp.MustCompile(`<link rel="stylesheet" href="(/static/srok\.css\?v=[0-9a-f]{12})">`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no stylesheet link:\n%s", page.body)
		}
		for _, method := range []string{"GET", "HEAD"} {
			r := b.do(t, method, m[1], nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/css; charset=utf-8" ||
				!strings.Contains(r.header.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("%s %s: %d %v", method, m[1], r.status, r.header)
			}
			if (method == "GET") != strings.Contains(r.body, ".card") {
				t.Errorf("%s: body of %d bytes", method, len(r.body))
			}
		}
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
			!strings.Contains(csp, "style-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		if r := b.do(t, "HEAD", "/login", nil); r.status != http.StatusOK || r.body != "" {
			t.Errorf("HEAD /login: %d %q", r.status, r.body)
		}
	})
}

// A body that is not a form is refused with a page, not JSON.
func TestBadForm(t *testing.T) {
	forEach(t, defaultSessions, func(t *testing.T, e *env) {
		b := e.browser()
		for _, r := range []response{
			b.do(t, "POST", "/login", nil, "Content-Type", "application/json"),
			b.do(t, "POST", "/login", url.Values{"email": {"a\x00b@example.ru"}, "password": {"x"}}),
		} {
			if r.status != http.StatusBadRequest || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
				!strings.Contains(r.body, "Форма не прочитана") {
				t.Errorf("%d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
		}
	})
}
