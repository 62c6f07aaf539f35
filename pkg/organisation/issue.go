package organisation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Delivery is how an issued letter goes to the subject.
type Delivery string

// The deliveries.
const (
	// DeliveryEmail: by email to the subject's address, through the
	// letters' outbox (the PDF attached).
	DeliveryEmail Delivery = "email"
	// DeliveryPaper: on paper, by post or by hand; the date it was posted
	// and the post's tracking number are recorded at issue or later.
	DeliveryPaper Delivery = "paper"
)

// EmailStatus is the state of a letter sent by email.
type EmailStatus string

// The email states.
const (
	EmailQueued EmailStatus = "pending"
	EmailSent   EmailStatus = "sent"
	EmailFailed EmailStatus = "failed"
)

// maxTracking bounds a tracking number (a Russian Post one is 14 digits,
// an international one 13 characters).
const maxTracking = 100

// IssueInput is what the issuer of a letter chooses: how it goes, and what
// the letter says that the request does not (as for its preview).
type IssueInput struct {
	// Delivery is "email" or "paper".
	Delivery string
	// PostedOn (YYYY-MM-DD) and Tracking: a letter on paper's post.
	PostedOn string
	Tracking string
	// Outcome of an answer: fulfilled (by default) or partially_fulfilled.
	Outcome string
	LetterOptions
}

// IssuedLetter is a letter issued to the subject of a request: its
// outgoing number (исходящий номер), its date, its files as issued.
type IssuedLetter struct {
	ID        string
	RequestID string
	Kind      letters.Kind
	// Number is the outgoing number, Seq its place in Year's sequence.
	Number    string
	Year, Seq int
	// IssuedOn is the letter's date in the operator's zone; IssuedAt the
	// instant.
	IssuedOn     calendar.Date
	IssuedAt     time.Time
	IssuedBy     string
	IssuedByName string
	// Template is the version of the kind's template that rendered it.
	Template int
	Options  LetterOptions
	// PDF and DOCX are the files as issued; set only when one letter is
	// read with its files (IssueStore.IssuedLetter).
	PDF, DOCX             []byte
	PDFSHA256, DOCXSHA256 string
	PDFSize, DOCXSize     int
	Delivery              Delivery
	Email                 LetterEmail
	PostedOn              *calendar.Date
	Tracking              string
}

// LetterEmail is the outbox state of a letter sent by email.
type LetterEmail struct {
	To        string
	Status    EmailStatus
	Attempts  int
	MessageID string
	LastError string
	SentAt    *time.Time
}

// File is the file name of the letter in format: its kind, year and
// sequence number, «answer-2026-0007.pdf» (the number in the operator's
// format may hold characters a file name cannot).
func (l *IssuedLetter) File(format string) string {
	return fmt.Sprintf("%s-%d-%04d.%s", l.Kind, l.Year, l.Seq, format)
}

// Issue is what the store writes in one transaction when a letter is
// issued.
type Issue struct {
	// Letter is the letter, its number and files not yet set.
	Letter *IssuedLetter
	// Format is the outgoing number's format (Details.NumberFormat).
	Format string
	// Build renders the letter with its number (the store takes the next
	// of the letter's year and calls Build inside the transaction, so that
	// a failure leaves no gap) and completes the change with it.
	Build func(number string) error
	// Request at Version+1 and Events: the change of the request (its
	// action and the letter_issued event), written as register.Store's
	// UpdateRequest writes it.
	Request *register.Request
	Version int
	Events  []register.Event
	Trail   []*audit.Entry
}

// IssueStore keeps the issued letters; the storage package implements it.
type IssueStore interface {
	// IssueLetter writes is in one transaction: the next outgoing number
	// of the letter's year, the letter built with it, the request's change
	// (EPRECONDITION when the request is no longer at is.Version), the
	// audit entry; a letter by email is queued in the same transaction.
	IssueLetter(ctx context.Context, is *Issue) error
	// IssuedLetters lists the letters of a request, oldest first, without
	// their files.
	IssuedLetters(ctx context.Context, requestID string) ([]IssuedLetter, error)
	// IssuedLetter returns one letter of a request with its files
	// (ENOTFOUND).
	IssuedLetter(ctx context.Context, requestID, id string) (IssuedLetter, error)
	// PostLetter records the post of a letter on paper with the audit
	// entry.
	PostLetter(ctx context.Context, requestID, id string, postedOn *calendar.Date, tracking string, trail []*audit.Entry) error
}

// Register is what issuing asks of the register (register.Service).
type Register interface {
	Requests
	Issue(ctx context.Context, id string, is register.Issuing) (*register.Request, error)
	LetterEvent(r *register.Request, a srok.Actor, now time.Time, after map[string]any) register.Event
}

// Issuer issues a request's letters.
type Issuer struct {
	letters *Letters
	reg     Register
	store   IssueStore
}

// NewIssuer returns the issuer of the letters of l, on the register reg,
// keeping them in store.
func NewIssuer(l *Letters, reg Register, store IssueStore) *Issuer {
	return &Issuer{letters: l, reg: reg, store: store}
}

// ActionOf is the register's action that issuing a letter of kind
// performs: an answer answers, an extension extends, a refusal refuses; a
// request for details performs none ("").
func ActionOf(kind letters.Kind) register.ActionName {
	switch kind {
	case letters.KindAnswer:
		return register.ActionAnswer
	case letters.KindExtension:
		return register.ActionExtend
	case letters.KindRefusal:
		return register.ActionRefuse
	}
	return ""
}

// MayIssue reports whether a may issue a letter of kind: operators,
// officers and administrators issue letters (on the requests they may
// see), but a refusal only an officer or an administrator, since it denies
// the subject a right and must cite its ground (152-FZ art. 14 part 8,
// art. 20 part 2). The register checks the action's own permission too.
func MayIssue(a srok.Actor, kind letters.Kind) bool {
	if !a.Can(srok.ActRequestNote) || a.Scope != srok.ScopeFull {
		return false
	}
	if kind == letters.KindRefusal {
		return a.Role == srok.RoleAdmin || a.Role == srok.RoleOfficer
	}
	return true
}

// Issue issues letter kind of request id: it takes the next outgoing
// number, renders the letter with it and the day's date, keeps both files,
// and performs the letter's action (ActionOf), all in one transaction, so
// that a refused action issues nothing and uses no number.
func (s *Issuer) Issue(ctx context.Context, id string, kind letters.Kind, in IssueInput) (*IssuedLetter, error) {
	if !kind.Valid() {
		return nil, unknownKind(kind)
	}
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return nil, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !MayIssue(a, kind) {
		svc := s.letters.svc
		if svc.audit != nil {
			_ = svc.audit.Record(ctx, audit.Entry{Action: audit.ActionLetterIssue, Outcome: audit.OutcomeDenied, RequestID: id,
				Detail: string(kind) + ": role " + string(a.Role)})
		}
		what := "issue letters"
		if kind == letters.KindRefusal {
			what = "issue a refusal (officers and administrators only)"
		}
		return nil, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: " + what}
	}
	var f srok.Fields
	delivery := Delivery(strings.TrimSpace(in.Delivery))
	tracking := strings.TrimSpace(in.Tracking)
	var posted *calendar.Date
	switch delivery {
	case DeliveryEmail:
		if in.PostedOn != "" || tracking != "" {
			f.Add("delivery", "письмо по электронной почте не отправляют почтой: уберите posted_on и tracking")
		}
	case DeliveryPaper:
		posted = parsePosted(&f, in.PostedOn)
		checkTracking(&f, tracking)
	case "":
		f.Add("delivery", "укажите, как отправить письмо: email или paper")
	default:
		f.Add("delivery", "%q — не способ отправки: email или paper", in.Delivery)
	}
	outcome := register.OutcomeFulfilled
	if in.Outcome != "" {
		if kind != letters.KindAnswer || (in.Outcome != string(register.OutcomeFulfilled) && in.Outcome != string(register.OutcomePartiallyFulfilled)) {
			f.Add("outcome", "итог ответа: fulfilled или partially_fulfilled, только для письма answer")
		}
		outcome = register.Outcome(in.Outcome)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	svc := s.letters.svc
	org, err := svc.store.Organisation(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkRecords(org, in.Records); err != nil {
		return nil, err
	}
	v, docx, err := svc.template(ctx, kind, false)
	if err != nil {
		return nil, err
	}
	t, err := letters.ParseTemplate(kind, docx)
	if err != nil {
		return nil, err
	}
	format := org.NumberFormat
	if format == "" {
		format = DefaultNumberFormat
	}
	opt := in.LetterOptions
	is := register.Issuing{Action: ActionOf(kind)}
	switch kind {
	case letters.KindAnswer:
		// The reference is the letter itself, named once it has its number.
		is.Answer = register.AnswerInput{Outcome: string(outcome), Reference: ru.LetterKind(kind)}
	case letters.KindRefusal:
		is.Answer = register.AnswerInput{Text: ru.RefusalText(strings.TrimSpace(opt.Ground), strings.TrimSpace(opt.Reasons)),
			Reference: ru.LetterKind(kind)}
	case letters.KindExtension:
		ch := register.ChannelEmail
		if delivery == DeliveryPaper {
			ch = register.ChannelPost
		}
		is.Extend = register.ExtendInput{Reasons: opt.Reasons, Channel: string(ch)}
	}
	// What one attempt prepared, for its Save.
	var (
		letter *IssuedLetter
		data   letters.Data
	)
	is.Prepare = func(r *register.Request, a srok.Actor, now time.Time) ([]register.Event, error) {
		loc := r.Location()
		today := calendar.DateOf(now.In(loc))
		var f srok.Fields
		if delivery == DeliveryEmail && strings.TrimSpace(r.Subject.Email) == "" {
			f.Add("delivery", "%s", ru.LetterNoEmail)
		}
		if posted != nil && (*posted > today || *posted < calendar.DateOf(r.ReceivedAt.In(loc))) {
			f.Add("posted_on", "дата отправки — не раньше получения обращения и не позже сегодняшнего дня")
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
		data = compose(r, org, kind, opt, a, now)
		data.Letter.Date = ru.Date(today)
		if missing := data.Missing(kind); len(missing) > 0 {
			return nil, Incomplete(missing)
		}
		letter = &IssuedLetter{ID: uuid.NewString(), RequestID: r.ID, Kind: kind, IssuedOn: today, IssuedAt: now,
			IssuedBy: a.ID, IssuedByName: a.Name, Template: v.Version, Options: opt, Delivery: delivery,
			PostedOn: posted, Tracking: tracking}
		if delivery == DeliveryEmail {
			letter.Email = LetterEmail{To: strings.TrimSpace(r.Subject.Email), Status: EmailQueued}
		}
		ev := s.reg.LetterEvent(r, a, now, map[string]any{"letter_id": letter.ID, "kind": string(kind), "number": "",
			"date": today.String(), "delivery": string(delivery)})
		return []register.Event{ev}, nil
	}
	is.Save = func(ctx context.Context, r *register.Request, version int, events []register.Event, trail []*audit.Entry) error {
		return s.store.IssueLetter(ctx, &Issue{Letter: letter, Format: format, Request: r, Version: version, Events: events, Trail: trail,
			Build: func(number string) error {
				data.Letter.Number = number
				pdf, err := t.PDF(data)
				if err != nil {
					return err
				}
				docx, err := t.DOCX(data)
				if err != nil {
					return err
				}
				letter.Number, letter.PDF, letter.DOCX = number, pdf, docx
				letter.PDFSHA256, letter.DOCXSHA256 = sum(pdf), sum(docx)
				letter.PDFSize, letter.DOCXSize = len(pdf), len(docx)
				ref := ru.LetterReference(number, letter.IssuedOn)
				if r.Answer != nil && (kind == letters.KindAnswer || kind == letters.KindRefusal) {
					r.Answer.Number, r.Answer.Reference = number, ref
				}
				for i := range events {
					switch events[i].Kind {
					case register.EventAnswered, register.EventRefused:
						events[i].After["number"] = number
						events[i].After["reference"] = ref
					case register.EventLetterIssued:
						events[i].After["number"] = number
					}
				}
				for _, e := range trail {
					e.Detail = string(kind) + " " + number + ", " + string(delivery) + ", template v" + strconv.Itoa(v.Version)
				}
				return nil
			}})
	}
	if _, err := s.reg.Issue(ctx, id, is); err != nil {
		return nil, err
	}
	out := *letter
	out.PDF, out.DOCX = nil, nil
	return &out, nil
}

// Letters lists the letters issued for request id, which the caller must
// be allowed to read (the read recorded by the register).
func (s *Issuer) Letters(ctx context.Context, id string) ([]IssuedLetter, error) {
	r, err := s.reg.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.store.IssuedLetters(ctx, r.ID)
}

// ListOf lists the letters of r, a request the caller read already.
func (s *Issuer) ListOf(ctx context.Context, r *register.Request) ([]IssuedLetter, error) {
	return s.store.IssuedLetters(ctx, r.ID)
}

// One returns letter letterID of request id without its files (the read
// of the request recorded).
func (s *Issuer) One(ctx context.Context, id, letterID string) (IssuedLetter, error) {
	r, err := s.reg.Get(ctx, id)
	if err != nil {
		return IssuedLetter{}, err
	}
	if _, err := uuid.Parse(letterID); err != nil {
		return IssuedLetter{}, srok.Errorf(srok.ENOTFOUND, "no issued letter %q of this request", letterID)
	}
	l, err := s.store.IssuedLetter(ctx, r.ID, letterID)
	l.PDF, l.DOCX = nil, nil
	return l, err
}

// Letter returns letter letterID of request id with its files as issued;
// the read of the subject's data they hold is recorded.
func (s *Issuer) Letter(ctx context.Context, id, letterID, format string) (IssuedLetter, error) {
	r, err := s.reg.Get(ctx, id)
	if err != nil {
		return IssuedLetter{}, err
	}
	if _, err := uuid.Parse(letterID); err != nil {
		return IssuedLetter{}, srok.Errorf(srok.ENOTFOUND, "no issued letter %q of this request", letterID)
	}
	l, err := s.store.IssuedLetter(ctx, r.ID, letterID)
	if err != nil {
		return IssuedLetter{}, err
	}
	if a := s.letters.svc.audit; a != nil {
		err := a.Record(ctx, audit.Entry{Action: audit.ActionLetterRead, Outcome: audit.OutcomeOK, RequestID: r.ID,
			Detail: "issued " + string(l.Kind) + " " + l.Number + "." + format})
		if err != nil {
			return IssuedLetter{}, err // a read that cannot be recorded is not shown (152-FZ art. 19 part 2)
		}
	}
	return l, nil
}

// PostInput is the post of a letter on paper.
type PostInput struct {
	PostedOn *string
	Tracking *string
}

// Post records when letter letterID of request id, on paper, was posted
// and its tracking number; a field left nil keeps its value.
func (s *Issuer) Post(ctx context.Context, id, letterID string, in PostInput) (IssuedLetter, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return IssuedLetter{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	r, err := s.reg.Get(ctx, id)
	if err != nil {
		return IssuedLetter{}, err
	}
	if _, err := uuid.Parse(letterID); err != nil {
		return IssuedLetter{}, srok.Errorf(srok.ENOTFOUND, "no issued letter %q of this request", letterID)
	}
	l, err := s.store.IssuedLetter(ctx, r.ID, letterID)
	if err != nil {
		return IssuedLetter{}, err
	}
	if !MayIssue(a, l.Kind) {
		return IssuedLetter{}, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: record the post of a letter"}
	}
	if l.Delivery != DeliveryPaper {
		return IssuedLetter{}, srok.Invalid(srok.FieldError{Field: "delivery", Problem: "письмо отправлено по электронной почте: у него нет почтовых реквизитов"})
	}
	var f srok.Fields
	posted, tracking := l.PostedOn, l.Tracking
	if in.PostedOn != nil {
		posted = nil
		if *in.PostedOn != "" {
			posted = parsePosted(&f, *in.PostedOn)
		}
	}
	if in.Tracking != nil {
		tracking = strings.TrimSpace(*in.Tracking)
		checkTracking(&f, tracking)
	}
	loc := r.Location()
	if posted != nil && (*posted > calendar.DateOf(s.letters.svc.now().In(loc)) || *posted < l.IssuedOn) {
		f.Add("posted_on", "дата отправки — не раньше даты письма и не позже сегодняшнего дня")
	}
	if err := f.Err(); err != nil {
		return IssuedLetter{}, err
	}
	var trail []*audit.Entry
	if t := s.letters.svc.audit; t != nil {
		trail, err = t.Prepare(ctx, audit.Entry{Action: audit.ActionLetterIssue, Outcome: audit.OutcomeOK, RequestID: r.ID,
			Detail: "post of " + string(l.Kind) + " " + l.Number, Fields: []string{"posted_on", "tracking"}})
		if err != nil {
			return IssuedLetter{}, err
		}
	}
	if err := s.store.PostLetter(ctx, r.ID, letterID, posted, tracking, trail); err != nil {
		return IssuedLetter{}, err
	}
	l.PostedOn, l.Tracking = posted, tracking
	l.PDF, l.DOCX = nil, nil
	return l, nil
}

func parsePosted(f *srok.Fields, s string) *calendar.Date {
	if s == "" {
		return nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		f.Add("posted_on", "%q — не дата вида 2026-05-18", s)
		return nil
	}
	return &d
}

func checkTracking(f *srok.Fields, s string) {
	if utf8.RuneCountInString(s) > maxTracking || strings.ContainsAny(s, "\r\n") {
		f.Add("tracking", "почтовый идентификатор — одна строка не длиннее %d символов", maxTracking)
	}
}

func checkRecords(org Details, ids []string) error {
	for _, id := range ids {
		known := false
		for _, x := range org.Records {
			known = known || x.ID == id
		}
		if !known {
			return srok.Invalid(srok.FieldError{Field: "records", Problem: "нет записи об обработке с идентификатором " + quote(id)})
		}
	}
	return nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// OutgoingNumber is the outgoing number of the seq-th letter of year in
// format: the sequence number has at least four digits, the width of the
// blank a preview shows.
func OutgoingNumber(format string, year, seq int) string {
	if format == "" {
		format = DefaultNumberFormat
	}
	return FormatNumber(format, year, fmt.Sprintf("%04d", seq))
}

// EvidenceLetters is the letters/ folder of an evidence pack
// (evidence.Letters): every letter issued for a request, its PDF and its
// DOCX as issued.
type EvidenceLetters struct{ Store IssueStore }

// IssuedLetters implements evidence.Letters. The pack's request was read,
// and its making recorded, by the packer.
func (e EvidenceLetters) IssuedLetters(ctx context.Context, requestID string) ([]evidence.Letter, error) {
	list, err := e.Store.IssuedLetters(ctx, requestID)
	if err != nil {
		return nil, err
	}
	var out []evidence.Letter
	for _, l := range list {
		for _, format := range []string{FormatPDF, FormatDOCX} {
			id := l.ID
			out = append(out, evidence.Letter{Name: l.File(format), Number: l.Number, Date: l.IssuedOn, Kind: string(l.Kind),
				Open: func(ctx context.Context) (io.ReadCloser, error) {
					one, err := e.Store.IssuedLetter(ctx, requestID, id)
					if err != nil {
						return nil, err
					}
					b := one.PDF
					if format == FormatDOCX {
						b = one.DOCX
					}
					return io.NopCloser(bytes.NewReader(b)), nil
				}})
		}
	}
	return out, nil
}
