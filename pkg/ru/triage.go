package ru

import (
	"fmt"

	"github.com/srok/srok/pkg/register"
)

// Inbox is the name of the page of incoming emails awaiting a decision.
const Inbox = "Входящие"

// triageStates name where an email stands in the triage.
var triageStates = map[register.TriageState]string{
	register.TriagePending:    "ждёт решения",
	register.TriageRegistered: "зарегистрировано обращение",
	register.TriageAttached:   "прикреплено к обращению",
	register.TriageNotRequest: "не обращение",
}

// TriageState names a triage state, or gives its code.
func TriageState(t register.TriageState) string { return word(triageStates, t) }

// notRequestReasons say why an email is not a request.
var notRequestReasons = map[register.NotRequestReason]string{
	register.NotRequestSpam:            "спам или реклама",
	register.NotRequestNotPersonalData: "не касается персональных данных",
	register.NotRequestDuplicate:       "повтор уже полученного письма",
	register.NotRequestOther:           "другое (укажите причину)",
}

// NotRequestReason names a reason, or gives its code.
func NotRequestReason(r register.NotRequestReason) string { return word(notRequestReasons, r) }

// Emails is a count of emails: «1 письмо», «3 письма», «5 писем».
func Emails(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "письмо", "письма", "писем"))
}

// MaybeRequest is the suggestion for an email whose subject names a
// registration number: «возможно, к обращению № 2026-000042».
func MaybeRequest(number string) string {
	return "возможно, к обращению № " + number
}

// LateEmails is the overview's and the digest's line of emails waiting
// for a decision longer than one working day.
func LateEmails(n int) string {
	return Plural(n, "Ждёт", "Ждут", "Ждут") + " решения дольше рабочего дня: " + Emails(n)
}

// NewMail is the heading of the notice of emails attached to the user's
// requests.
const NewMail = "Новые письма в ваших обращениях"

// AttachedBy says who attached an email to a request: Srok itself (a reply
// that named the request) or a colleague.
func AttachedBy(bySrok bool) string {
	if bySrok {
		return "прикреплено Сроком: ответ по обращению"
	}
	return "прикреплено при разборе входящих"
}

// InboxNoticeSubject is the subject of the notice of emails waiting for a
// decision longer than one working day: «Входящие: 5 писем ждут решения
// дольше рабочего дня».
func InboxNoticeSubject(n int) string {
	return Inbox + ": " + Emails(n) + " " + Plural(n, "ждёт", "ждут", "ждут") + " решения дольше рабочего дня"
}
