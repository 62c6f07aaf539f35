package register

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// EventLetterIssued is the timeline event of a letter issued to the subject
// (pkg/organisation): after holds its id, kind, outgoing number and
// delivery, never its text.
const EventLetterIssued EventKind = "letter_issued"

// Issuing is a change made by issuing a letter: the action the letter
// performs, if any, and what the letter adds to it. The register decides
// whether the action is allowed and changes the request exactly as the
// action's own method does; the letter's package composes the letter and
// writes the letter with the change in one transaction (Save).
type Issuing struct {
	// Action is ActionAnswer, ActionExtend or ActionRefuse; "" performs
	// none (a request for details: the term keeps running, 152-FZ art. 14
	// part 3).
	Action ActionName
	// Answer is the input of an answer or a refusal; Extend of an
	// extension.
	Answer AnswerInput
	Extend ExtendInput
	// Prepare sees the request as read, unmasked, before the action, once
	// the action is known to be allowed in its state; it returns the
	// events the letter adds (EventLetterIssued). It runs again when a
	// concurrent change forces a retry.
	Prepare func(r *Request, a srok.Actor, now time.Time) ([]Event, error)
	// Save writes the change, the letter and the audit entry in one
	// transaction.
	Save Saver
}

// Issue performs is on request id as the actor of ctx: whose role lets
// them take the action (any action but a viewer's for none), on a request
// they may see, refused with the reason register.Actions gives when the
// request's state does not allow it. A concurrent change of the request is
// followed, as for a change at AnyVersion.
func (s *Service) Issue(ctx context.Context, id string, is Issuing) (*Request, error) {
	act := srok.ActRequestNote
	switch is.Action {
	case "":
	case ActionAnswer, ActionRefuse, ActionExtend:
		act = is.Action.Permission()
	default:
		return nil, srok.Errorf(srok.EINVALID, "a letter cannot perform the action %q", is.Action)
	}
	return s.changeWith(ctx, id, AnyVersion, act, audit.ActionLetterIssue, func(r *Request, a srok.Actor, now time.Time) ([]Event, error) {
		if is.Action != "" {
			if err := allowState(r, is.Action); err != nil {
				return nil, err
			}
		}
		more, err := is.Prepare(r, a, now)
		if err != nil {
			return nil, err
		}
		var events []Event
		switch is.Action {
		case ActionAnswer, ActionRefuse:
			events, err = s.answer(is.Answer, is.Action == ActionRefuse)(r, a, now)
		case ActionExtend:
			// The letter is the notice: sent when it is issued.
			in := is.Extend
			if in.NoticeSentAt == "" {
				in.NoticeSentAt = now.Format(time.RFC3339Nano)
			}
			events, err = s.extend(in)(r, a, now)
		}
		if err != nil {
			return nil, err
		}
		return append(events, more...), nil
	}, is.Save)
}

// LetterEvent is the EventLetterIssued of r by a at now, with after.
func (s *Service) LetterEvent(r *Request, a srok.Actor, now time.Time, after map[string]any) Event {
	ev := s.event(r, a, now, EventLetterIssued)
	ev.After = after
	return ev
}
