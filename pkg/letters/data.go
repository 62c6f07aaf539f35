package letters

import (
	"strconv"
	"strings"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// Kind is the kind of letter (вид письма) an operator sends a data subject.
type Kind string

// The kinds of letters.
const (
	// KindAnswer: the answer to a request. For an access request it gives
	// every item of 152-FZ art. 14 part 7; for the other requests it
	// notifies what was done (art. 20 part 3, art. 21 parts 3–5).
	KindAnswer Kind = "answer"
	// KindExtension: the motivated notice extending the term by 5 working
	// days (152-FZ art. 14 part 3, art. 20 part 2).
	KindExtension Kind = "extension"
	// KindRefusal: the motivated refusal citing its ground (152-FZ art. 14
	// part 8, or another federal law).
	KindRefusal Kind = "refusal"
	// KindDetailsRequest: asks the subject for what art. 14 part 3 requires
	// and the request lacks; the term keeps running.
	KindDetailsRequest Kind = "details_request"
)

// Kinds lists every kind, in the order a UI shows them.
var Kinds = []Kind{KindAnswer, KindExtension, KindRefusal, KindDetailsRequest}

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// RequestType is the type of the subject's request the letter answers; it
// decides what an answer says.
type RequestType string

// The request types.
const (
	// RequestAccess: access to the subject's data (152-FZ art. 14).
	RequestAccess RequestType = "access"
	// RequestRectification: rectify the data (art. 14 part 1, art. 20 part 3).
	RequestRectification RequestType = "rectification"
	// RequestErasure: destroy the data (art. 20 part 3, art. 21 part 3).
	RequestErasure RequestType = "erasure"
	// RequestStopProcessing: stop processing (art. 21 parts 3–4).
	RequestStopProcessing RequestType = "stop_processing"
	// RequestWithdrawConsent: consent withdrawn (art. 9 part 2, art. 21 part 5).
	RequestWithdrawConsent RequestType = "withdraw_consent"
)

// RequestTypes lists every request type.
var RequestTypes = []RequestType{RequestAccess, RequestRectification, RequestErasure, RequestStopProcessing, RequestWithdrawConsent}

// Data is what a letter says, already worded in Russian by the caller:
// dates as the operator writes them («18 мая 2026 г.»), names of types in
// Russian. Lines in a value are kept as line breaks.
type Data struct {
	Operator  Operator
	Letter    Letter
	Addressee Addressee
	Request   Request
	// LegalBasis is the provision the letter rests on, as cited in its
	// text; empty: DefaultLegalBasis of the kind and the request type.
	LegalBasis string
	// Title is the letter's heading; empty: DefaultTitle.
	Title     string
	Signatory Person
	// Executor (исполнитель) is optional: name and phone at the bottom left.
	Executor Executor

	// Answer to an access request (152-FZ art. 14 part 7).
	Access Access
	// Actions done, for an answer to any other request (art. 20 part 3,
	// art. 21 parts 3–5).
	Actions []Action
	// ThirdParties names those to whom the data were transferred and who
	// were informed of the change (art. 20 part 3); optional.
	ThirdParties string

	// Extension of the term (art. 14 part 3, art. 20 part 2).
	Extension Extension
	// Refusal and its ground (art. 14 part 8).
	Refusal Refusal
	// Details asked for (art. 14 part 3).
	Details Details

	// Issued is the moment the letter is issued: stamped into the PDF's and
	// the DOCX's metadata so identical input gives identical bytes. It is
	// never shown in the text. Zero: a fixed date.
	Issued time.Time
}

// Operator (оператор) is who processes the data and signs the letter; its
// requisites head the letter (ГОСТ Р 7.0.97-2016).
type Operator struct {
	// Name is the full name as in the charter; ShortName the short one.
	Name, ShortName string
	Address         string
	Phone, Email    string
	OGRN, INN, KPP  string
}

// Letter is the outgoing letter's registration: its number (исх. №) and
// date as written on it (18.05.2026).
type Letter struct {
	Number, Date string
}

// Addressee is whom the letter goes to: the name in the dative case
// («Иванову Ивану Ивановичу») and the postal or email address.
type Addressee struct {
	Name, Address string
}

// Request is the subject's request being answered: its registration number
// and date (in words), its type, and the type's Russian name.
type Request struct {
	Number, Date string
	Type         RequestType
	TypeName     string
}

// Person is a signatory: position and name («И. И. Петров»).
type Person struct {
	Position, Name string
}

// Executor is who prepared the letter, for the subject's questions.
type Executor struct {
	Name, Phone string
}

// Access is the answer to an access request (152-FZ art. 14 part 7).
type Access struct {
	// Records are the processing records that concern the subject, one
	// block each (items 2, 3, 5, 6, 8, 9).
	Records []Record
	// AccessPersons are those, other than employees, who have access or may
	// receive the data under a contract or a federal law (item 4).
	AccessPersons string
	// RightsProcedure is how the subject exercises the rights (item 7);
	// empty: DefaultRightsProcedure.
	RightsProcedure string
	// Duties is how the operator meets its duties under art. 18.1 (item 9.1).
	Duties string
	// Other is other information required by federal laws (item 10); optional.
	Other string
}

// Record is one processing record (запись о процессе обработки) concerning
// the subject.
type Record struct {
	Purpose, LegalBasis string
	// Data are the categories of data processed, and Source where they
	// came from (item 5).
	Data, Source string
	Subjects     string
	Methods      string
	// ProcessingTerm and StorageTerm (item 6).
	ProcessingTerm, StorageTerm string
	// Recipients are third parties who receive the data (item 4).
	Recipients string
	// CrossBorder is the cross-border transfer done or planned, or that
	// there is none (item 8).
	CrossBorder string
	// Processors are who process the data on the operator's behalf, with
	// their addresses, or that there are none (item 9).
	Processors string
}

// Action is one thing done on the request: what, and when (in words).
type Action struct {
	What, When string
}

// Extension is why the term is extended and until when.
type Extension struct {
	Reasons string
	// DueDate is the term before the extension; NewDueDate after it.
	DueDate, NewDueDate string
}

// Refusal is the ground of a refusal (the provision) and its reasons.
type Refusal struct {
	Ground, Reasons string
}

// Details is what the request lacks and until when the operator answers.
type Details struct {
	Missing []string
	// AnswerBy is the term, which keeps running (in words).
	AnswerBy string
}

// Problem is one thing missing for a letter: the field (dotted, as in
// the API) and what is missing, in Russian.
type Problem = srok.FieldError

// Missing names, in Russian, what d lacks for a letter of kind k. A letter
// renders only when nothing is missing.
func (d Data) Missing(k Kind) []Problem {
	var f srok.Fields
	need := func(v, field, what string) {
		if strings.TrimSpace(v) == "" {
			f.Add(field, "не указано: %s", what)
		}
	}
	if !k.Valid() {
		f.Add("kind", "неизвестный вид письма %q", string(k))
		return f
	}
	need(d.Operator.Name, "operator.name", "полное наименование оператора")
	need(d.Operator.Address, "operator.address", "адрес оператора")
	need(d.Operator.INN, "operator.inn", "ИНН оператора")
	need(d.Operator.OGRN, "operator.ogrn", "ОГРН оператора")
	need(d.Letter.Number, "letter.number", "исходящий номер письма")
	need(d.Letter.Date, "letter.date", "дата письма")
	need(d.Addressee.Name, "addressee.name", "адресат (ФИО в дательном падеже)")
	need(d.Addressee.Address, "addressee.address", "адрес адресата")
	need(d.Request.Number, "request.number", "регистрационный номер запроса")
	need(d.Request.Date, "request.date", "дата запроса")
	need(d.Request.TypeName, "request.type_name", "вид запроса")
	valid := false
	for _, t := range RequestTypes {
		valid = valid || d.Request.Type == t
	}
	if !valid {
		f.Add("request.type", "не указан или неизвестен тип запроса")
	}
	need(d.Signatory.Position, "signatory.position", "должность подписанта")
	need(d.Signatory.Name, "signatory.name", "подписант (инициалы и фамилия)")
	switch k {
	case KindAnswer:
		if d.Request.Type == RequestAccess {
			if len(d.Access.Records) == 0 {
				f.Add("access.records", "не указана ни одна запись об обработке, касающаяся субъекта (ч. 7 ст. 14 152-ФЗ)")
			}
			for i, r := range d.Access.Records {
				p := "access.records[" + strconv.Itoa(i) + "]."
				n := " (обработка № " + strconv.Itoa(i+1) + ")"
				need(r.Purpose, p+"purpose", "цель обработки"+n)
				need(r.LegalBasis, p+"legal_basis", "правовое основание обработки"+n)
				need(r.Data, p+"data", "обрабатываемые персональные данные"+n)
				need(r.Source, p+"source", "источник получения данных"+n)
				need(r.Subjects, p+"subjects", "категории субъектов"+n)
				need(r.Methods, p+"methods", "способы обработки"+n)
				need(r.ProcessingTerm, p+"processing_term", "срок обработки"+n)
				need(r.StorageTerm, p+"storage_term", "срок хранения"+n)
				need(r.Recipients, p+"recipients", "третьи лица, получающие данные, или что их нет"+n)
				need(r.CrossBorder, p+"cross_border", "сведения о трансграничной передаче или что её нет"+n)
				need(r.Processors, p+"processors", "лица, обрабатывающие данные по поручению, или что их нет"+n)
			}
			need(d.Access.AccessPersons, "access.access_persons", "лица, имеющие доступ к данным (п. 4 ч. 7 ст. 14), или что их нет")
			need(d.Access.Duties, "access.duties", "способы исполнения обязанностей по ст. 18.1 (п. 9.1 ч. 7 ст. 14)")
		} else if valid {
			if len(d.Actions) == 0 {
				f.Add("actions", "не указано ни одно выполненное действие (что сделано и когда)")
			}
			for i, a := range d.Actions {
				need(a.What, "actions["+strconv.Itoa(i)+"].what", "что сделано (действие № "+strconv.Itoa(i+1)+")")
				need(a.When, "actions["+strconv.Itoa(i)+"].when", "когда сделано (действие № "+strconv.Itoa(i+1)+")")
			}
		}
	case KindExtension:
		need(d.Extension.Reasons, "extension.reasons", "причины продления срока")
		need(d.Extension.NewDueDate, "extension.new_due_date", "новый срок ответа")
	case KindRefusal:
		need(d.Refusal.Ground, "refusal.ground", "основание отказа (положение федерального закона)")
		need(d.Refusal.Reasons, "refusal.reasons", "мотивы отказа")
	case KindDetailsRequest:
		if len(d.Details.Missing) == 0 {
			f.Add("details.missing", "не указано, каких сведений не хватает в запросе (ч. 3 ст. 14 152-ФЗ)")
		}
		for i, m := range d.Details.Missing {
			need(m, "details.missing["+strconv.Itoa(i)+"]", "недостающее сведение № "+strconv.Itoa(i+1))
		}
		need(d.Details.AnswerBy, "details.answer_by", "срок, до которого оператор ответит на запрос")
	}
	return f
}

// Validate returns nil when a letter of kind k can be rendered from d, or
// an EINVALID error whose message lists, in Russian, what is missing.
func (d Data) Validate(k Kind) error {
	m := d.Missing(k)
	if len(m) == 0 {
		return nil
	}
	var s strings.Builder
	s.WriteString("письмо не может быть сформировано: ")
	for i, p := range m {
		if i > 0 {
			s.WriteString("; ")
		}
		s.WriteString(p.Problem)
	}
	return &srok.Error{Code: srok.EINVALID, Message: s.String(), Fields: m, Reason: "letter_incomplete"}
}
