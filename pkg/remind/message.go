package remind

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer"
)

//go:embed templates/*.txt templates/*.html
var msgTemplateFiles embed.FS

var (
	msgText = texttemplate.Must(texttemplate.ParseFS(msgTemplateFiles, "templates/*.txt"))
	msgHTML = htmltemplate.Must(htmltemplate.ParseFS(msgTemplateFiles, "templates/*.html"))
)

// Composer writes the Russian reminder emails. They name the request by its
// registration number and link to it, and carry nothing else of the
// subject's personal data: the assignee opens the request in Srok.
type Composer struct {
	// BaseURL is SROK_PUBLIC_URL: links are BaseURL/requests/{id}.
	BaseURL string
	// Calendar counts the working days left (the production calendar).
	Calendar calendar.Source
	// Domain is the right-hand side of the Message-IDs.
	Domain string
}

// msgDuties names each obligation in the emails (the engine's ids, deadlines/rules.go).
var msgDuties = map[string]string{
	"access.answer":           "срок ответа на запрос",
	"access.refusal":          "срок мотивированного отказа",
	"rectification.rectify":   "срок уточнения персональных данных",
	"erasure.destroy":         "срок уничтожения персональных данных",
	"withdrawal.stop_destroy": "срок прекращения обработки и уничтожения данных после отзыва согласия",
	"stop.stop":               "срок прекращения обработки",
	"dissemination.stop":      "срок прекращения распространения",
	"automated.objection":     "срок рассмотрения возражения",
	"unlawful.stop":           "срок прекращения неправомерной обработки",
	"unlawful.destroy":        "срок уничтожения данных при неправомерной обработке",
	"purpose.destroy":         "срок уничтожения данных по достижении цели",
	"destruction.impossible":  "срок блокирования и уничтожения данных",
	"incident.notify":         "срок уведомления Роскомнадзора об инциденте",
	"incident.investigation":  "срок направления результатов расследования инцидента",
	"authority.answer":        "срок ответа на запрос Роскомнадзора",
}

// msgArticle turns the engine's basis ("152-FZ art. 21 part 3.1 item 1") into
// the short Russian citation ("ст. 21 ч. 3.1 п. 1") and the full one.
func msgArticle(basis string) (short, full string) {
	s := strings.TrimSpace(strings.TrimPrefix(basis, "152-FZ"))
	s = strings.NewReplacer("art. ", "ст. ", "part ", "ч. ", "item ", "п. ").Replace(s)
	if s == "" {
		return "152-ФЗ", "Федеральный закон № 152-ФЗ «О персональных данных»"
	}
	return s, s + " Федерального закона № 152-ФЗ «О персональных данных»"
}

// msgPlural picks the Russian form of a count: one (1, 21, 101), few (2–4,
// 22–24), many (0, 5–20, 25–30, 11–14).
func msgPlural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch n10, n100 := n%10, n%100; {
	case n10 == 1 && n100 != 11:
		return one
	case n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14):
		return few
	}
	return many
}

func msgWorkingDays(n int) string {
	return fmt.Sprintf("%d %s", n, msgPlural(n, "рабочий день", "рабочих дня", "рабочих дней"))
}

// msgDate writes a date as 18.05.2026.
func msgDate(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%04d", day, int(m), y)
}

// msgItem is one reminder as the templates read it.
type msgItem struct {
	Number, Link, Duty, Article, ArticleFull string
	Legal, Target                            string
	// Moved: the legal date was moved past a day off and the target is the
	// last working day before it (a calendar-day term).
	Moved      bool
	Status     string
	StatusCap  string
	Headline   string
	Escalation bool
	Changed    *struct{ Was, Now string }
}

type msgView struct {
	Subject string
	Date    string
	Count   string
	Items   []msgItem
}

// status says where the item stands on its local date: working days left
// to the target, due today, or overdue by working days after the legal date.
func (c *Composer) status(it OutboxItem) string {
	today := it.LocalDate
	switch {
	case today > it.LegalDate || it.Stage == "overdue" || it.Stage == "escalation":
		n, err := c.Calendar.Current().WorkingDaysBetween(it.LegalDate, today)
		if err != nil || n < 1 {
			n = 1
		}
		return "просрочено на " + msgWorkingDays(n)
	case today >= it.TargetDate:
		return "срок сегодня"
	}
	n, err := c.Calendar.Current().WorkingDaysBetween(today, it.TargetDate)
	if err != nil {
		n = int(it.TargetDate - today) // past the calendar's years: calendar days are a fair hint
	}
	if n == 1 {
		return "остался 1 рабочий день (завтра последний)"
	}
	return msgPlural(n, "остался ", "осталось ", "осталось ") + msgWorkingDays(n)
}

func (c *Composer) view(it OutboxItem) msgItem {
	short, full := msgArticle(it.Basis)
	duty := msgDuties[it.ObligationID]
	if duty == "" {
		duty = "срок исполнения обязанности"
	}
	v := msgItem{
		Number: it.Number, Link: strings.TrimRight(c.BaseURL, "/") + "/requests/" + it.RequestID,
		Duty: duty, Article: short, ArticleFull: full,
		Legal: msgDate(it.LegalDate), Target: msgDate(it.TargetDate), Moved: it.TargetDate != it.LegalDate,
		Status: c.status(it), Escalation: it.Stage == "escalation",
	}
	r, size := utf8.DecodeRuneInString(v.Status)
	v.StatusCap = string(unicode.ToUpper(r)) + v.Status[size:]
	headlines := map[string]string{
		"soon":       "Приближается срок",
		"tomorrow":   "Завтра последний день срока",
		"due":        "Сегодня последний день срока",
		"overdue":    "Срок пропущен",
		"escalation": "Эскалация: срок пропущен, обращение требует внимания ответственного",
	}
	v.Headline = headlines[it.Stage]
	if v.Headline == "" {
		v.Headline = "Напоминание о сроке"
	}
	if it.Changed != nil {
		v.Changed = &struct{ Was, Now string }{msgDate(it.Changed.Was), msgDate(it.Changed.Now)}
	}
	return v
}

// Subject is the subject of an email about one item: «[Srok] 2026-000123:
// срок ответа на запрос (ст. 20 ч. 1) — 18.05.2026, осталось 3 рабочих дня».
func (c *Composer) Subject(it OutboxItem) string {
	v := c.view(it)
	prefix := "[Srok] "
	if v.Escalation {
		prefix += "Эскалация: "
	}
	return fmt.Sprintf("%s%s: %s (%s) — %s, %s", prefix, v.Number, v.Duty, v.Article, v.Legal, v.Status)
}

// DigestSubject is the subject of a daily digest: «[Srok] Сроки на
// 18.05.2026: 5 обращений».
func DigestSubject(date calendar.Date, requests int) string {
	return fmt.Sprintf("[Srok] Сроки на %s: %s", msgDate(date), msgCountRequests(requests))
}

func msgCountRequests(n int) string {
	return fmt.Sprintf("%d %s", n, msgPlural(n, "обращение", "обращения", "обращений"))
}

// Compose writes the email of items, all for one recipient: one item on
// its own, or the digest of the recipient's local date.
func (c *Composer) Compose(items []OutboxItem, digest bool, now time.Time) (mailer.Message, error) {
	if len(items) == 0 {
		return mailer.Message{}, fmt.Errorf("remind: nothing to compose")
	}
	mv := msgView{}
	for _, it := range items {
		mv.Items = append(mv.Items, c.view(it))
	}
	name := "single"
	if digest {
		name = "digest"
		reqs := map[string]bool{}
		for _, it := range items {
			reqs[it.RequestID] = true
		}
		mv.Subject = DigestSubject(items[0].LocalDate, len(reqs))
		mv.Date, mv.Count = msgDate(items[0].LocalDate), msgCountRequests(len(reqs))
	} else {
		mv.Subject = c.Subject(items[0])
	}
	var text, html bytes.Buffer
	if err := msgText.ExecuteTemplate(&text, name+".txt", mv); err != nil {
		return mailer.Message{}, fmt.Errorf("remind: template %s.txt: %w", name, err)
	}
	if err := msgHTML.ExecuteTemplate(&html, name+".html", mv); err != nil {
		return mailer.Message{}, fmt.Errorf("remind: template %s.html: %w", name, err)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = fmt.Sprint(it.ID)
	}
	return mailer.Message{
		To: items[0].RecipientEmail, Subject: mv.Subject, Text: text.String(), HTML: html.String(),
		MessageID: c.messageID(items[0].ID, now), Date: now,
		// The outbox rows the email carries: to trace a message back.
		Headers: map[string]string{"X-Srok-Reminders": strings.Join(ids, ",")},
	}, nil
}

// messageID is unique per email sent: the first row's id, the time and
// random bits.
func (c *Composer) messageID(id int64, now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	domain := c.Domain
	if domain == "" {
		domain = "srok.invalid"
	}
	return fmt.Sprintf("srok.reminder.%d.%d.%s@%s", id, now.UnixMilli(), hex.EncodeToString(b[:]), domain)
}
