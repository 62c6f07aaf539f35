package ru

import (
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{
		0: "минут", 1: "минуту", 2: "минуты", 4: "минуты", 5: "минут", 11: "минут", 12: "минут", 14: "минут",
		15: "минут", 21: "минуту", 22: "минуты", 25: "минут", 101: "минуту", 111: "минут", 112: "минут", 1024: "минуты",
		-1: "минуту", -3: "минуты", -11: "минут",
	} {
		if got := Plural(n, "минуту", "минуты", "минут"); got != want {
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
}

func TestRetryIn(t *testing.T) {
	now := time.Date(2026, 11, 25, 6, 0, 30, 0, time.UTC)
	msk := time.FixedZone("MSK", 3*3600)
	for d, want := range map[time.Duration]string{
		time.Microsecond:                  "через 1 секунду",
		30 * time.Second:                  "через 30 секунд",
		59*time.Second + time.Millisecond: "через 1 минуту (в 09:02)",
		time.Minute:                       "через 1 минуту (в 09:02)",
		3 * time.Minute:                   "через 3 минуты (в 09:04)",
		14*time.Minute + 30*time.Second:   "через 15 минут (в 09:15)",
		15 * time.Minute:                  "через 15 минут (в 09:16)",
	} {
		if got := RetryIn(d, now, msk); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestCounts(t *testing.T) {
	for n, want := range map[int]string{
		0: "0 рабочих дней", 1: "1 рабочий день", 2: "2 рабочих дня", 3: "3 рабочих дня", 4: "4 рабочих дня",
		5: "5 рабочих дней", 11: "11 рабочих дней", 12: "12 рабочих дней", 21: "21 рабочий день", 22: "22 рабочих дня",
		25: "25 рабочих дней", 111: "111 рабочих дней",
	} {
		if got := WorkingDays(n); got != want {
			t.Errorf("WorkingDays(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 день", 3: "3 дня", 5: "5 дней", 11: "11 дней", 21: "21 день", 0: "0 дней"} {
		if got := Days(n); got != want {
			t.Errorf("Days(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 обращение", 2: "2 обращения", 7: "7 обращений", 14: "14 обращений", 31: "31 обращение"} {
		if got := Requests(n); got != want {
			t.Errorf("Requests(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	for d, want := range map[calendar.Date]string{
		calendar.NewDate(2026, time.May, 8):       "08.05.2026",
		calendar.NewDate(2027, time.December, 31): "31.12.2027",
	} {
		if got := Date(d); got != want {
			t.Errorf("Date: %q, want %q", got, want)
		}
	}
	for d, want := range map[calendar.Date]string{
		calendar.NewDate(2026, time.May, 18):     "18 мая 2026 г.",
		calendar.NewDate(2026, time.January, 1):  "1 января 2026 г.",
		calendar.NewDate(2027, time.March, 8):    "8 марта 2027 г.",
		calendar.NewDate(2026, time.August, 31):  "31 августа 2026 г.",
		calendar.NewDate(2026, time.December, 9): "9 декабря 2026 г.",
	} {
		if got := DateLong(d); got != want {
			t.Errorf("DateLong: %q, want %q", got, want)
		}
	}
	msk := time.FixedZone("MSK", 3*3600)
	if got := DateTime(time.Date(2026, 5, 18, 11, 5, 0, 0, time.UTC), msk); got != "18.05.2026 14:05" {
		t.Errorf("DateTime: %q", got)
	}
}

func TestZone(t *testing.T) {
	at := time.Date(2026, 5, 18, 12, 0, 0, 0, time.UTC)
	for name, want := range map[string]string{
		"Europe/Moscow":      "Москва, UTC+3",
		"Europe/Kaliningrad": "Калининград, UTC+2",
		"Asia/Yekaterinburg": "Екатеринбург, UTC+5",
		"Asia/Kamchatka":     "Петропавловск-Камчатский, UTC+12",
		"UTC":                "UTC",
		"Asia/Kolkata":       "UTC+5:30",
		"America/New_York":   "UTC−4",
	} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := Zone(loc, at); got != want {
			t.Errorf("Zone(%s) = %q, want %q", name, got, want)
		}
	}
	// Moscow was UTC+4 in 2013: the offset is the one at the instant.
	msk, _ := time.LoadLocation("Europe/Moscow")
	if got := Zone(msk, time.Date(2013, 6, 1, 0, 0, 0, 0, time.UTC)); got != "Москва, UTC+4" {
		t.Errorf("Moscow in 2013: %q", got)
	}
}

func TestZoneAndTerms(t *testing.T) {
	at := time.Date(2026, 5, 18, 12, 0, 0, 0, time.UTC)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	vvo, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		own  *time.Location
		want string
	}{
		{nil, "Москва, UTC+3"},
		{msk, "Москва, UTC+3"},
		{vvo, "Москва, UTC+3; сроки — по часовому поясу «Владивосток, UTC+10»"},
	} {
		if got := ZoneAndTerms(msk, tc.own, at); got != tc.want {
			t.Errorf("ZoneAndTerms(Moscow, %v): %q, want %q", tc.own, got, tc.want)
		}
	}
	if got := Scrolling("Список обращений"); got != "Список обращений, прокручивается" {
		t.Errorf("Scrolling: %q", got)
	}
}

func TestBasis(t *testing.T) {
	for in, want := range map[string]string{
		"152-FZ art. 20 part 1":          "ч. 1 ст. 20 152-ФЗ",
		"152-FZ art. 21 part 3.1 item 2": "п. 2 ч. 3.1 ст. 21 152-ФЗ",
		"152-FZ art. 10.1 part 14":       "ч. 14 ст. 10.1 152-ФЗ",
		"152-FZ art. 16":                 "ст. 16 152-ФЗ",
		"Civil Code art. 191":            "Civil Code art. 191",
	} {
		if got := Basis(in); got != want {
			t.Errorf("Basis(%q) = %q, want %q", in, got, want)
		}
	}
	short, full := Article("152-FZ art. 21 part 3.1 item 1")
	if short != "ст. 21 ч. 3.1 п. 1" || full != "ст. 21 ч. 3.1 п. 1 Федерального закона № 152-ФЗ «О персональных данных»" {
		t.Errorf("Article: %q, %q", short, full)
	}
	for _, o := range deadlines.AllObligations() {
		if got := Basis(o.Basis); got == o.Basis {
			t.Errorf("the basis of %s, %q, is not put in Russian", o.ID, o.Basis)
		}
	}
}

// Every value of the domain has its Russian words: a value added without
// them fails here, not as a blank or English cell on a page.
func TestEveryValueWorded(t *testing.T) {
	for _, ty := range deadlines.RequestTypes() {
		f, ok := TypeOf(ty)
		if !ok || f.Title == "" || f.Nom == "" || f.Gen == "" || f.Acc == "" {
			t.Errorf("type %s lacks a form: %+v", ty, f)
		}
	}
	for _, o := range deadlines.AllObligations() {
		if Obligation(o.ID) == o.ID || ObligationTerm(o.ID) == "срок исполнения обязанности" {
			t.Errorf("obligation %s has no Russian words", o.ID)
		}
	}
	check := func(kind, code, word string) {
		t.Helper()
		if word == code || word == "" {
			t.Errorf("%s %q has no Russian word", kind, code)
		}
	}
	for _, s := range register.Statuses() {
		check("status", string(s), Status(s))
	}
	for _, s := range []register.ObligationStatus{register.ObligationOpen, register.ObligationDone, register.ObligationNotApplicable} {
		check("obligation status", string(s), ObligationStatus(s))
	}
	for _, c := range register.Channels() {
		check("channel", string(c), Channel(c))
	}
	for _, o := range register.Outcomes() {
		check("outcome", string(o), Outcome(o))
	}
	for _, c := range register.CancelReasons() {
		check("cancel reason", string(c), CancelReason(c))
	}
	for _, k := range register.EventKinds() {
		check("event", string(k), Event(k))
	}
	for _, r := range srok.Roles() {
		check("role", string(r), Role(r))
	}
	for _, n := range register.ActionNames() {
		check("action", string(n), Action(n))
	}
	for _, r := range register.Reasons() {
		check("reason", string(r), Reason(r))
	}
	for _, k := range letters.Kinds {
		check("letter kind", string(k), LetterKind(k))
	}
	// Unknown codes are shown as they are, never as an empty cell.
	if Status("nope") != "nope" || Type("nope") != "nope" || Obligation("x.y") != "x.y" {
		t.Error("an unknown code must be shown as it is")
	}
}

func TestCalendarNotLoaded(t *testing.T) {
	want := "Производственный календарь на 2028 год ещё не загружен: сроки, заходящие в 2028 год, считаются предварительно. " +
		"Когда выйдет постановление Правительства о переносе выходных дней, импортируйте год на странице «Производственный календарь»."
	if got := CalendarNotLoaded(2028); got != want {
		t.Errorf("CalendarNotLoaded(2028) = %q, want %q", got, want)
	}
}
