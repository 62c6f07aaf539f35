package store

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// SetUserRole implements account.Store.
func (s *Accounts) SetUserRole(ctx context.Context, id string, role srok.Role, at time.Time, trail []*audit.Entry) error {
	_, err := s.updateUser(ctx, "set user role", id, map[string]any{"role": string(role), "updated_at": utc(at)}, trail)
	return err
}
