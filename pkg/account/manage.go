package account

import (
	"context"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// SetRole gives the user with email another role; it takes effect at
// their next request, in every process. The actor must be allowed to
// manage users. It returns false when the user had the role already. The
// audit trail records it as a user edit of "role" (152-FZ art. 19 part 2:
// who may reach the personal data is itself a record to keep).
func (s *Service) SetRole(ctx context.Context, email string, role srok.Role) (bool, error) {
	u, changed, err := s.setRole(ctx, email, role)
	s.AuthChanged()
	s.unchanged(ctx, audit.ActionUserEdit, "user "+u.ID+" role "+string(role), []string{"role"}, err)
	return changed, err
}

// EnableUser enables the user with email again, after DisableUser: they
// may sign in once more (their tokens, revoked or not, stay as they were).
// The actor must be allowed to manage users. It returns false when the
// user was active already.
func (s *Service) EnableUser(ctx context.Context, email string) (bool, error) {
	u, changed, err := s.enableUser(ctx, email)
	s.AuthChanged()
	s.unchanged(ctx, audit.ActionUserEdit, "user "+u.ID+" enabled", []string{"active"}, err)
	return changed, err
}

func (s *Service) setRole(ctx context.Context, email string, role srok.Role) (User, bool, error) {
	if _, err := mayManageUsers(ctx); err != nil {
		return User{}, false, err
	}
	var f srok.Fields
	checkRole(&f, role)
	if err := f.Err(); err != nil {
		return User{}, false, err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return User{}, false, err
	}
	if u.Role == role {
		return u, false, nil
	}
	trail, err := s.prepare(ctx, audit.ActionUserEdit, "user "+u.ID+" role "+string(role), []string{"role"})
	if err != nil {
		return u, false, err
	}
	if err := s.store.SetUserRole(ctx, u.ID, role, s.clock(), trail); err != nil {
		return u, false, err
	}
	return u, true, nil
}

func (s *Service) enableUser(ctx context.Context, email string) (User, bool, error) {
	if _, err := mayManageUsers(ctx); err != nil {
		return User{}, false, err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return User{}, false, err
	}
	if u.Active {
		return u, false, nil
	}
	trail, err := s.prepare(ctx, audit.ActionUserEdit, "user "+u.ID+" enabled", []string{"active"})
	if err != nil {
		return u, false, err
	}
	if err := s.store.SetUserActive(ctx, u.ID, true, s.clock(), trail); err != nil {
		return u, false, err
	}
	return u, true, nil
}
