package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/srok"
)

const userUsage = `Usage:
  srok user create --email EMAIL --name NAME --role ROLE [--generate-password]
  srok user list [--json]
  srok user disable EMAIL
  srok user set-password EMAIL [--generate-password]

Roles: admin (users, tokens, everything), officer (every request, the audit
trail), operator (requests assigned to them or to nobody), viewer (reads,
personal data masked).

The password is read from standard input, one line, when it is not a
terminal; on a terminal it is asked twice without echo. With
--generate-password a random one is made and printed alone on standard
output, once. Confirmations go to standard error.
`

// stdinIsTerminal reports whether the process's standard input is a
// terminal, where a password is asked without echo.
func stdinIsTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// accounts is the account service on the configured database, acting as
// Srok itself (srok.System): whoever runs the command line runs the server.
type accounts struct {
	svc *account.Service
	cfg config.Config
	ctx context.Context
	// close closes the database.
	close func()
}

// openAccounts opens the database as `srok migrate` does and refuses a
// schema that is behind.
func openAccounts(ctx context.Context, e env) (*accounts, error) {
	cfg, st, err := openStore(ctx, e)
	if err != nil {
		return nil, err
	}
	if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", st.Where(), err)
	}
	return &accounts{
		svc:   account.NewService(st, e.now, append([]account.Option{account.WithAudit(audit.NewService(st, e.now))}, e.accountOptions...)...),
		cfg:   cfg,
		ctx:   srok.WithActor(ctx, srok.System),
		close: func() { _ = st.Close() },
	}, nil
}

func runUser(ctx context.Context, args []string, e env) error {
	return oneLine(userCommand(ctx, args, e))
}

func userCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("give a subcommand: create, list, disable or set-password (see srok user --help)")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "create":
		return runUserCreate(ctx, rest, e)
	case "list":
		return runUserList(ctx, rest, e)
	case "disable":
		return runUserDisable(ctx, rest, e)
	case "set-password":
		return runUserSetPassword(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, userUsage)
		return flag.ErrHelp
	default:
		return usagef("unknown subcommand %q: create, list, disable or set-password", sub)
	}
}

func runUserCreate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("user create", "--email EMAIL --name NAME --role ROLE [--generate-password]")
	email := fs.String("email", "", "the user's email: what they sign in with")
	name := fs.String("name", "", "the user's name, as the timeline shows it")
	role := fs.String("role", "", "admin, officer, operator or viewer")
	generate := fs.Bool("generate-password", false, "make a random password and print it on standard output")
	if _, err := parseArgs(fs, args, e, 0, ""); err != nil {
		return err
	}
	switch {
	case *email == "":
		return usagef("--email is required")
	case *name == "":
		return usagef("--name is required")
	case *role == "":
		return usagef("--role is required: one of %s", roleNames())
	case !srok.Role(*role).Valid():
		return usagef("--role: %q is not a role: one of %s", *role, roleNames())
	}
	password, err := passwordOf(e, *generate)
	if err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	u, err := a.svc.CreateUser(a.ctx, account.UserInput{Email: *email, Name: *name, Role: srok.Role(*role), Password: password})
	if err != nil {
		return cliError(err)
	}
	if *generate {
		fmt.Fprintln(e.stdout, password)
	}
	fmt.Fprintf(e.stderr, "srok user: created %s (%s), role %s\n", u.Email, u.Name, u.Role)
	return nil
}

// userJSON is a user as `srok user list --json` prints it.
type userJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func runUserList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("user list", "[--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args, e, 0, ""); err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	users, err := a.svc.Users(a.ctx)
	if err != nil {
		return cliError(err)
	}
	if *asJSON {
		out := make([]userJSON, 0, len(users))
		for _, u := range users {
			out = append(out, userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active,
				CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt})
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tACTIVE\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, yesNo(u.Active), localTime(u.CreatedAt, a.cfg))
	}
	return tw.Flush()
}

func runUserDisable(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("user disable", "EMAIL")
	email, err := parseArgs(fs, args, e, 1, "the email of the user to disable")
	if err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	changed, err := a.svc.DisableUser(a.ctx, email)
	if err != nil {
		return cliError(err)
	}
	if !changed {
		fmt.Fprintf(e.stderr, "srok user: %s was disabled already\n", email)
		return nil
	}
	fmt.Fprintf(e.stderr, "srok user: disabled %s: they can no longer sign in, and their tokens no longer work\n", email)
	return nil
}

func runUserSetPassword(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("user set-password", "EMAIL [--generate-password]")
	generate := fs.Bool("generate-password", false, "make a random password and print it on standard output")
	email, err := parseArgs(fs, args, e, 1, "the email of the user")
	if err != nil {
		return err
	}
	password, err := passwordOf(e, *generate)
	if err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.svc.SetPassword(a.ctx, email, password); err != nil {
		return cliError(err)
	}
	if *generate {
		fmt.Fprintln(e.stdout, password)
	}
	fmt.Fprintf(e.stderr, "srok user: set the password of %s; every session of theirs has ended\n", email)
	return nil
}

// lineError is an error whose message is put on one line.
type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }

// oneLine puts err's message on one line (a driver's error may list each
// address it tried on a line of its own), keeping err in the chain.
func oneLine(err error) error {
	if err == nil || !strings.ContainsAny(err.Error(), "\r\n") {
		return err
	}
	var b strings.Builder
	for _, l := range strings.FieldsFunc(err.Error(), func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		switch s := b.String(); {
		case s == "":
		case strings.HasSuffix(s, ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(l)
	}
	return &lineError{msg: b.String(), err: err}
}

// maxPasswordInput bounds what is read from standard input for a password.
const maxPasswordInput = 16 << 10

// passwordOf returns a generated password, or the one given on standard
// input: one line when it is not a terminal, else typed twice without
// echo. Only the line's end is removed.
func passwordOf(e env, generate bool) (string, error) {
	if generate {
		return account.GeneratePassword(), nil
	}
	if e.stdin == nil {
		return "", usagef("no password: give it on standard input, or use --generate-password")
	}
	r := bufio.NewReader(io.LimitReader(e.stdin, maxPasswordInput))
	if e.isTerminal == nil || !e.isTerminal() {
		p, err := readLine(r)
		if err != nil {
			return "", err
		}
		if p == "" {
			return "", usagef("no password on standard input: give it as one line, or use --generate-password")
		}
		return p, nil
	}
	fmt.Fprint(e.stderr, "New password: ")
	p1, err := readSecret(e, r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Repeat it: ")
	p2, err := readSecret(e, r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", usagef("the two passwords differ: nothing was changed")
	}
	if p1 == "" {
		return "", usagef("no password typed: nothing was changed")
	}
	return p1, nil
}

// readSecret reads a line from the terminal without echo, or from r when
// standard input is not the process's terminal (tests).
func readSecret(e env, r *bufio.Reader) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	return readLine(r)
}

// readLine reads one line and drops its end (\n or \r\n).
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// parseArgs parses flags that may come before or after the positional
// arguments, and requires exactly n of those (named what, for the
// message); it returns the first.
func parseArgs(fs *flag.FlagSet, args []string, e env, n int, what string) (string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(e.stdout, "Usage: srok %s\n\nFlags:\n", fs.Name())
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return "", err
			}
			return "", usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(pos) > n:
		return "", usagef("unexpected argument %q", pos[n])
	case len(pos) < n:
		return "", usagef("give %s", what)
	case n == 0:
		return "", nil
	}
	return pos[0], nil
}

// flagOf names the command-line flag of a field of the account service's
// input.
var flagOf = map[string]string{
	"email": "--email", "name": "--name", "role": "--role", "scope": "--scope",
	"expires": "--expires", "user": "--user", "password": "the password",
}

// cliError turns an error of the account service into one line: invalid
// input is a usage error (exit 2) naming the flags; others keep their
// message, and for an outage or a bug their cause.
func cliError(err error) error {
	var se *srok.Error
	if !errors.As(err, &se) {
		return err
	}
	if se.Code == srok.EINVALID && len(se.Fields) > 0 {
		var parts []string
		for _, f := range se.Fields {
			name := flagOf[f.Field]
			if name == "" {
				name = f.Field
			}
			parts = append(parts, name+": "+f.Problem)
		}
		return usagef("%s", strings.Join(parts, "; "))
	}
	if se.Cause != nil && (se.Code == srok.EUNAVAILABLE || se.Code == srok.EINTERNAL) {
		return fmt.Errorf("%s (%v)", se.Message, se.Cause)
	}
	return errors.New(se.Message)
}

func roleNames() string {
	var names []string
	for _, r := range srok.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// localTime prints t in the operator's time zone, to the minute.
func localTime(t time.Time, cfg config.Config) string {
	return t.In(cfg.Zone()).Format("2006-01-02 15:04")
}
