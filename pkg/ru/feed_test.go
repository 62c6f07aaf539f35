package ru

import (
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// A feed's words: the title names the number, the type and the duty; the
// description the target, the legal term (for a term in hours, the instant
// in the operator's zone) with its article, and the link.
func TestFeedWords(t *testing.T) {
	if got, want := FeedSummary("2026-000042", deadlines.TypeAccess, deadlines.ObAccessAnswer),
		"№ 2026-000042: Запрос сведений — предоставить сведения"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	target, legal := calendar.NewDate(2026, time.May, 15), calendar.NewDate(2026, time.May, 18)
	for _, c := range []struct {
		name  string
		hours bool
		dueAt time.Time
		want  string
	}{
		{"days", false, legal.AddDays(1).Start(moscow), "Внутренний срок: 15 мая 2026 г.\nСрок по закону: 18 мая 2026 г., ч. 1 ст. 20 152-ФЗ\n" +
			"Карточка обращения: https://srok.example.ru/requests/r1"},
		{"hours", true, time.Date(2026, 5, 18, 14, 5, 0, 0, moscow), "Внутренний срок: 15 мая 2026 г.\n" +
			"Срок по закону истекает 18.05.2026 14:05 (Москва, UTC+3), ч. 1 ст. 20 152-ФЗ\nКарточка обращения: https://srok.example.ru/requests/r1"},
	} {
		got := FeedEventText(target, legal, c.dueAt, c.hours, moscow, "152-FZ art. 20 part 1", "https://srok.example.ru/requests/r1")
		if got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
	if got := FeedAlarm("№ 1", target); !strings.HasPrefix(got, "Внутренний срок 15 мая 2026 г.: ") {
		t.Errorf("alarm %q", got)
	}
}
