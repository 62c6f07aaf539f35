package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
)

// noDue is next_due_at of a request without an open obligation: it sorts
// after every real deadline.
var noDue = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// dbDate is a calendar date in a DATE column (PostgreSQL) or a TEXT column
// (SQLite).
type dbDate calendar.Date

// Scan reads a DATE (time.Time) or 'YYYY-MM-DD' text.
func (d *dbDate) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = dbDate(calendar.NewDate(x.Year(), x.Month(), x.Day()))
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	}
	return fmt.Errorf("store: cannot read a date from %T", v)
}

func (d *dbDate) parse(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	x, err := calendar.ParseDate(s)
	if err != nil {
		return fmt.Errorf("store: bad date %q: %w", s, err)
	}
	*d = dbDate(x)
	return nil
}

// Value writes the date as 'YYYY-MM-DD'.
func (d dbDate) Value() (driver.Value, error) { return calendar.Date(d).String(), nil }

func datePtr(d *calendar.Date) *dbDate {
	if d == nil {
		return nil
	}
	x := dbDate(*d)
	return &x
}

func fromDatePtr(d *dbDate) *calendar.Date {
	if d == nil {
		return nil
	}
	x := calendar.Date(*d)
	return &x
}

// utc puts every instant in UTC with microseconds, as PostgreSQL keeps it,
// so that SQLite's text times compare in order and both give back what was
// written.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	x := utc(*t)
	return &x
}

func strPtr(s string) *string { return &s }

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type requestRow struct {
	ID                      string `gorm:"primaryKey"`
	Number                  string
	Type                    string
	Channel                 string
	AnswerForm              string
	ReceivedAt              time.Time
	TimeZone                string
	EvidenceReceivedAt      *time.Time
	SubjectName             string
	SubjectEmail            string
	SubjectEmailLower       string
	SubjectPhone            string
	SubjectPhoneNorm        string
	SubjectPostalAddress    string
	RepresentativeName      *string
	RepresentativeAuthority *string
	IdentityDocumentNumber  string
	IdentityDocumentDate    *dbDate
	IdentityDocumentIssuer  string
	IdentityRelation        string
	IdentityVerified        bool
	Summary                 string
	Assignee                string
	AssigneeID              *string
	Status                  string
	ExtensionNoticeSentAt   *time.Time
	ExtensionReasons        *string
	ExtensionChannel        *string
	AnswerOutcome           *string
	AnswerDate              *dbDate
	AnswerNumber            *string
	AnswerText              *string
	AnswerReference         *string
	RepeatOf                *string
	RepeatOfNumber          *string
	CancelReason            *string
	CancelNote              *string
	ClosedAt                *time.Time
	EmailID                 *string
	NextDueAt               time.Time
	Search                  string
	SearchClear             string
	Version                 int
	CreatedAt               time.Time `gorm:"autoCreateTime:false"`
	CreatedBy               string
	UpdatedAt               time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy               string
}

func (requestRow) TableName() string { return "requests" }

type obligationRow struct {
	RequestID       string `gorm:"primaryKey"`
	ObligationID    string `gorm:"primaryKey"`
	Basis           string
	TriggerAt       time.Time
	DueDate         dbDate
	TargetDate      dbDate
	DueAt           time.Time
	ExtendedDueDate *dbDate
	ExtendedDueAt   *time.Time
	Extended        bool
	EffectiveDueAt  time.Time
	Provisional     bool
	Status          string
	DoneAt          *time.Time
	DoneBy          *string
	DoneOn          *dbDate
}

func (obligationRow) TableName() string { return "obligations" }

type eventRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement"`
	RequestID string
	At        time.Time
	ActorID   string
	ActorName string
	Kind      string
	Before    *string
	After     *string
	Note      string
}

func (eventRow) TableName() string { return "events" }

// searchText is what q matches: the number, name and email, lower-cased.
func searchText(r *register.Request) string {
	return strings.ToLower(r.Number + " " + r.Subject.Name + " " + r.Subject.Email)
}

// searchClearText is what q matches for a reader who sees the contacts
// masked (Filter.QClearOnly): the number and name, lower-cased.
func searchClearText(r *register.Request) string {
	return strings.ToLower(r.Number + " " + r.Subject.Name)
}

func toRequestRow(r *register.Request) requestRow {
	row := requestRow{
		ID:                     r.ID,
		Number:                 r.Number,
		Type:                   string(r.Type),
		Channel:                string(r.Channel),
		AnswerForm:             string(r.AnswerForm),
		ReceivedAt:             utc(r.ReceivedAt),
		TimeZone:               r.TimeZone,
		EvidenceReceivedAt:     utcPtr(r.EvidenceReceivedAt),
		SubjectName:            r.Subject.Name,
		SubjectEmail:           r.Subject.Email,
		SubjectEmailLower:      strings.ToLower(r.Subject.Email),
		SubjectPhone:           r.Subject.Phone,
		SubjectPhoneNorm:       register.NormalizePhone(r.Subject.Phone),
		SubjectPostalAddress:   r.Subject.PostalAddress,
		IdentityDocumentNumber: r.Identity.DocumentNumber,
		IdentityDocumentDate:   datePtr(r.Identity.DocumentDate),
		IdentityDocumentIssuer: r.Identity.DocumentIssuer,
		IdentityRelation:       r.Identity.Relation,
		IdentityVerified:       r.Identity.Verified,
		Summary:                r.Summary,
		Assignee:               r.Assignee,
		AssigneeID:             nonEmpty(r.AssigneeID),
		Status:                 string(r.Status),
		ClosedAt:               utcPtr(r.ClosedAt),
		EmailID:                nonEmpty(r.EmailID),
		NextDueAt:              noDue,
		Search:                 searchText(r),
		SearchClear:            searchClearText(r),
		Version:                r.Version,
		CreatedAt:              utc(r.CreatedAt),
		CreatedBy:              r.CreatedBy,
		UpdatedAt:              utc(r.UpdatedAt),
		UpdatedBy:              r.UpdatedBy,
	}
	if n := r.NextDueAt(); n != nil {
		row.NextDueAt = utc(*n)
	}
	if p := r.Representative; p != nil {
		row.RepresentativeName, row.RepresentativeAuthority = strPtr(p.Name), strPtr(p.Authority)
	}
	if e := r.Extension; e != nil {
		row.ExtensionNoticeSentAt = utcPtr(&e.NoticeSentAt)
		row.ExtensionReasons, row.ExtensionChannel = strPtr(e.Reasons), strPtr(string(e.Channel))
	}
	if a := r.Answer; a != nil {
		d := dbDate(a.Date)
		row.AnswerOutcome, row.AnswerDate = strPtr(string(a.Outcome)), &d
		row.AnswerNumber, row.AnswerText, row.AnswerReference = strPtr(a.Number), strPtr(a.Text), strPtr(a.Reference)
	}
	if p := r.Repeat; p != nil {
		row.RepeatOf, row.RepeatOfNumber = strPtr(p.OfID), strPtr(p.OfNumber)
	}
	if r.CancelReason != "" {
		row.CancelReason, row.CancelNote = strPtr(string(r.CancelReason)), strPtr(r.CancelNote)
	}
	return row
}

func toRequest(row *requestRow, obls []obligationRow) *register.Request {
	r := &register.Request{
		ID:                 row.ID,
		Number:             row.Number,
		Type:               deadlines.RequestType(row.Type),
		Channel:            register.Channel(row.Channel),
		AnswerForm:         register.Channel(row.AnswerForm),
		ReceivedAt:         row.ReceivedAt.UTC(),
		TimeZone:           row.TimeZone,
		EvidenceReceivedAt: utcPtr(row.EvidenceReceivedAt),
		Subject: register.Subject{Name: row.SubjectName, Email: row.SubjectEmail, Phone: row.SubjectPhone,
			PostalAddress: row.SubjectPostalAddress},
		Identity: register.Identity{DocumentNumber: row.IdentityDocumentNumber, DocumentDate: fromDatePtr(row.IdentityDocumentDate),
			DocumentIssuer: row.IdentityDocumentIssuer, Relation: row.IdentityRelation, Verified: row.IdentityVerified},
		Summary:      row.Summary,
		Assignee:     row.Assignee,
		AssigneeID:   str(row.AssigneeID),
		Status:       register.Status(row.Status),
		CancelReason: register.CancelReason(str(row.CancelReason)),
		CancelNote:   str(row.CancelNote),
		ClosedAt:     utcPtr(row.ClosedAt),
		EmailID:      str(row.EmailID),
		Version:      row.Version,
		CreatedAt:    row.CreatedAt.UTC(),
		CreatedBy:    row.CreatedBy,
		UpdatedAt:    row.UpdatedAt.UTC(),
		UpdatedBy:    row.UpdatedBy,
	}
	if row.RepresentativeName != nil {
		r.Representative = &register.Representative{Name: *row.RepresentativeName, Authority: str(row.RepresentativeAuthority)}
	}
	if row.ExtensionNoticeSentAt != nil {
		r.Extension = &register.Extension{NoticeSentAt: row.ExtensionNoticeSentAt.UTC(), Reasons: str(row.ExtensionReasons),
			Channel: register.Channel(str(row.ExtensionChannel))}
	}
	if row.AnswerOutcome != nil && row.AnswerDate != nil {
		r.Answer = &register.Answer{Outcome: register.Outcome(*row.AnswerOutcome), Date: calendar.Date(*row.AnswerDate),
			Number: str(row.AnswerNumber), Text: str(row.AnswerText), Reference: str(row.AnswerReference)}
	}
	if row.RepeatOf != nil {
		r.Repeat = &register.Repeat{OfID: *row.RepeatOf, OfNumber: str(row.RepeatOfNumber)}
	}
	r.Obligations = make([]register.Obligation, 0, len(obls))
	for _, o := range obls {
		r.Obligations = append(r.Obligations, register.Obligation{
			ID:            o.ObligationID,
			Basis:         o.Basis,
			TriggerAt:     o.TriggerAt.UTC(),
			Due:           calendar.Date(o.DueDate),
			Target:        calendar.Date(o.TargetDate),
			DueAt:         o.DueAt.UTC(),
			ExtendedDue:   fromDatePtr(o.ExtendedDueDate),
			ExtendedDueAt: utcPtr(o.ExtendedDueAt),
			Extended:      o.Extended,
			Provisional:   o.Provisional,
			Status:        register.ObligationStatus(o.Status),
			DoneAt:        utcPtr(o.DoneAt),
			DoneBy:        str(o.DoneBy),
			DoneOn:        fromDatePtr(o.DoneOn),
		})
	}
	return r
}

func toObligationRows(r *register.Request) []obligationRow {
	out := make([]obligationRow, 0, len(r.Obligations))
	for _, o := range r.Obligations {
		row := obligationRow{
			RequestID:       r.ID,
			ObligationID:    o.ID,
			Basis:           o.Basis,
			TriggerAt:       utc(o.TriggerAt),
			DueDate:         dbDate(o.Due),
			TargetDate:      dbDate(o.Target),
			DueAt:           utc(o.DueAt),
			ExtendedDueDate: datePtr(o.ExtendedDue),
			ExtendedDueAt:   utcPtr(o.ExtendedDueAt),
			Extended:        o.Extended,
			EffectiveDueAt:  utc(o.EffectiveDueAt()),
			Provisional:     o.Provisional,
			Status:          string(o.Status),
			DoneAt:          utcPtr(o.DoneAt),
			DoneOn:          datePtr(o.DoneOn),
		}
		if o.DoneBy != "" {
			row.DoneBy = strPtr(o.DoneBy)
		}
		out = append(out, row)
	}
	return out
}

func toEventRow(e register.Event) (eventRow, error) {
	row := eventRow{RequestID: e.RequestID, At: utc(e.At), ActorID: e.ActorID, ActorName: e.ActorName, Kind: string(e.Kind), Note: e.Note}
	for _, x := range []struct {
		m   map[string]any
		dst **string
	}{{e.Before, &row.Before}, {e.After, &row.After}} {
		if x.m == nil {
			continue
		}
		b, err := json.Marshal(x.m)
		if err != nil {
			return row, fmt.Errorf("store: event %s: %w", e.Kind, err)
		}
		*x.dst = strPtr(string(b))
	}
	return row, nil
}

func toEvent(row eventRow) register.Event {
	e := register.Event{ID: row.ID, RequestID: row.RequestID, At: row.At.UTC(), ActorID: row.ActorID, ActorName: row.ActorName,
		Kind: register.EventKind(row.Kind), Note: row.Note}
	for _, x := range []struct {
		s   *string
		dst *map[string]any
	}{{row.Before, &e.Before}, {row.After, &e.After}} {
		if x.s != nil {
			_ = json.Unmarshal([]byte(*x.s), x.dst) // written by toEventRow: valid JSON
		}
	}
	return e
}

// nonEmpty is s, or nil for "" (a NULL column).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
