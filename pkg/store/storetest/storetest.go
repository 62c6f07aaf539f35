// Package storetest opens migrated, throwaway databases for tests: an
// SQLite file in the test's temporary folder, or a fresh database on a real
// PostgreSQL (started by pgtest, or TEST_DATABASE_URL).
package storetest

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
)

// Dialects are the databases every storage test runs against.
func Dialects() []store.Dialect { return []store.Dialect{store.SQLite, store.Postgres} }

// Each runs fn once per dialect, as parallel subtests named after it, each
// on a store of its own (MustOpen): the one way the suites run on both
// databases.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, MustOpen(t, d))
		})
	}
}

// EachServing is Each on stores opened by MustOpenServing: on PostgreSQL
// the store connects as the serving role, as in production.
func EachServing(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st, _ := MustOpenServing(t, d)
			fn(t, st)
		})
	}
}

// MustOpen returns a migrated, empty store of dialect d, closed (and, for
// PostgreSQL, dropped) when the test ends.
func MustOpen(tb testing.TB, d store.Dialect) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var url, dir string
	switch d {
	case store.SQLite:
		dir = tb.TempDir()
	case store.Postgres:
		url = pgtest.MustDatabase(tb)
	default:
		tb.Fatalf("storetest: unknown dialect %q", d)
	}
	st, err := store.Open(ctx, url, dir, store.Options{MaxOpenConns: 20})
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", d, err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate %s: %v", d, err)
	}
	return st
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// MustOwnPostgres starts a PostgreSQL server of the test's own (to be
// stopped and restarted by the test, as in an outage) and returns it with a
// migrated store on it; both are closed when the test ends. It skips when
// PostgreSQL is missing and SROK_SKIP_POSTGRES=1.
func MustOwnPostgres(tb testing.TB) (*pgtest.Server, *store.Store) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		if errors.Is(err, pgtest.ErrNoPostgres) && os.Getenv("SROK_SKIP_POSTGRES") == "1" {
			tb.Skip(err)
		}
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	url, err := srv.CreateDatabase(ctx)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	st, err := store.Open(ctx, url, "", store.Options{MaxOpenConns: 4})
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	return srv, st
}

// MustOpenServing is MustOpen with PostgreSQL's two roles, as in
// production: the test server's user migrates and owns the schema, and the
// store returned connects as pgtest.ServingRole with only the privileges
// store.GrantServing gives (no UPDATE, DELETE or TRUNCATE of the audit
// trail and the timeline). The owner's store comes second (nil on SQLite,
// where there are no roles): for what only the owner may do.
func MustOpenServing(tb testing.TB, d store.Dialect) (*store.Store, *store.Store) {
	tb.Helper()
	if d != store.Postgres {
		return MustOpen(tb, d), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ownerURL := pgtest.MustDatabase(tb)
	owner, err := store.Open(ctx, ownerURL, "", store.Options{MaxOpenConns: 2})
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", d, err)
	}
	tb.Cleanup(func() { _ = owner.Close() })
	if _, err := owner.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate %s: %v", d, err)
	}
	servingURL := pgtest.MustServingURL(tb, ownerURL)
	if err := owner.GrantServing(ctx, pgtest.ServingRole); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	st, err := store.Open(ctx, servingURL, "", store.Options{MaxOpenConns: 20})
	if err != nil {
		tb.Fatalf("storetest: open %s as %s: %v", d, pgtest.ServingRole, err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st, owner
}
