package letters

import (
	"strconv"
	"strings"
)

// Placeholder is a name a template may use: {name} for a value, and
// {#name}…{/name} (or {^name}…{/name}, its opposite) for a block of
// paragraphs repeated for each item of a list, or kept only when a value is
// given (a yes/no or a non-empty text).
type Placeholder struct {
	Name string
	// Description says in Russian what the value is, for the template's
	// editor.
	Description string
	// List: a block {#name}…{/name} repeats for each item; its items' own
	// placeholders are valid only inside it.
	List bool
	// Flag: only a block, kept when yes ({#name}) or when no ({^name}).
	Flag bool
	// In is the list whose items carry this placeholder, "" for the letter.
	In string
}

var common = []Placeholder{
	{Name: "operator_name", Description: "полное наименование оператора"},
	{Name: "operator_short_name", Description: "сокращённое наименование оператора"},
	{Name: "operator_address", Description: "адрес (место нахождения) оператора"},
	{Name: "operator_phone", Description: "телефон оператора"},
	{Name: "operator_email", Description: "адрес электронной почты оператора"},
	{Name: "operator_ogrn", Description: "ОГРН оператора"},
	{Name: "operator_inn", Description: "ИНН оператора"},
	{Name: "operator_kpp", Description: "КПП оператора"},
	{Name: "letter_number", Description: "исходящий номер письма"},
	{Name: "letter_date", Description: "дата письма"},
	{Name: "addressee_name", Description: "адресат: ФИО в дательном падеже"},
	{Name: "addressee_address", Description: "почтовый или электронный адрес адресата"},
	{Name: "request_number", Description: "регистрационный номер запроса"},
	{Name: "request_date", Description: "дата регистрации запроса"},
	{Name: "request_type", Description: "вид запроса"},
	{Name: "legal_basis", Description: "правовое основание письма (норма закона)"},
	{Name: "title", Description: "заголовок письма"},
	{Name: "signatory_position", Description: "должность подписанта"},
	{Name: "signatory_name", Description: "инициалы и фамилия подписанта"},
	{Name: "executor_name", Description: "исполнитель: ФИО"},
	{Name: "executor_phone", Description: "исполнитель: телефон"},
	{Name: "access", Description: "запрос о предоставлении сведений (блок)", Flag: true},
	{Name: "rectification", Description: "запрос об уточнении данных (блок)", Flag: true},
	{Name: "erasure", Description: "запрос об уничтожении данных (блок)", Flag: true},
	{Name: "stop_processing", Description: "запрос о прекращении обработки (блок)", Flag: true},
	{Name: "withdraw_consent", Description: "отзыв согласия на обработку (блок)", Flag: true},
}

var byKind = map[Kind][]Placeholder{
	KindAnswer: {
		{Name: "records", Description: "записи об обработке, касающиеся субъекта (повторяемый блок)", List: true},
		{Name: "record_number", Description: "порядковый номер записи", In: "records"},
		{Name: "record_purpose", Description: "цель обработки", In: "records"},
		{Name: "record_legal_basis", Description: "правовое основание обработки", In: "records"},
		{Name: "record_data", Description: "обрабатываемые персональные данные", In: "records"},
		{Name: "record_source", Description: "источник получения данных", In: "records"},
		{Name: "record_subjects", Description: "категории субъектов", In: "records"},
		{Name: "record_methods", Description: "способы обработки", In: "records"},
		{Name: "record_processing_term", Description: "срок обработки", In: "records"},
		{Name: "record_storage_term", Description: "срок хранения", In: "records"},
		{Name: "record_recipients", Description: "третьи лица, которым передаются данные", In: "records"},
		{Name: "record_cross_border", Description: "трансграничная передача", In: "records"},
		{Name: "record_processors", Description: "лица, обрабатывающие данные по поручению оператора", In: "records"},
		{Name: "access_persons", Description: "лица, имеющие доступ к данным (п. 4 ч. 7 ст. 14)"},
		{Name: "rights_procedure", Description: "порядок осуществления прав субъекта (п. 7 ч. 7 ст. 14)"},
		{Name: "duties", Description: "способы исполнения обязанностей по ст. 18.1 (п. 9.1 ч. 7 ст. 14)"},
		{Name: "other_info", Description: "иные сведения (п. 10 ч. 7 ст. 14)"},
		{Name: "actions", Description: "выполненные действия (повторяемый блок)", List: true},
		{Name: "action_number", Description: "порядковый номер действия", In: "actions"},
		{Name: "action_what", Description: "что сделано", In: "actions"},
		{Name: "action_when", Description: "когда сделано", In: "actions"},
		{Name: "third_parties", Description: "уведомлённые третьи лица, которым передавались данные"},
	},
	KindExtension: {
		{Name: "extension_reasons", Description: "причины продления срока"},
		{Name: "due_date", Description: "срок ответа до продления"},
		{Name: "new_due_date", Description: "новый срок ответа"},
	},
	KindRefusal: {
		{Name: "refusal_ground", Description: "основание отказа (положение федерального закона)"},
		{Name: "refusal_reasons", Description: "мотивы отказа"},
	},
	KindDetailsRequest: {
		{Name: "missing", Description: "недостающие сведения (повторяемый блок)", List: true},
		{Name: "missing_number", Description: "порядковый номер", In: "missing"},
		{Name: "missing_item", Description: "чего не хватает в запросе", In: "missing"},
		{Name: "answer_by", Description: "срок, до которого оператор ответит"},
	},
}

// Placeholders lists the placeholders a template of kind k may use, for the
// documentation and the template editor's page; nil for an unknown kind.
func Placeholders(k Kind) []Placeholder {
	if !k.Valid() {
		return nil
	}
	out := append([]Placeholder(nil), common...)
	return append(out, byKind[k]...)
}

func lookupPlaceholder(k Kind, name string) (Placeholder, bool) {
	for _, p := range Placeholders(k) {
		if p.Name == name {
			return p, true
		}
	}
	return Placeholder{}, false
}

// scope is the values of one level: a string, a bool or a list of scopes.
type scope map[string]any

// DefaultTitle is the heading of a letter of kind k answering a request of
// type t, as in Russian business practice («О …»).
func DefaultTitle(k Kind, t RequestType) string {
	switch k {
	case KindExtension:
		return "О продлении срока ответа на запрос"
	case KindRefusal:
		if t == RequestAccess {
			return "Об отказе в предоставлении сведений, касающихся обработки персональных данных"
		}
		return "Об отказе в удовлетворении запроса"
	case KindDetailsRequest:
		return "О представлении недостающих сведений"
	}
	switch t {
	case RequestRectification:
		return "Об уточнении персональных данных"
	case RequestErasure:
		return "Об уничтожении персональных данных"
	case RequestStopProcessing:
		return "О прекращении обработки персональных данных"
	case RequestWithdrawConsent:
		return "О прекращении обработки персональных данных в связи с отзывом согласия"
	}
	return "О предоставлении сведений, касающихся обработки персональных данных"
}

const law = "Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»"

// DefaultLegalBasis is the provision a letter of kind k on a request of type
// t cites when the caller names none.
func DefaultLegalBasis(k Kind, t RequestType) string {
	switch k {
	case KindExtension:
		// 152-FZ art. 14 part 3 (access), art. 20 part 2 (the other requests).
		if t == RequestAccess {
			return "частью 3 статьи 14 " + law
		}
		return "частью 2 статьи 20 " + law
	case KindRefusal:
		// 152-FZ art. 20 part 2: a refusal is a motivated written answer
		// citing its ground (art. 14 part 8 or another federal law).
		return "частью 2 статьи 20 " + law
	case KindDetailsRequest:
		return "частью 3 статьи 14 " + law
	}
	switch t {
	case RequestRectification:
		return "частью 3 статьи 20 " + law
	case RequestErasure:
		return "частью 3 статьи 20 и частью 3 статьи 21 " + law
	case RequestStopProcessing:
		return "частями 3 и 4 статьи 21 " + law
	case RequestWithdrawConsent:
		return "частью 2 статьи 9 и частью 5 статьи 21 " + law
	}
	return "частью 7 статьи 14 " + law
}

// DefaultRightsProcedure is item 7 of 152-FZ art. 14 part 7 when the
// operator words none: the rights of arts. 14, 20, 21 and 17 and how to use
// them.
const DefaultRightsProcedure = "Вы вправе получать сведения об обработке Ваших персональных данных, " +
	"требовать их уточнения, блокирования или уничтожения, если они являются неполными, устаревшими, " +
	"неточными, незаконно полученными или не являются необходимыми для заявленной цели обработки " +
	"(статья 14 Федерального закона № 152-ФЗ), отозвать согласие на обработку (часть 2 статьи 9), " +
	"а также обжаловать действия или бездействие оператора в Роскомнадзоре или в судебном порядке " +
	"(статья 17). Запрос направляется оператору в письменной форме или в форме электронного документа, " +
	"подписанного электронной подписью, по адресу, указанному в настоящем письме."

// values turns d into the root scope of a letter of kind k.
func (d Data) values(k Kind) scope {
	t := d.Request.Type
	s := scope{
		"operator_name":       d.Operator.Name,
		"operator_short_name": or(d.Operator.ShortName, d.Operator.Name),
		"operator_address":    d.Operator.Address,
		"operator_phone":      d.Operator.Phone,
		"operator_email":      d.Operator.Email,
		"operator_ogrn":       d.Operator.OGRN,
		"operator_inn":        d.Operator.INN,
		"operator_kpp":        d.Operator.KPP,
		"letter_number":       d.Letter.Number,
		"letter_date":         d.Letter.Date,
		"addressee_name":      d.Addressee.Name,
		"addressee_address":   d.Addressee.Address,
		"request_number":      d.Request.Number,
		"request_date":        d.Request.Date,
		"request_type":        d.Request.TypeName,
		"legal_basis":         or(d.LegalBasis, DefaultLegalBasis(k, t)),
		"title":               or(d.Title, DefaultTitle(k, t)),
		"signatory_position":  d.Signatory.Position,
		"signatory_name":      d.Signatory.Name,
		"executor_name":       d.Executor.Name,
		"executor_phone":      d.Executor.Phone,
		"access":              t == RequestAccess,
		"rectification":       t == RequestRectification,
		"erasure":             t == RequestErasure,
		"stop_processing":     t == RequestStopProcessing,
		"withdraw_consent":    t == RequestWithdrawConsent,
	}
	switch k {
	case KindAnswer:
		var recs []scope
		for i, r := range d.Access.Records {
			recs = append(recs, scope{
				"record_number":          strconv.Itoa(i + 1),
				"record_purpose":         r.Purpose,
				"record_legal_basis":     r.LegalBasis,
				"record_data":            r.Data,
				"record_source":          r.Source,
				"record_subjects":        r.Subjects,
				"record_methods":         r.Methods,
				"record_processing_term": r.ProcessingTerm,
				"record_storage_term":    r.StorageTerm,
				"record_recipients":      r.Recipients,
				"record_cross_border":    r.CrossBorder,
				"record_processors":      r.Processors,
			})
		}
		s["records"] = recs
		var acts []scope
		for i, a := range d.Actions {
			acts = append(acts, scope{"action_number": strconv.Itoa(i + 1), "action_what": a.What, "action_when": a.When})
		}
		s["actions"] = acts
		s["access_persons"] = d.Access.AccessPersons
		s["rights_procedure"] = or(d.Access.RightsProcedure, DefaultRightsProcedure)
		s["duties"] = d.Access.Duties
		s["other_info"] = d.Access.Other
		s["third_parties"] = d.ThirdParties
	case KindExtension:
		s["extension_reasons"] = d.Extension.Reasons
		s["due_date"] = d.Extension.DueDate
		s["new_due_date"] = d.Extension.NewDueDate
	case KindRefusal:
		s["refusal_ground"] = d.Refusal.Ground
		s["refusal_reasons"] = d.Refusal.Reasons
	case KindDetailsRequest:
		var ms []scope
		for i, m := range d.Details.Missing {
			ms = append(ms, scope{"missing_number": strconv.Itoa(i + 1), "missing_item": m})
		}
		s["missing"] = ms
		s["answer_by"] = d.Details.AnswerBy
	}
	return s
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
