package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Every role × every state of a request: what the API says the caller may
// do (GET /api/v1/requests/{id} "actions"), the forms the request's page
// shows, and what the action itself does agree, action by action. The
// register decides (register.Actions); this test proves nobody else does.
func TestActionsAgree(t *testing.T) {
	e, st := testServer(t)
	accounts := account.NewService(st, time.Now)
	admin := srok.WithActor(context.Background(), srok.Actor{ID: "system:test", Name: "test", Role: srok.RoleAdmin})
	roles := []srok.Role{srok.RoleAdmin, srok.RoleOfficer, srok.RoleOperator, srok.RoleViewer}
	tokens, cookies := map[srok.Role]string{}, map[srok.Role]string{}
	for _, role := range roles {
		email := string(role) + "@example.ru"
		if _, err := accounts.CreateUser(admin, account.UserInput{Email: email, Name: "Пользователь " + string(role),
			Role: role, Password: "correct horse battery staple"}); err != nil {
			t.Fatal(err)
		}
		secret, _, err := accounts.CreateToken(admin, account.TokenInput{UserEmail: email, Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = secret
		cookies[role] = signIn(t, e, email, "correct horse battery staple")
	}

	call := func(role srok.Role, method, path string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req := httptest.NewRequest(method, path, rd)
		req.Header.Set("Authorization", "Bearer "+tokens[role])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	must := func(method, path string, body any, want int) []byte {
		t.Helper()
		code, b := call(srok.RoleAdmin, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, b)
		}
		return b
	}
	bodies := map[register.ActionName]any{
		register.ActionAssign: map[string]any{"assignee": "operator@example.ru"},
		register.ActionExtend: map[string]any{"notice_sent_at": "2026-12-01", "reasons": "большой объём сведений", "channel": "email"},
		register.ActionAnswer: map[string]any{"outcome": "fulfilled", "text": "Сведения направлены."},
		register.ActionRefuse: map[string]any{"text": "Отказ: ч. 8 ст. 14 152-ФЗ."},
		register.ActionClose:  map[string]any{},
		register.ActionCancel: map[string]any{"reason": "duplicate"},
		register.ActionNote:   map[string]any{"text": "Позвонили заявителю."},
	}
	path := func(id string, n register.ActionName) string {
		if n == register.ActionNote {
			return "/api/v1/requests/" + id + "/notes"
		}
		return "/api/v1/requests/" + id + "/" + string(n)
	}
	// states make a request in each state the register knows, assigned to
	// the operator (or to nobody while new), so that every role sees it.
	states := []struct {
		name  string
		steps []register.ActionName
	}{
		{"new", nil},
		{"in_progress", []register.ActionName{register.ActionAssign}},
		{"extended", []register.ActionName{register.ActionAssign, register.ActionExtend}},
		{"answered", []register.ActionName{register.ActionAssign, register.ActionAnswer}},
		{"refused", []register.ActionName{register.ActionAssign, register.ActionRefuse}},
		{"closed", []register.ActionName{register.ActionAssign, register.ActionAnswer, register.ActionClose}},
		{"cancelled", []register.ActionName{register.ActionCancel}},
	}
	n := 0
	fresh := func(steps []register.ActionName) string {
		t.Helper()
		n++
		b := must("POST", "/api/v1/requests", map[string]any{"type": "access", "channel": "email",
			"received_at": "2026-11-30T10:00:00+03:00",
			"subject":     map[string]any{"name": "Иван Петров", "email": "ivan@example.ru"}}, http.StatusCreated)
		var r struct{ ID string }
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			want := http.StatusOK
			if s == register.ActionNote {
				want = http.StatusCreated
			}
			must("POST", path(r.ID, s), bodies[s], want)
		}
		return r.ID
	}
	formRe := regexp.MustCompile(`<form id="(assign|extend|answer|refuse|close|cancel|note)"`)

	checked := map[bool]int{}
	for _, state := range states {
		for _, role := range roles {
			id := fresh(state.steps)
			// What the API says.
			code, b := call(role, "GET", "/api/v1/requests/"+id, nil)
			if code != http.StatusOK {
				t.Fatalf("%s as %s: GET %d %s", state.name, role, code, b)
			}
			var got struct {
				Actions []struct {
					Name    string
					Allowed bool
					Reason  string
				}
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Actions) != len(register.ActionNames()) {
				t.Fatalf("%s as %s: %d actions, want %d", state.name, role, len(got.Actions), len(register.ActionNames()))
			}
			var allowed []string
			for _, a := range got.Actions {
				if a.Allowed == (a.Reason != "") {
					t.Errorf("%s as %s: %s allowed=%v with reason %q", state.name, role, a.Name, a.Allowed, a.Reason)
				}
				if a.Allowed {
					allowed = append(allowed, a.Name)
				}
			}
			// What the page shows.
			page := pageOf(t, e, cookies[role], "/requests/"+id)
			var forms []string
			for _, m := range formRe.FindAllStringSubmatch(page, -1) {
				forms = append(forms, m[1])
			}
			slices.Sort(allowed)
			slices.Sort(forms)
			if !slices.Equal(allowed, forms) {
				t.Errorf("%s as %s: the API allows %v, the page shows forms %v", state.name, role, allowed, forms)
			}
			// What each action does, on a request of its own in that state.
			for _, a := range got.Actions {
				rid := fresh(state.steps)
				code, b := call(role, "POST", path(rid, register.ActionName(a.Name)), bodies[register.ActionName(a.Name)])
				ok := code == http.StatusOK || code == http.StatusCreated
				checked[a.Allowed]++
				switch {
				case a.Allowed && !ok:
					t.Errorf("%s as %s: %s is allowed, yet the action answered %d: %s", state.name, role, a.Name, code, b)
				case !a.Allowed && ok:
					t.Errorf("%s as %s: %s is not allowed (%s), yet the action answered %d", state.name, role, a.Name, a.Reason, code)
				case !a.Allowed && a.Reason == string(register.ReasonForbidden) && code != http.StatusForbidden:
					t.Errorf("%s as %s: %s is forbidden, the action answered %d: %s", state.name, role, a.Name, code, b)
				case !a.Allowed && a.Reason != string(register.ReasonForbidden) && code != http.StatusConflict:
					t.Errorf("%s as %s: %s is not allowed (%s), the action answered %d, want 409: %s", state.name, role, a.Name, a.Reason, code, b)
				}
				if !a.Allowed && a.Reason != string(register.ReasonForbidden) && !strings.Contains(page, ru.Reason(register.Reason(a.Reason))) {
					t.Errorf("%s as %s: the page does not say why %s is not allowed (%s)", state.name, role, a.Name, a.Reason)
				}
			}
		}
	}
	// Both sides of the table were walked.
	if checked[true] < 20 || checked[false] < 20 {
		t.Errorf("walked %d allowed and %d refused actions: the states do not cover the table", checked[true], checked[false])
	}
}

// signIn signs in through the login page and returns the session cookie.
func signIn(t *testing.T, e *echo.Echo, email, password string) string {
	t.Helper()
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d %s", email, rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("sign-in of %s: no session cookie", email)
	return ""
}

// pageOf is the page at target for the session cookie.
func pageOf(t *testing.T, e *echo.Echo, cookie, target string) string {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Cookie", cookie)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", target, rec.Code)
	}
	return rec.Body.String()
}
