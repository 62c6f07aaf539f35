package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/srok"
)

// The role × action table of the README, cell by cell, through the API on
// both databases. Each cell runs on requests of its own: one nobody has,
// one assigned to the operator, one assigned to another user, and one the
// intake token registered. 404 is the answer for a request the caller may
// not see (its existence is not told either); 403 for an action the role
// may not do at all.
func TestRoleMatrix(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		tokens := map[string]string{
			"admin":    h.token,
			"officer":  h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull),
			"operator": h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull),
			"viewer":   h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull),
			"intake":   h.mustToken(t, "form@example.ru", srok.RoleOperator, srok.ScopeIntake),
		}
		actors := []string{"admin", "officer", "operator", "viewer", "intake"}

		type fixture struct{ unassigned, mine, other, intake string }
		n := 0
		fresh := func() fixture {
			n++
			mk := func(token, assignee string) string {
				b := accessBody("Иван Петров", fmt.Sprintf("ivan%d@example.ru", n), "2026-11-20T10:00:00+03:00")
				if assignee != "" {
					b["assignee"] = assignee
				}
				res := h.do("POST", "/api/v1/requests", b, as(token))
				wantStatus(t, res, http.StatusCreated)
				return res.request(t).ID
			}
			return fixture{
				unassigned: mk(h.token, ""),
				mine:       mk(h.token, "operator@example.ru"),
				other:      mk(h.token, "ivanova@example.ru"),
				intake:     mk(tokens["intake"], ""),
			}
		}
		// want gives, per actor, the status for the unassigned, mine, other
		// and intake requests.
		type want map[string][4]int
		all := func(c int) [4]int { return [4]int{c, c, c, c} }
		seeAll := func(c int) want {
			return want{"admin": all(c), "officer": all(c), "operator": {c, c, 404, c}, "viewer": all(c), "intake": {404, 404, 404, c}}
		}
		work := func(c int) want {
			return want{"admin": all(c), "officer": all(c), "operator": {c, c, 404, c}, "viewer": all(403), "intake": all(403)}
		}
		cells := []struct {
			name   string
			method string
			path   string // {id} is the request
			body   any
			want   want
		}{
			{"read", "GET", "/api/v1/requests/{id}", nil, seeAll(200)},
			{"timeline", "GET", "/api/v1/requests/{id}/timeline", nil, seeAll(200)},
			{"edit", "PATCH", "/api/v1/requests/{id}", map[string]any{"summary": "уточнено"}, work(200)},
			{"note", "POST", "/api/v1/requests/{id}/notes", map[string]any{"text": "позвонили"}, work(201)},
			{"assign to the operator", "POST", "/api/v1/requests/{id}/assign", map[string]any{"assignee": "operator@example.ru"}, work(200)},
			{"assign to another", "POST", "/api/v1/requests/{id}/assign", map[string]any{"assignee": "ivanova@example.ru"},
				want{"admin": all(200), "officer": all(200), "operator": {403, 403, 403, 403}, "viewer": all(403), "intake": all(403)}},
			{"extend", "POST", "/api/v1/requests/{id}/extend", map[string]any{"notice_sent_at": "2026-11-24", "reasons": "объём", "channel": "email"}, work(200)},
			{"cancel", "POST", "/api/v1/requests/{id}/cancel", map[string]any{"reason": "duplicate"}, work(200)},
		}
		for _, c := range cells {
			for _, actor := range actors {
				fx := fresh()
				for i, id := range []string{fx.unassigned, fx.mine, fx.other, fx.intake} {
					opts := []opt{as(tokens[actor])}
					if c.method == "PATCH" {
						opts = append(opts, header("If-Match", "*"), header("Content-Type", "application/merge-patch+json"))
					}
					res := h.do(c.method, strings.ReplaceAll(c.path, "{id}", id), c.body, opts...)
					if got := c.want[actor][i]; res.Code != got {
						t.Errorf("%s as %s on request %d: %d, want %d: %s", c.name, actor, i, res.Code, got, res.Body)
					} else if got >= 400 {
						res.problem(t)
					}
				}
			}
		}

		// Actions not about one request.
		for _, c := range []struct {
			name         string
			method, path string
			body         any
			want         map[string]int
		}{
			{"create", "POST", "/api/v1/requests", accessBody("Анна", "anna@example.ru", "2026-11-20"),
				map[string]int{"admin": 201, "officer": 201, "operator": 201, "viewer": 403, "intake": 201}},
			{"list", "GET", "/api/v1/requests", nil, map[string]int{"admin": 200, "officer": 200, "operator": 200, "viewer": 200, "intake": 200}},
			{"dashboard", "GET", "/api/v1/dashboard", nil, map[string]int{"admin": 200, "officer": 200, "operator": 200, "viewer": 200, "intake": 403}},
			{"audit", "GET", "/api/v1/audit", nil, map[string]int{"admin": 200, "officer": 200, "operator": 403, "viewer": 403, "intake": 403}},
			{"all tokens", "GET", "/api/v1/tokens?user=", nil, map[string]int{"admin": 200, "officer": 403, "operator": 403, "viewer": 403, "intake": 403}},
			{"me", "GET", "/api/v1/me", nil, map[string]int{"admin": 200, "officer": 200, "operator": 200, "viewer": 200, "intake": 200}},
			{"calendar", "GET", "/api/v1/calendar/2026", nil, map[string]int{"admin": 200, "officer": 200, "operator": 200, "viewer": 200, "intake": 200}},
		} {
			for _, actor := range actors {
				if res := h.do(c.method, c.path, c.body, as(tokens[actor])); res.Code != c.want[actor] {
					t.Errorf("%s as %s: %d, want %d: %s", c.name, actor, res.Code, c.want[actor], res.Body)
				}
			}
		}

		// What a list shows each: the operator theirs and the unassigned,
		// the intake token what it registered, the viewer everything masked.
		fx := fresh()
		ids := func(actor string) map[string]bool {
			var l RequestList
			h.do("GET", "/api/v1/requests?limit=200", nil, as(tokens[actor])).decode(t, &l)
			out := map[string]bool{}
			for _, r := range l.Items {
				out[r.ID] = true
				if actor == "viewer" && !strings.Contains(r.Subject.Email, "•••") {
					t.Errorf("the viewer sees the email %q", r.Subject.Email)
				}
				if actor != "viewer" && strings.Contains(r.Subject.Email, "•••") {
					t.Errorf("%s sees a masked email %q", actor, r.Subject.Email)
				}
			}
			return out
		}
		op, in := ids("operator"), ids("intake")
		if !op[fx.unassigned] || !op[fx.mine] || op[fx.other] || !op[fx.intake] {
			t.Errorf("the operator's list: unassigned %v, mine %v, other %v, intake %v", op[fx.unassigned], op[fx.mine], op[fx.other], op[fx.intake])
		}
		if in[fx.unassigned] || in[fx.mine] || in[fx.other] || !in[fx.intake] {
			t.Errorf("the intake token's list: unassigned %v, mine %v, other %v, intake %v", in[fx.unassigned], in[fx.mine], in[fx.other], in[fx.intake])
		}
		ids("viewer")
		viewed := h.do("GET", "/api/v1/requests/"+fx.unassigned, nil, as(tokens["viewer"])).request(t)
		if viewed.Subject.Name != "Иван Петров" || !strings.HasPrefix(viewed.Subject.Email, "i•••@") {
			t.Errorf("the viewer's request: %+v", viewed.Subject)
		}
		// Every change records its real actor, never "anonymous".
		var tl Timeline
		h.do("GET", "/api/v1/requests/"+fx.intake+"/timeline", nil).decode(t, &tl)
		for _, e := range tl.Items {
			if e.Actor.ID == "anonymous" || !strings.HasPrefix(e.Actor.ID, "token:") {
				t.Errorf("event %s by %+v", e.Kind, e.Actor)
			}
		}
	})
}
