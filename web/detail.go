package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// flashKey is the session key of the one-time message a request's page
// shows after an action succeeded.
const flashKey = "web.flash"

// detailPage is a request's page: what it is, its terms, its life, its
// email and the actions the user may take.
type detailPage struct {
	page
	ID, Number, Type, Status, StatusCode string
	Channel, AnswerForm                  string
	Received, Evidence, TimeZone         string
	Summary, Assignee                    string
	Subject                              register.Subject
	Representative                       *register.Representative
	Identity                             identityView
	Repeat                               *register.Repeat
	Extension                            *extensionView
	Answer                               *answerView
	Cancel                               string
	Closed                               string
	Masked                               bool
	Obligations                          []obligationRow
	Timeline                             []eventRow
	Email                                *requestEmail
	Version                              int
	// Forms are the action forms the user's role and the request's state
	// allow, by action name, with what was typed and its problems.
	Forms map[string]*actionForm
	// NamedSubject: the type is filed by a subject who must be named
	// (152-FZ art. 14 part 3); a missing name is a detail to ask for.
	NamedSubject bool
	// Unavailable are the actions the role may do but the request's state
	// does not allow now, with the reason.
	Unavailable []unavailableAction
	// Stale says that the request changed while the user looked at it.
	Stale bool
	// EvidencePack is the link of the request's evidence pack, "" when
	// the user may not make it.
	EvidencePack string
	// Flash is the message of the action just done.
	Flash string
	// Letters are the letters to the subject, nil when none applies.
	Letters *lettersView

	ChannelOptions, OutcomeOptions, CancelOptions []choice
	// Today is the operator's date, the latest allowed in date fields.
	Today string
}

type identityView struct {
	DocumentNumber, DocumentDate, DocumentIssuer, Relation string
	Verified                                               bool
}

type extensionView struct{ NoticeSentAt, Reasons, Channel string }

type answerView struct{ Outcome, Date, Number, Text, Reference string }

// obligationRow is one obligation in the #obligations table.
type obligationRow struct {
	Name, ID, Basis string
	Term            term
	Status          string
	Extended        bool
	ExtendedDue     string
	Provisional     bool
	Done            string
	OnTime          string
}

// eventRow is one line of the timeline.
type eventRow struct {
	At, Actor, What, Note string
	Changes               []string
	// PDF and DOCX link an issued letter's files (letter_issued).
	PDF, DOCX string
}

// requestEmail is the email the request was registered from.
type requestEmail struct {
	ID, RawURL              string
	From, Date, Subject     string
	Text                    string
	Attachments             []requestAttachment
	Loaded, Missing, Denied bool
}

type requestAttachment struct {
	Name, URL, Size, Type string
}

// actionForm is one action's form as typed, with its problems.
type actionForm struct {
	Values map[string]string
	Errors map[string]string
	// Alert is a problem of the form as a whole.
	Alert string
}

// unavailableAction is an action not allowed now, and why.
type unavailableAction struct{ Name, Reason string }

// detail renders a request's page.
func (s *server) detail(c echo.Context) error {
	p, err := s.detailOf(c, c.Param("id"))
	if err != nil {
		return s.pageError(c, err)
	}
	if f := s.sessions.PopString(c.Request().Context(), flashKey); f != "" {
		p.Flash = f
	}
	return s.render(c, http.StatusOK, "detail", p)
}

// detailOf reads request id and its timeline (both reads recorded in the
// audit trail) into its page.
func (s *server) detailOf(c echo.Context, id string) (*detailPage, error) {
	ctx := c.Request().Context()
	a, _ := srok.ActorFrom(ctx)
	// The request and its timeline are read apart, each read recorded as
	// the API records it.
	r, err := s.reg.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	_, evs, err := s.reg.Timeline(ctx, id, 0, register.MaxLimit)
	if err != nil {
		return nil, err
	}
	now := s.now()
	loc := s.reg.Zone()
	today := calendar.DateOf(now.In(loc))
	p := &detailPage{page: newPage("Обращение " + r.Number), ID: r.ID, Number: r.Number, Type: ru.Type(r.Type),
		Status: ru.Status(r.Status), StatusCode: string(r.Status), Channel: ru.Channel(r.Channel),
		AnswerForm: ru.Channel(r.AnswerForm), Received: ru.DateTime(r.ReceivedAt, loc), TimeZone: zoneText(r.TimeZone, loc, r.ReceivedAt),
		Summary: r.Summary, Assignee: r.Assignee, Subject: r.Subject, Representative: r.Representative, Repeat: r.Repeat,
		Masked: !a.Can(srok.ActPersonalData), Version: r.Version, NamedSubject: r.Type.NamedSubject(), Forms: map[string]*actionForm{},
		Today: today.String(), EvidencePack: s.packLink(a, r)}
	if p.Assignee == "" {
		p.Assignee = "не назначено"
	}
	if p.Letters, err = s.lettersOf(ctx, a, r); err != nil {
		return nil, err
	}
	if r.EvidenceReceivedAt != nil {
		p.Evidence = ru.DateTime(*r.EvidenceReceivedAt, loc)
	}
	p.Identity = identityView{DocumentNumber: r.Identity.DocumentNumber, DocumentIssuer: r.Identity.DocumentIssuer,
		Relation: r.Identity.Relation, Verified: r.Identity.Verified}
	if r.Identity.DocumentDate != nil {
		p.Identity.DocumentDate = ru.Date(*r.Identity.DocumentDate)
	}
	if x := r.Extension; x != nil {
		p.Extension = &extensionView{NoticeSentAt: ru.DateTime(x.NoticeSentAt, loc), Reasons: x.Reasons, Channel: ru.Channel(x.Channel)}
	}
	if x := r.Answer; x != nil {
		p.Answer = &answerView{Outcome: ru.Outcome(x.Outcome), Date: ru.Date(x.Date), Number: x.Number, Text: x.Text, Reference: x.Reference}
	}
	if r.CancelReason != "" {
		p.Cancel = ru.CancelReason(r.CancelReason)
		if r.CancelNote != "" {
			p.Cancel += ": " + r.CancelNote
		}
	}
	if r.ClosedAt != nil {
		p.Closed = ru.DateTime(*r.ClosedAt, loc)
	}
	for _, o := range r.Obligations {
		row := obligationRow{Name: ru.Obligation(o.ID), ID: o.ID, Basis: ru.Basis(o.Basis), Term: s.termOf(o, now, loc),
			Extended: o.Extended, Provisional: o.Provisional}
		switch o.Status {
		case register.ObligationOpen:
			row.Status = ru.ObligationStatus(o.Status)
		case register.ObligationDone:
			row.Status = ru.ObligationStatus(o.Status)
			if o.DoneOn != nil {
				row.Done = ru.Date(*o.DoneOn)
			} else if o.DoneAt != nil {
				row.Done = ru.DateTime(*o.DoneAt, loc)
			}
			if o.OnTime(loc) {
				row.OnTime = "в срок"
			} else {
				row.OnTime = "с опозданием"
			}
		case register.ObligationNotApplicable:
			row.Status = ru.ObligationStatus(o.Status)
		}
		if o.ExtendedDue != nil && !o.Extended && !row.Term.Late && o.Status == register.ObligationOpen {
			row.ExtendedDue = ru.Date(*o.ExtendedDue)
		}
		p.Obligations = append(p.Obligations, row)
	}
	for _, e := range evs {
		row := eventRow{At: ru.DateTime(e.At, loc), Actor: e.ActorName, What: ru.Event(e.Kind), Note: e.Note}
		if row.Actor == "" {
			row.Actor = e.ActorID
		}
		row.Changes = changesOf(e)
		if id, ok := e.After["letter_id"].(string); ok && e.Kind == register.EventLetterIssued && s.issuer != nil {
			base := "/api/v1/requests/" + r.ID + "/issued-letters/" + id
			row.PDF, row.DOCX = base+".pdf", base+".docx"
		}
		p.Timeline = append(p.Timeline, row)
	}
	p.Email = s.emailOfRequest(ctx, a, r)

	// The register decides what may be done; the page shows a form for
	// each allowed action and says why the others are not, unless the role
	// may not do them at all.
	for _, av := range register.Actions(a, r) {
		if !av.Allowed {
			if av.Reason != register.ReasonForbidden {
				p.Unavailable = append(p.Unavailable, unavailableAction{Name: ru.Action(av.Action), Reason: ru.Reason(av.Reason)})
			}
			continue
		}
		f := &actionForm{Values: map[string]string{}, Errors: map[string]string{}}
		if av.Action == register.ActionAssign {
			f.Values["assignee"] = r.Assignee
			if r.Assignee == "" && a.Role == srok.RoleOperator {
				f.Values["assignee"] = a.Email
			}
		}
		p.Forms[string(av.Action)] = f
	}
	for _, ch := range register.Channels() {
		p.ChannelOptions = append(p.ChannelOptions, choice{string(ch), ru.Channel(ch)})
	}
	p.OutcomeOptions = []choice{{string(register.OutcomeFulfilled), ru.Outcome(register.OutcomeFulfilled)},
		{string(register.OutcomePartiallyFulfilled), ru.Outcome(register.OutcomePartiallyFulfilled)}}
	for _, cr := range register.CancelReasons() {
		p.CancelOptions = append(p.CancelOptions, choice{string(cr), ru.CancelReason(cr)})
	}
	return p, nil
}

// changesOf says in words what an event changed: the statuses, assignees
// and dates a person reads; other fields are named only.
func changesOf(e register.Event) []string {
	var out []string
	str := func(m map[string]any, k string) string {
		if v, ok := m[k].(string); ok {
			return v
		}
		return ""
	}
	if to := str(e.After, "status"); to != "" && to != str(e.Before, "status") {
		out = append(out, "статус: "+ru.Status(register.Status(to)))
	}
	if _, ok := e.After["assignee"]; ok && e.Kind == register.EventAssigned {
		to := str(e.After, "assignee")
		if to == "" {
			to = "не назначено"
		}
		out = append(out, "исполнитель: "+to)
	}
	if e.Kind == register.EventExtended {
		for k, v := range e.After {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if d, ok := m["due_date"].(string); ok {
				if cd, err := calendar.ParseDate(d); err == nil {
					out = append(out, ru.Obligation(k)+": срок до "+ru.Date(cd))
				}
			}
		}
	}
	if e.Kind == register.EventLetterIssued {
		out = append(out, letterIssuedChanges(e)...)
	}
	if e.Kind == register.EventRecomputed {
		out = append(out, recomputedChanges(e)...)
	}
	if e.Kind == "reminder_sent" || e.Kind == "reminder_failed" {
		out = append(out, reminderChanges(e)...)
	}
	if e.Kind == register.EventUpdated {
		var names []string
		for k := range e.After {
			names = append(names, k)
		}
		if len(names) > 0 {
			slices.Sort(names)
			out = append(out, "изменены поля: "+strings.Join(names, ", "))
		}
	}
	return out
}

// emailOfRequest is the email section of r's page: nil when r came from
// no email; the links alone without Emails or when it cannot be read.
func (s *server) emailOfRequest(ctx context.Context, a srok.Actor, r *register.Request) *requestEmail {
	id := s.emailOf(r)
	if id == "" {
		return nil
	}
	v := &requestEmail{ID: id, RawURL: "/api/v1/emails/" + id + "/raw"}
	if s.emails == nil {
		return v
	}
	e, err := s.emails.Get(ctx, a, id)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		v.Missing = true
		return v
	case srok.ErrorCode(err) == srok.EFORBIDDEN:
		v.Denied = true
		return v
	case err != nil:
		s.log.ErrorContext(ctx, "web: read a request's email", "error", err.Error())
		return v
	}
	v.Loaded, v.Subject, v.Text = true, e.Subject, e.Text
	if e.From != nil {
		v.From = e.From.Email
		if e.From.Name != "" {
			v.From = e.From.Name + " <" + e.From.Email + ">"
		}
	}
	if e.Date != nil {
		v.Date = ru.DateTime(*e.Date, s.reg.Zone())
	}
	for i, at := range e.Attachments {
		name := at.Filename
		if name == "" {
			name = "вложение " + strconv.Itoa(i+1)
		}
		v.Attachments = append(v.Attachments, requestAttachment{Name: name, Type: at.ContentType, Size: size(at.Size),
			URL: "/api/v1/emails/" + id + "/attachments/" + strconv.Itoa(i)})
	}
	return v
}

// size says a number of bytes for a person: 812 Б, 14 КБ, 2,5 МБ.
func size(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " Б"
	case n < 1024*1024:
		return strconv.FormatInt((n+1023)/1024, 10) + " КБ"
	}
	return strings.Replace(strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64), ".", ",", 1) + " МБ"
}

// stageNames are the stages of a reminder in Russian.
var stageNames = map[string]string{
	"soon":       "скоро срок",
	"tomorrow":   "срок завтра",
	"due":        "срок сегодня",
	"overdue":    "срок пропущен",
	"escalation": "эскалация ответственному",
}

// reminderChanges says what a reminder event carries (pkg/remind's
// deliverer writes it): the stage, the obligation, the recipient and, for
// a failure, the SMTP server's code and reply.
func reminderChanges(e register.Event) []string {
	str := func(k string) string {
		v, _ := e.After[k].(string)
		return v
	}
	var out []string
	if st := str("stage"); st != "" {
		name, ok := stageNames[st]
		if !ok {
			name = st
		}
		out = append(out, "этап: "+name)
	}
	if o := str("obligation_id"); o != "" {
		out = append(out, "обязанность: "+ru.Obligation(o))
	}
	if r := str("recipient"); r != "" {
		what := "получатель: " + r
		if d, _ := e.After["digest"].(bool); d {
			what += " (в ежедневной сводке)"
		}
		out = append(out, what)
	}
	if e.Kind == "reminder_failed" {
		if code, ok := e.After["smtp_code"].(float64); ok && code != 0 {
			out = append(out, fmt.Sprintf("код SMTP: %d", int(code)))
		}
		if msg := str("error"); msg != "" {
			out = append(out, "ошибка: "+msg)
		}
	}
	return out
}

// recomputedChanges lists, per obligation, the dates a recompute moved:
// the legal term and the internal target, before and after.
func recomputedChanges(e register.Event) []string {
	ids := make([]string, 0, len(e.After))
	for k := range e.After {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	date := func(m map[string]any, k string) string {
		s, _ := m[k].(string)
		if d, err := calendar.ParseDate(s); err == nil {
			return ru.Date(d)
		}
		return ""
	}
	var out []string
	for _, id := range ids {
		after, ok := e.After[id].(map[string]any)
		if !ok {
			continue
		}
		before, _ := e.Before[id].(map[string]any)
		was, now := date(before, "due_date"), date(after, "due_date")
		if now == "" {
			continue
		}
		line := ru.Obligation(id) + ": срок до " + now
		if was != "" && was != now {
			line = ru.Obligation(id) + ": срок " + was + " → " + now
		}
		if t0, t1 := date(before, "target_date"), date(after, "target_date"); t1 != "" && t0 != t1 {
			line += ", внутренний срок " + t1
		}
		out = append(out, line)
	}
	return out
}

// letterIssuedChanges says what an issued letter was: its kind, outgoing
// number and date, and how it went.
func letterIssuedChanges(e register.Event) []string {
	kind, _ := e.After["kind"].(string)
	number, _ := e.After["number"].(string)
	s := ru.LetterKind(letters.Kind(kind)) + ", исх. № " + number
	if d, ok := e.After["date"].(string); ok {
		if cd, err := calendar.ParseDate(d); err == nil {
			s += " от " + ru.Date(cd)
		}
	}
	switch e.After["delivery"] {
	case "email":
		s += ", " + ru.DeliveryEmail
	case "paper":
		s += ", " + ru.DeliveryPaper
	}
	return []string{s}
}
