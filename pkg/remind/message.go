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

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/ru"
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
	// LateEmails, when set, counts for the recipient with an id the
	// incoming emails that have waited for a triage decision longer than
	// one working day (0 for whoever does not triage mail): a digest names
	// them, since a request's term runs from its email's receipt.
	LateEmails func(recipientID string) int
	// InDigest, when set, is told that the digest of the recipient's local
	// date carries that line, so that the day's inbox notice
	// (InboxNotifier) is not sent as well.
	InDigest func(recipientID string, date calendar.Date)
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
	// LateEmails is the digest's line on untriaged mail, "" when none;
	// InboxLink the inbox page.
	LateEmails, InboxLink string
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
		return "просрочено на " + ru.WorkingDays(n)
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
	return ru.Plural(n, "остался ", "осталось ", "осталось ") + ru.WorkingDays(n)
}

func (c *Composer) view(it OutboxItem) msgItem {
	short, full := ru.Article(it.Basis)
	duty := ru.ObligationTerm(it.ObligationID)
	v := msgItem{
		Number: it.Number, Link: strings.TrimRight(c.BaseURL, "/") + "/requests/" + it.RequestID,
		Duty: duty, Article: short, ArticleFull: full,
		Legal: ru.Date(it.LegalDate), Target: ru.Date(it.TargetDate), Moved: it.TargetDate != it.LegalDate,
		Status: c.status(it), Escalation: it.Stage == "escalation",
	}
	v.StatusCap = ru.Capitalize(v.Status)
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
		v.Changed = &struct{ Was, Now string }{ru.Date(it.Changed.Was), ru.Date(it.Changed.Now)}
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
	return fmt.Sprintf("[Srok] Сроки на %s: %s", ru.Date(date), ru.Requests(requests))
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
		mv.Date, mv.Count = ru.Date(items[0].LocalDate), ru.Requests(len(reqs))
		if c.LateEmails != nil {
			if n := c.LateEmails(items[0].RecipientID); n > 0 {
				mv.LateEmails, mv.InboxLink = ru.LateEmails(n), strings.TrimRight(c.BaseURL, "/")+"/inbox"
				if c.InDigest != nil {
					c.InDigest(items[0].RecipientID, items[0].LocalDate)
				}
			}
		}
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
