package ru

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// FeedName is the name a calendar app gives a subscribed feed of terms.
const FeedName = "Сроки обращений — Srok"

// FeedDescription is the description of that calendar.
const FeedDescription = "Внутренние сроки ответов на обращения субъектов персональных данных, " +
	"которые вам назначены или за которые вы отвечаете"

// FeedSummary is the title of a term in a calendar: the registration number,
// the request's type and the duty, nothing about the subject —
// «№ 2026-000042: Запрос сведений — предоставить сведения».
func FeedSummary(number string, t deadlines.RequestType, obligationID string) string {
	return "№ " + number + ": " + Type(t) + " — " + lowerFirst(Obligation(obligationID))
}

// FeedEventText is the description of a term in a calendar: the internal
// target, the legal term with its article (the instant it runs out, in the
// operator's zone, for a term in hours), and the link to the request's page.
func FeedEventText(target, legal calendar.Date, dueAt time.Time, hours bool, loc *time.Location, basis, link string) string {
	var b strings.Builder
	b.WriteString("Внутренний срок: " + DateLong(target) + "\n")
	if hours {
		b.WriteString("Срок по закону истекает " + DateTime(dueAt, loc) + " (" + Zone(loc, dueAt) + ")")
	} else {
		b.WriteString("Срок по закону: " + DateLong(legal))
	}
	if basis != "" {
		b.WriteString(", " + Basis(basis))
	}
	b.WriteString("\nКарточка обращения: " + link)
	return b.String()
}

// FeedAlarm is what a calendar app shows when it reminds of a term.
func FeedAlarm(summary string, target calendar.Date) string {
	return "Внутренний срок " + DateLong(target) + ": " + summary
}

// lowerFirst is s with its first letter small: «Предоставить» → «предоставить».
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}
