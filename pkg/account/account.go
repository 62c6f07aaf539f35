// Package account is who may use Srok: users (пользователи) with a role,
// their API tokens, and the first-run setup that creates the first
// administrator. It turns a password, a token or a session's user into a
// srok.Actor, whose role the register checks before every action.
//
// The operator must set rules of access to the personal data it processes
// and register and account for every action done with them (152-FZ
// art. 19 part 2 item 8): every person signs in with an account of their
// own whose role decides what they may do, every change carries its actor,
// and an account disabled or a token revoked stops working at once.
//
// The package imports neither Echo nor GORM; storage implements Store.
package account

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// User is a person who works in the register. The password hash is not
// part of it: it never leaves the service.
type User struct {
	// ID is a UUID v7.
	ID string
	// Email is the address as typed; two users may not share it in any
	// letter case.
	Email string
	// Name is how the user appears in the timeline.
	Name string
	// Role is what the user may do (see srok.Can).
	Role srok.Role
	// Active is false for a disabled user, who can neither sign in nor use
	// a token.
	Active bool
	// SessionGeneration counts the events that end every browser session
	// of the user: each password set and each disable raises it. A session
	// keeps the generation it was opened at and ends once they differ
	// (152-FZ art. 19 part 2 item 8).
	SessionGeneration int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Token is an API token (токен доступа) of a user, for programs that call
// the API on the user's behalf. The secret is shown once, at creation;
// only its SHA-256 is stored.
type Token struct {
	// ID is a UUID v7; it names the token in lists and in the timeline
	// ("token:<id>"), and is what RevokeToken takes.
	ID     string
	UserID string
	// UserEmail is the email of the token's user, for lists.
	UserEmail string
	// Name says what the token is for ("web form", "help desk").
	Name string
	// Scope may narrow the user's role (srok.ScopeIntake); srok.ScopeFull
	// is the whole role.
	Scope     srok.Scope
	CreatedAt time.Time
	// ExpiresAt is nil for a token that does not expire.
	ExpiresAt *time.Time
	// RevokedAt is set once the token is revoked.
	RevokedAt *time.Time
	// LastUsedAt is when the token last authenticated, to the minute.
	LastUsedAt *time.Time
}

// Valid reports whether the token may authenticate at now: neither revoked
// nor expired. Its user must be active too.
func (t Token) Valid(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// SetupOutcome is what Store.CompleteSetup found.
type SetupOutcome int

// The outcomes of Store.CompleteSetup.
const (
	// SetupCompleted: the token was consumed and the user created.
	SetupCompleted SetupOutcome = iota
	// SetupUsersExist: a user exists already; nothing was written.
	SetupUsersExist
	// SetupTokenInvalid: no unused, unexpired setup token has that hash;
	// nothing was written.
	SetupTokenInvalid
)

// Store keeps users, tokens and setup tokens. The storage package
// implements it on PostgreSQL and SQLite; its errors are srok.Errors
// (ENOTFOUND, ECONFLICT, EUNAVAILABLE) or internal ones. A change's trail
// (audit.Trail.Prepare) is written in the change's own transaction: the
// change and its audit entry land together or not at all.
type Store interface {
	// CreateUser stores u with its password hash: ECONFLICT with reason
	// "email_taken" when a user has the same email in any letter case.
	CreateUser(ctx context.Context, u User, passwordHash string, trail []*audit.Entry) error
	// Users returns every user, ordered by lower-cased email.
	Users(ctx context.Context) ([]User, error)
	// UserByEmail returns the user whose lower-cased email is emailLower,
	// and its password hash (ENOTFOUND).
	UserByEmail(ctx context.Context, emailLower string) (User, string, error)
	// UserByID returns the user with id (ENOTFOUND).
	UserByID(ctx context.Context, id string) (User, error)
	// SetUserActive enables or disables a user and sets its updated_at
	// (ENOTFOUND). Disabling raises its session generation, so that no
	// session opened before lives again when the user is enabled.
	SetUserActive(ctx context.Context, id string, active bool, at time.Time, trail []*audit.Entry) error
	// SetPasswordHash replaces a user's password hash and sets its
	// updated_at (ENOTFOUND). With endSessions it raises the user's
	// session generation in the same statement and returns the new one
	// (every session opened before ends); without it (a re-hash with new
	// parameters at sign-in) it returns the generation unchanged.
	SetPasswordHash(ctx context.Context, id, passwordHash string, at time.Time, endSessions bool, trail []*audit.Entry) (int64, error)
	// SetUserRole gives a user another role and sets its updated_at
	// (ENOTFOUND).
	SetUserRole(ctx context.Context, id string, role srok.Role, at time.Time, trail []*audit.Entry) error
	// HasUsers reports whether any user exists, active or not.
	HasUsers(ctx context.Context) (bool, error)

	// CreateToken stores t with the SHA-256 (hex) of its secret.
	CreateToken(ctx context.Context, t Token, hash string, trail []*audit.Entry) error
	// Tokens returns the tokens of the user with userID, or every token
	// for "", newest first, with UserEmail filled in.
	Tokens(ctx context.Context, userID string) ([]Token, error)
	// Token returns the token with id, UserEmail filled in (ENOTFOUND).
	Token(ctx context.Context, id string) (Token, error)
	// TokenByHash returns the token whose secret has hash, and its user
	// (ENOTFOUND).
	TokenByHash(ctx context.Context, hash string) (Token, User, error)
	// RevokeToken sets the token's revoked_at to at unless it is revoked
	// already (ENOTFOUND).
	RevokeToken(ctx context.Context, id string, at time.Time, trail []*audit.Entry) error
	// TouchToken sets the token's last_used_at to at if it is unset or at
	// or before staleBefore: many servers may race, and only one writes.
	TouchToken(ctx context.Context, id string, at, staleBefore time.Time) error

	// CreateSetupToken stores a setup token's hash, deleting the unused
	// ones before it, if no user exists; it reports false (and writes
	// nothing) when one does.
	CreateSetupToken(ctx context.Context, hash string, createdAt, expiresAt time.Time) (bool, error)
	// CompleteSetup, in one transaction and serialised with any other
	// CompleteSetup and CreateSetupToken: if no user exists and an unused
	// setup token with hash expires after at, marks it used at at and
	// creates u with passwordHash.
	CompleteSetup(ctx context.Context, hash string, at time.Time, u User, passwordHash string) (SetupOutcome, error)
	// SetupTokenValid reports whether a setup token with hash exists,
	// unused, and expires after at; it changes nothing.
	SetupTokenValid(ctx context.Context, hash string, at time.Time) (bool, error)
}

// Service manages users and tokens and authenticates them. It is safe for
// concurrent use.
type Service struct {
	store  Store
	now    func() time.Time
	params PasswordParams
	// hashing bounds the password hashes computed at once: each takes
	// params.Memory KiB (19 MiB by default), and a burst of sign-ins must
	// not exhaust the server's memory.
	hashing chan struct{}
	dummy   dummyHash
	// audit records changes of users and tokens.
	trail audit.Trail
	// cache remembers authentications while changes are heard.
	cache authCache
}

// Option tunes a Service.
type Option func(*Service)

// WithPasswordParams sets the argon2id cost of new password hashes.
// Tests use cheap ones; hashes made with other parameters still verify.
func WithPasswordParams(p PasswordParams) Option {
	return func(s *Service) { s.params = p }
}

// WithConcurrentHashes bounds how many password hashes are computed at
// once (4 by default); the others wait their turn.
func WithConcurrentHashes(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.hashing = make(chan struct{}, n)
		}
	}
}

// NewService returns the accounts kept in store, with now as the clock.
func NewService(store Store, now func() time.Time, opts ...Option) *Service {
	s := &Service{store: store, now: now, params: DefaultPasswordParams, hashing: make(chan struct{}, 4)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// clock returns now in UTC to the microsecond, as both databases keep it,
// so that what the service returns equals what is read back.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// actorOf returns the actor of ctx, or EUNAUTHENTICATED.
func actorOf(ctx context.Context) (srok.Actor, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return srok.Actor{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	return a, nil
}

// mayManageUsers returns the actor of ctx if it may manage users.
func mayManageUsers(ctx context.Context) (srok.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(srok.ActUserManage) {
		return a, srok.Errorf(srok.EFORBIDDEN, "only an administrator may manage users")
	}
	return a, nil
}

// mayManageTokensOf reports whether a may create, list and revoke the
// tokens of the user with userID: an administrator may for anyone, a user
// for themselves, in person or through a full-scope token.
func mayManageTokensOf(a srok.Actor, userID string) bool {
	return a.Can(srok.ActTokenManage) || (a.UserID != "" && a.UserID == userID && a.Scope == srok.ScopeFull)
}

// mayManageTokensOfEmail is mayManageTokensOf before the user is looked up:
// false when a is neither an administrator nor the user with email.
func mayManageTokensOfEmail(a srok.Actor, email string) bool {
	return a.Can(srok.ActTokenManage) || (a.UserID != "" && lower(a.Email) == lower(email) && a.Scope == srok.ScopeFull)
}

// ActorOf is the actor of u acting in person: signed in with a password or
// a browser session, or on the command line as that user.
func (s *Service) ActorOf(u User) srok.Actor {
	return srok.Actor{ID: u.ID, Name: u.Name, UserID: u.ID, Email: u.Email, Role: u.Role}
}
