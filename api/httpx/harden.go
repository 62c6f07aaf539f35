package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
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
	// InFlight bounds the requests served at once; 0: no bound.
	InFlight int
}

// RateLimit answers 429 with Retry-After to a client past its rate. A
// client is its API token or session cookie (hashed: the limiter holds no
// secret), else its address, so that one integration cannot starve the
// others and a second token does not share the first one's budget.
func RateLimit(l Limits) echo.MiddlewareFunc {
	if l.Rate <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := max(l.Burst, 1)
	retry := time.Duration(math.Ceil(float64(time.Second) / l.Rate))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(l.Rate), Burst: burst, ExpiresIn: 3 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return ClientKey(c), nil },
		ErrorHandler: func(c echo.Context, err error) error {
			return &srok.Error{Code: srok.ETOOMANY, Message: "the client could not be told apart", Cause: err}
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return &srok.Error{Code: srok.ETOOMANY, RetryAfter: retry,
				Message: "too many requests from this client: slow down and try again after the Retry-After seconds"}
		},
	})
}

// ClientKey names the client of c for limits: a hash of its bearer token
// or session cookie, else its address.
func ClientKey(c echo.Context) string {
	secret := c.Request().Header.Get(echo.HeaderAuthorization)
	if secret == "" {
		if ck, err := c.Cookie(SessionCookie); err == nil {
			secret = ck.Value
		}
	}
	if secret != "" {
		sum := sha256.Sum256([]byte(secret))
		return "c:" + hex.EncodeToString(sum[:12])
	}
	return "a:" + c.RealIP()
}

// SessionCookie is the name of the browser session's cookie.
const SessionCookie = "srok_session"

// InFlight answers 503 with Retry-After once l.InFlight requests are being
// served, instead of letting an overload grow memory without end.
func InFlight(l Limits) echo.MiddlewareFunc {
	if l.InFlight <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	slots := make(chan struct{}, l.InFlight)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
				return next(c)
			default:
				return &srok.Error{Code: srok.EUNAVAILABLE, Reason: "overloaded", RetryAfter: time.Second,
					Message: "the server is serving as many requests as it can: try again after the Retry-After seconds"}
			}
		}
	}
}

// Timeouts bound how long the server waits for a slow client, so that
// idle or slow connections cannot pile up (Slowloris).
func Timeouts(srv *http.Server) {
	srv.ReadHeaderTimeout = 10 * time.Second
	srv.ReadTimeout = 60 * time.Second // a 25 MiB email on a slow line
	srv.WriteTimeout = 2 * time.Minute
	srv.IdleTimeout = 2 * time.Minute
	srv.MaxHeaderBytes = 64 << 10
}
