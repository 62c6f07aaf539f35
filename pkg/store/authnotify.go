package store

import (
	"context"

	"gorm.io/gorm"
)

// authChannel is the PostgreSQL channel of the changes that may end an
// authentication: a revoked token, a changed or disabled user.
const authChannel = "srok_auth"

// notifyAuth tells every srok process listening on the database, when tx
// commits, that an authentication may have ended. SQLite has no other
// process to tell (and no listener: its cache stays off).
func (s *Accounts) notifyAuth(tx *gorm.DB) error {
	return s.notify(tx, authChannel)
}

// ListenAuthChanges listens, on a connection of its own, for the changes
// that may end an authentication, until ctx ends: heard(true) once it
// listens, changed() for each change, heard(false) when the connection is
// lost (it reconnects with a growing pause). On SQLite it returns at once:
// nothing is heard, so nothing may be cached.
func (s *Accounts) ListenAuthChanges(ctx context.Context, heard func(bool), changed func()) {
	s.listen(ctx, authChannel, heard, changed)
}
