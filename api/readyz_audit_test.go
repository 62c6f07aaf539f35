package api

import (
	"net/http"
	"testing"

	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// /readyz says whether the audit trail is out of the serving role's reach:
// on PostgreSQL served as a role that owns nothing it is; served as the
// owner, or on SQLite, it is not.
func TestReadyzSaysWhetherTheAuditIsProtected(t *testing.T) {
	for _, c := range []struct {
		name string
		d    store.Dialect
		two  bool
		want string
	}{
		{"postgres, two roles", store.Postgres, true, "protected"},
		{"postgres, one role", store.Postgres, false, "unprotected"},
		{"sqlite", store.SQLite, false, "unprotected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var h *harness
			if c.two {
				h = newHarness(t, c.d) // the serving role on PostgreSQL
			} else {
				h = newHarnessOn(t, storetest.MustOpen(t, c.d))
			}
			r := h.do("GET", "/readyz", nil)
			wantStatus(t, r, http.StatusOK)
			var body struct{ Status, Audit string }
			r.decode(t, &body)
			if body.Status != "ready" || body.Audit != c.want {
				t.Fatalf("readyz %s, want audit %s", r.Body, c.want)
			}
		})
	}
}
