package storetest

import (
	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/srok/srok/pkg/store"
)

// Sessions is the browser sessions' store on st (the sessions table), as
// serve makes it, without the cleanup of expired sessions: a test's
// database lives shorter than a session.
func Sessions(st *store.Store) scs.Store {
	if st.Dialect() == store.Postgres {
		return postgresstore.NewWithCleanupInterval(st.SQL(), 0)
	}
	return sqlite3store.NewWithCleanupInterval(st.SQL(), 0)
}
