package remind_test

import (
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
)

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestSubjects(t *testing.T) {
	c := &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar}
	base := remind.OutboxItem{ID: 1, RequestID: "r1", ObligationID: "access.answer", Number: "2026-000123",
		Basis: "152-FZ art. 20 part 1", TargetDate: date("2026-05-18"), LegalDate: date("2026-05-18")}
	for _, tt := range []struct {
		stage, local, want string
	}{
		// 13.05 (Wed) → 14, 15, 18: three working days.
		{"soon", "2026-05-13", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, осталось 3 рабочих дня"},
		{"soon", "2026-05-11", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, осталось 5 рабочих дней"},
		{"tomorrow", "2026-05-15", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, остался 1 рабочий день (завтра последний)"},
		{"due", "2026-05-18", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, срок сегодня"},
		{"overdue", "2026-05-19", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, просрочено на 1 рабочий день"},
		{"overdue", "2026-05-20", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, просрочено на 2 рабочих дня"},
		{"overdue", "2026-05-25", "[Srok] 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, просрочено на 5 рабочих дней"},
		{"escalation", "2026-05-19", "[Srok] Эскалация: 2026-000123: срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, просрочено на 1 рабочий день"},
	} {
		it := base
		it.Stage, it.LocalDate = tt.stage, date(tt.local)
		if got := c.Subject(it); got != tt.want {
			t.Errorf("%s on %s:\n got %s\nwant %s", tt.stage, tt.local, got, tt.want)
		}
	}
	for n, want := range map[int]string{1: "1 обращение", 2: "2 обращения", 5: "5 обращений", 11: "11 обращений", 21: "21 обращение", 24: "24 обращения"} {
		if got := remind.DigestSubject(date("2026-05-18"), n); got != "[Srok] Сроки на 18.05.2026: "+want {
			t.Errorf("digest of %d: %s", n, got)
		}
	}
}

// TestMovedLegalDate: a calendar-day term whose last day fell on a day off
// ends on the next working day (Civil Code art. 193); the internal target
// is the last working day before it, and the email says both.
func TestMovedLegalDate(t *testing.T) {
	c := &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar}
	it := remind.OutboxItem{ID: 7, RequestID: "r7", ObligationID: "withdrawal.stop_destroy", Number: "2026-000007",
		Basis: "152-FZ art. 21 part 5", Stage: "soon", RecipientEmail: "a@example.ru",
		LocalDate: date("2026-05-13"), TargetDate: date("2026-05-15"), LegalDate: date("2026-05-18")}
	m, err := c.Compose([]remind.OutboxItem{it}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"18.05.2026", "15.05.2026", "ст. 193 ГК РФ", "ст. 21 ч. 5 Федерального закона № 152-ФЗ",
		publicURL + "/requests/r7"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("%q missing in\n%s\n%s", want, m.Text, m.HTML)
		}
	}
	if !strings.Contains(m.Subject, "осталось 2 рабочих дня") {
		t.Errorf("subject %q: working days count to the target", m.Subject)
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {6, 32 * time.Minute}, {7, time.Hour}, {50, time.Hour}} {
		if got := remind.Backoff(tt.n, 0.5); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.n, got, tt.want)
		}
		lo, hi := remind.Backoff(tt.n, 0), remind.Backoff(tt.n, 1)
		if lo != time.Duration(float64(tt.want)*0.8) || hi != time.Duration(float64(tt.want)*1.2) {
			t.Errorf("Backoff(%d) jitter bounds %s…%s, want ±20%% of %s", tt.n, lo, hi, tt.want)
		}
	}
}

// TestDigestLateEmails: an officer's digest names the incoming emails that
// have waited for a decision longer than one working day, with the inbox;
// another's does not.
func TestDigestLateEmails(t *testing.T) {
	c := &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar,
		LateEmails: func(id string) int { return map[string]int{"officer": 3}[id] }}
	it := remind.OutboxItem{ID: 9, RequestID: "r9", ObligationID: "access.answer", Number: "2026-000009",
		Basis: "152-FZ art. 20 part 1", Stage: "soon", RecipientID: "officer", RecipientEmail: "o@example.ru",
		LocalDate: date("2026-05-13"), TargetDate: date("2026-05-18"), LegalDate: date("2026-05-18"), Digest: true}
	m, err := c.Compose([]remind.OutboxItem{it}, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "Ждут решения дольше рабочего дня: 3 письма") || !strings.Contains(part, publicURL+"/inbox") {
			t.Errorf("digest lacks the late emails:\n%s", part)
		}
	}
	it.RecipientID = "operator"
	m, err = c.Compose([]remind.OutboxItem{it}, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "Ждут решения") || strings.Contains(m.HTML, "/inbox") {
		t.Errorf("an operator's digest names late emails:\n%s", m.Text)
	}
}
