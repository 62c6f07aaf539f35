package account

import (
	"context"

	"github.com/srok/srok/pkg/register"
)

// Assignee returns the user with email as the register's assignee
// (ENOTFOUND when none): Service is the register's Users.
func (s *Service) Assignee(ctx context.Context, email string) (register.Assignee, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return register.Assignee{}, err
	}
	return register.Assignee{ID: u.ID, Email: u.Email, Name: u.Name, Active: u.Active}, nil
}

var _ register.Users = (*Service)(nil)
