package account

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// errWrongPassword is the one answer to a failed sign-in, whatever failed:
// telling an unknown email from a wrong password or a disabled account
// would let anyone find out who works with the register.
func errWrongPassword() error {
	return srok.Errorf(srok.EUNAUTHENTICATED, "wrong email or password")
}

// errNoUser is the answer for an email no user has.
func errNoUser(email string) error {
	return srok.Errorf(srok.ENOTFOUND, "no user with email %q", email)
}

// lower is the form emails are compared in.
func lower(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// createUser is CreateUser without its audit entry: creates a user with a password. The actor must be allowed to
// manage users. An email taken in any letter case is ECONFLICT with reason
// "email_taken".
func (s *Service) createUser(ctx context.Context, in UserInput) (User, error) {
	if _, err := mayManageUsers(ctx); err != nil {
		return User{}, err
	}
	in, err := validateUser(in)
	if err != nil {
		return User{}, err
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash = hashPassword(in.Password, s.params) }); err != nil {
		return User{}, err
	}
	now := s.clock()
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Email: in.Email, Name: in.Name, Role: in.Role, Active: true,
		CreatedAt: now, UpdatedAt: now}
	trail, err := s.prepare(ctx, audit.ActionUserCreate, "user "+u.ID+" role "+string(in.Role), nil)
	if err != nil {
		return User{}, err
	}
	if err := s.store.CreateUser(ctx, u, hash, trail); err != nil {
		return User{}, err
	}
	return u, nil
}

// Users returns every user, active or not, ordered by email. The actor
// must be allowed to manage users.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	if _, err := mayManageUsers(ctx); err != nil {
		return nil, err
	}
	return s.store.Users(ctx)
}

// UserByEmail returns the user with email in any letter case (ENOTFOUND).
// It does not check the actor: it serves sign-in and the display of who
// did what; the caller decides who may see the result.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	u, _, err := s.store.UserByEmail(ctx, lower(email))
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		return User{}, errNoUser(email)
	}
	return u, err
}

// UserByID returns the user with id (ENOTFOUND). Like UserByEmail, it does
// not check the actor.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return User{}, srok.Errorf(srok.ENOTFOUND, "no user with id %q", id)
	}
	u, err := s.store.UserByID(ctx, id)
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		return User{}, srok.Errorf(srok.ENOTFOUND, "no user with id %q", id)
	}
	return u, err
}

// disableUser is DisableUser without its audit entry: disables the user with email: they can no longer sign in,
// and their sessions and tokens stop working at the next request (152-FZ
// art. 19 part 2 item 8: access ends when the need for it does). The actor
// must be allowed to manage users. Disabling a disabled user is not an
// error: changed is false then.
func (s *Service) disableUser(ctx context.Context, email string) (changed bool, err error) {
	if _, err := mayManageUsers(ctx); err != nil {
		return false, err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	if !u.Active {
		return false, nil
	}
	trail, err := s.prepare(ctx, audit.ActionUserDisable, "", []string{"active"})
	if err != nil {
		return false, err
	}
	if err := s.store.SetUserActive(ctx, u.ID, false, s.clock(), trail); err != nil {
		return false, err
	}
	return true, nil
}

// setPassword is SetPassword without its audit entry: replaces the password of the user with email and ends every
// session of theirs. The actor must be allowed to manage users.
func (s *Service) setPassword(ctx context.Context, email, password string) error {
	if _, err := mayManageUsers(ctx); err != nil {
		return err
	}
	if p := checkPasswordRules(password); p != "" {
		return srok.Invalid(srok.FieldError{Field: "password", Problem: p})
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash = hashPassword(password, s.params) }); err != nil {
		return err
	}
	trail, err := s.prepare(ctx, audit.ActionUserPassword, "", []string{"password"})
	if err != nil {
		return err
	}
	_, err = s.store.SetPasswordHash(ctx, u.ID, hash, s.clock(), true, trail)
	return err
}

// CheckPassword returns the active user with email and password. Whatever
// is wrong (no such email, a wrong password, a disabled user) it returns
// the same EUNAUTHENTICATED error after the same work: an unknown email is
// checked against a dummy hash, so that the time taken does not tell
// whether the email exists. A hash made with other parameters than the
// service's is replaced by a new one on success.
func (s *Service) CheckPassword(ctx context.Context, email, password string) (User, error) {
	// The dummy is made on the first call, whatever the email, so that
	// its cost does not single out the first unknown one.
	dummy := s.dummy.get(s.params)
	u, stored, err := s.store.UserByEmail(ctx, lower(email))
	found := err == nil
	if err != nil && srok.ErrorCode(err) != srok.ENOTFOUND {
		return User{}, err
	}
	if !found {
		stored = dummy
	}
	var ok bool
	var params PasswordParams
	if err := s.withHashSlot(ctx, func() { ok, params = verifyPassword(password, stored) }); err != nil {
		return User{}, err
	}
	if !found || !ok || !u.Active {
		return User{}, errWrongPassword()
	}
	if params != s.params {
		var hash string
		if err := s.withHashSlot(ctx, func() { hash = hashPassword(password, s.params) }); err != nil {
			return User{}, err
		}
		// The same password in a new hash: the sessions stay.
		if _, err := s.store.SetPasswordHash(ctx, u.ID, hash, s.clock(), false, nil); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// SessionActor returns the actor of the active user with id, for a browser
// session that holds the user's id and the session generation it was
// opened at (0 for a session that holds none). It reads the user on every
// call, so that a disabled user's sessions stop at once and a changed role
// takes effect at the next request; an unknown or disabled user, or a
// session whose generation is not the user's (the password was set or the
// user disabled since: 152-FZ art. 19 part 2 item 8), is EUNAUTHENTICATED.
func (s *Service) SessionActor(ctx context.Context, userID string, generation int64) (srok.Actor, error) {
	now := s.clock()
	u, gen, cached := s.cache.user(userID, now)
	if !cached || !u.Active {
		var err error
		u, err = s.UserByID(ctx, userID)
		if err == nil && u.Active {
			s.cache.putUser(u, now, gen)
		}
		switch {
		case srok.ErrorCode(err) == srok.ENOTFOUND:
			return srok.Actor{}, errSessionEnded()
		case err != nil:
			return srok.Actor{}, err
		}
	}
	if !u.Active || u.SessionGeneration != generation {
		return srok.Actor{}, errSessionEnded()
	}
	return s.ActorOf(u), nil
}

// errSessionEnded is the answer to a session that no longer stands for its
// user.
func errSessionEnded() error {
	return srok.Errorf(srok.EUNAUTHENTICATED, "your session has ended: sign in again")
}
