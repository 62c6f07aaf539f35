package web

import (
	"fmt"
	"regexp"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Russian words for what the pages show, in one place.

// roleNames are the roles as the pages name them.
var roleNames = map[srok.Role]string{
	srok.RoleAdmin: "администратор",
	// 152-FZ art. 22.1: лицо, ответственное за организацию обработки
	// персональных данных.
	srok.RoleOfficer:  "ответственный за организацию обработки персональных данных",
	srok.RoleOperator: "оператор",
	srok.RoleViewer:   "наблюдатель (только просмотр)",
}

// roleName is the role in Russian, or its code when it has no name.
func roleName(r srok.Role) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}

// plural picks the Russian form of a count: one (1, 21, 101), few (2–4,
// 22–24) or many (0, 5–20, 25–30, 11–14 too).
func plural(n int, one, few, many string) string {
	n %= 100
	switch {
	case n >= 11 && n <= 14:
		return many
	case n%10 == 1:
		return one
	case n%10 >= 2 && n%10 <= 4:
		return few
	}
	return many
}

// retryIn says when a locked sign-in may be tried again, d from now, and
// at what time of the clock's location: «через 15 минут (в 09:15)». A wait
// under a minute is said in seconds; longer ones, and the time, round up to
// the minute: the page must not send anyone back too early.
func retryIn(d time.Duration, now time.Time) string {
	at := now.Add(d)
	if t := at.Truncate(time.Minute); !t.Equal(at) {
		at = t.Add(time.Minute)
	}
	if n := max(int((d+time.Second-1)/time.Second), 1); n < 60 {
		return fmt.Sprintf("через %d %s", n, plural(n, "секунду", "секунды", "секунд"))
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("через %d %s (в %s)", n, plural(n, "минуту", "минуты", "минут"), at.Format("15:04"))
}

// workingDays says n working days with the right plural: «1 рабочий
// день», «3 рабочих дня», «5 рабочих дней».
func workingDays(n int) string {
	return fmt.Sprintf("%d %s", n, plural(n, "рабочий день", "рабочих дня", "рабочих дней"))
}

// dayCount says n calendar days: «1 день», «2 дня», «5 дней».
func dayCount(n int) string {
	return fmt.Sprintf("%d %s", n, plural(n, "день", "дня", "дней"))
}

// requestCount says n requests: «1 обращение», «2 обращения», «5 обращений».
func requestCount(n int) string {
	return fmt.Sprintf("%d %s", n, plural(n, "обращение", "обращения", "обращений"))
}

// ruDate is a local date as the pages write it: 18.05.2026.
func ruDate(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%04d", day, int(m), y)
}

// ruTime is an instant in loc as the pages write it: 18.05.2026 14:30.
func ruTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006 15:04") }

// typeNames are the request types as the pages name them.
var typeNames = map[deadlines.RequestType]string{
	deadlines.TypeAccess:        "Запрос сведений",
	deadlines.TypeRectification: "Уточнение данных",
	deadlines.TypeErasure:       "Уничтожение данных",
	deadlines.TypeWithdrawal:    "Отзыв согласия",
	deadlines.TypeStop:          "Прекращение обработки",
	deadlines.TypeUnlawful:      "Неправомерная обработка",
	deadlines.TypePurpose:       "Достижение цели обработки",
	deadlines.TypeIncident:      "Инцидент",
	deadlines.TypeAuthority:     "Запрос Роскомнадзора",
	deadlines.TypeDissemination: "Прекращение распространения",
	deadlines.TypeAutomated:     "Возражение против автоматизированного решения",
}

// typeName is a request type in Russian, or its code when it has no name.
func typeName(t deadlines.RequestType) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return string(t)
}

// statusNames are the statuses of a request in Russian.
var statusNames = map[register.Status]string{
	register.StatusNew:        "новое",
	register.StatusInProgress: "в работе",
	register.StatusAnswered:   "дан ответ",
	register.StatusRefused:    "отказано",
	register.StatusClosed:     "закрыто",
	register.StatusCancelled:  "аннулировано",
}

// statusName is a status in Russian, or its code.
func statusName(s register.Status) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return string(s)
}

// channelNames are the channels in Russian.
var channelNames = map[register.Channel]string{
	register.ChannelEmail:     "электронная почта",
	register.ChannelPost:      "почта",
	register.ChannelInPerson:  "лично",
	register.ChannelWebForm:   "форма на сайте",
	register.ChannelPhone:     "телефон",
	register.ChannelAuthority: "от органа власти",
	register.ChannelOther:     "иное",
}

// channelName is a channel in Russian, or its code.
func channelName(c register.Channel) string {
	if n, ok := channelNames[c]; ok {
		return n
	}
	return string(c)
}

// obligationNames are the obligations in Russian, by the engine's id.
var obligationNames = map[string]string{
	"access.answer":           "Предоставить сведения",
	"access.refusal":          "Мотивированный отказ",
	"rectification.rectify":   "Уточнить данные",
	"erasure.destroy":         "Уничтожить данные",
	"withdrawal.stop_destroy": "Прекратить обработку и уничтожить данные",
	"stop.stop":               "Прекратить обработку",
	"dissemination.stop":      "Прекратить распространение",
	"automated.objection":     "Рассмотреть возражение",
	"unlawful.stop":           "Прекратить неправомерную обработку",
	"unlawful.destroy":        "Уничтожить неправомерно обрабатываемые данные",
	"purpose.destroy":         "Уничтожить данные по достижении цели",
	"destruction.impossible":  "Заблокировать данные, уничтожить в срок до 6 месяцев",
	"incident.notify":         "Уведомить Роскомнадзор об инциденте",
	"incident.investigation":  "Сообщить о результатах расследования",
	"authority.answer":        "Ответить Роскомнадзору",
}

// obligationName is an obligation in Russian, or its id.
func obligationName(id string) string {
	if n, ok := obligationNames[id]; ok {
		return n
	}
	return id
}

// cancelReasonNames are the reasons to cancel in Russian.
var cancelReasonNames = map[register.CancelReason]string{
	register.CancelDuplicate:     "дубликат",
	register.CancelWithdrawn:     "отозвано субъектом",
	register.CancelLoggedInError: "зарегистрировано ошибочно",
}

// outcomeNames are the outcomes of an answer in Russian.
var outcomeNames = map[register.Outcome]string{
	register.OutcomeFulfilled:          "выполнено",
	register.OutcomePartiallyFulfilled: "выполнено частично",
	register.OutcomeRefused:            "отказано",
}

// eventNames are the kinds of timeline events in Russian.
var eventNames = map[register.EventKind]string{
	register.EventCreated:    "Зарегистрировано",
	register.EventUpdated:    "Изменено",
	register.EventRecomputed: "Сроки пересчитаны",
	register.EventAssigned:   "Назначен исполнитель",
	register.EventExtended:   "Срок продлён",
	register.EventAnswered:   "Дан ответ",
	register.EventRefused:    "Отказано",
	register.EventClosed:     "Закрыто",
	register.EventCancelled:  "Аннулировано",
	register.EventNote:       "Заметка",
	register.EventRepeat:     "Повторный запрос",
	"reminder_sent":          "Напоминание отправлено",
	"reminder_failed":        "Напоминание не доставлено",
}

// eventName is an event kind in Russian, or its code.
func eventName(k register.EventKind) string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return string(k)
}

// basisRe reads a legal basis as the engine writes it: "152-FZ art. 21
// part 3.1 item 1".
var basisRe = regexp.MustCompile(`^152-FZ art\. ([0-9.]+)(?: part ([0-9.]+))?(?: item ([0-9.]+))?$`)

// basisName is a legal basis as Russian writes it: «п. 1 ч. 3.1 ст. 21
// 152-ФЗ»; as given when it is not of that form.
func basisName(b string) string {
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
