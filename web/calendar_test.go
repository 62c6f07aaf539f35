package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/srok"
)

// dayCell returns the cell of date (2025-11-01) on a calendar page.
func dayCell(t *testing.T, body, date string) string {
	t.Helper()
	m := regexp.MustCompile(`<td data-date="` + date + `"[^>]*>.*?</td>`).FindString(body)
	if m == "" {
		t.Fatalf("no cell of %s", date)
	}
	return m
}

// The calendar marks, in colour and in words, the days the data gives:
// 1 November 2025 a working Saturday, the 2026 holidays and moves, with
// the decree; a year without a decree is labelled provisional.
func TestCalendarPage(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		if r := w.browser().do(t, "GET", "/calendar?year=2026", nil); r.status != http.StatusSeeOther ||
			r.location() != "/login?next=%2Fcalendar%3Fyear%3D2026" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		b := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)

		r := b.do(t, "GET", "/calendar?year=2025", nil)
		if r.status != http.StatusOK {
			t.Fatalf("2025: %d", r.status)
		}
		if c := dayCell(t, r.body, "2025-11-01"); !strings.Contains(c, `class="working-weekend"`) ||
			!strings.Contains(c, "1 ноября, суббота: рабочая суббота") || !strings.Contains(c, ">Р<") {
			t.Errorf("1 November 2025: %s", c)
		}
		if c := dayCell(t, r.body, "2025-11-03"); !strings.Contains(c, `class="moved"`) || !strings.Contains(c, "перенесённый выходной (с 01.11.2025)") {
			t.Errorf("3 November 2025: %s", c)
		}
		if !strings.Contains(r.body, "Постановление Правительства РФ от 04.10.2024 № 1335") ||
			!strings.Contains(r.body, "выходной 01.11.2025 (суббота) перенесён на 03.11.2025 (понедельник)") {
			t.Error("2025: no decree or transfers")
		}

		r = b.do(t, "GET", "/calendar?year=2026", nil)
		for date, want := range map[string]string{
			"2026-01-01": `class="holiday"`,
			"2026-01-09": "перенесённый выходной (с 03.01.2026)",
			"2026-02-23": "День защитника Отечества",
			"2026-03-09": `class="moved"`,
			"2026-05-09": `class="holiday weekend"`,
			"2026-06-12": "нерабочий праздничный день (День России)",
			"2026-11-04": "День народного единства",
			"2026-12-31": "перенесённый выходной (с 04.01.2026)",
			"2026-11-07": `class="weekend"`,
			"2026-11-05": `<td data-date="2026-11-05">5</td>`,
		} {
			if c := dayCell(t, r.body, date); !strings.Contains(c, want) {
				t.Errorf("%s lacks %q: %s", date, want, c)
			}
		}
		for _, want := range []string{"Постановление Правительства РФ от 24.09.2025 № 1466", "247 рабочих дней",
			`<caption>Январь 2026</caption>`, `<caption>Декабрь 2026</caption>`, `<abbr title="понедельник">Пн</abbr>`,
			`id="legend"`, `rel="prev"`, `rel="next"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("2026 lacks %q", want)
			}
		}
		if n := strings.Count(r.body, `<table class="month">`); n != 12 {
			t.Errorf("%d months", n)
		}
		if strings.Contains(r.body, `id="provisional"`) {
			t.Error("2026 labelled provisional")
		}

		r = b.do(t, "GET", "/calendar?year=2028", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="provisional"`) || !strings.Contains(r.body, "Предварительный календарь") {
			t.Errorf("2028: %d, not labelled provisional", r.status)
		}
		if c := dayCell(t, r.body, "2028-11-06"); !strings.Contains(c, `class="moved"`) {
			t.Errorf("6 November 2028 (4 November a Saturday, moved by law): %s", c)
		}
		// The current year by default (the clock says 2026).
		if r := b.do(t, "GET", "/calendar", nil); !strings.Contains(r.body, "<h1>Производственный календарь на 2026 год</h1>") {
			t.Error("default year")
		}
		for _, q := range []string{"1990", "abc", "3000"} {
			r := b.do(t, "GET", "/calendar?year="+q, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error problem" id="year-error" role="alert"`) ||
				!strings.Contains(r.body, `value="`+q+`"`) {
				t.Errorf("year %q: %d", q, r.status)
			}
		}
	})
}
