package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// result is what one run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runSrok runs the command in-process with the given environment and clock.
func runSrok(t *testing.T, vars map[string]string, now time.Time, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		getenv: func(k string) string { return vars[k] },
		stdout: &out,
		stderr: &errb,
		now:    func() time.Time { return now },
	})
	return result{code, out.String(), errb.String()}
}

var fixedNow = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestDeadlineJSON(t *testing.T) {
	// The exact example of the issue.
	want := `{"type":"access","trigger":"2026-04-30T10:00:00+03:00","time_zone":"Europe/Moscow","obligations":[{"id":"access.answer","term":"10 working days","basis":"152-FZ art. 20 part 1","due_date":"2026-05-18","target_date":"2026-05-18","due_at":"2026-05-19T00:00:00+03:00","extended_due_date":"2026-05-25","provisional":false}]}`
	r := runSrok(t, nil, fixedNow, "deadline", "--type", "access", "--trigger", "2026-04-30T10:00:00+03:00", "--json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(r.stdout)); err != nil {
		t.Fatal(err)
	}
	if compact.String() != want {
		t.Errorf("got  %s\nwant %s", compact.String(), want)
	}

	// --extended makes due_date and due_at the extended ones.
	r = runSrok(t, nil, fixedNow, "deadline", "--type=access", "--trigger=2026-04-30T10:00:00+03:00", "--json", "--extended")
	var p struct {
		Obligations []map[string]any `json:"obligations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err, r.stdout)
	}
	o := p.Obligations[0]
	if o["due_date"] != "2026-05-25" || o["due_at"] != "2026-05-26T00:00:00+03:00" || o["extended_due_date"] != "2026-05-25" {
		t.Errorf("extended: %v", o)
	}

	// A calendar-day term: legal deadline and internal target differ; no
	// extension is null.
	r = runSrok(t, nil, fixedNow, "deadline", "--type", "withdrawal", "--trigger", "2026-05-13T10:00", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err, r.stdout)
	}
	o = p.Obligations[0]
	if o["due_date"] != "2026-06-15" || o["target_date"] != "2026-06-11" || o["extended_due_date"] != nil || o["id"] != "withdrawal.stop_destroy" {
		t.Errorf("withdrawal: %v", o)
	}

	// Two obligations, a far zone, a local time read in that zone.
	r = runSrok(t, nil, fixedNow, "deadline", "--type", "incident", "--trigger", "2026-01-03T21:30", "--tz", "Asia/Vladivostok", "--json")
	var inc struct {
		Trigger     string           `json:"trigger"`
		TimeZone    string           `json:"time_zone"`
		Obligations []map[string]any `json:"obligations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &inc); err != nil {
		t.Fatal(err, r.stdout)
	}
	if inc.Trigger != "2026-01-03T21:30:00+10:00" || inc.TimeZone != "Asia/Vladivostok" || len(inc.Obligations) != 2 ||
		inc.Obligations[0]["due_at"] != "2026-01-04T21:30:00+10:00" || inc.Obligations[1]["due_at"] != "2026-01-06T21:30:00+10:00" {
		t.Errorf("incident: %+v", inc)
	}

	// A deadline in a year without decree data is provisional.
	r = runSrok(t, nil, fixedNow, "deadline", "--type", "access", "--trigger", "2027-12-30T10:00:00+03:00", "--json")
	if !strings.Contains(r.stdout, `"provisional": true`) || !strings.Contains(r.stdout, `"due_date": "2028-01-21"`) {
		t.Errorf("provisional: %s", r.stdout)
	}
}

func TestDeadlineText(t *testing.T) {
	r := runSrok(t, nil, fixedNow, "deadline", "--type", "withdrawal", "--trigger", "2026-05-13T10:00:00+03:00")
	for _, want := range []string{"withdrawal.stop_destroy", "30 calendar days", "152-FZ art. 21 part 5", "Mon 15.06.2026", "16.06.2026 00:00 +03:00", "target    Thu 11.06.2026"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	r = runSrok(t, nil, fixedNow, "deadline", "--type", "access", "--trigger", "now", "--tz", "Europe/Moscow")
	// 25.11.2026 12:00 MSK: 10 working days run to 09.12.2026.
	for _, want := range []string{"received Wed 25.11.2026 12:00 +03:00", "due       Wed 09.12.2026", "extended  Wed 16.12.2026"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	r = runSrok(t, nil, fixedNow, "deadline", "--type", "stop", "--trigger", "2028-03-01", "--extended")
	if !strings.Contains(r.stdout, "provisional") || !strings.Contains(r.stdout, "extended  yes: base deadline") {
		t.Errorf("provisional extended:\n%s", r.stdout)
	}
}

// TestBadInput: every mistake prints one clear line to stderr, nothing to
// stdout, and exits non-zero.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "2027.json")
	if err := os.WriteFile(badFile, []byte(`{"years": {"2027": {"decree": "x"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string
	}{
		{"no command", nil, nil, 2, "Usage"},
		{"unknown command", nil, []string{"serve-all"}, 2, `srok: unknown command "serve-all"`},
		{"unknown type", nil, []string{"deadline", "--type", "complaint", "--trigger", "2026-04-30"}, 2, `srok deadline: unknown --type "complaint" (one of: access, rectification`},
		{"no type", nil, []string{"deadline", "--trigger", "2026-04-30"}, 2, "--type is required"},
		{"no trigger", nil, []string{"deadline", "--type", "access"}, 2, "--trigger is required"},
		{"malformed time", nil, []string{"deadline", "--type", "access", "--trigger", "30.04.2026"}, 2, `--trigger: "30.04.2026" is not a time`},
		{"impossible date", nil, []string{"deadline", "--type", "access", "--trigger", "2026-02-30T10:00"}, 2, `--trigger: "2026-02-30T10:00" is not a time`},
		{"unknown zone", nil, []string{"deadline", "--type", "access", "--trigger", "2026-04-30", "--tz", "Europe/Mocsow"}, 2, `--tz: unknown time zone "Europe/Mocsow"`},
		{"hours from a date", nil, []string{"deadline", "--type", "incident", "--trigger", "2026-04-30"}, 2, "incident.notify runs 24 hours from the moment of detection: give the time too"},
		{"trigger before the calendar", nil, []string{"deadline", "--type", "access", "--trigger", "2010-04-30"}, 2, "does not fit in the calendar's years 2013-2100"},
		{"unknown flag", nil, []string{"deadline", "--type", "access", "--trigger", "2026-04-30", "--color"}, 2, "flag provided but not defined: -color"},
		{"extra argument", nil, []string{"deadline", "--type", "access", "--trigger", "2026-04-30", "today"}, 2, `unexpected argument "today"`},
		{"year too early", nil, []string{"calendar", "--year", "1999"}, 2, "srok calendar: --year 1999 is out of range: the calendar covers 2013-2100"},
		{"year too late", nil, []string{"calendar", "--year", "2101"}, 2, "--year 2101 is out of range"},
		{"year not a number", nil, []string{"calendar", "--year", "next"}, 2, `invalid value "next" for flag -year`},
		{"bad calendar file", nil, []string{"calendar", "--year", "2027", "--calendar", badFile}, 1, "srok calendar: calendar data " + badFile + `: years["2027"].decree`},
		{"bad calendar from the environment", map[string]string{"SROK_CALENDAR_PATH": badFile}, []string{"deadline", "--type", "access", "--trigger", "2026-04-30"}, 1, badFile},
		{"missing calendar file", nil, []string{"calendar", "--calendar", filepath.Join(dir, "none.json")}, 1, "none.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runSrok(t, tc.vars, fixedNow, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout must stay empty, got %q", r.stdout)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q, want ~%q", r.stderr, tc.want)
			}
			if tc.args != nil && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("want one line on stderr, got %q", r.stderr)
			}
		})
	}
}

func TestCalendarCommand(t *testing.T) {
	r := runSrok(t, nil, fixedNow, "calendar", "--year", "2026", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var y struct {
		Year        int     `json:"year"`
		Provisional bool    `json:"provisional"`
		WorkingDays int     `json:"working_days"`
		Decree      *string `json:"decree"`
		Days        []struct {
			Date    string `json:"date"`
			Working bool   `json:"working"`
			Kind    string `json:"kind"`
			Name    string `json:"name"`
		} `json:"days"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &y); err != nil {
		t.Fatal(err)
	}
	if y.Year != 2026 || y.Provisional || y.WorkingDays != 247 || y.Decree == nil || !strings.Contains(*y.Decree, "№ 1466") || len(y.Days) != 365 {
		t.Fatalf("2026: year %d provisional %v working %d decree %v days %d", y.Year, y.Provisional, y.WorkingDays, y.Decree, len(y.Days))
	}
	kinds := map[string]int{}
	working := 0
	for _, d := range y.Days {
		kinds[d.Kind]++
		if d.Working {
			working++
		}
	}
	if working != 247 || kinds["holiday"] != 14 || kinds["transferred_day_off"] != 4 || kinds["working_weekend"] != 0 {
		t.Errorf("2026 kinds %v, working %d", kinds, working)
	}
	if d := y.Days[0]; d.Date != "2026-01-01" || d.Working || d.Kind != "holiday" || d.Name != "Новогодние каникулы" {
		t.Errorf("1 January: %+v", d)
	}

	// Default year: this year by the clock; the text view, month by month.
	r = runSrok(t, nil, fixedNow, "calendar")
	for _, want := range []string{"Production calendar 2026", "Working days: 247", "January 2026 / Январь, 15 working days", "  5*  6*  7*  8*  9+ 10. 11.", "Fri 09.01.2026 Перенесённый выходной день с 03.01.2026 (сб)", "December 2026 / Декабрь, 22 working days"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in the text view", want)
		}
	}
	r = runSrok(t, nil, fixedNow, "calendar", "--year", "2025")
	if !strings.Contains(r.stdout, "  1!") || !strings.Contains(r.stdout, "November 2025 / Ноябрь, 19 working days") {
		t.Errorf("2025: the working Saturday 01.11 is not marked:\n%s", r.stdout)
	}
	r = runSrok(t, nil, fixedNow, "calendar", "--year", "2028", "--json")
	if !strings.Contains(r.stdout, `"provisional": true`) || !strings.Contains(r.stdout, `"decree": null`) {
		t.Errorf("2028 must be provisional without a decree")
	}
	r = runSrok(t, nil, fixedNow, "calendar", "--year", "2027")
	for _, want := range []string{"Source: Постановление Правительства РФ от 17.09.2026 № 1187", "Working days: 247", "February 2027 / Февраль, 19 working days"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("2027 lacks %q:\n%s", want, r.stdout)
		}
	}

	// Next year's decree from a folder in SROK_CALENDAR_PATH.
	dir := t.TempDir()
	data := `{"years": {"2027": {"decree": "Постановление Правительства РФ от 01.09.2026 № 9999", "transfers": [{"from": "2027-01-02", "to": "2027-12-31"}, {"from": "2027-01-03", "to": "2027-05-04"}],
		"nonworking_weekdays": ["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-04", "2027-05-10", "2027-06-14", "2027-11-04", "2027-12-31"],
		"working_weekends": [], "working_days": 247}}}`
	if err := os.WriteFile(filepath.Join(dir, "2027.json"), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runSrok(t, map[string]string{"SROK_CALENDAR_PATH": dir}, fixedNow, "calendar", "--year", "2027", "--json")
	if !strings.Contains(r.stdout, `"provisional": false`) || !strings.Contains(r.stdout, "№ 9999") {
		t.Errorf("2027 from SROK_CALENDAR_PATH not used: %.200s %s", r.stdout, r.stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"deadline", "-h"}, {"calendar", "--help"}} {
		r := runSrok(t, nil, fixedNow, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage") || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestConfigErrors checks that serve, migrate and config name the variable
// of a bad value, on one line, and never print a password.
func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"SROK_SHUTDOWN_TIMEOUT": "abc"}, `SROK_SHUTDOWN_TIMEOUT="abc": give a duration such as 15s or 1m30s`},
		{map[string]string{"SROK_DB_MAX_CONNS": "x"}, `SROK_DB_MAX_CONNS="x": give a whole number from 1 to 1000`},
		{map[string]string{"DATABASE_URL": "host=db user=srok password=s3cret dbname=srok"}, `DATABASE_URL="host=db user=srok password=xxxxx dbname=srok"`},
		{map[string]string{"DATABASE_URL": "postgres://srok:s3/cret@db/srok"}, `DATABASE_URL="(unparsable URL)"`},
	} {
		for _, cmd := range []string{"config", "migrate", "serve"} {
			r := runSrok(t, c.vars, fixedNow, cmd)
			if r.code != 2 || !strings.HasPrefix(r.stderr, "srok "+cmd+": "+c.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s with %v: exit %d, stderr %q, want %s", cmd, c.vars, r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "s3") {
				t.Errorf("%s with %v: stderr shows the password: %q", cmd, c.vars, r.stderr)
			}
		}
	}
}
