package api

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/srok/srok/pkg/srok"
)

// A viewer sees the subject's contacts masked: a search must not tell them
// what the mask hides by matching on it, or a masked email is read back one
// letter at a time from which requests match. The number and the name,
// which a viewer sees in clear, still match.
func TestSearchMatchesOnlyWhatTheRoleSees(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)
		b := accessBody("Зинаида Круглова", "zina.hidden@mailbox.example", "2026-11-20T10:00:00+03:00")
		b["subject"].(map[string]any)["phone"] = "+7 912 345-67-89"
		r := h.create(t, b)
		count := func(token, q string) int {
			t.Helper()
			res := h.do("GET", "/api/v1/requests?q="+url.QueryEscape(q), nil, as(token))
			wantStatus(t, res, http.StatusOK)
			var l RequestList
			res.decode(t, &l)
			return len(l.Items)
		}
		for _, q := range []string{"zina.hid", "hidden@", "mailbox.example", "ЗИНАИДА", "круглова", r.Number} {
			if n := count(officer, q); n != 1 {
				t.Errorf("officer, q=%q: %d requests, want 1", q, n)
			}
		}
		for _, q := range []string{"ЗИНАИДА", "круглова", "зинаида круглова", r.Number} {
			if n := count(viewer, q); n != 1 {
				t.Errorf("viewer, q=%q (seen in clear): %d requests, want 1", q, n)
			}
		}
		for _, q := range []string{"zina.hid", "ina.", "hidden@", "mailbox.example", "круглова z", "345-67", "912"} {
			if n := count(viewer, q); n != 0 {
				t.Errorf("viewer, q=%q (masked): %d requests, want 0", q, n)
			}
		}
	})
}
