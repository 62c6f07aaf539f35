package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// calendar2028 is a made-up 2028 with a decree, in the shipped format.
const calendar2028 = `{"years": {"2028": {
  "decree": "Постановление Правительства РФ от 01.10.2027 № 9999",
  "transfers": [{"from": "2028-01-01", "to": "2028-01-10"}, {"from": "2028-01-02", "to": "2028-05-02"}],
  "nonworking_weekdays": ["2028-01-03", "2028-01-04", "2028-01-05", "2028-01-06", "2028-01-07", "2028-01-10",
    "2028-02-23", "2028-03-08", "2028-05-01", "2028-05-02", "2028-05-09", "2028-06-12", "2028-11-06"],
  "working_weekends": [], "working_days": 247}}}`

// From 1 October in the operator's zone, while next year has no decree in
// the calendar the servers use, `srok calendar` warns on stderr, in the
// overview's words, and still exits 0 with its output whole; not before,
// and not once the year is imported into the database.
func TestCalendarCommandWarnsOfNextYear(t *testing.T) {
	const warning = "srok calendar: ВНИМАНИЕ: Производственный календарь на 2028 год ещё не загружен: сроки, заходящие в 2028 год, " +
		"считаются предварительно. Когда выйдет постановление Правительства о переносе выходных дней, импортируйте год на странице " +
		"«Производственный календарь». Из командной строки: srok calendar import ФАЙЛ.\n"
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		// The zone is Moscow (the default): 23:30 on 30 September there is
		// 20:30 UTC, 00:30 on 1 October is still 30 September in UTC.
		before := time.Date(2027, 9, 30, 20, 30, 0, 0, time.UTC)
		from := time.Date(2027, 9, 30, 21, 30, 0, 0, time.UTC)
		for _, tc := range []struct {
			now  time.Time
			args []string
			want string
		}{
			{before, []string{"calendar"}, ""},
			{from, []string{"calendar"}, warning},
			{from, []string{"calendar", "--year", "2026", "--json"}, warning},
			{time.Date(2027, 12, 1, 9, 0, 0, 0, time.UTC), []string{"calendar"}, warning},
		} {
			r := runSrok(t, vars, tc.now, tc.args...)
			if r.code != 0 || r.stderr != tc.want {
				t.Errorf("%v at %s: exit %d, stderr %q, want %q", tc.args, tc.now, r.code, r.stderr, tc.want)
			}
			if !strings.Contains(r.stdout, `"year": 2026`) && !strings.Contains(r.stdout, "Production calendar 2027") {
				t.Errorf("%v at %s: the calendar is not printed whole:\n%.300s", tc.args, tc.now, r.stdout)
			}
		}

		file := filepath.Join(t.TempDir(), "2028.json")
		if err := os.WriteFile(file, []byte(calendar2028), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := runSrok(t, vars, from, "calendar", "import", file); r.code != 0 {
			t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r := runSrok(t, vars, from, "calendar")
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Production calendar 2027") {
			t.Errorf("after the import: exit %d, stderr %q", r.code, r.stderr)
		}
		if r := runSrok(t, vars, from, "calendar", "--year", "2028"); r.stderr != "" || !strings.Contains(r.stdout, "№ 9999") {
			t.Errorf("2028 after the import: stderr %q\n%.300s", r.stderr, r.stdout)
		}
	})
}
