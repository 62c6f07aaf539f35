package httpx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/srok/srok/pkg/srok"
)

// contentSecurityPolicy allows only Srok's own scripts, styles and images:
// no inline script, no framing (clickjacking), no base or form target
// elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every answer carries. Answers are not
// cached: most carry a subject's personal data.
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if c.IsTLS() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// Limits bound what one client and all clients together may ask.
type Limits struct {
	// Rate is the sustained requests per second of one client, Burst how
	// many it may send at once; Rate 0 turns the per-client limit off.
	Rate  float64
	Burst int
	// InFlight bounds the requests served at once; 0: no bound. Callers
	// not known to be signed in (anonymous, or with a credential that
	// has not proved valid) share at most half of it.
	InFlight int
	// BodyTimeout is how long a caller not known to be signed in has to
	// send the first AnonymousBody bytes of its body; 0: DefaultBodyTimeout.
	BodyTimeout time.Duration
}

// DefaultBodyTimeout is the default of Limits.BodyTimeout: a sign-in form
// is a few hundred bytes, sent at once by any browser.
const DefaultBodyTimeout = 10 * time.Second

// AnonymousBody is how much of the body of a caller not known to be signed
// in is read, under Limits.BodyTimeout, before the handler runs: every
// form an anonymous caller may send is smaller (sign-in, first setup).
const AnonymousBody = 64 << 10

// readTimeout is http.Server's ReadTimeout (Timeouts): a 25 MiB email on a
// slow line.
const readTimeout = 60 * time.Second

// knownFor is how long a credential that proved valid counts as a
// signed-in caller's without proving it again.
const knownFor = 10 * time.Minute

// clients tells the callers known to be signed in from the rest, before
// any lookup of their credentials: it remembers, hashed, the API tokens and
// session cookies that proved valid lately (Identify tells it). A caller
// with any other credential — none, a wrong token, a random cookie — is
// known by its address only, so that sending a new credential with every
// request buys no new budget of the rate limit and no share of the
// capacity kept for signed-in users.
type clients struct {
	mu    sync.Mutex
	known map[string]time.Time // credential key → remembered until
	swept time.Time
}

func newClients() *clients { return &clients{known: map[string]time.Time{}} }

// credentialKey is a hash of c's bearer token or session cookie (the
// limiter holds no secret), or "" when it sends neither.
func credentialKey(c echo.Context) string {
	secret := c.Request().Header.Get(echo.HeaderAuthorization)
	if secret == "" {
		if ck, err := c.Cookie(SessionCookie); err == nil {
			secret = ck.Value
		}
	}
	if secret == "" {
		return ""
	}
	return secretKey(secret)
}

func secretKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "c:" + hex.EncodeToString(sum[:12])
}

// signedInKey is the context key of whether a request's credential is a
// known one (clients.classify).
const signedInKey = "srok.known_client"

// classify returns the key c's client is limited by, and whether it is a
// known signed-in caller: its credential's key when that proved valid
// lately, else its address (as SROK_TRUSTED_PROXIES lets Echo read it).
func (k *clients) classify(c echo.Context) (string, bool) {
	if v, ok := c.Get(signedInKey).(string); ok {
		return v, true
	}
	if key := credentialKey(c); key != "" {
		k.mu.Lock()
		until, ok := k.known[key]
		k.mu.Unlock()
		if ok && time.Now().Before(until) {
			c.Set(signedInKey, key)
			return key, true
		}
	}
	return "a:" + c.RealIP(), false
}

// remember records that a credential proved valid: an Authorization
// header's value, or a session cookie's.
func (k *clients) remember(credential string) {
	key := secretKey(credential)
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.known[key] = now.Add(knownFor)
	if now.Sub(k.swept) >= knownFor {
		// Only valid credentials are kept, so the map is as large as the
		// signed-in users and tokens in use; expired ones go now and then.
		for key, until := range k.known {
			if now.After(until) {
				delete(k.known, key)
			}
		}
		k.swept = now
	}
}

// rateLimit answers 429 with Retry-After to a client past its rate. A
// client known to be signed in is its API token or session, so that one
// integration cannot starve the others and a second token does not share
// the first one's budget; any other caller is its address, whatever
// credential it sends.
func (k *clients) rateLimit(l Limits) echo.MiddlewareFunc {
	if l.Rate <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := max(l.Burst, 1)
	retry := time.Duration(math.Ceil(float64(time.Second) / l.Rate))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(l.Rate), Burst: burst, ExpiresIn: 3 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) { key, _ := k.classify(c); return key, nil },
		ErrorHandler: func(c echo.Context, err error) error {
			return &srok.Error{Code: srok.ETOOMANY, Message: "the client could not be told apart", Cause: err}
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return &srok.Error{Code: srok.ETOOMANY, RetryAfter: retry,
				Message: "too many requests from this client: slow down and try again after the Retry-After seconds"}
		},
	})
}

// SessionCookie is the name of the browser session's cookie.
const SessionCookie = "srok_session"

// refuse answers a request past the bound without waiting for its body:
// the connection is closed after the 503 instead of being drained.
func refuse(c echo.Context) error {
	if r := c.Request(); r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		c.Response().Header().Set(echo.HeaderConnection, "close")
		_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
	}
	return errOverloaded()
}

// errOverloaded is the 503 of a full bound of requests in flight.
func errOverloaded() error {
	return &srok.Error{Code: srok.EUNAVAILABLE, Reason: reasonOverloaded, RetryAfter: time.Second,
		Message: "the server is serving as many requests as it can: try again after the Retry-After seconds"}
}

// inFlight answers 503 with Retry-After once l.InFlight requests are being
// served, instead of letting an overload grow memory without end. Callers
// not known to be signed in take at most half of the slots, so that slow
// or many anonymous requests (a sign-in form sent a byte a second) cannot
// shut out the signed-in users; the routes in exempt (liveness,
// readiness, metrics) are not held back at all, so that an overload is
// not mistaken for a dead instance. The body of a caller not known to be
// signed in is read here, under l.BodyTimeout, so that a slow one frees
// its slot with a 408.
func (k *clients) inFlight(l Limits, exempt []string) echo.MiddlewareFunc {
	free := map[string]bool{}
	for _, p := range exempt {
		free[p] = true
	}
	bodyTimeout := l.BodyTimeout
	if bodyTimeout <= 0 {
		bodyTimeout = DefaultBodyTimeout
	}
	var all, anonymous chan struct{}
	if l.InFlight > 0 {
		all, anonymous = make(chan struct{}, l.InFlight), make(chan struct{}, max(l.InFlight/2, 1))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if free[c.Path()] {
				return next(c)
			}
			_, known := k.classify(c)
			if all != nil && !known {
				select {
				case anonymous <- struct{}{}:
					defer func() { <-anonymous }()
				default:
					return refuse(c)
				}
			}
			if all != nil {
				select {
				case all <- struct{}{}:
					defer func() { <-all }()
				default:
					return refuse(c)
				}
			}
			if !known {
				if err := readEarly(c, bodyTimeout); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

// readEarly reads the first AnonymousBody bytes of c's body within d, and
// hands the handler the body as if unread. A client that sends them more
// slowly gets a 408 and its connection closed; the rest of a larger body
// is read under the server's ReadTimeout.
func readEarly(c echo.Context, d time.Duration) error {
	r := c.Request()
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	rc := http.NewResponseController(c.Response())
	if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return nil // not a network connection (tests): nothing to wait for
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, AnonymousBody))
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.Response().Header().Set(echo.HeaderConnection, "close")
			return &srok.Error{Code: srok.ETIMEOUT, Reason: reasonBodyTimeout, Cause: err,
				Message: fmt.Sprintf("the body did not arrive within %s: send it at once", d)}
		}
		return &srok.Error{Code: srok.EMALFORMED, Reason: reasonMalformed, Message: "the body could not be read", Cause: err}
	}
	if len(head) == AnonymousBody {
		_ = rc.SetReadDeadline(time.Now().Add(readTimeout))
	}
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	return nil
}

// readCloser reads from a reader and closes the request's own body.
type readCloser struct {
	io.Reader
	io.Closer
}

// Timeouts bound how long the server waits for a slow client, so that
// idle or slow connections cannot pile up (Slowloris).
func Timeouts(srv *http.Server) {
	srv.ReadHeaderTimeout = 10 * time.Second
	srv.ReadTimeout = readTimeout
	srv.WriteTimeout = 2 * time.Minute
	srv.IdleTimeout = 2 * time.Minute
	srv.MaxHeaderBytes = 64 << 10
}
