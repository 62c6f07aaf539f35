package web_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
)

// The timeline says in Russian what the reminders and a recompute did:
// the stage, the recipient, the SMTP reply of a failure, and the dates a
// recompute moved.
func TestTimelineReminderEvents(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		r := f.overdueOwn
		o := r.Obligations[0]
		at := regNow.Add(-time.Hour)
		evs := []register.Event{
			{RequestID: r.ID, At: at, ActorID: "system:reminders", ActorName: "Srok", Kind: "reminder_sent",
				After: map[string]any{"stage": "tomorrow", "obligation_id": o.ID, "recipient": "officer@example.ru", "digest": true, "message_id": "<m1@srok>"}},
			{RequestID: r.ID, At: at, ActorID: "system:reminders", ActorName: "Srok", Kind: "reminder_failed",
				After: map[string]any{"stage": "overdue", "obligation_id": o.ID, "recipient": "gone@example.ru", "digest": false,
					"smtp_code": 550, "error": "550 mailbox unavailable"}},
			{RequestID: r.ID, At: at, ActorID: "system:calendar", ActorName: "Srok", Kind: register.EventRecomputed,
				Note:   "Пересчитано по производственному календарю",
				Before: map[string]any{o.ID: map[string]any{"due_date": "2026-12-30", "target_date": "2026-12-28"}},
				After:  map[string]any{o.ID: map[string]any{"due_date": "2027-01-11", "target_date": "2026-12-29"}}},
		}
		if err := e.st.AppendEvents(context.Background(), evs, nil); err != nil {
			t.Fatal(err)
		}
		res := e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		if res.status != http.StatusOK {
			t.Fatalf("GET: %d", res.status)
		}
		body := html.UnescapeString(res.body)
		for _, want := range []string{
			"Напоминание отправлено", "этап: срок завтра", "получатель: officer@example.ru (в ежедневной сводке)",
			"Напоминание не доставлено", "этап: срок пропущен", "получатель: gone@example.ru", "код SMTP: 550",
			"ошибка: 550 mailbox unavailable",
			"Сроки пересчитаны", "срок 30.12.2026 → 11.01.2027, внутренний срок 29.12.2026",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the timeline lacks %q", want)
			}
		}
		if strings.Contains(body, "reminder_sent") || strings.Contains(body, "reminder_failed") {
			t.Error("an event kind is shown as its code")
		}
	})
}
