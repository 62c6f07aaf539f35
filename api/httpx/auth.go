package httpx

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Authenticator turns credentials into the actor they stand for. Both are
// checked on every request against the database, so that a revoked token,
// a disabled user or a changed role takes effect at once.
type Authenticator interface {
	// AuthenticateToken returns the actor of an API token.
	AuthenticateToken(ctx context.Context, secret string) (srok.Actor, error)
	// SessionActor returns the actor of a signed-in user by id, for a
	// session opened at generation (SessionGenerationKey): EUNAUTHENTICATED
	// once the user's sessions were ended since.
	SessionActor(ctx context.Context, userID string, generation int64) (srok.Actor, error)
}

// SessionUserKey is the key of the signed-in user's id in a browser
// session. Nothing else about the user is kept there: the role is read
// anew on every request.
const SessionUserKey = "user_id"

// SessionGenerationKey is the key of the user's session generation
// (account.User.SessionGeneration) when the session was opened or its
// password changed in it: a password set or a disable since ends the
// session. A session without it (opened before it was kept) reads as 0.
const SessionGenerationKey = "generation"

// SessionOptions are the settings of the browser sessions.
type SessionOptions struct {
	// Store keeps the sessions server-side (the database), so that logging
	// out and disabling a user end them for good.
	Store scs.Store
	// IdleTimeout ends a session unused for that long; Lifetime ends any
	// session that long after sign-in.
	IdleTimeout, Lifetime time.Duration
	// Secure marks the cookie Secure: Srok is served over TLS.
	Secure bool
}

// NewSessions returns the session manager of the browser sessions: an
// HttpOnly, SameSite=Lax cookie naming a session kept in the database,
// whose token the database holds only hashed.
//
// The idle timeout is Identify's (Options.SessionIdle), not scs's: scs
// extends an idle timeout by writing the session at every request, a
// database write per page or API call; Identify writes the last use at
// most once a minute (or a quarter of the timeout).
func NewSessions(o SessionOptions) *scs.SessionManager {
	sm := scs.New()
	sm.Store = o.Store
	sm.Lifetime = o.Lifetime
	sm.HashTokenInStore = true
	sm.Cookie.Name = SessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = o.Secure
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		// The session store is the database: it is unavailable.
		w.Header().Set("Retry-After", "5")
		http.Error(w, "the session store is unavailable; try again shortly", http.StatusServiceUnavailable)
	}
	return sm
}

// sessionSeenKey holds when a session was last used (Unix nanoseconds).
const sessionSeenKey = "seen"

// Identify is the middleware that finds who is calling: an API token in
// "Authorization: Bearer …", else the user of the browser session. The
// actor and the client's address and user agent go into the request's
// context. An Authorization header that is not a valid token is a 401 at
// once; without credentials the request goes on anonymous, and Require
// refuses it where a route needs someone.
func Identify(a Authenticator, sessions *scs.SessionManager, idle time.Duration) echo.MiddlewareFunc {
	return identify(a, sessions, idle, nil)
}

// identify is Identify telling valid (when not nil) of every credential
// that proved valid: an API token, or a session that ends the request with
// a user signed in (a sign-in's new session included, so that the
// browser's next request is known at once).
func identify(a Authenticator, sessions *scs.SessionManager, idle time.Duration, valid func(secret string)) echo.MiddlewareFunc {
	if valid == nil {
		valid = func(string) {}
	}
	withSession := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if ctx := c.Request().Context(); sessions != nil && c.Request().Header.Get(echo.HeaderAuthorization) == "" {
				if tok := sessions.Token(ctx); tok != "" && sessions.GetString(ctx, SessionUserKey) != "" {
					valid(tok)
				}
			}
			return err
		}
	}
	touch := time.Minute
	if idle > 0 && idle/4 < touch {
		touch = idle / 4
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		next = withSession(next)
		return func(c echo.Context) error {
			ctx := audit.WithClient(c.Request().Context(), c.RealIP(), c.Request().UserAgent())
			c.SetRequest(c.Request().WithContext(ctx))
			if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
				scheme, secret, _ := strings.Cut(h, " ")
				if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
					return unauthenticated(c, "send an API token as Authorization: Bearer <token>")
				}
				actor, err := a.AuthenticateToken(ctx, strings.TrimSpace(secret))
				if err != nil {
					if srok.ErrorCode(err) == srok.EUNAUTHENTICATED {
						return unauthenticated(c, "the API token is not valid: it is unknown, revoked or expired, or its user is disabled")
					}
					return err
				}
				c.SetRequest(c.Request().WithContext(srok.WithActor(ctx, actor)))
				valid(h)
				return next(c)
			}
			if sessions != nil {
				if id := sessions.GetString(ctx, SessionUserKey); id != "" {
					now := time.Now()
					if seen := sessions.GetInt64(ctx, sessionSeenKey); seen > 0 && idle > 0 && now.Sub(time.Unix(0, seen)) >= idle {
						// Unused for too long: it ends, and the caller is anonymous.
						_ = sessions.Destroy(ctx)
						return next(c)
					} else if seen == 0 || now.Sub(time.Unix(0, seen)) >= touch {
						sessions.Put(ctx, sessionSeenKey, now.UnixNano())
					}
					actor, err := a.SessionActor(ctx, id, sessions.GetInt64(ctx, SessionGenerationKey))
					switch {
					case srok.ErrorCode(err) == srok.EUNAUTHENTICATED || srok.ErrorCode(err) == srok.ENOTFOUND:
						// Disabled, removed or given a new password since
						// sign-in: the session ends now.
						_ = sessions.Destroy(ctx)
					case err != nil:
						return err
					default:
						c.SetRequest(c.Request().WithContext(srok.WithActor(ctx, actor)))
					}
				}
			}
			return next(c)
		}
	}
}

// Require refuses a request without an actor: 401 with a problem that says
// how to sign in.
func Require(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := srok.ActorFrom(c.Request().Context()); !ok {
			return unauthenticated(c, "sign in (/login) or send an API token as Authorization: Bearer <token>")
		}
		return next(c)
	}
}

func unauthenticated(c echo.Context, msg string) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="srok"`)
	return &srok.Error{Code: srok.EUNAUTHENTICATED, Message: msg}
}

// CrossOrigin refuses state-changing browser requests that come from
// another site (CSRF): Go's http.CrossOriginProtection, which reads
// Sec-Fetch-Site and Origin. Requests from non-browser clients carry
// neither and pass; they authenticate with a token, which a forged
// cross-site request cannot hold.
func CrossOrigin() echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := cop.Check(c.Request()); err != nil {
				return &srok.Error{Code: srok.EFORBIDDEN, Reason: "cross_origin",
					Message: "a state-changing request from another site is refused (CSRF protection)", Cause: err}
			}
			return next(c)
		}
	}
}
