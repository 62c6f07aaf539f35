package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

// cheapHashes make password hashing almost free in tests.
var cheapHashes = []account.Option{account.WithPasswordParams(account.PasswordParams{Memory: 64, Time: 1, Threads: 1})}

// runWithStdin runs the command in-process as runSrok does, with stdin
// read from a pipe holding input, and isTerminal answering terminal.
func runWithStdin(t *testing.T, vars map[string]string, input string, terminal bool, args ...string) result {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		_, _ = w.WriteString(input)
		w.Close()
	}()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		getenv:         func(k string) string { return vars[k] },
		stdout:         &out,
		stderr:         &errb,
		now:            func() time.Time { return fixedNow },
		stdin:          r,
		isTerminal:     func() bool { return terminal },
		accountOptions: cheapHashes,
	})
	return result{code, out.String(), errb.String()}
}

// forEachDatabase runs fn with the environment of a migrated, empty
// database: the embedded SQLite, then PostgreSQL.
func forEachDatabase(t *testing.T, fn func(t *testing.T, vars map[string]string)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"SROK_DATA_DIR": t.TempDir()}
			if d == store.Postgres {
				vars = map[string]string{"DATABASE_URL": pgtest.MustDatabase(t)}
			}
			if r := runSrok(t, vars, fixedNow, "migrate"); r.code != 0 {
				t.Fatalf("migrate: %d %s", r.code, r.stderr)
			}
			fn(t, vars)
		})
	}
}

// accountsOf opens the account service on the database of vars, to check
// what the commands did.
func accountsOf(t *testing.T, vars map[string]string) *account.Service {
	t.Helper()
	st, err := store.Open(context.Background(), vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return account.NewService(st, func() time.Time { return fixedNow }, cheapHashes...)
}

// wantRun checks a run's exit code and that stderr holds want, on one line
// when the run failed.
func wantRun(t *testing.T, what string, r result, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Fatalf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", what, r.code, code, want, r.stdout, r.stderr)
	}
	if code != 0 && (strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "goroutine") || r.stdout != "") {
		t.Fatalf("%s: not one line on stderr and nothing on stdout:\nstdout: %s\nstderr: %s", what, r.stdout, r.stderr)
	}
}

const cliPassword = "a long enough password"

func TestUserCommands(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		acc := accountsOf(t, vars)
		ctx := context.Background()

		// The password from a pipe: one line.
		r := runWithStdin(t, vars, cliPassword+"\n", false, "user", "create", "--email", "Anna@Example.ru", "--name", "Анна Смирнова", "--role", "officer")
		wantRun(t, "create", r, 0, "srok user: created Anna@Example.ru (Анна Смирнова), role officer")
		if r.stdout != "" || strings.Contains(r.stderr, cliPassword) {
			t.Fatalf("create printed %q / %q", r.stdout, r.stderr)
		}
		if _, err := acc.CheckPassword(ctx, "anna@example.ru", cliPassword); err != nil {
			t.Fatalf("the password given does not work: %v", err)
		}
		// A line ending in \r\n (Windows) keeps the password without \r.
		r = runWithStdin(t, vars, cliPassword+"\r\n", false, "user", "create", "--email", "crlf@example.ru", "--name", "CRLF", "--role", "viewer")
		wantRun(t, "create crlf", r, 0, "created")
		if _, err := acc.CheckPassword(ctx, "crlf@example.ru", cliPassword); err != nil {
			t.Fatalf("the password with \\r\\n: %v", err)
		}

		// The same email in other letters.
		r = runWithStdin(t, vars, cliPassword+"\n", false, "user", "create", "--email", "anna@example.RU", "--name", "Другая", "--role", "viewer")
		wantRun(t, "duplicate", r, 1, "srok user: a user with the email anna@example.RU exists already")

		// A generated password: alone on stdout, once; stdin is not read.
		r = runWithStdin(t, vars, "ignored\n", false, "user", "create", "--email", "boris@example.ru", "--name", "Борис", "--role", "admin", "--generate-password")
		wantRun(t, "generate", r, 0, "created boris@example.ru")
		generated := strings.TrimSuffix(r.stdout, "\n")
		if !regexp.MustCompile(`^[2-9a-zA-Z]{5}(-[2-9a-zA-Z]{5}){3}$`).MatchString(generated) || strings.Contains(r.stderr, generated) {
			t.Fatalf("generated %q, stderr %q", r.stdout, r.stderr)
		}
		if _, err := acc.CheckPassword(ctx, "boris@example.ru", generated); err != nil {
			t.Fatalf("the generated password does not work: %v", err)
		}

		// On a terminal: asked twice, without the password on any output.
		r = runWithStdin(t, vars, cliPassword+"\n"+cliPassword+"\n", true, "user", "create", "--email", "vera@example.ru", "--name", "Вера", "--role", "operator")
		wantRun(t, "terminal", r, 0, "created vera@example.ru")
		if !strings.Contains(r.stderr, "New password: ") || !strings.Contains(r.stderr, "Repeat it: ") || strings.Contains(r.stderr, cliPassword) {
			t.Fatalf("prompts: %q", r.stderr)
		}
		r = runWithStdin(t, vars, cliPassword+"\nanother long password\n", true, "user", "create", "--email", "gleb@example.ru", "--name", "Глеб", "--role", "operator")
		if r.code != 2 || !strings.HasSuffix(r.stderr, "Repeat it: \nsrok user: the two passwords differ: nothing was changed\n") {
			t.Fatalf("terminal mismatch: %d %q", r.code, r.stderr)
		}

		// List: a table in the operator's zone, or JSON; no hash.
		r = runSrok(t, vars, fixedNow, "user", "list")
		wantRun(t, "list", r, 0, "")
		for _, want := range []string{"EMAIL", "Anna@Example.ru", "Анна Смирнова", "officer", "boris@example.ru", "admin", "yes", "2026-11-25 12:00"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("list lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "argon2") {
			t.Error("list shows a password hash")
		}
		var users []map[string]any
		r = runSrok(t, vars, fixedNow, "user", "list", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || len(users) != 4 {
			t.Fatalf("list --json: %v\n%s", err, r.stdout)
		}
		if u := users[0]; u["email"] != "Anna@Example.ru" || u["role"] != "officer" || u["active"] != true || u["created_at"] != "2026-11-25T09:00:00Z" || u["id"] == "" {
			t.Errorf("first user %v", u)
		}
		if strings.Contains(r.stdout, "argon2") || strings.Contains(r.stdout, "password") {
			t.Error("list --json shows a password hash")
		}

		// Set a password, from a pipe; then disable, twice. The password set
		// ends every session of the user: their generation moves on.
		before, err := acc.UserByEmail(ctx, "anna@example.ru")
		if err != nil {
			t.Fatal(err)
		}
		r = runWithStdin(t, vars, "a brand new password\n", false, "user", "set-password", "ANNA@example.ru")
		wantRun(t, "set-password", r, 0, "set the password of ANNA@example.ru")
		if after, err := acc.UserByEmail(ctx, "anna@example.ru"); err != nil || after.SessionGeneration != before.SessionGeneration+1 {
			t.Errorf("session generation %d after set-password, %d before (%v): the sessions stay", after.SessionGeneration, before.SessionGeneration, err)
		}
		if _, err := acc.SessionActor(ctx, before.ID, before.SessionGeneration); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("a session opened before set-password: %v", err)
		}
		if _, err := acc.CheckPassword(ctx, "anna@example.ru", "a brand new password"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		r = runWithStdin(t, vars, "", false, "user", "set-password", "--generate-password", "vera@example.ru")
		wantRun(t, "set-password generated", r, 0, "set the password")
		if _, err := acc.CheckPassword(ctx, "vera@example.ru", strings.TrimSpace(r.stdout)); err != nil {
			t.Fatalf("the generated password: %v", err)
		}
		r = runSrok(t, vars, fixedNow, "user", "disable", "anna@example.ru")
		wantRun(t, "disable", r, 0, "disabled anna@example.ru")
		if _, err := acc.CheckPassword(ctx, "anna@example.ru", "a brand new password"); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Fatalf("a disabled user signs in: %v", err)
		}
		r = runSrok(t, vars, fixedNow, "user", "disable", "anna@example.ru")
		wantRun(t, "disable again", r, 0, "anna@example.ru was disabled already")
		r = runSrok(t, vars, fixedNow, "user", "list")
		if !regexp.MustCompile(`Anna@Example.ru\s+Анна Смирнова\s+officer\s+no`).MatchString(r.stdout) {
			t.Errorf("disabled user in the list:\n%s", r.stdout)
		}

		// Bad input: one line, exit 2 for what the user typed wrong, 1 else.
		pw := cliPassword + "\n"
		for _, c := range []struct {
			name  string
			input string
			args  []string
			code  int
			want  string
		}{
			{"no subcommand", pw, []string{"user"}, 2, "srok user: give a subcommand: create, list, disable or set-password"},
			{"unknown subcommand", pw, []string{"user", "delete"}, 2, `srok user: unknown subcommand "delete"`},
			{"unknown flag", pw, []string{"user", "create", "--mail", "x@example.ru"}, 2, "flag provided but not defined: -mail"},
			{"no email", pw, []string{"user", "create", "--name", "X", "--role", "viewer"}, 2, "--email is required"},
			{"no name", pw, []string{"user", "create", "--email", "x@example.ru", "--role", "viewer"}, 2, "--name is required"},
			{"no role", pw, []string{"user", "create", "--email", "x@example.ru", "--name", "X"}, 2, "--role is required: one of admin, officer, operator, viewer"},
			{"bad role", pw, []string{"user", "create", "--email", "x@example.ru", "--name", "X", "--role", "root"}, 2, `--role: "root" is not a role`},
			{"bad email", pw, []string{"user", "create", "--email", "x at example", "--name", "X", "--role", "viewer"}, 2, `--email: "x at example" is not an email address`},
			{"short password", "short pw\n", []string{"user", "create", "--email", "x@example.ru", "--name", "X", "--role", "viewer"}, 2, "the password: is too short: at least 12 characters"},
			{"no password", "", []string{"user", "create", "--email", "x@example.ru", "--name", "X", "--role", "viewer"}, 2, "no password on standard input"},
			{"stray argument", pw, []string{"user", "create", "--email", "x@example.ru", "--name", "X", "--role", "viewer", "extra"}, 2, `unexpected argument "extra"`},
			{"list argument", pw, []string{"user", "list", "all"}, 2, `unexpected argument "all"`},
			{"disable nobody", pw, []string{"user", "disable"}, 2, "give the email of the user to disable"},
			{"disable two", pw, []string{"user", "disable", "a@example.ru", "b@example.ru"}, 2, `unexpected argument "b@example.ru"`},
			{"disable unknown", pw, []string{"user", "disable", "nobody@example.ru"}, 1, `srok user: no user with email "nobody@example.ru"`},
			{"set-password unknown", pw, []string{"user", "set-password", "nobody@example.ru"}, 1, `no user with email "nobody@example.ru"`},
			{"set-password short", "short pw\n", []string{"user", "set-password", "boris@example.ru"}, 2, "the password: is too short"},
		} {
			r := runWithStdin(t, vars, c.input, false, c.args...)
			wantRun(t, c.name, r, c.code, c.want)
			if strings.Contains(r.stderr, "short pw") || strings.Contains(r.stderr, cliPassword) {
				t.Errorf("%s: a password on stderr: %s", c.name, r.stderr)
			}
		}
		// Help goes to stdout, exit 0.
		for _, args := range [][]string{{"user", "--help"}, {"user", "create", "--help"}, {"user", "disable", "-h"}} {
			r := runSrok(t, vars, fixedNow, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Usage") || r.stderr != "" {
				t.Errorf("%v: %d %q %q", args, r.code, r.stdout, r.stderr)
			}
		}
	})
}

func TestTokenCommands(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		acc := accountsOf(t, vars)
		ctx := context.Background()
		for _, u := range [][]string{{"vera@example.ru", "Вера", "operator"}, {"alla@example.ru", "Алла", "viewer"}} {
			r := runSrok(t, vars, fixedNow, "user", "create", "--email", u[0], "--name", u[1], "--role", u[2], "--generate-password")
			wantRun(t, "create "+u[0], r, 0, "created")
		}

		// The token alone on stdout; stderr names its id, never the secret.
		r := runSrok(t, vars, fixedNow, "token", "create", "--user", "Vera@example.ru", "--name", "help desk")
		wantRun(t, "token create", r, 0, `srok token: created token `)
		if !regexp.MustCompile(`^srok_[A-Za-z0-9_-]{43}\n$`).MatchString(r.stdout) {
			t.Fatalf("stdout %q is not the token alone", r.stdout)
		}
		secret := strings.TrimSpace(r.stdout)
		if strings.Contains(r.stderr, secret[5:]) || !strings.Contains(r.stderr, `"help desk" for vera@example.ru, scope full, valid until revoked`) {
			t.Fatalf("stderr %q", r.stderr)
		}
		a, err := acc.AuthenticateToken(ctx, secret)
		if err != nil || a.Email != "vera@example.ru" || a.Role != srok.RoleOperator || a.Scope != srok.ScopeFull {
			t.Fatalf("the token: %+v %v", a, err)
		}
		id := strings.TrimPrefix(a.ID, "token:")

		r = runSrok(t, vars, fixedNow, "token", "create", "--user", "vera@example.ru", "--name", "web form", "--scope", "intake", "--expires", "90d")
		wantRun(t, "intake", r, 0, "scope intake, valid until 2027-02-23 12:00")
		intake := strings.TrimSpace(r.stdout)
		if a, err := acc.AuthenticateToken(ctx, intake); err != nil || a.Scope != srok.ScopeIntake {
			t.Fatalf("intake token: %+v %v", a, err)
		}
		for _, exp := range []string{"12h", "1h30m", "1d"} {
			r = runSrok(t, vars, fixedNow, "token", "create", "--user", "alla@example.ru", "--name", "exp "+exp, "--expires", exp)
			wantRun(t, "expires "+exp, r, 0, "created")
		}

		// List: never a secret; --user filters; JSON has every field.
		r = runSrok(t, vars, fixedNow, "token", "list")
		wantRun(t, "list", r, 0, "")
		for _, want := range []string{"ID", "LAST USED", id, "vera@example.ru", "help desk", "full", "intake", "never", "2026-11-25 12:00", "2027-02-23 12:00"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("list lacks %q:\n%s", want, r.stdout)
			}
		}
		var tokens []map[string]any
		r = runSrok(t, vars, fixedNow, "token", "list", "--user", "vera@example.ru", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &tokens); err != nil || len(tokens) != 2 {
			t.Fatalf("list --json: %v\n%s", err, r.stdout)
		}
		if tk := tokens[1]; tk["id"] != id || tk["user"] != "vera@example.ru" || tk["name"] != "help desk" || tk["scope"] != "full" ||
			tk["expires_at"] != nil || tk["revoked_at"] != nil || tk["last_used_at"] != "2026-11-25T09:00:00Z" || tk["created_at"] != "2026-11-25T09:00:00Z" {
			t.Errorf("token %v", tk)
		}
		if tokens[0]["expires_at"] != "2027-02-23T09:00:00Z" || tokens[0]["scope"] != "intake" {
			t.Errorf("intake token %v", tokens[0])
		}
		for _, s := range []string{secret, intake} {
			if strings.Contains(r.stdout, s[5:]) {
				t.Fatal("a secret in the list")
			}
		}

		// Revoke: the token stops at once.
		r = runSrok(t, vars, fixedNow, "token", "revoke", id)
		wantRun(t, "revoke", r, 0, "revoked "+id)
		if _, err := acc.AuthenticateToken(ctx, secret); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Fatalf("a revoked token works: %v", err)
		}
		r = runSrok(t, vars, fixedNow, "token", "list", "--json", "--user", "vera@example.ru")
		if !strings.Contains(r.stdout, `"revoked_at": "2026-11-25T09:00:00Z"`) {
			t.Errorf("revoked_at not listed:\n%s", r.stdout)
		}

		for _, c := range []struct {
			name string
			args []string
			code int
			want string
		}{
			{"no subcommand", []string{"token"}, 2, "srok token: give a subcommand: create, list or revoke"},
			{"unknown subcommand", []string{"token", "show"}, 2, `unknown subcommand "show"`},
			{"no user", []string{"token", "create", "--name", "x"}, 2, "--user is required"},
			{"no name", []string{"token", "create", "--user", "vera@example.ru"}, 2, "--name is required"},
			{"bad scope", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--scope", "admin"}, 2, `--scope: "admin" is not a scope`},
			{"bad duration", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--expires", "90x"}, 2, `--expires: "90x" is not a duration such as 90d, 12h or 30m`},
			{"zero days", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--expires", "0d"}, 2, `--expires: "0d"`},
			{"negative", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--expires", "-1h"}, 2, `--expires: "-1h"`},
			{"too long", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--expires", "4000d"}, 2, "--expires: is too far: at most 3650 days"},
			{"too short", []string{"token", "create", "--user", "vera@example.ru", "--name", "x", "--expires", "10s"}, 2, "--expires: is too short"},
			{"intake for a viewer", []string{"token", "create", "--user", "alla@example.ru", "--name", "x", "--scope", "intake"}, 2, "--scope: an intake token registers requests, which the role viewer"},
			{"unknown user", []string{"token", "create", "--user", "nobody@example.ru", "--name", "x"}, 1, `srok token: no user with email "nobody@example.ru"`},
			{"list unknown user", []string{"token", "list", "--user", "nobody@example.ru"}, 1, `no user with email`},
			{"revoke nothing", []string{"token", "revoke"}, 2, "give the id of the token to revoke"},
			{"revoke unknown", []string{"token", "revoke", "01a214ef-c62a-725c-a810-d86c03cca3cd"}, 1, `no token with id "01a214ef-c62a-725c-a810-d86c03cca3cd"`},
			{"revoke garbage", []string{"token", "revoke", "nope"}, 1, `no token with id "nope"`},
		} {
			wantRun(t, c.name, runSrok(t, vars, fixedNow, c.args...), c.code, c.want)
		}
		for _, args := range [][]string{{"token", "--help"}, {"token", "create", "--help"}} {
			r := runSrok(t, vars, fixedNow, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Usage") || r.stderr != "" {
				t.Errorf("%v: %d %q %q", args, r.code, r.stdout, r.stderr)
			}
		}
	})
}

// Without a reachable, current database the commands fail in one line,
// exit 1.
func TestAccountCommandsDatabase(t *testing.T) {
	behind := map[string]string{"SROK_DATA_DIR": t.TempDir()}
	wantRun(t, "schema behind", runSrok(t, behind, fixedNow, "user", "list"), 1, "srok migrate")
	wantRun(t, "schema behind", runSrok(t, behind, fixedNow, "token", "list"), 1, "srok migrate")
	down := map[string]string{"DATABASE_URL": "postgres://srok:s3cret@127.0.0.1:1/srok?connect_timeout=2"}
	r := runWithStdin(t, down, cliPassword+"\n", false, "user", "create", "--email", "x@example.ru", "--name", "X", "--role", "viewer")
	wantRun(t, "database down", r, 1, "srok user: ")
	if strings.Contains(r.stderr, "s3cret") || strings.Contains(r.stderr, cliPassword) {
		t.Errorf("a secret on stderr: %s", r.stderr)
	}
	bad := map[string]string{"DATABASE_URL": "mysql://x"}
	wantRun(t, "bad DATABASE_URL", runSrok(t, bad, fixedNow, "token", "list"), 2, "DATABASE_URL")
}
