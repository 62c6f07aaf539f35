package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// seedReminders registers, on 15.01.2026, an access request received on
// 25.12.2025 (10 working days across the New Year: target and legal date
// 20.01.2026) assigned to an operator, and one received on 22.12.2025 (due
// 15.01.2026) assigned to nobody, with one officer to remind. It returns
// the two registration numbers.
func seedReminders(t *testing.T, vars map[string]string) (assigned, unassigned string) {
	t.Helper()
	ctx := srok.WithActor(context.Background(), srok.System)
	st, err := store.Open(ctx, vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	msk, _ := time.LoadLocation("Europe/Moscow")
	now := func() time.Time { return time.Date(2026, 1, 15, 8, 0, 0, 0, msk) }
	acc := account.NewService(st, now, cheapHashes...)
	for _, u := range []account.UserInput{
		{Email: "anna@example.org", Name: "Анна", Role: srok.RoleOperator, Password: "a long enough password"},
		{Email: "oleg@example.org", Name: "Олег", Role: srok.RoleOfficer, Password: "a long enough password"},
	} {
		if _, err := acc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	reg := register.NewService(st, cal, msk, now, register.WithUsers(acc))
	var numbers []string
	for _, in := range []register.Input{
		{Type: "access", Channel: "email", ReceivedAt: "2025-12-25T10:00:00+03:00", Assignee: "anna@example.org",
			Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.org"}},
		{Type: "access", Channel: "email", ReceivedAt: "2025-12-22T10:00:00+03:00",
			Subject: register.SubjectInput{Name: "Пётр Иванов", Email: "petr@example.org"}},
	} {
		r, _, err := reg.Create(ctx, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, r.Number)
	}
	return numbers[0], numbers[1]
}

func TestRemindersPlan(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		a, b := seedReminders(t, vars)
		r := runSrok(t, vars, fixedNow, "reminders", "plan", "--from", "2026-01-15", "--to", "21.01.2026", "--json")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var x map[string]any
			if err := json.Unmarshal([]byte(line), &x); err != nil {
				t.Fatalf("not a JSON line: %q", line)
			}
			got = append(got, strings.Join([]string{x["date"].(string), x["stage"].(string), x["recipient_email"].(string),
				x["number"].(string), x["obligation_id"].(string), x["target_date"].(string), x["legal_date"].(string)}, " "))
		}
		want := []string{
			"2026-01-15 soon anna@example.org " + a + " access.answer 2026-01-20 2026-01-20",
			"2026-01-15 due oleg@example.org " + b + " access.answer 2026-01-15 2026-01-15",
			"2026-01-16 escalation oleg@example.org " + b + " access.answer 2026-01-15 2026-01-15",
			"2026-01-19 tomorrow anna@example.org " + a + " access.answer 2026-01-20 2026-01-20",
			"2026-01-19 overdue oleg@example.org " + b + " access.answer 2026-01-15 2026-01-15",
			"2026-01-20 due anna@example.org " + a + " access.answer 2026-01-20 2026-01-20",
			"2026-01-20 overdue oleg@example.org " + b + " access.answer 2026-01-15 2026-01-15",
			"2026-01-21 overdue anna@example.org " + a + " access.answer 2026-01-20 2026-01-20",
			"2026-01-21 escalation oleg@example.org " + a + " access.answer 2026-01-20 2026-01-20",
			"2026-01-21 overdue oleg@example.org " + b + " access.answer 2026-01-15 2026-01-15",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("plan:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		r = runSrok(t, vars, fixedNow, "reminders", "plan", "--from", "15.01.2026", "--to", "15.01.2026")
		if r.code != 0 || !strings.Contains(r.stdout, "15.01.2026  09:00 MSK  soon") || !strings.Contains(r.stdout, "2 reminders from 15.01.2026 to 15.01.2026.") {
			t.Errorf("text plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runSrok(t, vars, fixedNow, "reminders", "plan", "--from", "17.01.2026", "--to", "18.01.2026")
		if r.code != 0 || r.stdout != "No reminders from 17.01.2026 to 18.01.2026.\n" {
			t.Errorf("weekend plan: exit %d %q %s", r.code, r.stdout, r.stderr)
		}
		// Nothing was queued.
		st, err := store.Open(context.Background(), vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var n int
		if err := st.SQL().QueryRow("SELECT count(*) FROM reminders").Scan(&n); err != nil || n != 0 {
			t.Errorf("the plan queued %d rows (%v)", n, err)
		}
	})
}

func TestRemindersPlanBadInput(t *testing.T) {
	vars := map[string]string{"SROK_DATA_DIR": t.TempDir()}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"reminders"}, "give a subcommand: plan"},
		{[]string{"reminders", "send"}, `unknown subcommand "send"`},
		{[]string{"reminders", "plan", "--to", "2026-01-20"}, "--from is required"},
		{[]string{"reminders", "plan", "--from", "2026-01-20"}, "--to is required"},
		{[]string{"reminders", "plan", "--from", "32.01.2026", "--to", "2026-02-01"}, `--from "32.01.2026" is not a date`},
		{[]string{"reminders", "plan", "--from", "2026-01-20", "--to", "tomorrow"}, `--to "tomorrow" is not a date`},
		{[]string{"reminders", "plan", "--from", "2026-01-20", "--to", "2026-01-19"}, "--to 2026-01-19 is before --from 2026-01-20"},
		{[]string{"reminders", "plan", "--from", "2026-01-01", "--to", "2028-01-01"}, "longer than 367 days"},
		{[]string{"reminders", "plan", "--from", "2026-01-01", "--to", "2026-01-02", "extra"}, `unexpected argument "extra"`},
		{[]string{"reminders", "plan", "--since", "2026-01-01"}, "flag provided but not defined: -since"},
	} {
		r := runSrok(t, vars, fixedNow, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if r := runSrok(t, vars, fixedNow, "reminders", "plan", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--from") {
		t.Errorf("help: %d %q", r.code, r.stdout)
	}
}
