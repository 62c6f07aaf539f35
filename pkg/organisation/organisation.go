// Package organisation is the operator of personal data (оператор) as Srok
// knows it: its details (реквизиты), the person responsible for organising
// the processing (152-FZ art. 22.1), the signatory of its letters, its
// processing records (one per purpose, what an answer to an access request
// gives under art. 14 part 7) and the versions of its letter templates. It
// also composes the letters of a request (Letters) from the register, the
// details and the templates, and renders them with package letters.
//
// Everyone signed in may read the details; only an administrator changes
// them or the templates (srok.ActOrganisationManage), and every change is in
// the audit trail, written in the change's transaction. It imports neither
// Echo nor GORM.
package organisation

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/srok"
)

// Details are the operator's details and processing records.
type Details struct {
	// Name is the full name as in the charter; ShortName the short one.
	Name, ShortName string
	// INN (ИНН, 10 digits for an organisation, 12 for an individual
	// entrepreneur), OGRN (ОГРН, 13 digits, or ОГРНИП, 15) and KPP (КПП,
	// optional).
	INN, OGRN, KPP string
	Address        string
	Email, Phone   string
	// Responsible is the person responsible for organising the processing
	// of personal data (152-FZ art. 22.1 part 1).
	Responsible Person
	// Signatory signs the letters.
	Signatory Person
	// NumberFormat is the format of a letter's outgoing number: {seq} the
	// letter's sequence number, {year} the year (DefaultNumberFormat).
	NumberFormat string
	// AccessPersons, RightsProcedure, Duties and Other are the parts of an
	// answer to an access request common to every subject (152-FZ art. 14
	// part 7 items 4, 7, 9.1 and 10).
	AccessPersons, RightsProcedure, Duties, Other string
	// Records are the processing records, one per purpose.
	Records []Record
	// Version counts the saved changes, 0 before the first.
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// Person is someone the details name: a name, a position and, for the
// responsible person, how to reach them.
type Person struct {
	Name, Position, Contact string
}

// Record is one processing record (сведения об обработке): a purpose and
// what 152-FZ art. 14 part 7 items 2–3, 5–6, 8 and 9 ask about it.
type Record struct {
	// ID is given by Srok when the record is first saved.
	ID         string
	Purpose    string
	LegalBasis string
	// Data are the categories of data processed, Source where they come
	// from.
	Data, Source string
	Subjects     string
	Methods      string
	// ProcessingTerm and StorageTerm (item 6).
	ProcessingTerm, StorageTerm string
	// Recipients are the third parties who receive the data (item 4).
	Recipients string
	// CrossBorder is the cross-border transfer, or that there is none
	// (item 8).
	CrossBorder string
	// Processors are those processing the data on the operator's behalf,
	// with their addresses, or that there are none (item 9).
	Processors string
}

// DefaultNumberFormat is the outgoing number's format until one is set.
const DefaultNumberFormat = "{year}-{seq}"

// Bounds of what is kept.
const (
	// MaxText is the length of a text field, in characters.
	MaxText = 4000
	// MaxRecords is how many processing records the operator keeps.
	MaxRecords = 100
)

// Validate normalises d (trims spaces, sets the default number format,
// gives new records an id) and refuses, naming each field, what is not a
// valid value.
func (d *Details) Validate() error {
	var f srok.Fields
	text := func(v *string, field string, need bool) {
		*v = strings.TrimSpace(*v)
		switch {
		case !utf8.ValidString(*v) || strings.ContainsRune(*v, 0):
			f.Add(field, "недопустимые символы")
		case utf8.RuneCountInString(*v) > MaxText:
			f.Add(field, "не длиннее %d символов", MaxText)
		case need && *v == "":
			f.Add(field, "обязательное поле")
		}
	}
	text(&d.Name, "name", true)
	text(&d.ShortName, "short_name", false)
	text(&d.INN, "inn", true)
	text(&d.OGRN, "ogrn", true)
	text(&d.KPP, "kpp", false)
	text(&d.Address, "address", true)
	text(&d.Email, "email", false)
	text(&d.Phone, "phone", false)
	text(&d.Responsible.Name, "responsible.name", false)
	text(&d.Responsible.Position, "responsible.position", false)
	text(&d.Responsible.Contact, "responsible.contact", false)
	text(&d.Signatory.Name, "signatory.name", false)
	text(&d.Signatory.Position, "signatory.position", false)
	text(&d.NumberFormat, "number_format", false)
	text(&d.AccessPersons, "access_persons", false)
	text(&d.RightsProcedure, "rights_procedure", false)
	text(&d.Duties, "duties", false)
	text(&d.Other, "other_info", false)
	if d.INN != "" {
		if p := CheckINN(d.INN); p != "" {
			f.Add("inn", "%s", p)
		}
	}
	if d.OGRN != "" {
		if p := CheckOGRN(d.OGRN); p != "" {
			f.Add("ogrn", "%s", p)
		}
	}
	if d.KPP != "" && !validKPP(d.KPP) {
		f.Add("kpp", "КПП — 9 знаков: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры")
	}
	if d.Email != "" {
		if a, err := mail.ParseAddress(d.Email); err != nil || a.Address != d.Email {
			f.Add("email", "адрес электронной почты вида privacy@example.ru")
		}
	}
	if d.NumberFormat == "" {
		d.NumberFormat = DefaultNumberFormat
	}
	if p := CheckNumberFormat(d.NumberFormat); p != "" {
		f.Add("number_format", "%s", p)
	}
	if len(d.Records) > MaxRecords {
		f.Add("records", "не больше %d записей об обработке", MaxRecords)
	}
	seen := map[string]bool{}
	for i := range d.Records {
		r := &d.Records[i]
		p := "records[" + strconv.Itoa(i) + "]."
		r.ID = strings.TrimSpace(r.ID)
		if r.ID == "" {
			r.ID = uuid.NewString()
		} else if _, err := uuid.Parse(r.ID); err != nil || seen[r.ID] {
			f.Add(p+"id", "идентификатор записи из ответа Srok или пусто для новой записи")
		}
		seen[r.ID] = true
		text(&r.Purpose, p+"purpose", true)
		text(&r.LegalBasis, p+"legal_basis", false)
		text(&r.Data, p+"data", false)
		text(&r.Source, p+"source", false)
		text(&r.Subjects, p+"subjects", false)
		text(&r.Methods, p+"methods", false)
		text(&r.ProcessingTerm, p+"processing_term", false)
		text(&r.StorageTerm, p+"storage_term", false)
		text(&r.Recipients, p+"recipients", false)
		text(&r.CrossBorder, p+"cross_border", false)
		text(&r.Processors, p+"processors", false)
	}
	return f.Err()
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// CheckINN returns what is wrong with an INN (ИНН), in Russian, or "": 10
// digits (an organisation) or 12 (an individual entrepreneur) whose check
// digits match (the algorithm of the Federal Tax Service: weighted sums
// modulo 11, then 10).
func CheckINN(s string) string {
	if !digits(s) || (len(s) != 10 && len(s) != 12) {
		return "ИНН — 10 цифр (организация) или 12 цифр (индивидуальный предприниматель)"
	}
	check := func(n int, w []int) bool {
		sum := 0
		for i, x := range w {
			sum += int(s[i]-'0') * x
		}
		return sum%11%10 == int(s[n]-'0')
	}
	ok := false
	if len(s) == 10 {
		ok = check(9, []int{2, 4, 10, 3, 5, 9, 4, 6, 8})
	} else {
		ok = check(10, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) && check(11, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
	}
	if !ok {
		return "контрольная цифра ИНН не совпадает: проверьте номер"
	}
	return ""
}

// CheckOGRN returns what is wrong with an OGRN (ОГРН), in Russian, or "":
// 13 digits whose last is the first twelve's remainder modulo 11 (then 10),
// or an OGRNIP (ОГРНИП) of 15 digits, the first fourteen modulo 13.
func CheckOGRN(s string) string {
	if !digits(s) || (len(s) != 13 && len(s) != 15) {
		return "ОГРН — 13 цифр (или ОГРНИП — 15 цифр)"
	}
	n, _ := strconv.ParseUint(s[:len(s)-1], 10, 64)
	mod := uint64(11)
	if len(s) == 15 {
		mod = 13
	}
	if n%mod%10 != uint64(s[len(s)-1]-'0') {
		return "контрольная цифра ОГРН не совпадает: проверьте номер"
	}
	return ""
}

func validKPP(s string) bool {
	if len(s) != 9 || !digits(s[:4]) || !digits(s[6:]) {
		return false
	}
	for _, c := range s[4:6] {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// CheckNumberFormat returns what is wrong with an outgoing number's format,
// in Russian, or "": it must hold {seq}, and may hold {year}, once each,
// and no other braces.
func CheckNumberFormat(s string) string {
	if utf8.RuneCountInString(s) > 100 {
		return "формат номера не длиннее 100 символов"
	}
	if strings.Count(s, "{seq}") != 1 {
		return "формат номера должен содержать {seq} (порядковый номер письма) ровно один раз, например {year}-{seq}"
	}
	rest := strings.ReplaceAll(strings.ReplaceAll(s, "{seq}", ""), "{year}", "")
	if strings.ContainsAny(rest, "{}") {
		return "в формате номера допустимы только {seq} и {year}"
	}
	return ""
}

// FormatNumber is the outgoing number of the format for year and seq; seq
// empty (a letter not yet issued) leaves a blank to fill.
func FormatNumber(format string, year int, seq string) string {
	if seq == "" {
		seq = "____"
	}
	return strings.ReplaceAll(strings.ReplaceAll(format, "{year}", strconv.Itoa(year)), "{seq}", seq)
}
