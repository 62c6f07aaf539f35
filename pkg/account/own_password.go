package account

import (
	"context"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// ChangeOwnPassword replaces the password of the signed-in user of ctx,
// who must give the current one, and ends every browser session of theirs
// opened before (152-FZ art. 19 part 2 item 8: whoever learnt the old
// password loses the access it gave). It returns the user with the new
// session generation, which the session that made the change takes on to
// stay signed in. The actor must be a user in person, not an API token.
//
// Problems are EINVALID naming the field: "current_password" when it is
// not the user's password, "new_password" when the new one breaks the
// password rules. The audit trail records the change, and a refusal.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, next string) (User, error) {
	u, err := s.changeOwnPassword(ctx, current, next)
	if err == nil {
		s.AuthChanged() // at once in this process; the store notifies the others
	}
	s.unchanged(ctx, audit.ActionUserPassword, "own password of user "+u.ID, []string{"password"}, err)
	return u, err
}

func (s *Service) changeOwnPassword(ctx context.Context, current, next string) (User, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return User{}, err
	}
	if a.UserID == "" || a.TokenID != "" {
		return User{}, srok.Errorf(srok.EFORBIDDEN, "only a user signed in with their password may change it")
	}
	u, stored, err := s.store.UserByEmail(ctx, lower(a.Email))
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND, err == nil && (u.ID != a.UserID || !u.Active):
		return User{}, errSessionEnded()
	case err != nil:
		return User{}, err
	}
	var ok bool
	if err := s.withHashSlot(ctx, func() { ok, _ = verifyPassword(current, stored) }); err != nil {
		return User{}, err
	}
	if !ok {
		return u, srok.Invalid(srok.FieldError{Field: "current_password", Problem: "is not your current password"})
	}
	if p := checkPasswordRules(next); p != "" {
		return u, srok.Invalid(srok.FieldError{Field: "new_password", Problem: p})
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash = hashPassword(next, s.params) }); err != nil {
		return u, err
	}
	now := s.clock()
	trail, err := s.prepare(ctx, audit.ActionUserPassword, "own password of user "+u.ID, []string{"password"})
	if err != nil {
		return u, err
	}
	gen, err := s.store.SetPasswordHash(ctx, u.ID, hash, now, true, trail)
	if err != nil {
		return u, err
	}
	u.SessionGeneration, u.UpdatedAt = gen, now
	return u, nil
}
