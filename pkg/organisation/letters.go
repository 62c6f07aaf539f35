package organisation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Requests is what the letters ask of the register: a request as the actor
// may see it, the read recorded (register.Service).
type Requests interface {
	Get(ctx context.Context, id string) (*register.Request, error)
}

// letterTypes maps the register's request types to the letters' (what an
// answer says): the types a subject sends. The others (an incident, the
// authority's request, …) are not answered with these letters.
var letterTypes = map[deadlines.RequestType]letters.RequestType{
	deadlines.TypeAccess:        letters.RequestAccess,
	deadlines.TypeRectification: letters.RequestRectification,
	deadlines.TypeErasure:       letters.RequestErasure,
	deadlines.TypeWithdrawal:    letters.RequestWithdrawConsent,
	deadlines.TypeStop:          letters.RequestStopProcessing,
	deadlines.TypeUnlawful:      letters.RequestStopProcessing,
	deadlines.TypeDissemination: letters.RequestStopProcessing,
}

// Kinds are the letters that apply to r in its state, in the order a page
// shows them; the register decides what may be done with it
// (register.Check, asked for the state alone).
func Kinds(r *register.Request) []letters.Kind {
	if _, ok := letterTypes[r.Type]; !ok {
		return nil
	}
	state := func(n register.ActionName) bool { return register.Check(srok.System, r, n).Allowed }
	refused := r.Answer != nil && r.Answer.Outcome == register.OutcomeRefused
	var out []letters.Kind
	if state(register.ActionAnswer) || (r.Answer != nil && !refused) {
		out = append(out, letters.KindAnswer)
	}
	if state(register.ActionExtend) || r.Extension != nil {
		out = append(out, letters.KindExtension)
	}
	if state(register.ActionRefuse) || refused {
		out = append(out, letters.KindRefusal)
	}
	if r.Status.Open() {
		out = append(out, letters.KindDetailsRequest)
	}
	return out
}

// LetterOptions are what the caller adds to a letter that the request does
// not say.
type LetterOptions struct {
	// Records are the ids of the processing records that concern the
	// subject, for an answer to an access request; empty: every record.
	Records []string
	// Reasons of an extension (when the request was not yet extended) or
	// of a refusal (when not yet refused).
	Reasons string
	// Ground of a refusal: the provision of a federal law.
	Ground string
	// Missing are what the request lacks, for a request for details; empty:
	// what its identity details lack (152-FZ art. 14 part 3).
	Missing []string
}

// Letter is a rendered letter and the template version it came from.
type Letter struct {
	Body     []byte
	Template TemplateVersion
}

// Formats of a rendered letter.
const (
	FormatDOCX = "docx"
	FormatPDF  = "pdf"
)

// Letters composes and renders a request's letters.
type Letters struct {
	svc  *Service
	reqs Requests
}

// NewLetters returns the letters of the register's requests, on the details
// and templates of svc.
func NewLetters(svc *Service, reqs Requests) *Letters { return &Letters{svc: svc, reqs: reqs} }

// Data composes what letter kind of request id says, as it would be issued
// now, and the template version that renders it. An unknown kind is
// ENOTFOUND; a letter that does not apply to the request in its state a
// conflict; a letter that lacks something is EINVALID naming each field
// missing (letters.Data.Missing).
func (l *Letters) Data(ctx context.Context, id string, kind letters.Kind, opt LetterOptions) (letters.Data, *register.Request, error) {
	if !kind.Valid() {
		return letters.Data{}, nil, unknownKind(kind)
	}
	r, err := l.reqs.Get(ctx, id)
	if err != nil {
		return letters.Data{}, nil, err
	}
	applies := false
	for _, k := range Kinds(r) {
		applies = applies || k == kind
	}
	if !applies {
		return letters.Data{}, r, &srok.Error{Code: srok.ECONFLICT, Reason: "letter_not_applicable",
			Message: "a letter of kind " + string(kind) + " does not apply to this " + string(r.Type) + " request in status " + string(r.Status)}
	}
	org, err := l.svc.store.Organisation(ctx)
	if err != nil {
		return letters.Data{}, r, err
	}
	for _, id := range opt.Records {
		known := false
		for _, x := range org.Records {
			known = known || x.ID == id
		}
		if !known {
			return letters.Data{}, r, srok.Invalid(srok.FieldError{Field: "records", Problem: "нет записи об обработке с идентификатором " + quote(id)})
		}
	}
	a, _ := srok.ActorFrom(ctx)
	d := compose(r, org, kind, opt, a, l.svc.now())
	if missing := d.Missing(kind); len(missing) > 0 {
		return d, r, Incomplete(missing)
	}
	return d, r, nil
}

// Incomplete is the refusal of a letter that lacks what missing names.
func Incomplete(missing []letters.Problem) error {
	var s strings.Builder
	s.WriteString("the letter cannot be rendered: ")
	for i, p := range missing {
		if i > 0 {
			s.WriteString("; ")
		}
		s.WriteString(p.Problem)
	}
	return &srok.Error{Code: srok.EINVALID, Reason: "letter_incomplete", Message: s.String(), Fields: missing}
}

// Render renders letter kind of request id in format (FormatDOCX or
// FormatPDF) from the template in use; the read of the subject's data it
// holds is in the audit trail.
func (l *Letters) Render(ctx context.Context, id string, kind letters.Kind, format string, opt LetterOptions) (Letter, error) {
	d, r, err := l.Data(ctx, id, kind, opt)
	if err != nil {
		return Letter{}, err
	}
	v, docx, err := l.svc.template(ctx, kind, false)
	if err != nil {
		return Letter{}, err
	}
	t, err := letters.ParseTemplate(kind, docx)
	if err != nil {
		return Letter{}, err
	}
	var out []byte
	if format == FormatPDF {
		out, err = t.PDF(d)
	} else {
		out, err = t.DOCX(d)
	}
	if err != nil {
		return Letter{}, err
	}
	if l.svc.audit != nil {
		err := l.svc.audit.Record(ctx, audit.Entry{Action: audit.ActionLetterRead, Outcome: audit.OutcomeOK, RequestID: r.ID,
			Detail: string(kind) + "." + format + ", template v" + strconv.Itoa(v.Version)})
		if err != nil {
			return Letter{}, err // a read that cannot be recorded is not shown (152-FZ art. 19 part 2)
		}
	}
	return Letter{Body: out, Template: v}, nil
}

// compose fills a letter of kind for r from the details, as issued at now
// by a.
func compose(r *register.Request, org Details, kind letters.Kind, opt LetterOptions, a srok.Actor, now time.Time) letters.Data {
	loc := r.Location()
	today := calendar.DateOf(now.In(loc))
	forms, _ := ru.TypeOf(r.Type)
	d := letters.Data{
		Operator: letters.Operator{Name: org.Name, ShortName: org.ShortName, Address: org.Address, Phone: org.Phone,
			Email: org.Email, OGRN: org.OGRN, INN: org.INN, KPP: org.KPP},
		Letter: letters.Letter{Number: FormatNumber(org.NumberFormat, today.Year(), ""), Date: ru.Date(today)},
		Request: letters.Request{Number: r.Number, Date: ru.DateLong(calendar.DateOf(r.ReceivedAt.In(loc))),
			Type: letterTypes[r.Type], TypeName: forms.Nom},
		Signatory: letters.Person{Position: org.Signatory.Position, Name: org.Signatory.Name},
		Executor:  letters.Executor{Name: a.Name, Phone: org.Phone},
		Issued:    now.UTC(),
	}
	if org.NumberFormat == "" {
		d.Letter.Number = FormatNumber(DefaultNumberFormat, today.Year(), "")
	}
	// The answer's own number and date once it was recorded.
	if r.Answer != nil && (kind == letters.KindAnswer || kind == letters.KindRefusal) {
		d.Letter.Date = ru.Date(r.Answer.Date)
		if r.Answer.Number != "" {
			d.Letter.Number = r.Answer.Number
		}
	}
	d.Addressee.Name = r.Subject.Name
	if r.Representative != nil && r.Representative.Name != "" {
		d.Addressee.Name = r.Representative.Name
	}
	// The answer goes in the form the request came in unless asked
	// otherwise (152-FZ art. 20 part 1): a postal address for post, in
	// person and by the authority, else the email.
	switch r.AnswerForm {
	case register.ChannelPost, register.ChannelInPerson, register.ChannelAuthority:
		d.Addressee.Address = first(r.Subject.PostalAddress, r.Subject.Email)
	default:
		d.Addressee.Address = first(r.Subject.Email, r.Subject.PostalAddress)
	}
	due, newDue := dueDates(r)
	switch kind {
	case letters.KindAnswer:
		if d.Request.Type == letters.RequestAccess {
			d.Access = letters.Access{Records: records(org.Records, opt.Records), AccessPersons: org.AccessPersons,
				RightsProcedure: org.RightsProcedure, Duties: org.Duties, Other: org.Other}
		} else if r.Answer != nil {
			d.Actions = []letters.Action{{What: first(r.Answer.Text, r.Answer.Reference), When: ru.DateLong(r.Answer.Date)}}
		}
	case letters.KindExtension:
		reasons := opt.Reasons
		if r.Extension != nil {
			reasons = first(r.Extension.Reasons, reasons)
		}
		d.Extension = letters.Extension{Reasons: reasons, DueDate: due, NewDueDate: newDue}
	case letters.KindRefusal:
		reasons := opt.Reasons
		if r.Answer != nil && r.Answer.Outcome == register.OutcomeRefused {
			reasons = first(r.Answer.Text, reasons)
		}
		d.Refusal = letters.Refusal{Ground: opt.Ground, Reasons: reasons}
	case letters.KindDetailsRequest:
		missing := opt.Missing
		if len(missing) == 0 {
			missing = identityMissing(r.Identity)
		}
		answerBy := due
		if r.Extension != nil {
			answerBy = newDue
		}
		d.Details = letters.Details{Missing: missing, AnswerBy: answerBy}
	}
	return d
}

// identityMissing is what r's identity details lack of what 152-FZ art. 14
// part 3 asks a request to contain.
func identityMissing(id register.Identity) []string {
	var out []string
	if id.DocumentNumber == "" || id.DocumentDate == nil || id.DocumentIssuer == "" {
		out = append(out, ru.LetterMissingDocument)
	}
	if id.Relation == "" {
		out = append(out, ru.LetterMissingRelation)
	}
	return out
}

// dueDates are the legal date of the first extendable open (or extended)
// obligation, in words, and the date an extension moves it to.
func dueDates(r *register.Request) (due, extended string) {
	for _, o := range r.Obligations {
		if o.ExtendedDue == nil {
			continue
		}
		return ru.DateLong(o.Due), ru.DateLong(*o.ExtendedDue)
	}
	for _, o := range r.Obligations {
		if o.Status == register.ObligationOpen {
			return ru.DateLong(o.EffectiveDue()), ""
		}
	}
	return "", ""
}

// records are the processing records of ids, in the operator's order;
// empty ids: every record.
func records(all []Record, ids []string) []letters.Record {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []letters.Record
	for _, x := range all {
		if len(ids) > 0 && !want[x.ID] {
			continue
		}
		out = append(out, letters.Record{Purpose: x.Purpose, LegalBasis: x.LegalBasis, Data: x.Data, Source: x.Source,
			Subjects: x.Subjects, Methods: x.Methods, ProcessingTerm: x.ProcessingTerm, StorageTerm: x.StorageTerm,
			Recipients: x.Recipients, CrossBorder: x.CrossBorder, Processors: x.Processors})
	}
	return out
}

func first(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// Offer is what a request's page shows of one of its letters: the kind, the
// template version in use, and what is missing, split between what the
// operator's details lack (an administrator fills them) and what the
// letter needs besides (the reasons of an extension, the ground of a
// refusal, an answer not yet recorded).
type Offer struct {
	Kind     letters.Kind
	Template TemplateVersion
	// Details are the missing details of the operator; Other the rest.
	Details, Other []letters.Problem
}

// Offers are the letters of r (a request the caller read already, its
// read recorded) in its state, each with what it lacks now.
func (l *Letters) Offers(ctx context.Context, r *register.Request) ([]Offer, error) {
	kinds := Kinds(r)
	if len(kinds) == 0 {
		return nil, nil
	}
	org, err := l.svc.store.Organisation(ctx)
	if err != nil {
		return nil, err
	}
	a, _ := srok.ActorFrom(ctx)
	var out []Offer
	for _, k := range kinds {
		v, _, err := l.svc.template(ctx, k, false)
		if err != nil {
			return nil, err
		}
		o := Offer{Kind: k, Template: v}
		for _, p := range compose(r, org, k, LetterOptions{}, a, l.svc.now()).Missing(k) {
			if DetailsField(p.Field) {
				o.Details = append(o.Details, p)
			} else {
				o.Other = append(o.Other, p)
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// DetailsField reports whether a field a letter lacks (letters.Problem) is
// one of the operator's details, which an administrator fills in.
func DetailsField(field string) bool {
	for _, p := range []string{"operator.", "signatory.", "access.records", "access.access_persons", "access.duties"} {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	return false
}
