package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/srok/srok/migrations"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/dsn"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// Dialect names a supported database.
type Dialect string

// The dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Options tune the connection pool.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool (SQLite always uses one
	// connection: it has a single writer).
	MaxOpenConns int
}

// Store is the register's storage: one part per thing kept (requests,
// accounts, emails, reminders, the audit trail, the calendar), all on one
// shared handle to the database (core). The parts are embedded, so that
// their methods are the Store's own and every domain interface a part
// implements the Store implements too; the Store itself keeps what concerns
// the database as a whole: opening, closing, migrating, the roles.
type Store struct {
	*core
	*Requests  // requests, obligations, timelines, counters, idempotency keys
	*Accounts  // users, API tokens, setup tokens
	*Throttle  // failed sign-ins
	*Emails    // incoming emails and who sent them in
	*Reminders // reminder settings, the scan, the outbox
	*Audit     // the audit trail and its hash chain
	*Calendar  // the imported years of the production calendar
	*Feeds     // the calendar feeds of users
	*Operator  // the operator's details, processing records, letter templates
	*IMAP      // the mailboxes fetched over IMAP
	*Outgoing  // the letters issued, their numbers and the outbox of those sent by email
}

// The Store stands for every part wherever a domain package asks for one
// of them (cmd/srok passes the one Store).
var (
	_ register.Store             = (*Store)(nil)
	_ register.RecomputeStore    = (*Store)(nil)
	_ register.Emails            = (*Store)(nil)
	_ account.Store              = (*Store)(nil)
	_ account.ThrottleStore      = (*Store)(nil)
	_ intake.Store               = (*Store)(nil)
	_ remind.Store               = (*Store)(nil)
	_ remind.OutboxStore         = (*Store)(nil)
	_ remind.SettingsStore       = (*Store)(nil)
	_ audit.Store                = (*Store)(nil)
	_ audit.ChainStore           = (*Store)(nil)
	_ calendars.Store            = (*Store)(nil)
	_ calendars.ProvisionalStore = (*Store)(nil)
	_ feeds.Store                = (*Store)(nil)
	_ organisation.Store         = (*Store)(nil)
)

// core is the handle every part of the store shares: the connections, the
// dialect and the limits they are used with. Helpers that every part needs
// (wrap, placeholder, listen) are its methods.
type core struct {
	db      *gorm.DB
	sql     *sql.DB
	dialect Dialect
	// where is the database without secrets, for messages.
	where string
	// creates bounds the create transactions in flight: they all queue on
	// the registration counter's row lock, and a short queue in Go costs
	// less than a convoy of backends waiting on that lock.
	creates chan struct{}
	// reads serves the lookups on every request's path (the API token, the
	// signed-in user, an assignee): on SQLite a pool of read-only
	// connections beside the one writer, so that they do not wait in line
	// behind writes (WAL lets readers and the writer run at once); on
	// PostgreSQL the same pool as the rest.
	reads *sql.DB
	// url is PostgreSQL's connection URL, for the listener of
	// authentication changes (ListenAuthChanges).
	url string
	// queueSplit, when not zero, replaces queueSplit (tests).
	queueSplit int
}

// newStore assembles a Store and its parts on c.
func newStore(c *core) *Store {
	return &Store{
		core:      c,
		Requests:  &Requests{c},
		Accounts:  &Accounts{c},
		Throttle:  &Throttle{c},
		Emails:    &Emails{c},
		Reminders: &Reminders{c},
		Audit:     &Audit{c},
		Calendar:  &Calendar{c},
		Feeds:     &Feeds{c},
		Operator:  &Operator{c},
		IMAP:      &IMAP{c},
		Outgoing:  &Outgoing{c},
	}
}

// createsInFlight is how many create transactions may run at once.
const createsInFlight = 4

// SQLiteFile is the file name of the embedded database in the data folder.
const SQLiteFile = "srok.db"

// Open connects to databaseURL: a postgres:// or postgresql:// URL, a
// sqlite: path (sqlite:/var/lib/srok/srok.db), or "" for the embedded SQLite
// file srok.db in dataDir (created if missing). It does not migrate.
func Open(ctx context.Context, databaseURL, dataDir string, o Options) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard, // queries carry personal data: never logged
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         false,
	}
	var (
		s   = &core{creates: make(chan struct{}, createsInFlight)}
		err error
	)
	switch {
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "//")
		if databaseURL == "" {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("store: unable to create the data folder %s: %w", dataDir, err)
			}
			path = filepath.Join(dataDir, SQLiteFile)
		}
		if path == "" {
			return nil, errors.New("store: sqlite: give a file path, such as sqlite:/var/lib/srok/srok.db")
		}
		s.dialect, s.where = SQLite, "sqlite:"+path
		// synchronous(FULL): a request accepted is on disk even if the
		// machine loses power right after the 201.
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(FULL)&_txlock=immediate"
		s.db, err = gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: unable to open %s: %w", s.where, err)
		}
		s.sql, err = s.db.DB()
		if err != nil {
			return nil, err
		}
		// One connection: SQLite has one writer, and a single connection
		// makes every transaction wait its turn instead of failing busy.
		s.sql.SetMaxOpenConns(1)
		s.reads, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		if err != nil {
			return nil, fmt.Errorf("store: unable to open %s for reading: %w", s.where, err)
		}
		s.reads.SetMaxOpenConns(4)
		if f, err := os.Stat(path); err == nil && f.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(path, 0o600) // personal data: owner only
		}
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		s.dialect, s.where, s.url = Postgres, dsn.Redact(databaseURL), databaseURL
		s.db, err = gorm.Open(postgres.Open(databaseURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: unable to open %s: %w", s.where, err)
		}
		s.sql, err = s.db.DB()
		if err != nil {
			return nil, err
		}
		n := o.MaxOpenConns
		if n <= 0 {
			n = 10
		}
		s.sql.SetMaxOpenConns(n)
		s.sql.SetMaxIdleConns(n)
		s.sql.SetConnMaxIdleTime(5 * time.Minute)
		s.reads = s.sql
	default:
		return nil, fmt.Errorf("store: DATABASE_URL %q: use postgres://user:password@host:5432/db or sqlite:/path/to/srok.db", dsn.Redact(databaseURL))
	}
	return newStore(s), nil
}

// Dialect is the database in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Where names the database without secrets.
func (s *Store) Where() string { return s.where }

// Close closes the connections.
func (s *Store) Close() error {
	if s.reads != nil && s.reads != s.sql {
		_ = s.reads.Close()
	}
	return s.sql.Close()
}

func (s *Store) provider() (*goose.Provider, error) {
	if s.dialect == Postgres {
		return goose.NewProvider(goose.DialectPostgres, s.sql, migrations.Postgres())
	}
	return goose.NewProvider(goose.DialectSQLite3, s.sql, migrations.SQLite())
}

// Migrate applies the migrations the database lacks and returns the
// versions applied.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	p, err := s.provider()
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	if err != nil {
		return applied, s.wrap("migrate", err)
	}
	if err := s.chainUnchained(ctx); err != nil {
		return applied, s.wrap("migrate: chain the audit trail", err)
	}
	return applied, nil
}

// SchemaVersion returns the database's schema version and the version this
// binary needs.
func (s *Store) SchemaVersion(ctx context.Context) (current, target int64, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations: %w", err)
	}
	current, target, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, s.wrap("schema version", err)
	}
	return current, target, nil
}

// placeholder is the n-th bind parameter in the dialect's syntax, for the
// SQL that goes to database/sql directly (package doc, rule 3); GORM binds
// its own ? parameters.
func (s *core) placeholder(n int) string { return ph(s.dialect, n) }

// ph is the n-th bind parameter in d's syntax.
func ph(d Dialect, n int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?" + strconv.Itoa(n)
}

// ErrSchemaBehind is returned by CheckSchema when migrations are pending.
var ErrSchemaBehind = errors.New("the database schema is behind this version of srok: run `srok migrate` (or `srok serve --migrate`)")

// CheckSchema returns nil when the schema is current, ErrSchemaBehind
// (wrapped, with the versions) when migrations are pending, and an error
// when the database is ahead of this binary.
func (s *Store) CheckSchema(ctx context.Context) error {
	cur, target, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case cur < target:
		return fmt.Errorf("schema version %d, srok needs %d: %w", cur, target, ErrSchemaBehind)
	case cur > target:
		return fmt.Errorf("the database schema (version %d) is newer than this srok (version %d): run the newer srok", cur, target)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sql.PingContext(ctx); err != nil {
		return s.wrap("ping", err)
	}
	return nil
}

// wrap translates a database error at the boundary: outages become
// EUNAVAILABLE, a missing row ENOTFOUND, a unique violation ECONFLICT;
// anything else stays an internal error with the operation named.
func (s *core) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *srok.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return srok.Errorf(srok.ENOTFOUND, "not found")
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if isOutage(err) {
		e := srok.Unavailable(fmt.Errorf("store: %s: %w", op, err))
		return e
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &srok.Error{Code: srok.ECONFLICT, Reason: "duplicate", Message: "it exists already", Cause: err}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// isOutage reports whether err means the database cannot be reached or is
// shutting down, rather than a fault of the query.
func isOutage(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, cannot connect now
			pe.Code == "53300",                     // too many connections
			pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock: retry later
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.As(err, &oe),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, sql.ErrConnDone),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection refused", "broken pipe", "connection reset", "bad connection",
		"database is locked", "SQLITE_BUSY", "no such host", "server closed the connection", "the database system is"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// SQL returns the underlying connection pool, for maintenance tools and
// tests; the register goes through the Store's methods.
func (s *Store) SQL() *sql.DB { return s.sql }
