// Package httpx is the HTTP plumbing Srok's HTTP parts share: the Echo
// server they mount their routes on, its middleware (request ids, the
// access log, the input guard, HEAD), the one error handler that renders
// every srok.Error as application/problem+json (RFC 9457), and the reading
// of request bodies. The REST API (package api) and the browser pages mount
// their routes on the server New returns; cmd/srok composes them.
package httpx

import (
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/srok/srok/pkg/srok"
)

// Options are the settings of the server New builds.
type Options struct {
	Log    *slog.Logger
	Limits Limits
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For names the client; without them the client is the
	// connection's peer (a client cannot pose as another address).
	TrustedProxies []*net.IPNet
	// Auth finds the caller of each request (Identify); Sessions are the
	// browser sessions. Without Auth every request is anonymous, and
	// routes with Require answer 401.
	Auth     Authenticator
	Sessions *scs.SessionManager
	// SessionIdle ends a browser session unused for that long (0: never).
	SessionIdle time.Duration
	// Public are the route paths (as registered, "/healthz") where nobody
	// is identified: they answer anyone, and must keep answering when
	// credentials are stale or the database is down.
	Public []string
	// Health are the route paths of liveness, readiness and metrics: the
	// bound on requests in flight does not hold them back, so that a load
	// balancer does not take an overloaded instance for a dead one.
	Health []string
	// Metrics counts every request by route template, status and latency
	// (nil: not counted).
	Metrics HTTPObserver
}

// New returns the Echo server every route of Srok is mounted on, with the
// shared middleware: a request id, one access-log line per request, panic
// recovery, security headers, the per-client rate limit and the bound on
// requests in flight (both of which tell the callers Identify found signed
// in from the rest), HEAD served by GET handlers, the input guard, the
// refusal of cross-site state changes (CSRF), the browser session and the
// caller's identity (Identify).
func New(o Options) *echo.Echo {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(log)
	e.IPExtractor = echo.ExtractIPDirect()
	if len(o.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range o.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Use(RequestID)
	if o.Metrics != nil {
		e.Use(Observe(o.Metrics))
	}
	e.Use(AccessLog(log))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))
	e.Use(SecurityHeaders)
	known := newClients()
	e.Use(known.rateLimit(o.Limits))
	e.Use(known.inFlight(o.Limits, o.Health))
	e.Use(HeadBody)
	e.Use(CrossOrigin())
	if o.Sessions != nil {
		e.Use(echo.WrapMiddleware(o.Sessions.LoadAndSave))
	}
	public := map[string]bool{}
	for _, p := range o.Public {
		public[p] = true
	}
	if o.Auth != nil {
		identify := identify(o.Auth, o.Sessions, o.SessionIdle, known.remember)
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			withIdentity := identify(next)
			return func(c echo.Context) error {
				if public[c.Path()] {
					return next(c)
				}
				return withIdentity(c)
			}
		})
	}
	// After identification: an API route that needs a signed-in caller
	// answers an anonymous one 401 before its input is looked at.
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		guarded := Guard(next)
		return func(c echo.Context) error {
			if o.Auth != nil && strings.HasPrefix(c.Path(), "/api/") && !public[c.Path()] {
				if _, ok := srok.ActorFrom(c.Request().Context()); !ok {
					return next(c)
				}
			}
			return guarded(c)
		}
	})
	return e
}

// Router is what routes are added to: the server or a group of it.
type Router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// Get routes GET and HEAD of path to h (RFC 9110: HEAD is GET without the
// body; monitors and load balancers send it).
func Get(r Router, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.GET(path, h, m...)
	r.HEAD(path, h, m...)
}

// AccessLog logs one line per request: the route template, never the path
// values or the query (they may carry a subject's name or email).
func AccessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			st := c.Response().Status
			lvl := slog.LevelInfo
			if st >= 500 {
				lvl = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), lvl, "http",
				slog.String("method", c.Request().Method),
				slog.String("route", c.Path()),
				slog.Int("status", st),
				slog.Int64("bytes", c.Response().Size),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
			return nil
		}
	}
}
