package account

import (
	"context"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// WithAudit records every change of a user or a token in the audit trail
// (152-FZ art. 19 part 2), whoever makes it: the API, the pages or the
// command line (as the system). A change's entry is written in the
// change's own transaction; a refusal or a failure, which changes nothing,
// is recorded at once.
func WithAudit(t audit.Trail) Option { return func(s *Service) { s.trail = t } }

// prepare returns the audit entries of a change of users or tokens, for
// the store to write with it (none without a trail).
func (s *Service) prepare(ctx context.Context, act audit.Action, detail string, fields []string) ([]*audit.Entry, error) {
	if s.trail == nil {
		return nil, nil
	}
	return s.trail.Prepare(ctx, audit.Entry{Action: act, Outcome: audit.OutcomeOK, Detail: detail, Fields: fields})
}

// unchanged records act as refused (a permission error) or failed, when
// err says the change did not happen. A change that happened has its
// entry already, written with it (prepare).
func (s *Service) unchanged(ctx context.Context, act audit.Action, detail string, fields []string, err error) {
	if s.trail == nil || err == nil {
		return
	}
	out := audit.OutcomeFailed
	if isDenied(err) {
		out = audit.OutcomeDenied
	}
	// A failure to record a refusal must not hide the refusal itself: the
	// caller gets err, the change it asked for did not happen.
	_ = s.trail.Record(ctx, audit.Entry{Action: act, Outcome: out, Detail: detail, Fields: fields})
}

// CreateUser creates a user with a password. The actor must be allowed to
// manage users. The audit trail records it (the user's id, role, never the
// password).
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, error) {
	u, err := s.createUser(ctx, in)
	s.unchanged(ctx, audit.ActionUserCreate, "user "+u.ID+" role "+string(in.Role), nil, err)
	return u, err
}

// DisableUser disables the user with email: they can no longer sign in,
// and their sessions and tokens stop working at once. It returns false when
// the user was disabled already.
func (s *Service) DisableUser(ctx context.Context, email string) (bool, error) {
	changed, err := s.disableUser(ctx, email)
	s.AuthChanged() // at once in this process; the store notifies the others
	s.unchanged(ctx, audit.ActionUserDisable, "", []string{"active"}, err)
	return changed, err
}

// SetPassword replaces the password of the user with email and ends every
// browser session of theirs at once, in every process. The actor must be
// allowed to manage users.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	err := s.setPassword(ctx, email, password)
	s.AuthChanged() // at once in this process; the store notifies the others
	s.unchanged(ctx, audit.ActionUserPassword, "", []string{"password"}, err)
	return err
}

// CreateToken creates an API token for the user with in.UserEmail and
// returns its secret, shown this once; see createToken for the rules.
func (s *Service) CreateToken(ctx context.Context, in TokenInput) (string, Token, error) {
	secret, t, err := s.createToken(ctx, in)
	s.unchanged(ctx, audit.ActionTokenCreate, "token "+t.ID+" scope "+scopeName(in.Scope), nil, err)
	return secret, t, err
}

// RevokeToken revokes the token with id: it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	err := s.revokeToken(ctx, id)
	s.AuthChanged()
	s.unchanged(ctx, audit.ActionTokenRevoke, "token "+id, nil, err)
	return err
}

func scopeName(sc srok.Scope) string {
	if sc == srok.ScopeFull {
		return "full"
	}
	return string(sc)
}

// isDenied reports a refusal for lack of rights.
func isDenied(err error) bool {
	c := srok.ErrorCode(err)
	return c == srok.EFORBIDDEN || c == srok.EUNAUTHENTICATED
}
