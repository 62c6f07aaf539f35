package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// systemCtx is the context of Srok acting by itself: what the tests use to
// set up and inspect accounts behind the API's back.
func systemCtx() context.Context { return srok.WithActor(context.Background(), srok.System) }

// wantAuthProblem checks that r is a problem of status and type (a prefix of
// the type when it ends in ':'), naming field first when field is set.
func wantAuthProblem(t *testing.T, r response, status int, typ, field string) httpx.Problem {
	t.Helper()
	wantStatus(t, r, status)
	p := r.problem(t)
	if typ != "" && p.Type != typ && !(strings.HasSuffix(typ, ":") && strings.HasPrefix(p.Type, typ)) {
		t.Errorf("problem type %s, want %s; %+v", p.Type, typ, p)
	}
	if field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != field) {
		t.Errorf("problem %+v, want field %q", p, field)
	}
	return p
}

// wantUnauthenticated checks that r is a 401 with the challenge.
func wantUnauthenticated(t *testing.T, r response) {
	t.Helper()
	wantAuthProblem(t, r, http.StatusUnauthorized, "urn:srok:problem:unauthenticated", "")
	if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="srok"` {
		t.Errorf("WWW-Authenticate %q, want Bearer realm=\"srok\"", got)
	}
}

// expectedCan is what /me must list for role and scope: the actions of
// allActions that srok.Can allows, in that order.
func expectedCan(role srok.Role, scope srok.Scope) []string {
	out := []string{}
	for _, act := range allActions {
		if srok.Can(role, scope, act) {
			out = append(out, string(act))
		}
	}
	return out
}

func TestAuthMe(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		check := func(t *testing.T, email string, role srok.Role, scope srok.Scope) {
			t.Helper()
			token := h.mustToken(t, email, role, scope)
			r := h.exchange(t, true, "GET", "/api/v1/me", nil, as(token))
			wantStatus(t, r, http.StatusOK)
			var me Me
			r.decode(t, &me)
			u, err := h.accounts.UserByEmail(systemCtx(), email)
			if err != nil {
				t.Fatal(err)
			}
			if me.Role != string(role) || me.Scope != string(scope) || me.Email != email || me.UserID != u.ID || me.Name == "" {
				t.Errorf("me %+v, want role %s scope %q user %s", me, role, scope, u.ID)
			}
			if me.TokenID == nil || me.ID != "token:"+*me.TokenID {
				t.Errorf("me: id %q, token_id %v", me.ID, me.TokenID)
			}
			if want := expectedCan(role, scope); !slices.Equal(me.Can, want) {
				t.Errorf("can %q, want %q", me.Can, want)
			}
			// `can` is an array even when empty.
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			if !bytes.HasPrefix(raw["can"], []byte("[")) {
				t.Errorf("can is %s, want an array", raw["can"])
			}
		}
		for _, role := range srok.Roles() {
			email := string(role) + "@example.ru"
			t.Run(string(role), func(t *testing.T) { check(t, email, role, srok.ScopeFull) })
			// An intake token, for every role that may register requests.
			if srok.Can(role, srok.ScopeFull, srok.ActRequestCreate) {
				t.Run(string(role)+" intake", func(t *testing.T) { check(t, email, role, srok.ScopeIntake) })
			}
		}
	})
}

func TestAuthTokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)
		intake := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeIntake)

		// An administrator creates a token for another user: the secret
		// comes this once.
		c := h.do("POST", "/api/v1/tokens", map[string]any{"user": "officer@example.ru", "name": "nightly export", "expires_in_days": 30})
		wantStatus(t, c, http.StatusCreated)
		var nt NewToken
		c.decode(t, &nt)
		if !strings.HasPrefix(nt.Secret, "srok_") || nt.User != "officer@example.ru" || nt.Name != "nightly export" ||
			nt.Scope != "" || nt.ExpiresAt == nil || nt.RevokedAt != nil || nt.LastUsedAt != nil {
			t.Fatalf("created %s", c.Body)
		}
		if loc := c.Header.Get("Location"); loc != "/api/v1/tokens/"+nt.ID {
			t.Errorf("Location %q", loc)
		}

		// No list shows a secret.
		lists := map[string]string{
			"every user's":  "/api/v1/tokens",
			"the officer's": "/api/v1/tokens?user=" + url.QueryEscape("officer@example.ru"),
		}
		for what, path := range lists {
			r := h.do("GET", path, nil)
			wantStatus(t, r, http.StatusOK)
			if bytes.Contains(r.Body, []byte(nt.Secret)) || bytes.Contains(r.Body, []byte(`"token"`)) {
				t.Errorf("%s list shows the secret: %s", what, r.Body)
			}
			var l TokenList
			r.decode(t, &l)
			if !slices.ContainsFunc(l.Items, func(x Token) bool { return x.ID == nt.ID && x.RevokedAt == nil }) {
				t.Errorf("%s list lacks the new token: %s", what, r.Body)
			}
		}
		// The officer's own list, without ?user, is theirs alone.
		r := h.do("GET", "/api/v1/tokens", nil, as(officer))
		wantStatus(t, r, http.StatusOK)
		var own TokenList
		r.decode(t, &own)
		if len(own.Items) != 2 {
			t.Errorf("the officer's own tokens: %s", r.Body)
		}
		for _, x := range own.Items {
			if x.User != "officer@example.ru" {
				t.Errorf("the officer sees %s's token", x.User)
			}
		}
		if bytes.Contains(r.Body, []byte(nt.Secret)) {
			t.Error("the officer's list shows the secret")
		}

		// The new token works at once.
		me := h.do("GET", "/api/v1/me", nil, as(nt.Secret))
		wantStatus(t, me, http.StatusOK)
		var m Me
		me.decode(t, &m)
		if m.Email != "officer@example.ru" || m.TokenID == nil || *m.TokenID != nt.ID || m.Role != string(srok.RoleOfficer) {
			t.Errorf("me with the new token: %s", me.Body)
		}

		// Revoked, it stops at the next request.
		wantStatus(t, h.do("DELETE", "/api/v1/tokens/"+nt.ID, nil), http.StatusNoContent)
		wantUnauthenticated(t, h.do("GET", "/api/v1/me", nil, as(nt.Secret)))
		wantUnauthenticated(t, h.do("POST", "/api/v1/requests", accessBody("Р", "r@example.ru", "2026-11-24"), as(nt.Secret)))
		var after TokenList
		h.do("GET", lists["the officer's"], nil).decode(t, &after)
		if !slices.ContainsFunc(after.Items, func(x Token) bool { return x.ID == nt.ID && x.RevokedAt != nil }) {
			t.Errorf("the revoked token is not listed as revoked: %+v", after)
		}
		// Again: not an error. Unknown or malformed ids: 404.
		wantStatus(t, h.do("DELETE", "/api/v1/tokens/"+nt.ID, nil), http.StatusNoContent)
		wantAuthProblem(t, h.do("DELETE", "/api/v1/tokens/01a214ef-c62a-725c-a810-d86c03cca3cd", nil), http.StatusNotFound, "urn:srok:problem:not_found", "")
		wantAuthProblem(t, h.do("DELETE", "/api/v1/tokens/nope", nil), http.StatusNotFound, "urn:srok:problem:not_found", "")

		// A user who is not an administrator may not list nor create
		// another user's tokens, nor revoke them (not shown to exist).
		forbidden := "urn:srok:problem:forbidden"
		wantAuthProblem(t, h.do("GET", "/api/v1/tokens?user="+url.QueryEscape("admin@example.ru"), nil, as(officer)), http.StatusForbidden, forbidden, "")
		wantAuthProblem(t, h.do("GET", "/api/v1/tokens?user=", nil, as(officer)), http.StatusForbidden, forbidden, "")
		wantAuthProblem(t, h.do("POST", "/api/v1/tokens", map[string]any{"user": "admin@example.ru", "name": "x"}, as(officer)),
			http.StatusForbidden, forbidden, "")
		var all TokenList
		h.do("GET", "/api/v1/tokens?user="+url.QueryEscape("admin@example.ru"), nil).decode(t, &all)
		if len(all.Items) == 0 {
			t.Fatal("the administrator has no token listed")
		}
		wantAuthProblem(t, h.do("DELETE", "/api/v1/tokens/"+all.Items[0].ID, nil, as(officer)), http.StatusNotFound, "urn:srok:problem:not_found", "")
		// An intake token manages no tokens, not even its own user's.
		wantAuthProblem(t, h.do("POST", "/api/v1/tokens", map[string]any{"name": "more"}, as(intake)), http.StatusForbidden, forbidden, "")
		wantAuthProblem(t, h.do("GET", "/api/v1/tokens", nil, as(intake)), http.StatusForbidden, forbidden, "")
		// A user may create a token for themselves.
		self := h.do("POST", "/api/v1/tokens", map[string]any{"name": "my script"}, as(officer))
		wantStatus(t, self, http.StatusCreated)
		var st NewToken
		self.decode(t, &st)
		if st.User != "officer@example.ru" || st.ExpiresAt != nil {
			t.Errorf("own token %s", self.Body)
		}
		// A cross-site browser POST is refused before anything else.
		wantAuthProblem(t, h.do("POST", "/api/v1/tokens", map[string]any{"name": "csrf"}, header("Sec-Fetch-Site", "cross-site")),
			http.StatusForbidden, "urn:srok:problem:forbidden:cross_origin", "")

		// Bad bodies: a 4xx problem, and no token.
		count := func() int {
			t.Helper()
			ts, err := h.accounts.Tokens(systemCtx(), "")
			if err != nil {
				t.Fatal(err)
			}
			return len(ts)
		}
		h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		before := count()
		for _, tc := range []struct {
			name, body, ctype string
			status            int
			field             string
		}{
			{"unknown field", `{"name":"x","colour":"red"}`, "", 400, "colour"},
			{"name not a string", `{"name":42}`, "", 400, "name"},
			{"days as a string", `{"name":"x","expires_in_days":"30"}`, "", 400, "expires_in_days"},
			{"fractional days", `{"name":"x","expires_in_days":1.5}`, "", 400, "expires_in_days"},
			{"null days", `{"name":"x","expires_in_days":null}`, "", 400, "expires_in_days"},
			{"null body", `null`, "", 400, ""},
			{"scope not a string", `{"name":"x","scope":true}`, "", 400, "scope"},
			{"user not a string", `{"name":"x","user":["officer@example.ru"]}`, "", 400, "user"},
			{"NUL in the name", `{"name":"a\u0000b"}`, "", 400, "name"},
			{"NUL in the user", `{"name":"x","user":"officer\u0000@example.ru"}`, "", 400, "user"},
			{"not an object", `["x"]`, "", 400, ""},
			{"malformed", `{"name":`, "", 400, ""},
			{"trailing data", `{"name":"x"}{}`, "", 400, ""},
			{"empty", ``, "", 400, ""},
			{"form post", `name=x`, "application/x-www-form-urlencoded", 415, "Content-Type"},
			{"huge body", `{"name":"` + strings.Repeat("x", httpx.MaxJSON) + `"}`, "", 413, ""},
			{"huge name", `{"name":"` + strings.Repeat("я", 101) + `"}`, "", 422, "name"},
			{"no name", `{}`, "", 422, "name"},
			{"blank name", `{"name":"   "}`, "", 422, "name"},
			{"control character in the name", `{"name":"a\u0007b"}`, "", 422, "name"},
			{"negative days", `{"name":"x","expires_in_days":-1}`, "", 422, "expires_in_days"},
			{"too many days", `{"name":"x","expires_in_days":3651}`, "", 422, "expires_in_days"},
			{"unknown scope", `{"name":"x","scope":"root"}`, "", 422, "scope"},
			{"intake for a viewer", `{"name":"x","scope":"intake","user":"viewer@example.ru"}`, "", 422, "scope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var opts []opt
				if tc.ctype != "" {
					opts = append(opts, header("Content-Type", tc.ctype))
				}
				r := h.exchange(t, true, "POST", "/api/v1/tokens", raw(tc.body), opts...)
				wantAuthProblem(t, r, tc.status, "", tc.field)
				if n := count(); n != before {
					t.Errorf("%d tokens after a bad body, %d before", n, before)
				}
			})
		}
		// An email no user has creates nothing either.
		r = h.do("POST", "/api/v1/tokens", map[string]any{"user": "nobody@example.ru", "name": "x"})
		if r.Code != http.StatusNotFound && r.Code != http.StatusUnprocessableEntity {
			t.Errorf("token for an unknown user: status %d", r.Code)
		}
		r.problem(t)
		if n := count(); n != before {
			t.Errorf("%d tokens after a token for an unknown user, %d before", n, before)
		}
		wantAuthProblem(t, h.do("GET", "/api/v1/tokens?colour=red", nil), http.StatusBadRequest, "", "colour")
	})
}

func TestAuthAudit(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		admin, err := h.accounts.UserByEmail(systemCtx(), "admin@example.ru")
		if err != nil {
			t.Fatal(err)
		}
		list := func(t *testing.T, query string, opts ...opt) AuditList {
			t.Helper()
			r := h.exchange(t, true, "GET", "/api/v1/audit"+query, nil, opts...)
			wantStatus(t, r, http.StatusOK)
			var l AuditList
			r.decode(t, &l)
			return l
		}
		adminReads := func(l AuditList) int {
			n := 0
			for _, e := range l.Items {
				if e.Action == string(audit.ActionAuditRead) && e.Outcome == string(audit.OutcomeOK) &&
					e.UserID == admin.ID && e.TokenID != "" && e.ActorID == "token:"+e.TokenID && e.IP != "" {
					n++
				}
			}
			return n
		}

		// Every read is recorded: the second read shows the first.
		list(t, "")
		if l := list(t, ""); adminReads(l) != 1 {
			t.Errorf("after two reads the administrator sees %d of their reads: %+v", adminReads(l), l.Items)
		}
		// The officer may read the trail too, and sees the administrator's.
		l := list(t, "?action=audit.read", as(officer))
		if adminReads(l) != 2 {
			t.Errorf("the officer sees %d of the administrator's reads: %+v", adminReads(l), l.Items)
		}
		for _, e := range l.Items {
			if e.Action != string(audit.ActionAuditRead) {
				t.Errorf("?action=audit.read lists %s", e.Action)
			}
		}
		// The filter by user takes an email in any letter case.
		off, err := h.accounts.UserByEmail(systemCtx(), "officer@example.ru")
		if err != nil {
			t.Fatal(err)
		}
		ol := list(t, "?user="+url.QueryEscape("Officer@Example.RU"))
		if !slices.ContainsFunc(ol.Items, func(e AuditEntry) bool { return e.Action == string(audit.ActionAuditRead) }) {
			t.Errorf("the officer's entries lack their read: %+v", ol.Items)
		}
		for _, e := range ol.Items {
			if e.UserID != off.ID {
				t.Errorf("?user=the officer lists an entry of %q", e.UserID)
			}
		}
		// Operators and viewers may not read it, in any format.
		for who, token := range map[string]string{"operator": operator, "viewer": viewer} {
			for _, q := range []string{"", "?format=csv", "?action=audit.read&limit=1"} {
				t.Run(who+" "+q, func(t *testing.T) {
					r := h.exchange(t, true, "GET", "/api/v1/audit"+q, nil, as(token))
					wantAuthProblem(t, r, http.StatusForbidden, "urn:srok:problem:forbidden", "")
				})
			}
		}

		// CSV: a file for a spreadsheet, with a BOM and ';'.
		r := h.do("GET", "/api/v1/audit?format=csv", nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		head := "\uFEFF" + strings.Join(audit.CSVHeader(), ";") + "\r\n"
		if !bytes.HasPrefix(r.Body, []byte(head)) || !bytes.Contains(r.Body, []byte(";audit.read;ok;")) {
			t.Errorf("CSV:\n%s", r.Body)
		}
		if l := list(t, "?action=audit.export"); len(l.Items) != 1 {
			t.Errorf("the export is not recorded: %+v", l.Items)
		}

		// Pages follow the cursor; a cursor of another list, or none at
		// all, is a 400 naming it.
		p1 := list(t, "?limit=1")
		if len(p1.Items) != 1 || p1.NextCursor == nil {
			t.Fatalf("page 1: %+v", p1)
		}
		p2 := list(t, "?limit=1&cursor="+url.QueryEscape(*p1.NextCursor))
		if len(p2.Items) != 1 || p2.Items[0].ID >= p1.Items[0].ID {
			t.Errorf("page 2 %+v after %+v", p2.Items, p1.Items)
		}
		for _, q := range []string{"?cursor=garbage", "?cursor=%21%21", "?action=audit.read&cursor=" + url.QueryEscape(*p1.NextCursor)} {
			wantAuthProblem(t, h.do("GET", "/api/v1/audit"+q, nil), http.StatusBadRequest, "", "cursor")
		}
		// An email no user has is a 422 naming user; other bad parameters
		// a 400 naming theirs.
		wantAuthProblem(t, h.do("GET", "/api/v1/audit?user="+url.QueryEscape("nobody@example.ru"), nil),
			http.StatusUnprocessableEntity, "urn:srok:problem:validation", "user")
		for q, field := range map[string]string{
			"?limit=0": "limit", "?limit=201": "limit", "?action=nope": "action", "?from=yesterday": "from",
			"?to=31.12.2026": "to", "?format=xml": "format", "?colour=red": "colour",
		} {
			wantAuthProblem(t, h.do("GET", "/api/v1/audit"+q, nil), http.StatusBadRequest, "", field)
		}
	})
}

func TestAuthCredentials(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		// A malformed or unknown credential is a 401 at once on every route
		// that needs one; the public ones (liveness, readiness, the contract)
		// look at no credentials at all, so a probe with a stale header, or
		// a database that is down, does not fail them.
		for _, auth := range []string{
			"Basic x", "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Bearer garbage", "Token " + h.token,
			"Bearer srok_" + strings.Repeat("A", 43), "Bearer " + h.token + "x",
		} {
			for _, path := range []string{"/api/v1/me", "/api/v1/requests"} {
				wantUnauthenticated(t, h.do("GET", path, nil, header("Authorization", auth)))
			}
			wantStatus(t, h.do("GET", "/healthz", nil, header("Authorization", auth)), http.StatusOK)
		}
		// Without any, the public routes answer and the others do not.
		wantUnauthenticated(t, h.do("GET", "/api/v1/me", nil, anonymous()))
		wantUnauthenticated(t, h.do("POST", "/api/v1/tokens", map[string]any{"name": "x"}, anonymous()))
		wantStatus(t, h.do("GET", "/healthz", nil, anonymous()), http.StatusOK)
		// The scheme is case-insensitive (RFC 9110).
		wantStatus(t, h.do("GET", "/api/v1/me", nil, header("Authorization", "bearer "+h.token)), http.StatusOK)

		// A disabled user's token stops at once.
		token := h.mustToken(t, "leaver@example.ru", srok.RoleOperator, srok.ScopeFull)
		wantStatus(t, h.do("GET", "/api/v1/me", nil, as(token)), http.StatusOK)
		if changed, err := h.accounts.DisableUser(systemCtx(), "leaver@example.ru"); err != nil || !changed {
			t.Fatalf("disable: %v, %v", changed, err)
		}
		wantUnauthenticated(t, h.do("GET", "/api/v1/me", nil, as(token)))
		wantUnauthenticated(t, h.do("GET", "/api/v1/requests", nil, as(token)))
		// Nor can a new token be made for them.
		wantAuthProblem(t, h.do("POST", "/api/v1/tokens", map[string]any{"user": "leaver@example.ru", "name": "x"}),
			http.StatusUnprocessableEntity, "urn:srok:problem:validation", "user")
	})
}
