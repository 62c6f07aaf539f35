package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// TestCalendarImportCommand imports the made-up 2027 calendar of testdata
// with `srok calendar import` on both databases, over the shipped 2027 (so
// only with --force): a request received on 21.12.2026 moves from
// 13.01.2027 to 14.01.2027, a second import changes
// nothing, and bad files are refused with one line per problem, exit 2,
// nothing stored.
func TestCalendarImportCommand(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		st, err := store.Open(context.Background(), vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		cal, err := calendar.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2026, 12, 22, 9, 0, 0, 0, time.UTC)
		reg := register.NewService(st, cal, time.UTC, func() time.Time { return created })
		r, _, err := reg.Create(srok.WithActor(context.Background(), srok.System), register.Input{Type: "access", Channel: "email",
			ReceivedAt: "2026-12-21T10:00:00+03:00", TimeZone: "Europe/Moscow", Subject: register.SubjectInput{Name: "Иванов Иван", Email: "ivanov@example.ru"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Obligations[0].Due.String() != "2027-01-13" {
			t.Fatalf("before: due %s", r.Obligations[0].Due)
		}
		stored := func() []calendars.StoredYear {
			t.Helper()
			s, err := st.CalendarYears(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		now := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)

		// Bad files: one line per problem, exit 2, nothing stored.
		dir := t.TempDir()
		good, err := os.ReadFile("testdata/calendar-2027.json")
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(string(good), `"2027-11-04"`, `"2027-11-04", "2027-11-04"`, 1)
		bad = strings.Replace(bad, `"years": {`, `"years": {"2028": {"decree": "без реквизитов", "working_days": 0}, `, 1)
		badFile := filepath.Join(dir, "bad.json")
		if err := os.WriteFile(badFile, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		res := runSrok(t, vars, now, "calendar", "import", badFile)
		if res.code != 2 || res.stdout != "" {
			t.Fatalf("bad file: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
		}
		wantLines := []string{
			"srok calendar: " + badFile + ": nothing imported, 2 problems:",
			`  years["2027"].nonworking_weekdays: 2027-11-04 is listed twice`,
			`  years["2028"].decree: "без реквизитов" does not cite a decree with its date and number ("... от DD.MM.YYYY № N")`,
		}
		if got := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
			t.Errorf("bad file: stderr\n%s\nwant\n%s", res.stderr, strings.Join(wantLines, "\n"))
		}
		y2026, _ := cal.Year(2026)
		other := strings.Replace(string(calendars.Canonical(y2026)), "№ ", "№ 7", 1)
		otherFile := filepath.Join(dir, "2026.json")
		if err := os.WriteFile(otherFile, []byte(other), 0o644); err != nil {
			t.Fatal(err)
		}
		res = runSrok(t, vars, now, "calendar", "import", otherFile)
		if res.code != 2 || !strings.Contains(res.stderr, `years["2026"]: 2026 already has verified decree data`) ||
			!strings.Contains(res.stderr, "--force") {
			t.Fatalf("verified year: exit %d\nstderr: %s", res.code, res.stderr)
		}
		for _, args := range [][]string{{"calendar", "import"}, {"calendar", "import", filepath.Join(dir, "missing.json")},
			{"calendar", "import", badFile, "extra"}, {"calendar", "import", "--forc", badFile}} {
			if res := runSrok(t, vars, now, args...); res.code != 2 || strings.Count(res.stderr, "\n") != 1 {
				t.Errorf("%v: exit %d, stderr %q", args, res.code, res.stderr)
			}
		}
		if s := stored(); len(s) != 0 {
			t.Fatalf("refused imports stored %d years", len(s))
		}

		// 2027 is shipped: the made-up year replaces it only with force.
		res = runSrok(t, vars, now, "calendar", "import", "testdata/calendar-2027.json")
		if res.code != 2 || !strings.Contains(res.stderr, "--force") {
			t.Fatalf("import over the shipped 2027 without force: exit %d\nstderr: %s", res.code, res.stderr)
		}
		res = runSrok(t, vars, now, "calendar", "import", "--force", "testdata/calendar-2027.json")
		want := "2027: replaced (13 days off, 0 working Saturdays)\nrecomputed 1 obligation of 1 request\n"
		if res.code != 0 || res.stdout != want {
			t.Fatalf("import: exit %d\nstdout: %s\nwant: %s\nstderr: %s", res.code, res.stdout, want, res.stderr)
		}
		after, err := st.Request(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o := after.Obligations[0]; o.Due.String() != "2027-01-14" || o.Provisional {
			t.Errorf("after: due %s, provisional %v", o.Due, o.Provisional)
		}
		evs, err := st.Timeline(context.Background(), r.ID, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != register.EventRecomputed || last.ActorID != register.CalendarActor.ID {
			t.Errorf("last event %s by %s", last.Kind, last.ActorID)
		}
		if s := stored(); len(s) != 1 || s[0].ImportedBy != srok.System.ID {
			t.Errorf("stored %+v", s)
		}

		// The commands count on the imported year, as the servers do.
		res = runSrok(t, vars, now, "calendar", "--year", "2027")
		if res.code != 0 || !strings.Contains(res.stdout, "Source: Постановление Правительства РФ от 01.10.2026 № 9999") ||
			!strings.Contains(res.stdout, "Working days: 248") {
			t.Errorf("calendar --year 2027 after the import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		res = runSrok(t, vars, now, "deadline", "--type", "access", "--trigger", "2026-12-21T10:00:00+03:00", "--json")
		if res.code != 0 || !strings.Contains(res.stdout, `"due_date": "2027-01-14"`) {
			t.Errorf("deadline after the import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}

		// Again, with --force before the file: nothing changes.
		res = runSrok(t, vars, now, "calendar", "import", "--force", "testdata/calendar-2027.json")
		want = "2027: unchanged (13 days off, 0 working Saturdays)\nrecomputed 0 obligations of 0 requests\n"
		if res.code != 0 || res.stdout != want {
			t.Fatalf("second import: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
		}
		again, err := st.Request(context.Background(), r.ID)
		if err != nil || again.Version != after.Version {
			t.Errorf("second import wrote the request (%v)", err)
		}
	})
}
