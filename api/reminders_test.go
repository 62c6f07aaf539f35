package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

func TestReminderSettingsHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		reg := register.NewService(h.st, testCal, moscow, h.clock.Now, register.WithUsers(h.accounts), register.WithAudit(h.audit))
		h.h = newRouter(Config{Register: reg, Calendar: testCal, Accounts: h.accounts, Audit: h.audit, Health: h.st, Now: h.clock.Now,
			Reminders: remind.NewSettingsService(h.st, h.audit, h.clock.Now)})
		officer := h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull)

		r := h.do("GET", "/api/v1/me/reminders", nil, as(officer))
		wantStatus(t, r, http.StatusOK)
		var s remind.Settings
		r.decode(t, &s)
		if s != remind.DefaultSettings() {
			t.Errorf("defaults: %+v", s)
		}

		r = h.do("PUT", "/api/v1/me/reminders", map[string]any{"digest": true, "send_hour": 8}, as(officer))
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &s)
		if want := (remind.Settings{Digest: true, SoonDays: 3, TomorrowDays: 1, SendHour: 8}); s != want {
			t.Errorf("after put: %+v, want %+v", s, want)
		}
		r = h.do("GET", "/api/v1/me/reminders", nil, as(officer))
		r.decode(t, &s)
		if !s.Digest || s.SendHour != 8 {
			t.Errorf("read back: %+v", s)
		}
		// Another user's settings are their own.
		r = h.do("GET", "/api/v1/me/reminders", nil)
		r.decode(t, &s)
		if s != remind.DefaultSettings() {
			t.Errorf("the administrator's: %+v", s)
		}

		for _, bad := range []struct {
			body  any
			field string
		}{
			{map[string]any{"soon_days": 0}, "soon_days"},
			{map[string]any{"soon_days": 31}, "soon_days"},
			{map[string]any{"tomorrow_days": 5}, "tomorrow_days"},
			{map[string]any{"send_hour": 24}, "send_hour"},
			{map[string]any{"send_hour": -1}, "send_hour"},
		} {
			r := h.do("PUT", "/api/v1/me/reminders", bad.body, as(officer))
			wantAuthProblem(t, r, http.StatusUnprocessableEntity, "", bad.field)
		}
		r = h.do("PUT", "/api/v1/me/reminders", raw(`{"send_hour": "nine"}`), as(officer))
		wantAuthProblem(t, r, http.StatusBadRequest, "", "send_hour")
		r = h.do("PUT", "/api/v1/me/reminders", raw(`{"hour": 9}`), as(officer))
		wantAuthProblem(t, r, http.StatusBadRequest, "", "hour")
		// null is neither an empty object nor "unchanged".
		r = h.do("PUT", "/api/v1/me/reminders", raw(`null`), as(officer))
		wantAuthProblem(t, r, http.StatusBadRequest, "", "")
		r = h.do("PUT", "/api/v1/me/reminders", raw(`{"send_hour": null}`), as(officer))
		wantAuthProblem(t, r, http.StatusBadRequest, "", "send_hour")
		r = h.do("GET", "/api/v1/me/reminders?x=1", nil, as(officer))
		wantAuthProblem(t, r, http.StatusBadRequest, "", "x")
		wantUnauthenticated(t, h.do("GET", "/api/v1/me/reminders", nil, anonymous()))
		intake := h.mustToken(t, "robot@example.ru", srok.RoleOperator, srok.ScopeIntake)
		wantStatus(t, h.do("PUT", "/api/v1/me/reminders", map[string]any{"digest": true}, as(intake)), http.StatusForbidden)

		r = h.do("GET", "/api/v1/me/reminders", nil, as(officer))
		r.decode(t, &s)
		if want := (remind.Settings{Digest: true, SoonDays: 3, TomorrowDays: 1, SendHour: 8}); s != want {
			t.Errorf("refused changes changed the settings: %+v", s)
		}
		page, err := h.audit.List(systemCtx(), audit.Filter{Action: audit.ActionReminderSettings}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || !slices.Equal(page.Items[0].Fields, []string{"digest", "send_hour"}) {
			t.Errorf("audit: %+v", page.Items)
		}
	})
}
