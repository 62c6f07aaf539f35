package account

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/pkg/srok"
)

// UserInput is a new user as typed.
type UserInput struct {
	Email    string
	Name     string
	Role     srok.Role
	Password string
}

// TokenInput is a new API token as asked for.
type TokenInput struct {
	// UserEmail is the user the token acts for.
	UserEmail string
	// Name says what the token is for.
	Name string
	// Scope is srok.ScopeFull ("") or srok.ScopeIntake.
	Scope srok.Scope
	// ExpiresIn is how long the token is valid; 0 means until revoked.
	ExpiresIn time.Duration
}

// Limits on what is typed.
const (
	maxEmail     = 254 // RFC 5321's path limit
	maxName      = 300
	maxTokenName = 100
	// MaxTokenLife is the longest a token may be made valid for.
	MaxTokenLife = 10 * 365 * 24 * time.Hour
)

// validText reports whether s is UTF-8 without control characters.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// checkEmail adds a problem with an email address to f and returns it
// trimmed.
func checkEmail(f *srok.Fields, field, email string) string {
	e := strings.TrimSpace(email)
	if e == "" {
		f.Add(field, "is required")
		return e
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > maxEmail || !validText(e) {
		f.Add(field, "%q is not an email address such as name@example.ru", email)
	}
	return e
}

// checkName adds a problem with a name to f and returns it trimmed.
func checkName(f *srok.Fields, field, name string, limit int) string {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		f.Add(field, "is required")
	case !validText(n):
		f.Add(field, "must be text without control characters")
	case utf8.RuneCountInString(n) > limit:
		f.Add(field, "is too long: at most %d characters", limit)
	}
	return n
}

// checkRole adds a problem with a role to f.
func checkRole(f *srok.Fields, r srok.Role) {
	if r == "" {
		f.Add("role", "is required: one of %s", roleList())
	} else if !r.Valid() {
		f.Add("role", "%q is not a role: one of %s", string(r), roleList())
	}
}

func roleList() string {
	var names []string
	for _, r := range srok.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// validateUser checks in and returns it trimmed, or an EINVALID error
// naming every offending field.
func validateUser(in UserInput) (UserInput, error) {
	var f srok.Fields
	in.Email = checkEmail(&f, "email", in.Email)
	in.Name = checkName(&f, "name", in.Name, maxName)
	checkRole(&f, in.Role)
	if p := checkPasswordRules(in.Password); p != "" {
		f.Add("password", "%s", p)
	}
	return in, f.Err()
}

// validateToken checks in, except its user, and returns it trimmed with
// the problems found.
func validateToken(in TokenInput) (TokenInput, srok.Fields) {
	var f srok.Fields
	in.Name = checkName(&f, "name", in.Name, maxTokenName)
	if in.Scope != srok.ScopeFull && in.Scope != srok.ScopeIntake {
		f.Add("scope", "%q is not a scope: full (the user's whole role) or intake (register requests only)", string(in.Scope))
	}
	switch {
	case in.ExpiresIn < 0:
		f.Add("expires", "must be in the future")
	case in.ExpiresIn > MaxTokenLife:
		f.Add("expires", "is too far: at most %d days", int(MaxTokenLife/(24*time.Hour)))
	case in.ExpiresIn > 0 && in.ExpiresIn < time.Minute:
		f.Add("expires", "is too short: at least a minute")
	}
	return in, f
}
