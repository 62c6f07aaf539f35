package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// OpenAPI is the OpenAPI 3 document of the REST API, served at
// /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Health is what /readyz asks: the database answers and its schema is the
// one this binary needs.
type Health interface {
	Ping(ctx context.Context) error
	CheckSchema(ctx context.Context) error
}

// Config is what the HTTP layer needs.
type Config struct {
	Register *register.Service
	Calendar *calendar.Calendar
	Health   Health
	Log      *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

type server struct {
	reg    *register.Service
	cal    *calendar.Calendar
	engine *deadlines.Engine
	health Health
	log    *slog.Logger
	now    func() time.Time
}

// New returns the HTTP handler of Srok: the REST API v1 under /api/v1, and
// /healthz and /readyz.
func New(cfg Config) *echo.Echo {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &server{reg: cfg.Register, cal: cfg.Calendar, engine: deadlines.New(cfg.Calendar), health: cfg.Health, log: cfg.Log, now: cfg.Now}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(cfg.Log)
	e.Use(requestID)
	e.Use(s.accessLog)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, DisableErrorHandler: false}))
	e.Use(headBody)
	e.Use(guard)

	get(e, "/healthz", s.healthz)
	get(e, "/readyz", s.readyz)

	// The actor middleware is set per route, not on the group: a group
	// middleware makes Echo answer 404 instead of 405 for a wrong method.
	v1 := e.Group("/api/v1")
	get(v1, "/openapi.yaml", s.openapi, s.authenticate)
	v1.POST("/requests", s.createRequest, s.authenticate)
	get(v1, "/requests", s.listRequests, s.authenticate)
	get(v1, "/requests/:id", s.getRequest, s.authenticate)
	v1.PATCH("/requests/:id", s.patchRequest, s.authenticate)
	v1.POST("/requests/:id/assign", s.assign, s.authenticate)
	v1.POST("/requests/:id/extend", s.extend, s.authenticate)
	v1.POST("/requests/:id/answer", s.answer, s.authenticate)
	v1.POST("/requests/:id/refuse", s.refuse, s.authenticate)
	v1.POST("/requests/:id/close", s.close, s.authenticate)
	v1.POST("/requests/:id/cancel", s.cancel, s.authenticate)
	v1.POST("/requests/:id/notes", s.addNote, s.authenticate)
	get(v1, "/requests/:id/timeline", s.timeline, s.authenticate)
	get(v1, "/dashboard", s.dashboard, s.authenticate)
	get(v1, "/calendar/:year", s.calendarYear, s.authenticate)
	v1.POST("/deadlines/preview", s.preview, s.authenticate)
	return e
}

// router is what routes are added to: the server or a group of it.
type router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// get routes GET and HEAD of path to h (RFC 9110: HEAD is GET without the
// body; monitors and load balancers send it).
func get(r router, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.GET(path, h, m...)
	r.HEAD(path, h, m...)
}

// authenticate puts the actor in the request's context. Until accounts
// exist every caller is the anonymous API client; handlers and the domain
// read the actor from the context only, so that accounts slot in here.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := srok.WithActor(c.Request().Context(), srok.Actor{ID: "anonymous", Name: "API client (accounts not enabled)"})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// accessLog logs one line per request: the route template, never the path
// values or the query (they may carry a subject's name or email).
func (s *server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
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
		s.log.LogAttrs(c.Request().Context(), lvl, "http",
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", st),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
		return nil
	}
}

func (s *server) healthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.health.Ping(ctx); err != nil {
		return srok.Unavailable(err)
	}
	if err := s.health.CheckSchema(ctx); err != nil {
		if srok.ErrorCode(err) == srok.EUNAVAILABLE {
			return err
		}
		return &srok.Error{Code: srok.EUNAVAILABLE, Reason: "schema_behind", Message: err.Error(), Cause: err}
	}
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
}
