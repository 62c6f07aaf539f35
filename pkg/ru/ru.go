// Package ru holds every Russian word of Srok that a person reads: the names
// of request types, obligations, statuses, channels, outcomes and timeline
// events (with the grammatical forms a letter needs), dates and times as
// Russians write them, plurals of counts, the roles, the legal citations and
// the names of time zones. Pages (web), reminder emails (pkg/remind) and
// letters take their words from here, so a word is written once and a
// domain value without wording is a failing test (ru_test.go), not a blank
// cell.
//
// The package is pure: no clock, no I/O; times come with their location.
package ru

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/deadlines/calendar"
)

// Plural picks the Russian form of a count: one (1, 21, 101), few (2–4,
// 22–24) or many (0, 5–20, 11–14, 25–30). A negative count takes the form
// of its absolute value.
func Plural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch n10, n100 := n%10, n%100; {
	case n100 >= 11 && n100 <= 14:
		return many
	case n10 == 1:
		return one
	case n10 >= 2 && n10 <= 4:
		return few
	}
	return many
}

// WorkingDays says n working days: «1 рабочий день», «3 рабочих дня»,
// «5 рабочих дней».
func WorkingDays(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "рабочий день", "рабочих дня", "рабочих дней"))
}

// Days says n calendar days: «1 день», «2 дня», «5 дней».
func Days(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "день", "дня", "дней"))
}

// Requests says n requests: «1 обращение», «2 обращения», «5 обращений».
func Requests(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "обращение", "обращения", "обращений"))
}

// Seconds says n seconds in the accusative («через 1 секунду»): «1 секунду»,
// «2 секунды», «5 секунд».
func Seconds(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "секунду", "секунды", "секунд"))
}

// Minutes says n minutes in the accusative: «1 минуту», «2 минуты», «5 минут».
func Minutes(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "минуту", "минуты", "минут"))
}

// months are the months in the genitive, as a date says them: «18 мая».
var months = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
	"сентября", "октября", "ноября", "декабря"}

// Date is a date as forms and tables write it: 18.05.2026.
func Date(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%04d", day, int(m), y)
}

// DateLong is a date in words, as a letter writes it: «18 мая 2026 г.».
func DateLong(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%d %s %d г.", day, months[m-1], y)
}

// DateTime is an instant in loc as pages write it: 18.05.2026 14:05.
func DateTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006 15:04") }

// Clock is the time of day of an instant in loc: 14:05.
func Clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// RetryIn says when something locked may be tried again, d after now, and
// at what time in loc: «через 15 минут (в 09:15)». A wait under a minute is
// said in seconds; longer ones, and the time, round up to the minute, so
// that nobody is sent back too early.
func RetryIn(d time.Duration, now time.Time, loc *time.Location) string {
	at := now.Add(d)
	if t := at.Truncate(time.Minute); !t.Equal(at) {
		at = t.Add(time.Minute)
	}
	if n := max(int((d+time.Second-1)/time.Second), 1); n < 60 {
		return "через " + Seconds(n)
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("через %s (в %s)", Minutes(n), Clock(at, loc))
}

// Capitalize is s with its first letter in capital: «осталось» → «Осталось».
func Capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// zoneCities names the Russian time zones (the IANA zones of the Russian
// Federation) by their city, as Russians name a zone: «Москва, UTC+3».
var zoneCities = map[string]string{
	"Europe/Kaliningrad": "Калининград",
	"Europe/Moscow":      "Москва",
	"Europe/Simferopol":  "Симферополь",
	"Europe/Kirov":       "Киров",
	"Europe/Volgograd":   "Волгоград",
	"Europe/Astrakhan":   "Астрахань",
	"Europe/Saratov":     "Саратов",
	"Europe/Ulyanovsk":   "Ульяновск",
	"Europe/Samara":      "Самара",
	"Asia/Yekaterinburg": "Екатеринбург",
	"Asia/Omsk":          "Омск",
	"Asia/Novosibirsk":   "Новосибирск",
	"Asia/Barnaul":       "Барнаул",
	"Asia/Tomsk":         "Томск",
	"Asia/Novokuznetsk":  "Новокузнецк",
	"Asia/Krasnoyarsk":   "Красноярск",
	"Asia/Irkutsk":       "Иркутск",
	"Asia/Chita":         "Чита",
	"Asia/Yakutsk":       "Якутск",
	"Asia/Khandyga":      "Хандыга",
	"Asia/Vladivostok":   "Владивосток",
	"Asia/Ust-Nera":      "Усть-Нера",
	"Asia/Magadan":       "Магадан",
	"Asia/Sakhalin":      "Сахалин",
	"Asia/Srednekolymsk": "Среднеколымск",
	"Asia/Kamchatka":     "Петропавловск-Камчатский",
	"Asia/Anadyr":        "Анадырь",
	"Europe/Minsk":       "Минск",
}

// Zone names the time zone loc as a person reads it, with its offset from
// UTC at the instant at: «Москва, UTC+3», «Калининград, UTC+2». A zone
// without a Russian name is said by its offset alone: «UTC+5:30».
func Zone(loc *time.Location, at time.Time) string {
	_, off := at.In(loc).Zone()
	utc := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "−", -off
		}
		utc += sign + fmt.Sprint(off/3600)
		if m := off % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	if city := zoneCities[loc.String()]; city != "" {
		return city + ", " + utc
	}
	return utc
}

// ZoneAndTerms names the zone the times of a page are in (shown, the
// operator's), and the zone a request's terms run in when that is another
// (own, nil when the same): «Москва, UTC+3; сроки — по часовому поясу
// «Владивосток, UTC+10»».
func ZoneAndTerms(shown, own *time.Location, at time.Time) string {
	out := Zone(shown, at)
	if own == nil || own.String() == shown.String() {
		return out
	}
	return out + "; сроки — по часовому поясу «" + Zone(own, at) + "»"
}

// Scrolling names a part of a page that scrolls sideways (a wide table on
// a phone) for a screen reader, which cannot see that it does: «Список
// обращений, прокручивается».
func Scrolling(name string) string { return name + ", прокручивается" }

// ZoneNamed reports whether the zone has a Russian name (else Zone says its
// offset alone).
func ZoneNamed(name string) bool { return zoneCities[name] != "" }

// basisRe reads a legal basis as the engine writes it: "152-FZ art. 21
// part 3.1 item 1".
var basisRe = regexp.MustCompile(`^152-FZ art\. ([0-9.]+)(?: part ([0-9.]+))?(?: item ([0-9.]+))?$`)

// Basis is a legal basis as Russian legal writing cites it: «п. 1 ч. 3.1
// ст. 21 152-ФЗ»; as given when it is not of the engine's form.
func Basis(b string) string {
	m := basisRe.FindStringSubmatch(b)
	if m == nil {
		return b
	}
	out := "ст. " + m[1] + " 152-ФЗ"
	if m[2] != "" {
		out = "ч. " + m[2] + " " + out
	}
	if m[3] != "" {
		out = "п. " + m[3] + " " + out
	}
	return out
}

// Article is a legal basis as the reminder emails cite it, the article
// first: short «ст. 21 ч. 3.1 п. 1», and full «ст. 21 ч. 3.1 п. 1
// Федерального закона № 152-ФЗ «О персональных данных»».
func Article(basis string) (short, full string) {
	s := strings.TrimSpace(strings.TrimPrefix(basis, "152-FZ"))
	s = strings.NewReplacer("art. ", "ст. ", "part ", "ч. ", "item ", "п. ").Replace(s)
	if s == "" {
		return "152-ФЗ", Law
	}
	return s, s + " " + LawGenitive
}

// Law is the full name of 152-FZ; LawGenitive the same in the genitive
// («ст. 14 Федерального закона …»).
const (
	Law         = "Федеральный закон № 152-ФЗ «О персональных данных»"
	LawGenitive = "Федерального закона № 152-ФЗ «О персональных данных»"
)

// monthNames are the months in the nominative, as a calendar heads them.
var monthNames = [...]string{"Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь",
	"Октябрь", "Ноябрь", "Декабрь"}

// Month is a month's name, as a calendar heads it: «Январь».
func Month(m time.Month) string { return monthNames[m-1] }

// MonthOf is a month in the genitive, as a date says it: «января».
func MonthOf(m time.Month) string { return months[m-1] }

// weekdays are the days of the week by time.Weekday, in full and short.
var weekdays = [...]struct{ full, short string }{{"воскресенье", "Вс"}, {"понедельник", "Пн"}, {"вторник", "Вт"},
	{"среда", "Ср"}, {"четверг", "Чт"}, {"пятница", "Пт"}, {"суббота", "Сб"}}

// Weekday is a day of the week: «понедельник».
func Weekday(d time.Weekday) string { return weekdays[d].full }

// WeekdayShort is a day of the week as a calendar's column heads it: «Пн».
func WeekdayShort(d time.Weekday) string { return weekdays[d].short }

// Day is the local date of an instant in loc: 18.05.2026.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006") }

// CalendarPage is the name of the production calendar page (/calendar),
// as the menu and the warnings call it.
const CalendarPage = "Производственный календарь"

// CalendarNotLoaded warns that year, the next one, has no decree in the
// production calendar yet (calendar.UndecreedNextYear): its days off are
// those of Labour Code arts. 111-112 alone until the Government's decree
// (art. 112 part 5) is imported.
func CalendarNotLoaded(year int) string {
	return fmt.Sprintf("Производственный календарь на %d год ещё не загружен: сроки, заходящие в %d год, считаются предварительно. "+
		"Когда выйдет постановление Правительства о переносе выходных дней, импортируйте год на странице «%s».", year, year, CalendarPage)
}

// CalendarImportCommand says how the command line imports a year, after
// CalendarNotLoaded.
const CalendarImportCommand = "Из командной строки: srok calendar import ФАЙЛ."

// What a request for details asks for (152-FZ art. 14 part 3), when the
// request's identity details lack it.
const (
	LetterMissingDocument = "номер основного документа, удостоверяющего Вашу личность, сведения о дате его выдачи и выдавшем его органе"
	LetterMissingRelation = "сведения, подтверждающие Ваше участие в отношениях с оператором (номер и дата договора, условное словесное обозначение или иные сведения), либо сведения, иным образом подтверждающие факт обработки персональных данных оператором"
)
