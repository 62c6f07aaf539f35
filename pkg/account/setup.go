package account

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/srok"
)

// SetupTokenPrefix starts every setup token.
const SetupTokenPrefix = "srok_setup_"

// SetupTokenLife is how long a setup token is valid: long enough to open
// the printed link, short enough that a forgotten one is no open door.
const SetupTokenLife = time.Hour

// errSetupDone refuses the first-run setup once a user exists.
func errSetupDone() error {
	return &srok.Error{Code: srok.ECONFLICT, Reason: "setup_done",
		Message: "Srok is set up already: sign in, or ask an administrator for an account"}
}

// errSetupToken refuses a setup token that is unknown, used or expired.
func errSetupToken() error {
	return &srok.Error{Code: srok.EFORBIDDEN, Reason: "setup_token_invalid",
		Message: "the setup token is unknown, used already or expired: get a new one"}
}

// HasUsers reports whether any user exists: until one does, Srok is not
// set up and only the first-run setup is open.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	return s.store.HasUsers(ctx)
}

// CreateSetupToken returns a token that lets its holder create the first
// administrator (CompleteSetup), and when it expires (in SetupTokenLife).
// Only its hash is stored; a new one replaces any unused older one. Once a
// user exists it is refused (ECONFLICT, reason "setup_done"). It checks no
// actor: whoever runs the server (or the command line) gets it, on the
// console, before anyone can sign in.
func (s *Service) CreateSetupToken(ctx context.Context) (secret string, expiresAt time.Time, err error) {
	now := s.clock()
	expiresAt = now.Add(SetupTokenLife)
	secret = newSecret(SetupTokenPrefix)
	hash, _ := secretHash(SetupTokenPrefix, secret)
	ok, err := s.store.CreateSetupToken(ctx, hash, now, expiresAt)
	switch {
	case err != nil:
		return "", time.Time{}, err
	case !ok:
		return "", time.Time{}, errSetupDone()
	}
	return secret, expiresAt, nil
}

// CheckSetupToken reports whether setupToken would let CompleteSetup create
// the first administrator now, without using it up: the page of the link
// shows its form only then. It is EFORBIDDEN "setup_token_invalid" for a
// token unknown, used or expired, ECONFLICT "setup_done" once a user
// exists.
func (s *Service) CheckSetupToken(ctx context.Context, setupToken string) error {
	has, err := s.store.HasUsers(ctx)
	switch {
	case err != nil:
		return err
	case has:
		return errSetupDone()
	}
	hash, ok := secretHash(SetupTokenPrefix, setupToken)
	if !ok {
		return errSetupToken()
	}
	valid, err := s.store.SetupTokenValid(ctx, hash, s.clock())
	switch {
	case err != nil:
		return err
	case !valid:
		return errSetupToken()
	}
	return nil
}

// CompleteSetup creates the first user, an administrator whatever in.Role
// says, and consumes the setup token, in one transaction: a token works
// once, and only while no user exists (ECONFLICT "setup_done" after; a
// token unknown, used or expired is EFORBIDDEN "setup_token_invalid").
func (s *Service) CompleteSetup(ctx context.Context, setupToken string, in UserInput) (User, error) {
	hash, ok := secretHash(SetupTokenPrefix, setupToken)
	if !ok {
		return User{}, errSetupToken()
	}
	in.Role = srok.RoleAdmin
	in, err := validateUser(in)
	if err != nil {
		return User{}, err
	}
	var pw string
	if err := s.withHashSlot(ctx, func() { pw = hashPassword(in.Password, s.params) }); err != nil {
		return User{}, err
	}
	now := s.clock()
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Email: in.Email, Name: in.Name, Role: srok.RoleAdmin, Active: true,
		CreatedAt: now, UpdatedAt: now}
	outcome, err := s.store.CompleteSetup(ctx, hash, now, u, pw)
	switch {
	case err != nil:
		return User{}, err
	case outcome == SetupUsersExist:
		return User{}, errSetupDone()
	case outcome == SetupTokenInvalid:
		return User{}, errSetupToken()
	}
	return u, nil
}
