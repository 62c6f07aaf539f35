package register

import (
	"fmt"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/srok"
)

// ActionName names something an actor may do with a request: the API's
// routes (POST /api/v1/requests/{id}/<name>) and the pages' forms carry
// these names.
type ActionName string

// The actions on a request, in the order a request's page shows them.
const (
	ActionAssign ActionName = "assign"
	ActionExtend ActionName = "extend"
	ActionAnswer ActionName = "answer"
	ActionRefuse ActionName = "refuse"
	ActionClose  ActionName = "close"
	ActionCancel ActionName = "cancel"
	ActionNote   ActionName = "note"
)

// ActionNames lists every action on a request, in the order of its page.
func ActionNames() []ActionName {
	return []ActionName{ActionAssign, ActionExtend, ActionAnswer, ActionRefuse, ActionClose, ActionCancel, ActionNote}
}

// Permission is the permission of the role table (pkg/srok) that action
// needs. An answer and a refusal share one: both answer the request.
func (n ActionName) Permission() srok.Action {
	switch n {
	case ActionAssign:
		return srok.ActRequestAssign
	case ActionExtend:
		return srok.ActRequestExtend
	case ActionAnswer, ActionRefuse:
		return srok.ActRequestAnswer
	case ActionClose:
		return srok.ActRequestClose
	case ActionCancel:
		return srok.ActRequestCancel
	case ActionNote:
		return srok.ActRequestNote
	}
	return ""
}

// Reason says why an action is not allowed now. pkg/ru words each one for
// the pages; the API returns the code.
type Reason string

// The reasons.
const (
	// ReasonForbidden: the actor's role (or token) may not do it at all.
	ReasonForbidden Reason = "forbidden"
	// ReasonNotAssigned: a new request is answered once it is in work.
	ReasonNotAssigned Reason = "not_assigned"
	// ReasonNotAnswered: only an answered or refused request is closed.
	ReasonNotAnswered Reason = "not_answered"
	// ReasonAnswered, ReasonRefused, ReasonClosed and ReasonCancelled: the
	// request is past the action.
	ReasonAnswered  Reason = "answered"
	ReasonRefused   Reason = "refused"
	ReasonClosed    Reason = "closed"
	ReasonCancelled Reason = "cancelled"
	// ReasonAlreadyExtended: the term was extended once already (152-FZ
	// art. 14 part 3, art. 20 parts 1–2 allow one extension).
	ReasonAlreadyExtended Reason = "already_extended"
	// ReasonNotExtendable: no open obligation of the request has a term the
	// law lets the operator extend.
	ReasonNotExtendable Reason = "not_extendable"
)

// Reasons lists every reason.
func Reasons() []Reason {
	return []Reason{ReasonForbidden, ReasonNotAssigned, ReasonNotAnswered, ReasonAnswered, ReasonRefused,
		ReasonClosed, ReasonCancelled, ReasonAlreadyExtended, ReasonNotExtendable}
}

// Availability says whether an action may be taken on a request now, and if
// not, why.
type Availability struct {
	Action  ActionName
	Allowed bool
	// Reason is empty when Allowed.
	Reason Reason
}

// Actions answers, for every action in the order of the request's page,
// whether actor a may take it on r now, and why not. It is the one place
// that decides: the actions themselves refuse what it refuses, the pages
// show a form only for what it allows, and the API returns its answer.
// Whether r is visible to a at all (an operator's own or unassigned
// requests) is decided before, when r is read.
func Actions(a srok.Actor, r *Request) []Availability {
	out := make([]Availability, 0, len(ActionNames()))
	for _, n := range ActionNames() {
		out = append(out, Check(a, r, n))
	}
	return out
}

// Check answers for one action what Actions answers for all.
func Check(a srok.Actor, r *Request, n ActionName) Availability {
	av := Availability{Action: n, Reason: stateReason(r, n)}
	if !a.Can(n.Permission()) {
		av.Reason = ReasonForbidden
	}
	av.Allowed = av.Reason == ""
	return av
}

// stateReason is why the state of r does not allow n, "" when it does.
func stateReason(r *Request, n ActionName) Reason {
	past := func() Reason {
		switch r.Status {
		case StatusAnswered:
			return ReasonAnswered
		case StatusRefused:
			return ReasonRefused
		case StatusClosed:
			return ReasonClosed
		case StatusCancelled:
			return ReasonCancelled
		}
		return ""
	}
	switch n {
	case ActionAssign, ActionCancel:
		return past()
	case ActionExtend:
		if !r.Status.Open() {
			return past()
		}
		return extendReason(r)
	case ActionAnswer, ActionRefuse:
		if r.Status == StatusNew {
			return ReasonNotAssigned
		}
		return past()
	case ActionClose:
		if r.Status.Open() {
			return ReasonNotAnswered
		}
		if r.Status == StatusClosed || r.Status == StatusCancelled {
			return past()
		}
		return ""
	case ActionNote:
		return ""
	}
	return ReasonForbidden
}

// extendReason is why the terms of an open request cannot be extended: no
// open obligation has an extendable term, or every one was extended.
func extendReason(r *Request) Reason {
	extendable, extended := 0, 0
	for _, o := range r.Obligations {
		ob, ok := deadlines.ObligationByID(o.ID)
		if !ok || !ob.Extendable() || o.Status != ObligationOpen {
			continue
		}
		extendable++
		if o.Extended {
			extended++
		}
	}
	switch {
	case extendable == 0:
		return ReasonNotExtendable
	case extended == extendable:
		return ReasonAlreadyExtended
	}
	return ""
}

// allowState is the error of action n refused by the state of r (the role
// was checked when the change began), nil when allowed.
func allowState(r *Request, n ActionName) error {
	return Availability{Action: n, Reason: stateReason(r, n)}.Err(r)
}

// Err is the error of an action refused for av.Reason, as the actions
// return it: a 403 for the role, a 409 conflict for the state, with the
// reason codes the API has always used (transition_forbidden for a status
// that does not allow the action).
func (av Availability) Err(r *Request) error {
	switch av.Reason {
	case "":
		return nil
	case ReasonForbidden:
		return srok.Errorf(srok.EFORBIDDEN, "your role may not %s requests", av.Action)
	case ReasonAlreadyExtended:
		return conflict("already_extended", "the terms of this request were already extended: they can be extended only once")
	case ReasonNotExtendable:
		return conflict("not_extendable", "no open obligation of this %s request has an extendable term", r.Type)
	case ReasonNotAssigned:
		return conflict("transition_forbidden", "the request is new: assign it first, then it can be %s", pastTense(av.Action))
	}
	return conflict("transition_forbidden", "the request is %s: %s", r.Status, allowedWhen(av.Action))
}

func pastTense(n ActionName) string {
	if n == ActionRefuse {
		return "refused"
	}
	return "answered"
}

// allowedWhen says in the API's English which requests allow n.
func allowedWhen(n ActionName) string {
	switch n {
	case ActionAssign:
		return "only a new or in-progress request can be assigned"
	case ActionCancel:
		return "only a new or in-progress request can be cancelled"
	case ActionExtend:
		return "only an open request can be extended"
	case ActionAnswer, ActionRefuse:
		return fmt.Sprintf("only a request in progress can be %s", pastTense(n))
	case ActionClose:
		return "only an answered or refused request can be closed"
	}
	return "the action is not allowed"
}
