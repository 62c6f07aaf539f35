// Package deadlines computes the statutory terms of Federal Law of 27.07.2006
// No. 152-FZ «О персональных данных» (as amended by Federal Law of 14.07.2022
// No. 266-FZ, in force since 01.09.2022) on the Russian production calendar,
// counted by the Civil Code (ГК РФ) arts. 190-194.
//
// The package is pure: the trigger instant, the operator's time zone and the
// calendar are passed in; nothing here reads the clock, a file or a database.
// Read it top to bottom: this file is the law (what must be done, by when, on
// which article), engine.go is the counting.
package deadlines

import (
	"errors"
	"fmt"
	"time"
)

// Unit is the unit a term is counted in.
type Unit int

// The units of the statute's terms.
const (
	// WorkingDays (рабочие дни) are counted on the production calendar.
	WorkingDays Unit = iota + 1
	// CalendarDays: the statute says «дней» without «рабочих».
	CalendarDays
	// Months are counted by Civil Code art. 192.
	Months
	// Hours are clock hours, with no shift for nights, weekends or holidays.
	Hours
)

// Term is a length of time: N units.
type Term struct {
	N    int
	Unit Unit
}

// String returns the term in words, e.g. "10 working days".
func (t Term) String() string {
	unit := map[Unit][2]string{
		WorkingDays:  {"working day", "working days"},
		CalendarDays: {"calendar day", "calendar days"},
		Months:       {"month", "months"},
		Hours:        {"hour", "hours"},
	}[t.Unit]
	if t.N == 1 {
		return fmt.Sprintf("%d %s", t.N, unit[0])
	}
	return fmt.Sprintf("%d %s", t.N, unit[1])
}

// Obligation (обязанность оператора) is a duty of the operator that must be
// met within a term counted from a trigger: the receipt of a request, the
// detection of an incident, the achievement of a purpose.
type Obligation struct {
	// ID is the stable identifier, e.g. "access.answer".
	ID string
	// Duty says what the operator must do.
	Duty string
	// Trigger says which event starts the term.
	Trigger string
	// Term is the statutory term.
	Term Term
	// Extension is the extra term the operator may take once, with a
	// motivated notice sent before the term runs out; zero when the term
	// cannot be extended.
	Extension Term
	// Basis is the article the term rests on.
	Basis string
}

// Extendable reports whether the obligation's term may be extended.
func (o Obligation) Extendable() bool { return o.Extension.N > 0 }

// The obligations' ids: stable names stored with each request and used by
// every package that speaks of an obligation (wording, reminders, letters).
const (
	ObAccessAnswer          = "access.answer"
	ObAccessRefusal         = "access.refusal"
	ObRectificationRectify  = "rectification.rectify"
	ObErasureDestroy        = "erasure.destroy"
	ObWithdrawalStopDestroy = "withdrawal.stop_destroy"
	ObStopStop              = "stop.stop"
	ObDisseminationStop     = "dissemination.stop"
	ObAutomatedObjection    = "automated.objection"
	ObUnlawfulStop          = "unlawful.stop"
	ObUnlawfulDestroy       = "unlawful.destroy"
	ObPurposeDestroy        = "purpose.destroy"
	ObDestructionImpossible = "destruction.impossible"
	ObIncidentNotify        = "incident.notify"
	ObIncidentInvestigation = "incident.investigation"
	ObAuthorityAnswer       = "authority.answer"
)

// The obligations of the operator (обязанности оператора), by article. They
// are unexported so that nothing can change the law at run time; use
// ObligationByID and AllObligations. The terms of access, refusal
// and Roskomnadzor requests were 30 days before 01.09.2022; since the
// amendment of Federal Law No. 266-FZ they are 10 working days, extendable by
// 5 working days.
var (
	// accessAnswer: give the subject the information of art. 14 part 7 and
	// access to the data, in the form of the request.
	// 152-FZ art. 14 part 3; art. 20 part 1.
	accessAnswer = Obligation{
		ID:        ObAccessAnswer,
		Duty:      "give the information of art. 14 part 7 and access to the personal data, in the form of the request",
		Trigger:   "receipt of the subject's access request",
		Term:      Term{10, WorkingDays},
		Extension: Term{5, WorkingDays},
		Basis:     "152-FZ art. 20 part 1",
	}
	// accessRefusal: a motivated written refusal citing the ground of art. 14
	// part 8. 152-FZ art. 20 part 2.
	accessRefusal = Obligation{
		ID:        ObAccessRefusal,
		Duty:      "send a motivated written refusal citing the ground of art. 14 part 8",
		Trigger:   "receipt of the subject's access request",
		Term:      Term{10, WorkingDays},
		Extension: Term{5, WorkingDays},
		Basis:     "152-FZ art. 20 part 2",
	}
	// rectificationRectify: rectify the data and lift the block once the
	// information confirming them incomplete, inaccurate or outdated arrives.
	// 152-FZ art. 20 part 3; art. 21 part 2.
	rectificationRectify = Obligation{
		ID:      ObRectificationRectify,
		Duty:    "rectify the personal data and lift the block",
		Trigger: "receipt of information confirming the data are incomplete, inaccurate or outdated",
		Term:    Term{7, WorkingDays},
		Basis:   "152-FZ art. 20 part 3",
	}
	// erasureDestroy: destroy data shown to be unlawfully obtained or not
	// needed for the stated purpose. 152-FZ art. 20 part 3.
	erasureDestroy = Obligation{
		ID:      ObErasureDestroy,
		Duty:    "destroy the personal data",
		Trigger: "receipt of information confirming the data were unlawfully obtained or are not needed for the stated purpose",
		Term:    Term{7, WorkingDays},
		Basis:   "152-FZ art. 20 part 3",
	}
	// withdrawalStopDestroy: on withdrawal of consent (отзыв согласия) stop
	// processing and destroy the data, unless another legal basis allows
	// processing. 152-FZ art. 21 part 5; art. 9 part 2.
	withdrawalStopDestroy = Obligation{
		ID:      ObWithdrawalStopDestroy,
		Duty:    "stop processing and destroy the personal data, unless another legal basis allows processing",
		Trigger: "receipt of the withdrawal of consent",
		Term:    Term{30, CalendarDays},
		Basis:   "152-FZ art. 21 part 5",
	}
	// stopStop: on a demand to stop processing (требование о прекращении
	// обработки) stop, unless a legal basis other than consent applies.
	// 152-FZ art. 21 part 5.1.
	stopStop = Obligation{
		ID:        ObStopStop,
		Duty:      "stop processing, unless a legal basis other than consent applies (art. 6 part 1 items 2-11, art. 10 part 2, art. 11 part 2)",
		Trigger:   "receipt of the demand to stop processing",
		Term:      Term{10, WorkingDays},
		Extension: Term{5, WorkingDays},
		Basis:     "152-FZ art. 21 part 5.1",
	}
	// disseminationStop: stop disseminating data the subject allowed for
	// dissemination. 152-FZ art. 10.1 parts 12-14.
	disseminationStop = Obligation{
		ID:      ObDisseminationStop,
		Duty:    "stop the dissemination of the personal data",
		Trigger: "receipt of the demand to stop dissemination",
		Term:    Term{3, WorkingDays},
		Basis:   "152-FZ art. 10.1 part 14",
	}
	// automatedObjection: consider an objection to a decision made solely by
	// automated processing and notify the result. 152-FZ art. 16 part 4.
	automatedObjection = Obligation{
		ID:      ObAutomatedObjection,
		Duty:    "consider the objection and notify the subject of the result",
		Trigger: "receipt of the objection to a decision made solely by automated processing",
		Term:    Term{30, CalendarDays},
		Basis:   "152-FZ art. 16 part 4",
	}
	// unlawfulStop: stop unlawful processing once detected, by the operator
	// or on a request. 152-FZ art. 21 part 3.
	unlawfulStop = Obligation{
		ID:      ObUnlawfulStop,
		Duty:    "stop the unlawful processing",
		Trigger: "detection of unlawful processing",
		Term:    Term{3, WorkingDays},
		Basis:   "152-FZ art. 21 part 3",
	}
	// unlawfulDestroy: destroy the data when lawful processing cannot be
	// ensured; counted from the detection, not from the end of the 3 working
	// days to stop. 152-FZ art. 21 part 3.
	unlawfulDestroy = Obligation{
		ID:      ObUnlawfulDestroy,
		Duty:    "destroy the personal data when lawful processing cannot be ensured",
		Trigger: "detection of unlawful processing",
		Term:    Term{10, WorkingDays},
		Basis:   "152-FZ art. 21 part 3",
	}
	// purposeDestroy: stop processing and destroy the data once the purpose
	// is achieved, unless a contract or a law allows more. 152-FZ art. 21
	// part 4.
	purposeDestroy = Obligation{
		ID:      ObPurposeDestroy,
		Duty:    "stop processing and destroy the personal data, unless a contract or a law allows more",
		Trigger: "achievement of the purpose of processing",
		Term:    Term{30, CalendarDays},
		Basis:   "152-FZ art. 21 part 4",
	}
	// destructionImpossible: when destruction is impossible within the term
	// of art. 21 parts 3, 4, 5 or 5.1, block the data and destroy them within
	// 6 months. The engine counts from the original trigger, the stricter of
	// the readings. 152-FZ art. 21 part 6.
	destructionImpossible = Obligation{
		ID:      ObDestructionImpossible,
		Duty:    "block the personal data and destroy them",
		Trigger: "the original trigger of the destruction duty (art. 21 parts 3, 4, 5, 5.1)",
		Term:    Term{6, Months},
		Basis:   "152-FZ art. 21 part 6",
	}
	// incidentNotify: first notice to Roskomnadzor of an unlawful or
	// accidental transfer of personal data. 152-FZ art. 21 part 3.1 item 1.
	incidentNotify = Obligation{
		ID:      ObIncidentNotify,
		Duty:    "notify Roskomnadzor of the incident: what happened, presumed causes, harm, measures taken, contact person",
		Trigger: "detection of the incident",
		Term:    Term{24, Hours},
		Basis:   "152-FZ art. 21 part 3.1 item 1",
	}
	// incidentInvestigation: results of the internal investigation, counted
	// from the detection, not from the first notice. 152-FZ art. 21 part 3.1
	// item 2.
	incidentInvestigation = Obligation{
		ID:      ObIncidentInvestigation,
		Duty:    "send Roskomnadzor the results of the internal investigation and the persons responsible",
		Trigger: "detection of the incident",
		Term:    Term{72, Hours},
		Basis:   "152-FZ art. 21 part 3.1 item 2",
	}
	// authorityAnswer: send Roskomnadzor (уполномоченный орган) the
	// information it requested. 152-FZ art. 20 part 4.
	authorityAnswer = Obligation{
		ID:        ObAuthorityAnswer,
		Duty:      "send Roskomnadzor the requested information",
		Trigger:   "receipt of Roskomnadzor's request",
		Term:      Term{10, WorkingDays},
		Extension: Term{5, WorkingDays},
		Basis:     "152-FZ art. 20 part 4",
	}
)

// obligations lists every obligation the engine knows, in the order of the
// spec.
var obligations = [...]Obligation{
	accessAnswer, accessRefusal, rectificationRectify, erasureDestroy,
	withdrawalStopDestroy, stopStop, disseminationStop, automatedObjection,
	unlawfulStop, unlawfulDestroy, purposeDestroy, destructionImpossible,
	incidentNotify, incidentInvestigation, authorityAnswer,
}

// AllObligations returns every obligation the engine knows, in the order of
// the spec.
func AllObligations() []Obligation {
	return append([]Obligation(nil), obligations[:]...)
}

// ObligationByID returns the obligation with the given id.
func ObligationByID(id string) (Obligation, bool) {
	for _, o := range obligations {
		if o.ID == id {
			return o, true
		}
	}
	return Obligation{}, false
}

// RequestType is the kind of request or event registered with Srok.
type RequestType string

// The request types and the obligations each one opens.
const (
	TypeAccess        RequestType = "access"        // запрос субъекта (art. 14)
	TypeRectification RequestType = "rectification" // уточнение (art. 20 part 3, art. 21 parts 1-2)
	TypeErasure       RequestType = "erasure"       // уничтожение (art. 20 part 3)
	TypeWithdrawal    RequestType = "withdrawal"    // отзыв согласия (art. 21 part 5)
	TypeStop          RequestType = "stop"          // требование о прекращении обработки (art. 21 part 5.1)
	TypeUnlawful      RequestType = "unlawful"      // неправомерная обработка (art. 21 part 3)
	TypePurpose       RequestType = "purpose"       // достижение цели обработки (art. 21 part 4)
	TypeIncident      RequestType = "incident"      // инцидент (art. 21 part 3.1)
	TypeAuthority     RequestType = "authority"     // запрос Роскомнадзора (art. 20 part 4)
	TypeDissemination RequestType = "dissemination" // прекращение распространения (art. 10.1)
	TypeAutomated     RequestType = "automated"     // возражение против автоматизированного решения (art. 16)
)

// requestTypes holds what the law says of each request type: the
// obligations it opens, whether a named subject must be answered, and
// whether its terms count from the evidence. access.refusal and
// destruction.impossible are not opened on intake: they replace
// access.answer or a destruction duty when the operator refuses or cannot
// destroy in time.
var requestTypes = []struct {
	Type        RequestType
	Obligations []Obligation
	// NamedSubject: the request is filed by the data subject or a
	// representative (152-FZ art. 14 part 3) or by Roskomnadzor (art. 20
	// part 4), who must be named with a contact the answer can go to. The
	// others are events the operator detects.
	NamedSubject bool
	// FromEvidence: the terms count from the receipt of the information
	// confirming the claim when it came after the request (152-FZ art. 20
	// part 3, art. 21 part 1).
	FromEvidence bool
}{
	{TypeAccess, []Obligation{accessAnswer}, true, false},
	{TypeRectification, []Obligation{rectificationRectify}, true, true},
	{TypeErasure, []Obligation{erasureDestroy}, true, true},
	{TypeWithdrawal, []Obligation{withdrawalStopDestroy}, true, false},
	{TypeStop, []Obligation{stopStop}, true, false},
	{TypeUnlawful, []Obligation{unlawfulStop, unlawfulDestroy}, false, false},
	{TypePurpose, []Obligation{purposeDestroy}, false, false},
	{TypeIncident, []Obligation{incidentNotify, incidentInvestigation}, false, false},
	{TypeAuthority, []Obligation{authorityAnswer}, true, false},
	{TypeDissemination, []Obligation{disseminationStop}, true, false},
	{TypeAutomated, []Obligation{automatedObjection}, true, false},
}

// Known reports whether t is a request type of the engine.
func (t RequestType) Known() bool {
	_, ok := ObligationsOf(t)
	return ok
}

// NamedSubject reports whether a request of type t comes from someone who
// must be named and answered: the data subject or a representative (152-FZ
// art. 14 part 3) or Roskomnadzor (art. 20 part 4).
func (t RequestType) NamedSubject() bool {
	for _, r := range requestTypes {
		if r.Type == t {
			return r.NamedSubject
		}
	}
	return false
}

// FromEvidence reports whether the terms of type t count from the receipt of
// the information confirming the claim when it came after the request
// (152-FZ art. 20 part 3, art. 21 part 1).
func (t RequestType) FromEvidence() bool {
	for _, r := range requestTypes {
		if r.Type == t {
			return r.FromEvidence
		}
	}
	return false
}

// HourTerms reports whether a term of type t runs in hours (incidents,
// 152-FZ art. 21 part 3.1): its trigger needs a time of day.
func (t RequestType) HourTerms() bool {
	obls, _ := ObligationsOf(t)
	for _, o := range obls {
		if o.Term.Unit == Hours {
			return true
		}
	}
	return false
}

// ParseTrigger parses the instant the terms of a request of type t count
// from, as the package-level ParseTrigger does, and refuses a date alone
// where a term runs in hours.
func (t RequestType) ParseTrigger(s string, loc *time.Location) (time.Time, error) {
	at, hasTime, err := ParseTrigger(s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if !hasTime && t.HourTerms() {
		return time.Time{}, ErrNeedsTime
	}
	return at, nil
}

// ErrNeedsTime is the error of a trigger given as a date alone for a type
// whose terms run in hours.
var ErrNeedsTime = errors.New("needs a time of day: the terms of this type run in hours")

// RequestTypes lists every request type in a stable order.
func RequestTypes() []RequestType {
	out := make([]RequestType, len(requestTypes))
	for i, r := range requestTypes {
		out[i] = r.Type
	}
	return out
}

// ObligationsOf returns the obligations a request of type t opens, and false
// when t is not a known type.
func ObligationsOf(t RequestType) ([]Obligation, bool) {
	for _, r := range requestTypes {
		if r.Type == t {
			return append([]Obligation(nil), r.Obligations...), true
		}
	}
	return nil, false
}
