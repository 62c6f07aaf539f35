package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
)

const tokenUsage = `Usage:
  srok token create --user EMAIL --name NAME [--scope full|intake] [--expires 90d]
  srok token list [--user EMAIL] [--json]
  srok token revoke ID

An API token lets a program call the API as its user: with the user's whole
role (scope full), or only to register requests and read back those it
registered (scope intake: web forms, help desks). 'create' prints the token
alone on standard output; it is shown this once and only its hash is kept.
--expires takes days (90d), hours (12h) or a Go duration (1h30m); without
it the token is valid until revoked.
`

func runToken(ctx context.Context, args []string, e env) error {
	return oneLine(tokenCommand(ctx, args, e))
}

func tokenCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("give a subcommand: create, list or revoke (see srok token --help)")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "create":
		return runTokenCreate(ctx, rest, e)
	case "list":
		return runTokenList(ctx, rest, e)
	case "revoke":
		return runTokenRevoke(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, tokenUsage)
		return flag.ErrHelp
	default:
		return usagef("unknown subcommand %q: create, list or revoke", sub)
	}
}

// parseExpires reads --expires: Nd (days), or a Go duration (12h, 90m,
// 1h30m).
func parseExpires(s string) (time.Duration, error) {
	bad := usagef("--expires: %q is not a duration such as 90d, 12h or 30m", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 100*365 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// parseScope reads --scope.
func parseScope(s string) (srok.Scope, error) {
	switch s {
	case "", "full":
		return srok.ScopeFull, nil
	case string(srok.ScopeIntake):
		return srok.ScopeIntake, nil
	}
	return "", usagef("--scope: %q is not a scope: full (the user's whole role) or intake (register requests only)", s)
}

// scopeName prints a scope.
func scopeName(s srok.Scope) string {
	if s == srok.ScopeFull {
		return "full"
	}
	return string(s)
}

func runTokenCreate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("token create", "--user EMAIL --name NAME [--scope full|intake] [--expires 90d]")
	user := fs.String("user", "", "the email of the user the token acts for")
	name := fs.String("name", "", "what the token is for, such as \"web form\"")
	scopeFlag := fs.String("scope", "full", "full (the user's whole role) or intake (register requests only)")
	expires := fs.String("expires", "", "how long the token is valid: 90d, 12h, 30m (default: until revoked)")
	if _, err := parseArgs(fs, args, e, 0, ""); err != nil {
		return err
	}
	if *user == "" {
		return usagef("--user is required: the email of the user the token acts for")
	}
	if *name == "" {
		return usagef("--name is required: what the token is for, such as \"web form\"")
	}
	scope, err := parseScope(*scopeFlag)
	if err != nil {
		return err
	}
	var life time.Duration
	if *expires != "" {
		if life, err = parseExpires(*expires); err != nil {
			return err
		}
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	secret, t, err := a.svc.CreateToken(a.ctx, account.TokenInput{UserEmail: *user, Name: *name, Scope: scope, ExpiresIn: life})
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(e.stdout, secret)
	until := "until revoked"
	if t.ExpiresAt != nil {
		until = "until " + localTime(*t.ExpiresAt, a.cfg)
	}
	fmt.Fprintf(e.stderr, "srok token: created token %s %q for %s, scope %s, valid %s; it is shown only once: store it now\n",
		t.ID, t.Name, t.UserEmail, scopeName(t.Scope), until)
	return nil
}

// tokenJSON is a token as `srok token list --json` prints it: never its
// secret, which is not kept.
type tokenJSON struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	User       string     `json:"user"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func runTokenList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("token list", "[--user EMAIL] [--json]")
	user := fs.String("user", "", "only the tokens of the user with this email")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args, e, 0, ""); err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	tokens, err := a.svc.Tokens(a.ctx, *user)
	if err != nil {
		return cliError(err)
	}
	if *asJSON {
		out := make([]tokenJSON, 0, len(tokens))
		for _, t := range tokens {
			out = append(out, tokenJSON{ID: t.ID, UserID: t.UserID, User: t.UserEmail, Name: t.Name, Scope: scopeName(t.Scope),
				CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt})
		}
		return writeJSON(e.stdout, out)
	}
	opt := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return localTime(*t, a.cfg)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tSCOPE\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
	for _, t := range tokens {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.UserEmail, t.Name, scopeName(t.Scope),
			localTime(t.CreatedAt, a.cfg), opt(t.ExpiresAt, "never"), opt(t.RevokedAt, "-"), opt(t.LastUsedAt, "never"))
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("token revoke", "ID")
	id, err := parseArgs(fs, args, e, 1, "the id of the token to revoke (srok token list shows it)")
	if err != nil {
		return err
	}
	a, err := openAccounts(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.svc.RevokeToken(a.ctx, id); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(e.stderr, "srok token: revoked %s: it no longer works\n", id)
	return nil
}
