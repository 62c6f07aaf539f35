package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/store"
)

// env is what a command may touch of the outside world; tests pass their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// stdin is where a password is read (user create, set-password);
	// isTerminal reports whether it is a terminal, where the password is
	// asked twice without echo instead of read as one line.
	stdin      io.Reader
	isTerminal func() bool
	// accountOptions tune the account service (tests: cheap password
	// hashes).
	accountOptions []account.Option
}

// usageError is bad input on the command line: printed as one line, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const usage = `Srok: the register of personal-data subjects' requests and the terms of 152-FZ.

Usage:
  srok serve [--migrate]
  srok migrate
  srok config
  srok deadline --type TYPE --trigger TIME [--tz ZONE] [--extended] [--json]
  srok calendar [--year YEAR] [--json]
  srok calendar import FILE [--force]
  srok user create --email EMAIL --name NAME --role ROLE [--generate-password]
  srok user list [--json]
  srok user disable EMAIL
  srok user set-password EMAIL [--generate-password]
  srok token create --user EMAIL --name NAME [--scope full|intake] [--expires 90d]
  srok token list [--user EMAIL] [--json]
  srok token revoke ID
  srok healthcheck [--path /readyz] [--timeout 5s]
  srok mail test --to ADDRESS
  srok mail check
  srok reminders plan --from DATE --to DATE [--json]
  srok audit verify
  srok help

Commands:
  serve      run the register's HTTP server (REST API v1); --migrate applies
             pending migrations first
  migrate    apply pending database migrations
  config     print the configuration read from the environment, secrets masked
  deadline   compute every obligation a request of TYPE opens, and its deadline
  calendar   show the Russian production calendar of a year; 'calendar import'
             stores a new year's decree data in the database for every srok
             instance and recomputes the terms it moves
  user       manage the people who may sign in, and their roles: admin,
             officer, operator, viewer
  token      manage the API tokens that let programs act for a user
  healthcheck
             ask the server at SROK_ADDR on this machine whether it is ready
             (exit 0 or 1, one line): the container image's HEALTHCHECK
  mail       mail test sends a test message through the SMTP server of the
             reminders (SROK_SMTP_*) and prints the server's answer; mail
             check connects to each mailbox of SROK_IMAP_URL (TLS, login,
             folder) and says what failed (exit 1)
  reminders  list the reminders the register would send on each day of a
             period (plan), sending nothing
  audit      verify checks the audit trail's hash chain and names the first
             entry changed or removed behind Srok's back (exit 0 or 1)

serve, migrate and config read the environment (DATABASE_URL, SROK_ADDR,
SROK_DATA_DIR, SROK_TIME_ZONE, ...): run 'srok config' to see them all.
Without DATABASE_URL, the database is an embedded SQLite file in SROK_DATA_DIR.

Both take --calendar PATH (a file or folder of extra calendar years, same
format as the shipped data; may be repeated), also read from the
SROK_CALENDAR_PATH environment variable (paths separated by ':').

user and token read the environment as migrate does, and act on its database
as Srok itself. A password is read from standard input, one line, when it is
not a terminal; on a terminal it is asked twice without echo. Standard output
carries only what a script reads: lists, and a secret (a generated password,
a new token) printed alone, once. Confirmations and errors go to standard
error.

Run 'srok COMMAND --help' for the flags of a command.
`

// run is the whole program without the process: it parses args, does the
// work and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "deadline":
		err = runDeadline(ctx, rest, e)
	case "calendar":
		err = runCalendar(ctx, rest, e)
	case "serve":
		err = runServe(ctx, rest, e)
	case "migrate":
		err = runMigrate(ctx, rest, e)
	case "config":
		err = runConfig(ctx, rest, e)
	case "user":
		err = runUser(ctx, rest, e)
	case "token":
		err = runToken(ctx, rest, e)
	case "healthcheck":
		err = runHealthcheck(ctx, rest, e)
	case "mail":
		err = runMail(ctx, rest, e)
	case "reminders":
		err = runReminders(ctx, rest, e)
	case "audit":
		err = runAudit(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		err = usagef("unknown command %q (commands: serve, migrate, config, deadline, calendar, user, token, healthcheck, mail, reminders, audit, help)", cmd)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	name := "srok"
	if len(args) > 0 && slices.Contains([]string{"deadline", "calendar", "serve", "migrate", "config", "user", "token", "healthcheck", "mail", "reminders", "audit"}, args[0]) {
		name += " " + args[0]
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// newFlagSet returns a flag set that stays silent while parsing: errors come
// back as usageError, and -h prints the help to stdout (see parseFlags).
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name+" "+synopsis, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args into fs and refuses positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage: srok %s\n\nFlags:\n", fs.Name())
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// pathList is a repeatable flag of paths.
type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, string(filepath.ListSeparator)) }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

// loadCalendar builds the calendar from the embedded data plus the extra
// years of SROK_CALENDAR_PATH and --calendar.
func loadCalendar(e env, flagPaths []string) (*calendar.Calendar, error) {
	var paths []string
	for _, p := range filepath.SplitList(e.getenv("SROK_CALENDAR_PATH")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return calendar.Load(append(paths, flagPaths...)...)
}

func typeList() string {
	var names []string
	for _, t := range deadlines.RequestTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// commandCalendar is the calendar a command counts on: the one the servers
// use. It is loadCalendar's (the shipped data, SROK_CALENDAR_PATH and
// --calendar) overlaid with the years imported into the database, when a
// database is configured: DATABASE_URL, or the embedded SQLite file in
// SROK_DATA_DIR if it exists (a command never creates one).
func commandCalendar(ctx context.Context, e env, flagPaths []string) (*calendar.Calendar, error) {
	base, err := loadCalendar(e, flagPaths)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	switch {
	case cfg.DatabaseURL == "":
		if _, err := os.Stat(filepath.Join(cfg.DataDir, store.SQLiteFile)); err != nil {
			return base, nil
		}
	case strings.HasPrefix(cfg.DatabaseURL, "sqlite:"):
		if _, err := os.Stat(strings.TrimPrefix(strings.TrimPrefix(cfg.DatabaseURL, "sqlite:"), "//")); err != nil {
			return base, nil
		}
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	cals, err := calendars.NewService(st, base, e.now)
	if err != nil {
		return nil, err
	}
	if _, err := cals.Load(ctx); err != nil {
		return nil, fmt.Errorf("%s: reading the imported calendar years: %w", st.Where(), err)
	}
	return cals.Live().Current(), nil
}
