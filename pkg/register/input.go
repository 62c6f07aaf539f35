package register

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/srok"
)

// Input is what a person or an integration gives to register a request or
// edit one, as typed: times and dates are strings so that a wrong one is
// reported by its field name. The JSON names are those of the REST API.
type Input struct {
	Type               string               `json:"type"`
	Channel            string               `json:"channel"`
	AnswerForm         string               `json:"answer_form,omitempty"`
	ReceivedAt         string               `json:"received_at"`
	TimeZone           string               `json:"time_zone,omitempty"`
	EvidenceReceivedAt string               `json:"evidence_received_at,omitempty"`
	Subject            SubjectInput         `json:"subject"`
	Representative     *RepresentativeInput `json:"representative,omitempty"`
	Identity           *IdentityInput       `json:"identity,omitempty"`
	Summary            string               `json:"summary,omitempty"`
	Assignee           string               `json:"assignee,omitempty"`
	// EmailID links the stored email the request came in (its id from
	// POST /api/v1/emails); received_at then defaults to the email's date.
	EmailID string `json:"email_id,omitempty"`
}

// SubjectInput is the subject as typed.
type SubjectInput struct {
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	Phone         string `json:"phone,omitempty"`
	PostalAddress string `json:"postal_address,omitempty"`
}

// RepresentativeInput is the representative as typed.
type RepresentativeInput struct {
	Name      string `json:"name"`
	Authority string `json:"authority"`
}

// IdentityInput holds the art. 14 part 3 details as typed.
type IdentityInput struct {
	DocumentNumber string `json:"document_number,omitempty"`
	DocumentDate   string `json:"document_date,omitempty"`
	DocumentIssuer string `json:"document_issuer,omitempty"`
	Relation       string `json:"relation,omitempty"`
	Verified       bool   `json:"verified,omitempty"`
}

// Limits on text fields, so that one request cannot fill the database.
const (
	maxShort   = 300
	maxAddress = 1000
	maxText    = 20000
)

// parsed is a valid Input.
type parsed struct {
	Type               deadlines.RequestType
	Channel            Channel
	AnswerForm         Channel
	ReceivedAt         time.Time
	Loc                *time.Location
	EvidenceReceivedAt *time.Time
	Subject            Subject
	Representative     *Representative
	Identity           Identity
	Summary            string
	Assignee           string
}

// validate checks in and returns it parsed, or an EINVALID error naming
// every offending field. defaultZone fills an empty time zone; now refuses
// times in the future.
func validate(in Input, defaultZone *time.Location, now time.Time) (parsed, error) {
	var f srok.Fields
	var p parsed

	p.Type = deadlines.RequestType(strings.TrimSpace(in.Type))
	if in.Type == "" {
		f.Add("type", "is required: one of %s", joinTypes())
	} else if _, ok := deadlines.ObligationsOf(p.Type); !ok {
		f.Add("type", "%q is not a request type: one of %s", in.Type, joinTypes())
	}
	p.Channel = Channel(strings.TrimSpace(in.Channel))
	if in.Channel == "" {
		f.Add("channel", "is required: one of %s", joinChannels())
	} else if !slices.Contains(Channels(), p.Channel) {
		f.Add("channel", "%q is not a channel: one of %s", in.Channel, joinChannels())
	}
	p.AnswerForm = p.Channel // 152-FZ art. 14 part 3: the answer takes the form of the request
	if in.AnswerForm != "" {
		p.AnswerForm = Channel(in.AnswerForm)
		if !slices.Contains(Channels(), p.AnswerForm) {
			f.Add("answer_form", "%q is not a channel: one of %s", in.AnswerForm, joinChannels())
		}
	}

	p.Loc = defaultZone
	if in.TimeZone != "" {
		loc, err := deadlines.LoadZone(in.TimeZone)
		if err != nil {
			f.Add("time_zone", "%v", err)
			p.Loc = nil
		} else {
			p.Loc = loc
		}
	}
	if p.Loc != nil {
		p.ReceivedAt = parseInstant(&f, "received_at", in.ReceivedAt, p.Loc, now, true, p.Type)
		if in.EvidenceReceivedAt != "" {
			if !p.Type.FromEvidence() && p.Type != "" {
				f.Add("evidence_received_at", "only rectification and erasure requests count their term from the evidence")
			} else if t := parseInstant(&f, "evidence_received_at", in.EvidenceReceivedAt, p.Loc, now, false, ""); !t.IsZero() {
				if !p.ReceivedAt.IsZero() && t.Before(p.ReceivedAt) {
					f.Add("evidence_received_at", "is before received_at")
				} else {
					p.EvidenceReceivedAt = &t
				}
			}
		}
	}

	p.Subject = Subject{
		Name:          strings.TrimSpace(in.Subject.Name),
		Email:         strings.TrimSpace(in.Subject.Email),
		Phone:         strings.TrimSpace(in.Subject.Phone),
		PostalAddress: strings.TrimSpace(in.Subject.PostalAddress),
	}
	checkText(&f, "subject.name", p.Subject.Name, maxShort)
	checkText(&f, "subject.postal_address", p.Subject.PostalAddress, maxAddress)
	if p.Type.NamedSubject() && p.Subject.Email == "" && p.Subject.Phone == "" && p.Subject.PostalAddress == "" {
		// A request is registered as it came: a contact identifies the
		// requester and is where the answer goes; a missing name is a
		// detail to ask for (152-FZ art. 14 part 3), not a reason to leave
		// the request unregistered while its term runs.
		if p.Subject.Name == "" {
			f.Add("subject.name", "is required when no contact is given")
		}
		f.Add("subject", "needs at least one contact to answer: email, phone or postal_address")
	}
	if p.Subject.Email != "" {
		a, err := mail.ParseAddress(p.Subject.Email)
		if err != nil || a.Address != p.Subject.Email || len(p.Subject.Email) > maxShort {
			f.Add("subject.email", "%q is not an email address such as name@example.ru", in.Subject.Email)
		}
	}
	if p.Subject.Phone != "" && NormalizePhone(p.Subject.Phone) == "" {
		f.Add("subject.phone", "%q is not a phone number: 7 to 15 digits, with + ( ) - and spaces allowed", in.Subject.Phone)
	}

	if r := in.Representative; r != nil {
		p.Representative = &Representative{Name: strings.TrimSpace(r.Name), Authority: strings.TrimSpace(r.Authority)}
		if p.Representative.Name == "" {
			f.Add("representative.name", "is required when a representative is given")
		}
		if p.Representative.Authority == "" {
			f.Add("representative.authority", "is required: the document that gives the authority (152-FZ art. 14 part 3)")
		}
		checkText(&f, "representative.name", p.Representative.Name, maxShort)
		checkText(&f, "representative.authority", p.Representative.Authority, maxAddress)
	}
	if id := in.Identity; id != nil {
		p.Identity = Identity{
			DocumentNumber: strings.TrimSpace(id.DocumentNumber),
			DocumentIssuer: strings.TrimSpace(id.DocumentIssuer),
			Relation:       strings.TrimSpace(id.Relation),
			Verified:       id.Verified,
		}
		checkText(&f, "identity.document_number", p.Identity.DocumentNumber, maxShort)
		checkText(&f, "identity.document_issuer", p.Identity.DocumentIssuer, maxAddress)
		checkText(&f, "identity.relation", p.Identity.Relation, maxAddress)
		if id.DocumentDate != "" {
			d, err := calendar.ParseDate(id.DocumentDate)
			switch {
			case err != nil:
				f.Add("identity.document_date", "%q is not a date such as 2020-05-14", id.DocumentDate)
			case p.Loc != nil && d > calendar.DateOf(now.In(p.Loc)):
				f.Add("identity.document_date", "is in the future")
			default:
				p.Identity.DocumentDate = &d
			}
		}
	}
	p.Summary = strings.TrimSpace(in.Summary)
	checkText(&f, "summary", p.Summary, maxText)
	p.Assignee = strings.TrimSpace(in.Assignee)
	checkText(&f, "assignee", p.Assignee, maxShort)

	return p, f.Err()
}

// parseInstant reads an instant typed into field, as the trigger of a
// request of type typ ("": any instant, a date alone allowed); it adds a
// field error and returns the zero time when it is wrong.
func parseInstant(f *srok.Fields, field, s string, loc *time.Location, now time.Time, required bool, typ deadlines.RequestType) time.Time {
	if strings.TrimSpace(s) == "" {
		if required {
			f.Add(field, "is required: an RFC 3339 time such as 2026-04-30T10:00:00+03:00, or a date")
		}
		return time.Time{}
	}
	t, err := typ.ParseTrigger(s, loc)
	switch {
	case err != nil:
		f.Add(field, "%v", err)
		return time.Time{}
	case t.After(now.Add(5 * time.Minute)):
		f.Add(field, "is in the future")
		return time.Time{}
	case t.Year() < 2000:
		f.Add(field, "is before 2000")
		return time.Time{}
	}
	return t.UTC()
}

func checkText(f *srok.Fields, field, s string, max int) {
	if !utf8.ValidString(s) {
		f.Add(field, "is not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		f.Add(field, "is %d characters long, at most %d allowed", n, max)
	}
	for _, r := range s {
		if r == 0 || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') {
			f.Add(field, "contains control characters")
			return
		}
	}
}

// NormalizePhone returns the phone number's digits with a leading +, a
// Russian 8XXXXXXXXXX read as +7XXXXXXXXXX, or "" when s is not a phone
// number. It is how repeated requests find the same subject.
func NormalizePhone(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '(', r == ')', r == '-', r == '.':
		default:
			return ""
		}
	}
	d := b.String()
	if len(d) < 7 || len(d) > 15 {
		return ""
	}
	if len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:]
	}
	return "+" + d
}

func joinTypes() string {
	var s []string
	for _, t := range deadlines.RequestTypes() {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

func joinChannels() string {
	var s []string
	for _, c := range Channels() {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

// Validate checks in as Create would, without storing anything: nil, or an
// EINVALID error naming every offending field.
func Validate(in Input, defaultZone *time.Location, now time.Time) error {
	_, err := validate(in, defaultZone, now)
	return err
}
