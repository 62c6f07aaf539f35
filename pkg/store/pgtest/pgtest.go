// Package pgtest gives tests a real, throwaway PostgreSQL server.
//
// Start runs initdb into a temporary folder and starts postgres with pg_ctl on
// a free loopback TCP port. Shared and MustDatabase give a whole test binary
// one such server (or an existing server named by TEST_DATABASE_URL) and a
// fresh database per test:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.MustDatabase(t)
//		db, err := sql.Open("pgx", url)
//		...
//	}
//
// DATABASE_URL is never used: it names the database of `srok serve`, where
// tests must not create and drop databases.
//
// When the test process runs as root (postgres refuses to), the server runs as
// the "postgres" system user, or "nobody" when there is no such user.
//
// Every started server has a small watchdog process (sh) that stops the server
// and removes its folder when the test process dies without calling Close
// (a panic, a -timeout, a kill), so no postgres is left running.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// readyTimeout bounds how long Start and Restart wait for the server to accept
// connections.
const readyTimeout = 30 * time.Second

// ErrNoPostgres is returned (wrapped) by Start and Shared when the PostgreSQL
// server binaries (initdb, pg_ctl, postgres) cannot be found.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL server binaries (initdb, pg_ctl) not found")

// ErrExternal is returned by Stop and Restart on a Server that stands for an
// existing server named by TEST_DATABASE_URL, which this package neither
// started nor may stop.
var ErrExternal = errors.New("pgtest: server was not started by pgtest")

// Server is a PostgreSQL server started for tests, or (from Shared) an
// existing server named by TEST_DATABASE_URL. Its methods are safe for
// concurrent use.
type Server struct {
	// external is the admin connection string of an existing server; empty
	// for a server started by Start.
	external string

	dir     string // temp folder: data/, postgres.log, the unix socket
	dataDir string
	logPath string
	binDir  string
	port    int
	cred    *syscall.Credential // non-nil when running as root
	runAs   string              // user name the server runs as

	mu       sync.Mutex
	running  bool
	closed   bool
	watchdog *exec.Cmd
	wdPipe   *os.File // write end of the watchdog's stdin
}

// Start runs initdb into a temp folder and starts postgres with pg_ctl on a
// free loopback TCP port (listen_addresses=127.0.0.1, unix socket in the temp
// folder, fsync, synchronous_commit and full_page_writes off for speed), with
// trust authentication and the superuser "postgres". It returns once the
// server accepts connections (at most 30 s after initdb). It returns an error
// wrapping ErrNoPostgres when the binaries are missing. Call Close when done.
func Start(ctx context.Context) (*Server, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{binDir: binDir}
	if err := s.setUser(); err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp(tempRoot(), "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s.dir = dir
	s.dataDir = filepath.Join(dir, "data")
	s.logPath = filepath.Join(dir, "postgres.log")
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if s.cred != nil {
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: chown %s to %s: %w", dir, s.runAs, err)
		}
	}

	if out, err := s.run(ctx, "initdb", "-D", s.dataDir, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb (as %s): %w\n%s", s.runAs, err, out)
	}
	if err := s.startWatchdog(); err != nil {
		return nil, err
	}

	// The port is free when we look, but something else may take it before
	// postgres binds it: then try another one.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		if err := s.writeConfig(); err != nil {
			return nil, err
		}
		err = s.start(ctx)
		if err == nil {
			break
		}
		if attempt >= 3 || !strings.Contains(s.logTail(), "could not bind") {
			return nil, err
		}
	}
	ok = true
	return s, nil
}

// URL returns the connection URL of database dbname on the server, e.g.
// postgres://postgres@127.0.0.1:PORT/dbname?sslmode=disable. For an
// existing server (see Shared) it is that server's connection string with
// the database replaced by dbname.
func (s *Server) URL(dbname string) string {
	if s.external != "" {
		return withDatabase(s.external, dbname)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, url.PathEscape(dbname))
}

// Port returns the TCP port the server listens on (0 for an existing server).
func (s *Server) Port() int { return s.port }

// Dir returns the temp folder that holds the data directory (data/), the
// server log (postgres.log) and the unix socket; empty for an existing server.
func (s *Server) Dir() string { return s.dir }

// Stop stops the server (pg_ctl stop -m fast). Its data stays on disk, so
// Restart can start it again. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	if s.external != "" {
		return ErrExternal
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop("fast")
}

// Restart starts the server again on the same port and data directory,
// stopping it first if it runs, and waits until it accepts connections.
// Tests use Stop and Restart to check recovery after a database outage.
func (s *Server) Restart() error {
	if s.external != "" {
		return ErrExternal
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("pgtest: Restart after Close")
	}
	if err := s.stop("fast"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*readyTimeout)
	defer cancel()
	return s.start(ctx)
}

// Close stops the server and removes its temp folder. Closing twice does
// nothing; closing an existing server (see Shared) does nothing either.
func (s *Server) Close() error {
	if s.external != "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stop("fast")
	if err != nil && s.running {
		if err2 := s.stop("immediate"); err2 == nil {
			err = nil
		}
	}
	if s.watchdog != nil {
		_ = s.watchdog.Process.Kill()
		_ = s.watchdog.Wait()
		_ = s.wdPipe.Close()
		s.watchdog = nil
	}
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); rerr != nil {
			err = errors.Join(err, fmt.Errorf("pgtest: %w", rerr))
		}
	}
	return err
}

var dbCounter atomic.Int64

// CreateDatabase creates a fresh empty database with a unique name and
// returns its URL.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("pgtest_%d_%d_%s", os.Getpid(), dbCounter.Add(1), hex.EncodeToString(rnd[:]))
	if err := s.exec(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// DropDatabase drops database dbname, disconnecting its sessions first
// (DROP DATABASE ... WITH (FORCE), PostgreSQL 13 or later). A missing
// database is not an error.
func (s *Server) DropDatabase(ctx context.Context, dbname string) error {
	if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(dbname)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", dbname, err)
	}
	return nil
}

// exec runs one statement on the server's admin database.
func (s *Server) exec(ctx context.Context, query string) error {
	admin := s.external
	if admin == "" {
		admin = s.URL("postgres")
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

// ---- shared server ----

var shared struct {
	once    sync.Once
	srv     *Server
	err     error
	started bool // srv was started here (not external), so Main closes it
}

// Shared returns the process-wide server of a test binary. If
// TEST_DATABASE_URL is set, it is that existing server: databases are made in
// it with CREATE DATABASE, so its user needs the CREATEDB privilege, and the
// URL's own database is used to issue them. Otherwise Shared Starts a server
// once and keeps it until Main closes it (or, without Main, until the watchdog
// removes it when the process exits). DATABASE_URL is never used. Errors are
// remembered: every call after a failure returns the same error.
func Shared() (*Server, error) {
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*readyTimeout)
		defer cancel()
		shared.srv, shared.started, shared.err = sharedFrom(ctx, os.Getenv)
	})
	return shared.srv, shared.err
}

// sharedFrom gets the shared server as Shared does, reading the environment
// through getenv: the existing server of TEST_DATABASE_URL, or else one it
// starts (started is true then).
func sharedFrom(ctx context.Context, getenv func(string) string) (srv *Server, started bool, err error) {
	if u := getenv("TEST_DATABASE_URL"); u != "" {
		srv, err := openExternal(ctx, u)
		if err != nil {
			return nil, false, &externalError{connstr: u, err: err}
		}
		return srv, false, nil
	}
	srv, err = Start(ctx)
	return srv, err == nil, err
}

// externalError is the error of Shared when the server of TEST_DATABASE_URL
// cannot be used.
type externalError struct {
	connstr string
	err     error
}

func (e *externalError) Error() string {
	return fmt.Sprintf("pgtest: TEST_DATABASE_URL=%q: %v", redact(e.connstr), e.err)
}

func (e *externalError) Unwrap() error { return e.err }

// openExternal checks that the server at connstr answers and returns a Server
// standing for it.
func openExternal(ctx context.Context, connstr string) (*Server, error) {
	db, err := sql.Open("pgx", connstr)
	if err == nil {
		defer db.Close()
		err = db.PingContext(ctx)
	}
	var pe *pgconn.ParseConfigError
	switch {
	case errors.As(err, &pe):
		// Its text quotes the connection string, its password masked
		// only on a best-effort basis.
		return nil, errors.New("cannot parse it: give postgres://user:password@host:port/db " +
			"(the password's special characters percent-encoded) or keyword=value settings")
	case err != nil:
		return nil, fmt.Errorf("cannot connect: %w", err)
	}
	return &Server{external: connstr}, nil
}

// MustDatabase returns the URL of a fresh, empty database on the shared
// server (see Shared) and drops it in tb.Cleanup. If there is no server (the
// binaries are missing, or one cannot be started, or TEST_DATABASE_URL's
// cannot be reached) it fails the test with tb.Fatal, saying why and what to
// do, or skips it with tb.Skip when SROK_SKIP_POSTGRES=1 is set.
func MustDatabase(tb testing.TB) string {
	tb.Helper()
	srv, err := Shared()
	if err != nil {
		noServer(tb, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	u, err := srv.CreateDatabase(ctx)
	if err != nil {
		if srv.external != "" {
			tb.Fatalf("pgtest: TEST_DATABASE_URL=%q: %v (its user needs the CREATEDB privilege)", redact(srv.external), err)
		}
		tb.Fatalf("pgtest: %v", err)
	}
	name := databaseName(u)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		if err := srv.DropDatabase(ctx, name); err != nil {
			tb.Errorf("pgtest: cleanup: %v", err)
		}
	})
	return u
}

// noServer ends test tb because no server could be had: it skips when
// SROK_SKIP_POSTGRES=1 is set and fails otherwise, saying what to do: fix or
// unset TEST_DATABASE_URL when that server failed, install PostgreSQL when its
// binaries are missing.
func noServer(tb testing.TB, err error) {
	tb.Helper()
	const skip = "or set SROK_SKIP_POSTGRES=1 to skip the tests that need PostgreSQL."
	var ext *externalError
	var msg string
	why := strings.TrimPrefix(err.Error(), "pgtest: ")
	switch {
	case errors.As(err, &ext):
		msg = fmt.Sprintf("pgtest: no PostgreSQL server for tests: %v\n"+
			"Make TEST_DATABASE_URL name a server that answers and whose user may CREATE DATABASE, "+
			"or unset it to have the tests start a throwaway server; "+skip, why)
	case errors.Is(err, ErrNoPostgres):
		msg = fmt.Sprintf("pgtest: no PostgreSQL server for tests: %v\n"+
			"Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql-15; initdb and pg_ctl are looked for "+
			"on PATH, in /usr/lib/postgresql/*/bin and /usr/local/pgsql/bin), or set TEST_DATABASE_URL to a server "+
			"whose user may CREATE DATABASE (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); "+skip, why)
	default:
		msg = fmt.Sprintf("pgtest: no PostgreSQL server for tests: a throwaway server would not start: %v\n"+
			"Set TEST_DATABASE_URL to a server whose user may CREATE DATABASE "+
			"(e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); "+skip, why)
	}
	if os.Getenv("SROK_SKIP_POSTGRES") == "1" {
		tb.Skip(msg)
	} else {
		tb.Fatal(msg)
	}
}

// Main runs the tests (m.Run) and then closes the shared server if Shared
// started one. Use it in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared.started {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: closing the shared server: %v\n", err)
		}
	}
	return code
}

// ---- starting and stopping ----

// start runs pg_ctl start and waits until the server accepts connections.
// The caller holds s.mu or owns s exclusively.
func (s *Server) start(ctx context.Context) error {
	if s.running {
		return nil
	}
	out, err := s.run(ctx, "pg_ctl", "start", "-D", s.dataDir, "-l", s.logPath,
		"-w", "-t", strconv.Itoa(int(readyTimeout/time.Second)), "-s")
	if err != nil {
		// pg_ctl may have given up while postgres still comes up.
		_, _ = s.run(context.Background(), "pg_ctl", "stop", "-D", s.dataDir, "-m", "immediate", "-w", "-s")
		return fmt.Errorf("pgtest: pg_ctl start (as %s, port %d): %w\n%s\nserver log %s:\n%s",
			s.runAs, s.port, err, out, s.logPath, s.logTail())
	}
	s.running = true
	if err := s.waitReady(ctx); err != nil {
		return fmt.Errorf("pgtest: server on port %d does not accept connections: %w\nserver log %s:\n%s",
			s.port, err, s.logPath, s.logTail())
	}
	return nil
}

// waitReady pings the server until it answers or readyTimeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	db, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.PingContext(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop runs pg_ctl stop with the given mode if the server runs. The caller
// holds s.mu.
func (s *Server) stop(mode string) error {
	if !s.running {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*readyTimeout)
	defer cancel()
	out, err := s.run(ctx, "pg_ctl", "stop", "-D", s.dataDir, "-m", mode, "-w",
		"-t", strconv.Itoa(int(readyTimeout/time.Second)), "-s")
	if err != nil {
		// pg_ctl status exits with 3 when no server runs (it crashed or was
		// stopped behind our back): then it is stopped all the same.
		if _, serr := s.run(ctx, "pg_ctl", "status", "-D", s.dataDir); exitCode(serr) == 3 {
			s.running = false
			return nil
		}
		return fmt.Errorf("pgtest: pg_ctl stop -m %s: %w\n%s\nserver log %s:\n%s", mode, err, out, s.logPath, s.logTail())
	}
	s.running = false
	return nil
}

// writeConfig appends the test settings to postgresql.conf; later lines win,
// so a retry with another port just appends again.
func (s *Server) writeConfig() error {
	conf := fmt.Sprintf(`
# pgtest settings
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
`, s.port, strings.ReplaceAll(s.dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return fmt.Errorf("pgtest: %w", err)
	}
	return f.Close()
}

// startWatchdog starts a shell, running as the server's user in its own
// process group, that waits for its stdin to reach EOF and then stops the
// server and removes the temp folder. Only this process holds the write end
// of that pipe, so EOF comes when this process exits, however it exits.
func (s *Server) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer r.Close()
	script := `read -r _ || :; "$0" stop -D "$1" -m immediate -w -s >/dev/null 2>&1; rm -rf "$2"`
	cmd := exec.Command("/bin/sh", "-c", script, filepath.Join(s.binDir, "pg_ctl"), s.dataDir, s.dir)
	cmd.Stdin = r
	cmd.Dir = s.dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("pgtest: starting the watchdog: %w", err)
	}
	s.watchdog, s.wdPipe = cmd, w
	return nil
}

// run runs one of the PostgreSQL binaries as the server's user and returns
// its combined output.
func (s *Server) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, name), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = s.dir
	cmd.Env = childEnv()
	// pg_ctl starts postgres with its output sent to the log file, but do not
	// hang should anything keep our pipe open.
	cmd.WaitDelay = 5 * time.Second
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// setUser picks the user to run postgres as: the current one, or when that is
// root (which postgres refuses), "postgres" or else "nobody".
func (s *Server) setUser() error {
	if os.Geteuid() != 0 {
		if u, err := user.Current(); err == nil {
			s.runAs = u.Username
		} else {
			s.runAs = strconv.Itoa(os.Geteuid())
		}
		return nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			errs = append(errs, fmt.Errorf("user %s: bad uid/gid %s/%s", name, u.Uid, u.Gid))
			continue
		}
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		s.runAs = name
		return nil
	}
	return fmt.Errorf("pgtest: running as root, and postgres refuses to: no user to run it as: %w", errors.Join(errs...))
}

// ---- helpers ----

// binDirPatterns are the folders (glob patterns) where findBinDir looks for
// the binaries when they are not on PATH; of the folders a pattern matches,
// the highest version comes first.
var binDirPatterns = []string{
	"/usr/lib/postgresql/*/bin", // Debian, Ubuntu
	"/usr/pgsql-*/bin",          // RHEL (PGDG)
	"/opt/homebrew/opt/postgresql@*/bin",
	"/usr/local/opt/postgresql@*/bin",
	"/usr/local/pgsql/bin", // built from source
}

// findBinDir finds the folder holding initdb, pg_ctl and postgres: on PATH,
// then the highest version in the usual install folders.
func findBinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		// Resolve symlinks such as /usr/local/bin/pg_ctl ->
		// /usr/lib/postgresql/15/bin/pg_ctl to the real bin folder.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if p, err := filepath.Abs(p); err == nil && has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	var candidates []string
	for _, pattern := range binDirPatterns {
		m, _ := filepath.Glob(pattern)
		sort.Slice(m, func(i, j int) bool { return versionOf(m[i]) > versionOf(m[j]) })
		candidates = append(candidates, m...)
	}
	for _, dir := range candidates {
		if has(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w on PATH, in /usr/lib/postgresql/*/bin or /usr/local/pgsql/bin", ErrNoPostgres)
}

// versionOf returns the major version in an install path such as
// /usr/lib/postgresql/15/bin or /usr/pgsql-16/bin, or 0.
func versionOf(path string) float64 {
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '@' }) {
		if v, err := strconv.ParseFloat(part, 64); err == nil {
			return v
		}
	}
	return 0
}

// tempRoot returns the folder for temp folders: os.TempDir, unless running as
// root and some folder above it cannot be entered by other users (the server
// runs as another user then), in which case /tmp.
func tempRoot() string {
	dir := os.TempDir()
	if os.Geteuid() != 0 {
		return dir
	}
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// childEnv is the environment for the PostgreSQL binaries: ours, without the
// PG* variables (PGPORT, PGDATA, PGHOST, ...) that would change what they do.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// logTail returns the end of the server log.
func (s *Server) logTail() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const limit = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		_, _ = f.Seek(fi.Size()-limit, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}

// exitCode returns the exit code of a finished command's error, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// withDatabase returns connection string connstr (a URL or a keyword/value
// string) with its database replaced by dbname.
func withDatabase(connstr, dbname string) string {
	if strings.HasPrefix(connstr, "postgres://") || strings.HasPrefix(connstr, "postgresql://") {
		if u, err := url.Parse(connstr); err == nil {
			u.Path = "/" + dbname
			u.RawPath = ""
			return u.String()
		}
	}
	// Keyword/value: a later setting overrides an earlier one.
	return connstr + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dbname) + "'"
}

// databaseName returns the database of a connection string made by URL.
func databaseName(connstr string) string {
	if u, err := url.Parse(connstr); err == nil && u.Scheme != "" {
		return strings.TrimPrefix(u.Path, "/")
	}
	i := strings.LastIndex(connstr, " dbname='")
	name := strings.TrimSuffix(connstr[i+len(" dbname='"):], "'")
	return strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(name)
}

// redact returns connection string connstr (a URL or keyword/value settings)
// with its passwords replaced by "xxxxx", for messages; a URL that does not
// parse is not shown at all. It is a small copy of store.Redact: pgtest does
// not import the store.
func redact(connstr string) string {
	if strings.HasPrefix(connstr, "postgres://") || strings.HasPrefix(connstr, "postgresql://") {
		u, err := url.Parse(connstr)
		if err != nil || (u.User == nil && strings.Contains(connstr, "@")) {
			return "(unparsable URL)"
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
				q[k] = []string{"xxxxx"}
				u.RawQuery = q.Encode()
			}
		}
		return u.Redacted()
	}
	return secretSetting.ReplaceAllString(connstr, "${1}xxxxx")
}

// secretSetting matches a password or sslpassword setting of keyword/value
// settings: a value quoted with '...' (an unterminated quote: the rest), or
// unquoted up to a space.
var secretSetting = regexp.MustCompile(`(?is)(\b(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|'.*|(?:[^\s\\]|\\.)*)`)

// ServingRole is the role MustServingURL hands out: a login role that owns
// nothing, as Srok's serving role does in production (README, "Database
// roles"). It is made once per server and kept: roles belong to the whole
// server, and a dropped database takes its grants with it.
const ServingRole = "srok_serving"

// servingPassword is ServingRole's password, for servers that ask for one.
const servingPassword = "srok_serving"

// EnsureRole creates the login role name with password on the server unless
// it exists. Several test binaries may race to create it: the loser's
// "exists already" is not an error.
func (s *Server) EnsureRole(ctx context.Context, name, password string) error {
	q := fmt.Sprintf(`DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) THEN
		CREATE ROLE %s LOGIN PASSWORD %s;
	END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$`, quoteLiteral(name), quoteIdent(name), quoteLiteral(password))
	if err := s.exec(ctx, q); err != nil {
		return fmt.Errorf("pgtest: create role %s: %w", name, err)
	}
	return nil
}

// MustServingURL returns ownerURL (a database from MustDatabase) as
// ServingRole connects to it, creating the role if need be. The caller
// migrates through ownerURL and grants the role what it needs
// (store.GrantServing). It fails the test when the server's user may not
// create roles.
func MustServingURL(tb testing.TB, ownerURL string) string {
	tb.Helper()
	srv, err := Shared()
	if err != nil {
		noServer(tb, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := srv.EnsureRole(ctx, ServingRole, servingPassword); err != nil {
		tb.Fatalf("%v (TEST_DATABASE_URL's user needs the CREATEROLE privilege)", err)
	}
	u, err := url.Parse(ownerURL)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("pgtest: %s is not a URL: a serving role needs one", redact(ownerURL))
	}
	u.User = url.UserPassword(ServingRole, servingPassword)
	return u.String()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
