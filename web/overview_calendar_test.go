package web_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// From 1 October in the operator's zone, while next year has no decree in
// the calendar in use, the overview warns the administrators and links to
// the year's calendar page; not before, not once the year is imported,
// and never the others.
func TestOverviewNextYearCalendar(t *testing.T) {
	file, err := os.ReadFile("../cmd/srok/testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	const warning = "Производственный календарь на 2027 год ещё не загружен: сроки, заходящие в 2027 год, считаются предварительно. " +
		"Когда выйдет постановление Правительства о переносе выходных дней, импортируйте год на странице «Производственный календарь»."
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			// The calendar in use has no 2027 decree until the import.
			w := newCalImportEnv(t, d)
			admin := w.signedIn(t, "admin@example.ru", srok.RoleAdmin)
			others := map[string]*browser{
				"officer":  w.signedIn(t, "officer@example.ru", srok.RoleOfficer),
				"operator": w.signedIn(t, "operator@example.ru", srok.RoleOperator),
				"viewer":   w.signedIn(t, "viewer@example.ru", srok.RoleViewer),
			}
			warned := func(b *browser) bool {
				t.Helper()
				r := b.get(t, "/")
				if r.status != http.StatusOK {
					t.Fatalf("overview: %d", r.status)
				}
				if !strings.Contains(r.body, `id="calendar-next-year"`) {
					return false
				}
				s := htmlUnescape(r.body)
				if !strings.Contains(s, warning) || !strings.Contains(s, `<a href="/calendar?year=2027" id="calendar-next-year-link">Производственный календарь на 2027 год</a>`) {
					t.Errorf("the warning is not the expected one:\n%s", section(t, r.body, "calendar-next-year"))
				}
				return true
			}
			// 23:30 on 30 September in Moscow is already 1 October nowhere
			// west of it; 00:30 on 1 October is still 30 September in UTC.
			for _, tc := range []struct {
				at   time.Time
				want bool
			}{
				{time.Date(2026, 9, 30, 23, 30, 0, 0, moscow), false},
				{time.Date(2026, 10, 1, 0, 30, 0, 0, moscow), true},
				{time.Date(2026, 12, 22, 9, 0, 0, 0, moscow), true},
			} {
				w.clock.Set(tc.at)
				if got := warned(admin); got != tc.want {
					t.Errorf("admin at %s: warned %v, want %v", tc.at, got, tc.want)
				}
				for who, b := range others {
					if warned(b) {
						t.Errorf("%s at %s is warned", who, tc.at)
					}
				}
			}

			w.clock.Set(time.Date(2026, 10, 1, 9, 0, 0, 0, moscow))
			if r := admin.importFile(t, file, false); r.status != http.StatusSeeOther {
				t.Fatalf("import: %d\n%s", r.status, r.body)
			}
			if warned(admin) {
				t.Error("warned after the year's decree was imported")
			}
		})
	}
}
