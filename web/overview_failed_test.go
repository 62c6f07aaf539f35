package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
)

// failReminder writes a reminder of r to u that failed for good, as the
// deliverer leaves it.
func (e *regEnv) failReminder(t *testing.T, r *register.Request, u account.User, stage, lastError string, at time.Time) {
	t.Helper()
	q := `INSERT INTO reminders (request_id, obligation_id, stage, recipient_id, recipient_email, local_date, send_at,
    target_date, legal_date, status, attempts, next_attempt_at, last_error, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'failed', 1, ?, ?, ?, ?)`
	if e.st.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	at = at.UTC()
	day := at.In(moscow).Format(time.DateOnly)
	o := r.Obligations[0]
	if _, err := e.st.SQL().ExecContext(context.Background(), q, r.ID, o.ID, stage, u.ID, u.Email, day, at,
		o.Target.String(), o.Due.String(), at, lastError, at, at); err != nil {
		t.Fatalf("seed a failed reminder: %v", err)
	}
}

// Officers and administrators see on the overview the reminders that
// failed for good, each linked to its request; operators and viewers see
// nothing of them.
func TestOverviewFailedReminders(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		if r := e.officer.do(t, "GET", "/", nil); r.status != http.StatusOK || strings.Contains(r.body, `id="failed-reminders"`) {
			t.Fatalf("no failures, yet a notice: %d", r.status)
		}
		e.failReminder(t, f.overdueOwn, e.operatorU, "overdue", "550 5.1.1 <oper@example.ru>: mailbox unavailable",
			regNow.Add(-26*time.Hour))
		e.failReminder(t, f.today, e.officerU, "tomorrow", "", regNow.Add(-2*time.Hour))

		for who, b := range map[string]*browser{"officer": e.officer, "admin": e.admin} {
			r := b.do(t, "GET", "/", nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d", who, r.status)
			}
			s := section(t, r.body, "failed-reminders")
			if count(t, s) != 2 || !strings.Contains(s, "2 напоминания не доставлены") {
				t.Errorf("%s: the count: %s", who, s)
			}
			if got := numbers(s); len(got) != 2 || got[0] != f.today.Number || got[1] != f.overdueOwn.Number {
				t.Errorf("%s: listed %v, want the latest failure first", who, got)
			}
			for _, want := range []string{`<a href="/requests/` + f.overdueOwn.ID + `" id="failed-reminder-1">` + f.overdueOwn.Number + `</a>`,
				"срок пропущен", "срок завтра", "oper@example.ru", "officer@example.ru", "550 5.1.1 &lt;oper@example.ru&gt;: mailbox unavailable",
				"24.11.2026 07:00", "25.11.2026 07:00", `<td class="error">—</td>`} {
				if !strings.Contains(s, want) {
					t.Errorf("%s: the notice lacks %q", who, want)
				}
			}
		}
		for who, b := range map[string]*browser{"operator": e.operator, "viewer": e.viewer} {
			r := b.do(t, "GET", "/", nil)
			if r.status != http.StatusOK || strings.Contains(r.body, "failed-reminders") || strings.Contains(r.body, "не доставлен") {
				t.Errorf("%s sees the failed reminders: %d", who, r.status)
			}
		}
	})
}

// The overview says who is reminded of unassigned requests: the officers;
// the administrators while there is no officer; and warns everyone when
// nobody is.
func TestOverviewUnassignedRecipients(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		line := func(b *browser) string {
			t.Helper()
			r := b.do(t, "GET", "/", nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET /: %d", r.status)
			}
			m := regexp.MustCompile(`(?s)<p class="[a-z]+"(?: role="alert")? id="unassigned-recipients">(.*?)</p>`).FindStringSubmatch(r.body)
			if m == nil {
				return ""
			}
			return m[1]
		}
		if got := line(e.admin); !strings.Contains(got, "получают ответственные: officer@example.ru") {
			t.Errorf("with an officer, the administrator reads %q", got)
		}
		if got := line(e.operator); got != "" {
			t.Errorf("an operator reads %q: only officers and administrators are told who gets them", got)
		}
		if _, err := e.acc.DisableUser(e.sys, "officer@example.ru"); err != nil {
			t.Fatal(err)
		}
		if got := line(e.admin); !strings.Contains(got, "получают администраторы") || !strings.Contains(got, "admin@example.ru") {
			t.Errorf("without an officer, the administrator reads %q", got)
		}
		if _, err := e.acc.DisableUser(e.sys, "admin@example.ru"); err != nil {
			t.Fatal(err)
		}
		if got := line(e.operator); !strings.Contains(got, "получать некому") {
			t.Errorf("with nobody to remind, an operator reads %q", got)
		}
	})
}
