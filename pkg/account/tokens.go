package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// TokenPrefix starts every API token, so that a leaked one is recognised
// by secret scanners and by people.
const TokenPrefix = "srok_"

// secretLen is the entropy of a token, in bytes: 256 bits.
const secretLen = 32

// TouchInterval is how often at most a token's LastUsedAt is written:
// once a minute is precise enough to see which tokens are in use, and
// spares the database a write per request.
const TouchInterval = time.Minute

// newSecret returns prefix followed by 32 random bytes, base64url-encoded
// without padding.
func newSecret(prefix string) string {
	b := make([]byte, secretLen)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// secretHash returns the SHA-256 (hex) of a secret that has the prefix and
// the length of one made by newSecret, and false for anything else. A fast
// hash is right here: the secret has 256 random bits, so no dictionary
// helps, and the hash can be looked up by an index.
func secretHash(prefix, secret string) (string, bool) {
	rest, ok := strings.CutPrefix(secret, prefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(secretLen) {
		return "", false
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(rest); err != nil || len(b) != secretLen {
		return "", false
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:]), true
}

// errBadToken is the one answer to a token that does not authenticate,
// whatever is wrong with it.
func errBadToken() error {
	return srok.Errorf(srok.EUNAUTHENTICATED, "the API token is not valid: it is unknown, revoked or expired, or its user is disabled")
}

// createToken is CreateToken without its audit entry: creates an API token for the user with in.UserEmail and
// returns its secret, shown this once and never again. An administrator
// may create one for any user, a user for themselves. The scope may only
// narrow the user's role: an intake token needs a user who may register
// requests.
func (s *Service) createToken(ctx context.Context, in TokenInput) (secret string, t Token, err error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", Token{}, err
	}
	in, f := validateToken(in)
	var u User
	switch {
	case strings.TrimSpace(in.UserEmail) == "":
		f.Add("user", "is required: the email of the user the token acts for")
	case !mayManageTokensOfEmail(a, in.UserEmail):
		// Refused before the lookup, so that the answer does not tell
		// whether the email is a user's.
		return "", Token{}, srok.Errorf(srok.EFORBIDDEN, "only an administrator may create tokens for another user")
	default:
		if u, err = s.UserByEmail(ctx, in.UserEmail); err != nil {
			return "", Token{}, err
		}
		if !mayManageTokensOf(a, u.ID) {
			return "", Token{}, srok.Errorf(srok.EFORBIDDEN, "only an administrator may create tokens for another user")
		}
		if !u.Active {
			f.Add("user", "%s is disabled", u.Email)
		}
		if in.Scope == srok.ScopeIntake && !srok.Can(u.Role, srok.ScopeFull, srok.ActRequestCreate) {
			f.Add("scope", "an intake token registers requests, which the role %s of %s may not do", u.Role, u.Email)
		}
	}
	if err := f.Err(); err != nil {
		return "", Token{}, err
	}
	now := s.clock()
	t = Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, UserEmail: u.Email, Name: in.Name, Scope: in.Scope, CreatedAt: now}
	if in.ExpiresIn > 0 {
		exp := now.Add(in.ExpiresIn)
		t.ExpiresAt = &exp
	}
	secret = newSecret(TokenPrefix)
	hash, _ := secretHash(TokenPrefix, secret)
	trail, err := s.prepare(ctx, audit.ActionTokenCreate, "token "+t.ID+" scope "+scopeName(in.Scope), nil)
	if err != nil {
		return "", Token{}, err
	}
	if err := s.store.CreateToken(ctx, t, hash, trail); err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Tokens returns the tokens of the user with userEmail, or of every user
// for "", newest first; never their secrets. An administrator may list
// anyone's, a user their own.
func (s *Service) Tokens(ctx context.Context, userEmail string) ([]Token, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(userEmail) == "" {
		if !a.Can(srok.ActTokenManage) {
			return nil, srok.Errorf(srok.EFORBIDDEN, "only an administrator may list every user's tokens")
		}
		return s.store.Tokens(ctx, "")
	}
	if !mayManageTokensOfEmail(a, userEmail) {
		return nil, srok.Errorf(srok.EFORBIDDEN, "only an administrator may list another user's tokens")
	}
	u, err := s.UserByEmail(ctx, userEmail)
	if err != nil {
		return nil, err
	}
	if !mayManageTokensOf(a, u.ID) {
		return nil, srok.Errorf(srok.EFORBIDDEN, "only an administrator may list another user's tokens")
	}
	return s.store.Tokens(ctx, u.ID)
}

// revokeToken is RevokeToken without its audit entry: revokes the token with id: it stops working at once. An
// administrator may revoke anyone's, a user their own. Revoking a revoked
// token is not an error and keeps the first revocation's time; another
// user's token is ENOTFOUND for a user who is not an administrator.
func (s *Service) revokeToken(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	notFound := srok.Errorf(srok.ENOTFOUND, "no token with id %q", id)
	if _, err := uuid.Parse(id); err != nil {
		return notFound
	}
	t, err := s.store.Token(ctx, id)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		return notFound
	case err != nil:
		return err
	}
	if !mayManageTokensOf(a, t.UserID) {
		// Another user's token is not shown to exist.
		return notFound
	}
	trail, err := s.prepare(ctx, audit.ActionTokenRevoke, "token "+id, nil)
	if err != nil {
		return err
	}
	return s.store.RevokeToken(ctx, id, s.clock(), trail)
}

// AuthenticateToken returns the actor of an API token: its user's role,
// narrowed by the token's scope. The token and its user are read on every
// call, so that a revoked token, a disabled user or a changed role take
// effect at once. Whatever is wrong, the error is the same
// EUNAUTHENTICATED. LastUsedAt is written at most once per TouchInterval.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (srok.Actor, error) {
	hash, ok := secretHash(TokenPrefix, secret)
	if !ok {
		return srok.Actor{}, errBadToken()
	}
	now := s.clock()
	var t Token
	var u User
	e, gen, cached := s.cache.token(hash, now)
	if cached {
		t, u = e.t, e.u
	} else {
		// The lookup is by the hash of the secret, so its timing can tell
		// nothing about the secret itself.
		var err error
		t, u, err = s.store.TokenByHash(ctx, hash)
		switch {
		case srok.ErrorCode(err) == srok.ENOTFOUND:
			return srok.Actor{}, errBadToken()
		case err != nil:
			return srok.Actor{}, err
		}
		if t.Valid(now) && u.Active {
			if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= TouchInterval {
				if err := s.store.TouchToken(ctx, t.ID, now, now.Add(-TouchInterval)); err != nil {
					return srok.Actor{}, err
				}
			}
			s.cache.putToken(hash, cachedToken{t: t, u: u, at: now}, gen)
		}
	}
	if !t.Valid(now) || !u.Active {
		return srok.Actor{}, errBadToken()
	}
	return srok.Actor{
		ID:      "token:" + t.ID,
		Name:    t.Name + " (" + u.Name + ")",
		UserID:  u.ID,
		Email:   u.Email,
		Role:    u.Role,
		Scope:   t.Scope,
		TokenID: t.ID,
	}, nil
}
