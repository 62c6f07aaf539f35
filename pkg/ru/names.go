package ru

import (
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// TypeForms are the words of a request type: its title on pages, and the
// noun phrase a letter declines («Ваш запрос о предоставлении сведений»,
// «регистрационный номер запроса …»).
type TypeForms struct {
	// Title is the short name pages show: «Запрос сведений».
	Title string
	// Nom, Gen and Acc are the letter's noun phrase in the nominative,
	// genitive and accusative.
	Nom, Gen, Acc string
}

// types are the request types' words (deadlines/rules.go lists the types
// with their articles).
var types = map[deadlines.RequestType]TypeForms{
	// 152-FZ art. 14 parts 3, 7.
	deadlines.TypeAccess: {"Запрос сведений",
		"запрос о предоставлении сведений, касающихся обработки персональных данных",
		"запроса о предоставлении сведений, касающихся обработки персональных данных",
		"запрос о предоставлении сведений, касающихся обработки персональных данных"},
	// art. 20 part 3, art. 21 parts 1–2.
	deadlines.TypeRectification: {"Уточнение данных",
		"требование об уточнении персональных данных",
		"требования об уточнении персональных данных",
		"требование об уточнении персональных данных"},
	// art. 20 part 3.
	deadlines.TypeErasure: {"Уничтожение данных",
		"требование об уничтожении персональных данных",
		"требования об уничтожении персональных данных",
		"требование об уничтожении персональных данных"},
	// art. 21 part 5.
	deadlines.TypeWithdrawal: {"Отзыв согласия",
		"отзыв согласия на обработку персональных данных",
		"отзыва согласия на обработку персональных данных",
		"отзыв согласия на обработку персональных данных"},
	// art. 21 part 5.1.
	deadlines.TypeStop: {"Прекращение обработки",
		"требование о прекращении обработки персональных данных",
		"требования о прекращении обработки персональных данных",
		"требование о прекращении обработки персональных данных"},
	// art. 21 part 3.
	deadlines.TypeUnlawful: {"Неправомерная обработка",
		"выявление неправомерной обработки персональных данных",
		"выявления неправомерной обработки персональных данных",
		"выявление неправомерной обработки персональных данных"},
	// art. 21 part 4.
	deadlines.TypePurpose: {"Достижение цели обработки",
		"достижение цели обработки персональных данных",
		"достижения цели обработки персональных данных",
		"достижение цели обработки персональных данных"},
	// art. 21 part 3.1.
	deadlines.TypeIncident: {"Инцидент",
		"инцидент с персональными данными",
		"инцидента с персональными данными",
		"инцидент с персональными данными"},
	// art. 20 part 4.
	deadlines.TypeAuthority: {"Запрос Роскомнадзора",
		"запрос уполномоченного органа по защите прав субъектов персональных данных",
		"запроса уполномоченного органа по защите прав субъектов персональных данных",
		"запрос уполномоченного органа по защите прав субъектов персональных данных"},
	// art. 10.1 part 12.
	deadlines.TypeDissemination: {"Прекращение распространения",
		"требование о прекращении распространения персональных данных",
		"требования о прекращении распространения персональных данных",
		"требование о прекращении распространения персональных данных"},
	// art. 16 parts 3–4.
	deadlines.TypeAutomated: {"Возражение против автоматизированного решения",
		"возражение против решения, принятого на основании исключительно автоматизированной обработки персональных данных",
		"возражения против решения, принятого на основании исключительно автоматизированной обработки персональных данных",
		"возражение против решения, принятого на основании исключительно автоматизированной обработки персональных данных"},
}

// Type is a request type's title, or its code when it has no wording.
func Type(t deadlines.RequestType) string {
	if f, ok := types[t]; ok {
		return f.Title
	}
	return string(t)
}

// TypeOf is every form of a request type; ok is false when it has no wording.
func TypeOf(t deadlines.RequestType) (TypeForms, bool) {
	f, ok := types[t]
	return f, ok
}

// ObligationWords are the words of an obligation: what the pages call it,
// and the reminder emails' name of its term.
type ObligationWords struct {
	// Name is the duty as pages list it: «Предоставить сведения».
	Name string
	// Term is the name of its term: «срок ответа на запрос».
	Term string
}

// obligations are the obligations' words, by the engine's ids.
var obligations = map[string]ObligationWords{
	deadlines.ObAccessAnswer:          {"Предоставить сведения", "срок ответа на запрос"},
	deadlines.ObAccessRefusal:         {"Мотивированный отказ", "срок мотивированного отказа"},
	deadlines.ObRectificationRectify:  {"Уточнить данные", "срок уточнения персональных данных"},
	deadlines.ObErasureDestroy:        {"Уничтожить данные", "срок уничтожения персональных данных"},
	deadlines.ObWithdrawalStopDestroy: {"Прекратить обработку и уничтожить данные", "срок прекращения обработки и уничтожения данных после отзыва согласия"},
	deadlines.ObStopStop:              {"Прекратить обработку", "срок прекращения обработки"},
	deadlines.ObDisseminationStop:     {"Прекратить распространение", "срок прекращения распространения"},
	deadlines.ObAutomatedObjection:    {"Рассмотреть возражение", "срок рассмотрения возражения"},
	deadlines.ObUnlawfulStop:          {"Прекратить неправомерную обработку", "срок прекращения неправомерной обработки"},
	deadlines.ObUnlawfulDestroy:       {"Уничтожить неправомерно обрабатываемые данные", "срок уничтожения данных при неправомерной обработке"},
	deadlines.ObPurposeDestroy:        {"Уничтожить данные по достижении цели", "срок уничтожения данных по достижении цели"},
	deadlines.ObDestructionImpossible: {"Заблокировать данные, уничтожить в срок до 6 месяцев", "срок блокирования и уничтожения данных"},
	deadlines.ObIncidentNotify:        {"Уведомить Роскомнадзор об инциденте", "срок уведомления Роскомнадзора об инциденте"},
	deadlines.ObIncidentInvestigation: {"Сообщить о результатах расследования", "срок направления результатов расследования инцидента"},
	deadlines.ObAuthorityAnswer:       {"Ответить Роскомнадзору", "срок ответа на запрос Роскомнадзора"},
}

// Obligation is an obligation's name on pages, or its id when it has none.
func Obligation(id string) string {
	if w, ok := obligations[id]; ok {
		return w.Name
	}
	return id
}

// ObligationTerm is the name of an obligation's term in the reminder
// emails: «срок ответа на запрос»; a general one for an unknown id.
func ObligationTerm(id string) string {
	if w, ok := obligations[id]; ok {
		return w.Term
	}
	return "срок исполнения обязанности"
}

// statuses are the request statuses' words.
var statuses = map[register.Status]string{
	register.StatusNew:        "новое",
	register.StatusInProgress: "в работе",
	register.StatusAnswered:   "дан ответ",
	register.StatusRefused:    "отказано",
	register.StatusClosed:     "закрыто",
	register.StatusCancelled:  "аннулировано",
}

// Status is a request's status, or its code.
func Status(s register.Status) string { return word(statuses, s) }

// obligationStatuses are where one obligation stands.
var obligationStatuses = map[register.ObligationStatus]string{
	register.ObligationOpen:          "открыта",
	register.ObligationDone:          "исполнена",
	register.ObligationNotApplicable: "не применяется",
}

// ObligationStatus is where an obligation stands, or its code.
func ObligationStatus(s register.ObligationStatus) string { return word(obligationStatuses, s) }

// channels are the channels' words.
var channels = map[register.Channel]string{
	register.ChannelEmail:     "электронная почта",
	register.ChannelPost:      "почта",
	register.ChannelInPerson:  "лично",
	register.ChannelWebForm:   "форма на сайте",
	register.ChannelPhone:     "телефон",
	register.ChannelAuthority: "от органа власти",
	register.ChannelOther:     "иное",
}

// Channel is a channel, or its code.
func Channel(c register.Channel) string { return word(channels, c) }

// outcomes are the outcomes' words.
var outcomes = map[register.Outcome]string{
	register.OutcomeFulfilled:          "выполнено",
	register.OutcomePartiallyFulfilled: "выполнено частично",
	register.OutcomeRefused:            "отказано",
}

// Outcome is an answer's outcome, or its code.
func Outcome(o register.Outcome) string { return word(outcomes, o) }

// cancelReasons are the reasons to cancel.
var cancelReasons = map[register.CancelReason]string{
	register.CancelDuplicate:     "дубликат",
	register.CancelWithdrawn:     "отозвано субъектом",
	register.CancelLoggedInError: "зарегистрировано ошибочно",
}

// CancelReason is a reason to cancel, or its code.
func CancelReason(c register.CancelReason) string { return word(cancelReasons, c) }

// events are the timeline's event kinds.
var events = map[register.EventKind]string{
	register.EventCreated:        "Зарегистрировано",
	register.EventUpdated:        "Изменено",
	register.EventRecomputed:     "Сроки пересчитаны",
	register.EventAssigned:       "Назначен исполнитель",
	register.EventExtended:       "Срок продлён",
	register.EventAnswered:       "Дан ответ",
	register.EventRefused:        "Отказано",
	register.EventClosed:         "Закрыто",
	register.EventCancelled:      "Аннулировано",
	register.EventNote:           "Заметка",
	register.EventRepeat:         "Повторный запрос",
	register.EventReminderSent:   "Напоминание отправлено",
	register.EventReminderFailed: "Напоминание не доставлено",
	register.EventEmailAttached:  "Прикреплено письмо",
	register.EventLetterIssued:   "Выпущено письмо",
}

// Event is a timeline event's kind, or its code.
func Event(k register.EventKind) string { return word(events, k) }

// roles are the roles' words.
var roles = map[srok.Role]string{
	srok.RoleAdmin: "администратор",
	// 152-FZ art. 22.1: лицо, ответственное за организацию обработки
	// персональных данных.
	srok.RoleOfficer:  "ответственный за организацию обработки персональных данных",
	srok.RoleOperator: "оператор",
	srok.RoleViewer:   "наблюдатель (только просмотр)",
}

// Role is a role, or its code.
func Role(r srok.Role) string { return word(roles, r) }

// word is m's word for k, or k itself when m has none.
func word[K ~string](m map[K]string, k K) string {
	if w, ok := m[k]; ok {
		return w
	}
	return string(k)
}

// reasons say why an action on a request is not allowed now, as the pages
// show it next to the action.
var reasons = map[register.Reason]string{
	register.ReasonForbidden:       "недостаточно прав",
	register.ReasonNotAssigned:     "обращение ещё не взято в работу: сначала назначьте исполнителя",
	register.ReasonNotAnswered:     "закрыть можно только обращение, на которое дан ответ или отказ",
	register.ReasonAnswered:        "на обращение уже дан ответ",
	register.ReasonRefused:         "по обращению уже дан мотивированный отказ",
	register.ReasonClosed:          "обращение закрыто",
	register.ReasonCancelled:       "обращение аннулировано",
	register.ReasonAlreadyExtended: "срок уже продлён: продлить его можно только один раз",
	register.ReasonNotExtendable:   "срок по этому обращению продлить нельзя",
}

// Reason says why an action is not allowed, or its code.
func Reason(r register.Reason) string { return word(reasons, r) }

// actions name the actions on a request.
var actions = map[register.ActionName]string{
	register.ActionAssign: "Назначить исполнителя",
	register.ActionExtend: "Продлить срок",
	register.ActionAnswer: "Записать ответ",
	register.ActionRefuse: "Записать мотивированный отказ",
	register.ActionClose:  "Закрыть",
	register.ActionCancel: "Аннулировать",
	register.ActionNote:   "Добавить заметку",
}

// Action names an action on a request, or its code.
func Action(n register.ActionName) string { return word(actions, n) }

// Requester says who a request is from, as lists show it: the name, or,
// when the request came without one, its email, phone or postal address
// (what identifies the requester and where the answer goes); "—" for an
// event without a requester.
func Requester(s register.Subject) string {
	for _, v := range []string{s.Name, s.Email, s.Phone, s.PostalAddress} {
		if v != "" {
			return v
		}
	}
	return "—"
}

// letterKinds name the letters to a data subject (pkg/letters).
var letterKinds = map[letters.Kind]string{
	letters.KindAnswer:         "Ответ на запрос",
	letters.KindExtension:      "Уведомление о продлении срока",
	letters.KindRefusal:        "Мотивированный отказ",
	letters.KindDetailsRequest: "Запрос недостающих сведений",
}

// LetterKind is a kind of letter's name.
func LetterKind(k letters.Kind) string { return word(letterKinds, k) }
