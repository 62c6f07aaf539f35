package api

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestCalendarImport imports a made-up 2027 calendar through POST
// /api/v1/calendar/years: refused to a non-admin and for invalid data (422
// naming the entries, nothing stored), imported for an admin, with the
// provisional term of a request recomputed and the preview and calendar
// endpoints counting on the new year at once.
func TestCalendarImport(t *testing.T) {
	file, err := os.ReadFile("../cmd/srok/testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			h := newHarnessOn(t, st)
			testCal := shippedBefore2027()
			live := calendar.NewLive(testCal)
			reg := register.NewService(st, testCal, moscow, h.clock.Now, register.WithUsers(h.accounts), register.WithAudit(h.audit),
				register.WithCalendar(live))
			cals, err := calendars.NewService(st, testCal, h.clock.Now, calendars.WithLive(live), calendars.WithRecomputer(reg),
				calendars.WithAudit(h.audit))
			if err != nil {
				t.Fatal(err)
			}
			h.h = newRouter(Config{Register: reg, Calendar: testCal, Calendars: live, CalendarImport: cals, Accounts: h.accounts,
				Audit: h.audit, Health: st, Now: h.clock.Now})

			res := h.do("POST", "/api/v1/requests", accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
			wantStatus(t, res, http.StatusCreated)
			h.clock.Set(fixedNow.AddDate(0, 0, 27)) // 22.12.2026
			res = h.do("POST", "/api/v1/requests", accessBody("Иван Петров", "ivan2@example.ru", "2026-12-21T10:00:00+03:00"))
			wantStatus(t, res, http.StatusCreated)
			moved := res.request(t)
			if !moved.Obligations[0].Provisional || moved.Obligations[0].DueDate != "2027-01-13" {
				t.Fatalf("before: %+v", moved.Obligations[0])
			}

			officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)
			res = h.do("POST", "/api/v1/calendar/years", raw(file), as(officer))
			wantStatus(t, res, http.StatusForbidden)

			bad := strings.Replace(string(file), `"working_days": 248`, `"working_days": 249`, 1)
			bad = strings.Replace(bad, `"2027-11-04"`, `"2026-11-04"`, 1)
			res = h.do("POST", "/api/v1/calendar/years", raw(bad))
			wantStatus(t, res, http.StatusUnprocessableEntity)
			p := res.problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Field != `years["2027"].nonworking_weekdays[12]` ||
				!strings.Contains(p.Errors[0].Problem, "2026-11-04 is not in 2027") {
				t.Errorf("problem %+v", p)
			}
			res = h.do("POST", "/api/v1/calendar/years?force=maybe", raw(file))
			wantStatus(t, res, http.StatusBadRequest)
			if s, _ := cals.Stored(context.Background()); len(s) != 0 {
				t.Fatalf("a refused import stored %d years", len(s))
			}

			res = h.do("POST", "/api/v1/calendar/years", raw(file))
			wantStatus(t, res, http.StatusOK)
			var sum CalendarImportSummary
			res.decode(t, &sum)
			if len(sum.Years) != 1 || sum.Years[0] != (CalendarImportYear{Year: 2027, Status: "imported",
				Decree: "Постановление Правительства РФ от 01.10.2026 № 9999", DaysOff: 13, WorkingDays: 248}) ||
				sum.Recomputed != (CalendarRecomputed{Examined: 1, Requests: 1, Obligations: 1}) {
				t.Errorf("summary %+v", sum)
			}
			res = h.do("GET", "/api/v1/requests/"+moved.ID, nil)
			wantStatus(t, res, http.StatusOK)
			if o := res.request(t).Obligations[0]; o.DueDate != "2027-01-14" || o.Provisional {
				t.Errorf("after: due %s, provisional %v", o.DueDate, o.Provisional)
			}
			res = h.do("GET", "/api/v1/calendar/2027", nil)
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(string(res.Body), `"provisional":false`) || !strings.Contains(string(res.Body), "№ 9999") {
				t.Errorf("calendar 2027 %.300s", res.Body)
			}
			res = h.do("POST", "/api/v1/deadlines/preview", map[string]any{"type": "access", "trigger": "2026-12-21T10:00:00+03:00"})
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(string(res.Body), `"due_date":"2027-01-14"`) {
				t.Errorf("preview %.500s", res.Body)
			}

			res = h.do("POST", "/api/v1/calendar/years", raw(file))
			wantStatus(t, res, http.StatusOK)
			res.decode(t, &sum)
			if sum.Years[0].Status != "unchanged" || sum.Recomputed.Requests != 0 {
				t.Errorf("second import %+v", sum)
			}
		})
	}
}

// shippedBefore2027 is the shipped calendar without its 2027: the calendar
// of a release made before the 2027 decree, where 2027 is provisional and a
// made-up 2027 may be imported.
func shippedBefore2027() *calendar.Calendar {
	ys, err := calendar.EmbeddedData()
	if err != nil {
		panic(err)
	}
	ys = slices.DeleteFunc(ys, func(y calendar.Year) bool { return y.Year >= 2027 })
	c, err := calendar.New(ys)
	if err != nil {
		panic(err)
	}
	return c
}
