package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// TestEmailVisibleToItsReaders: an email is read by whoever sees a request
// registered from it; one registered as none, by the user who sent it in
// and by officers and administrators. Linking needs the right to see it.
func TestEmailVisibleToItsReaders(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		opA := h.mustToken(t, "op.a@example.ru", srok.RoleOperator, srok.ScopeFull)
		opA2 := h.mustToken(t, "op.a@example.ru", srok.RoleOperator, srok.ScopeFull) // another token of the same user
		opB := h.mustToken(t, "op.b@example.ru", srok.RoleOperator, srok.ScopeFull)
		officer := h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull)

		r := h.do("POST", "/api/v1/emails", eml(t, "attachment_rfc2231.eml"), rfc822, as(opA))
		wantStatus(t, r, http.StatusCreated)
		id := r.email(t).ID
		path := "/api/v1/emails/" + id
		reads := []string{path, path + "/raw", path + "/attachments/0"}
		canRead := func(t *testing.T, who, token string, want bool) {
			t.Helper()
			for _, p := range reads {
				got := h.do("GET", p, nil, as(token))
				if want && got.Code != http.StatusOK {
					t.Errorf("%s GET %s: %d, want 200; %s", who, p, got.Code, got.Body)
				}
				if !want {
					if got.Code != http.StatusNotFound {
						t.Errorf("%s GET %s: %d, want 404; %s", who, p, got.Code, got.Body)
						continue
					}
					got.problem(t)
				}
			}
		}
		link := func(token string) response {
			return h.do("POST", "/api/v1/requests", map[string]any{"type": "access", "channel": "email", "email_id": id,
				"subject": map[string]any{"name": "Сергей", "email": "sergey@example.ru"}}, as(token))
		}
		refused := func(t *testing.T, r response) {
			t.Helper()
			if p := r.problem(t); p.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "email_id" {
				t.Errorf("a link to an email not one's own: %+v", p)
			}
		}

		// Linked to no request: the user who sent it in (with any token), officers, administrators.
		canRead(t, "A", opA, true)
		canRead(t, "A's other token", opA2, true)
		canRead(t, "officer", officer, true)
		canRead(t, "admin", h.token, true)
		canRead(t, "B", opB, false)
		refused(t, link(opB))

		// Registered as A's request: those who see it.
		created := h.do("POST", "/api/v1/requests", map[string]any{"type": "access", "channel": "email", "email_id": id,
			"assignee": "op.a@example.ru", "subject": map[string]any{"name": "Сергей", "email": "sergey@example.ru"}}, as(opA))
		wantStatus(t, created, http.StatusCreated)
		req := created.request(t)
		canRead(t, "A, assignee", opA, true)
		canRead(t, "B", opB, false)
		refused(t, link(opB))
		canRead(t, "officer", officer, true)

		// B's own request cannot take it by an edit either.
		own := h.do("POST", "/api/v1/requests", accessBody("Ольга", "olga@example.ru", "2026-11-20T10:00:00+03:00"), as(opB))
		wantStatus(t, own, http.StatusCreated)
		if p := h.do("PATCH", "/api/v1/requests/"+own.request(t).ID, map[string]any{"email_id": id}, header("If-Match", `"1"`), as(opB)).problem(t); p.Status != http.StatusUnprocessableEntity || p.Errors[0].Field != "email_id" {
			t.Errorf("patch email_id: %+v", p)
		}

		// Unassigned, the request is B's to see, and so is its email.
		wantStatus(t, h.do("PATCH", "/api/v1/requests/"+req.ID, map[string]any{"assignee": nil}, header("If-Match", `"1"`), as(officer)), http.StatusOK)
		canRead(t, "B, unassigned", opB, true)
		wantStatus(t, link(opB), http.StatusCreated)

		// The refusals are in the audit trail.
		n := 0
		for _, act := range []audit.Action{audit.ActionEmailRead, audit.ActionEmailRaw, audit.ActionEmailAttachment, audit.ActionRequestCreate} {
			n += h.deniedCount(t, act)
		}
		if n < 8 {
			t.Errorf("%d refusals recorded, want at least 8 (6 reads, 2 links)", n)
		}
	})
}

// deniedCount counts the refusals of act recorded as not visible to the actor.
func (h *harness) deniedCount(t *testing.T, act audit.Action) int {
	t.Helper()
	p, err := h.audit.List(srok.WithActor(context.Background(), srok.System), audit.Filter{Action: act, Limit: audit.MaxLimit}, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range p.Items {
		if e.Outcome == audit.OutcomeDenied && strings.Contains(e.Detail, "not visible") {
			n++
		}
	}
	return n
}
