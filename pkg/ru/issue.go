package ru

import (
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/letters"
)

// LetterReference is how an answer or a refusal issued as a letter refers
// to it in the register and the journal: «письмо исх. № 2026-0007 от
// 18.05.2026».
func LetterReference(number string, d calendar.Date) string {
	return "письмо исх. № " + number + " от " + Date(d)
}

// LetterSubject is the subject line of a letter sent by email: its name
// and outgoing number, «Ответ на запрос, исх. № 2026-0007 от 18.05.2026»;
// the registration number of the request goes too, so that the subject's
// reply names it.
func LetterSubject(k letters.Kind, number string, d calendar.Date, request string) string {
	s := LetterKind(k) + ", исх. № " + number + " от " + Date(d)
	if request != "" {
		s += " (обращение № " + request + ")"
	}
	return s
}

// LetterEmailText is the text of the email that carries a letter, attached
// as a PDF.
func LetterEmailText(k letters.Kind, number string, d calendar.Date, operator string) string {
	s := "Здравствуйте!\n\nНаправляем Вам письмо «" + LetterKind(k) + "», исх. № " + number + " от " + Date(d) +
		", во вложении в формате PDF.\n\nОтвет на это письмо придёт ответственному за обработку обращений."
	if operator != "" {
		s += "\n\n" + operator
	}
	return s + "\n"
}

// Deliveries of an issued letter.
const (
	DeliveryEmail = "по электронной почте"
	DeliveryPaper = "почтой"
)

// Letter email states, as a request's page shows them.
const (
	LetterQueued  = "в очереди на отправку"
	LetterSent    = "отправлено"
	LetterFailed  = "не доставлено"
	LetterPosted  = "отправлено почтой"
	LetterToPost  = "ждёт отправки почтой"
	LetterNoEmail = "у субъекта нет адреса электронной почты: письмо можно отправить только почтой"
)

// RefusalText is what the register records as the text of a refusal issued
// as a letter: its ground (the provision of a federal law it cites, 152-FZ
// art. 14 part 8, art. 20 part 2) and its reasons.
func RefusalText(ground, reasons string) string {
	if ground == "" {
		return reasons
	}
	return "Основание: " + ground + ". " + reasons
}
