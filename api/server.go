// Package api is Srok's REST API v1: its routes under /api/v1 with their
// handlers (a file per resource), the JSON shapes (shared with the command
// line) and the OpenAPI document. It mounts on the server of package httpx,
// which renders its errors.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
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

// Mount adds the REST API v1 under /api/v1, and /healthz and /readyz, to e
// (a server of httpx.New).
func Mount(e *echo.Echo, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &server{reg: cfg.Register, cal: cfg.Calendar, engine: deadlines.New(cfg.Calendar), health: cfg.Health, log: cfg.Log, now: cfg.Now}

	httpx.Get(e, "/healthz", s.healthz)
	httpx.Get(e, "/readyz", s.readyz)

	// The actor middleware is set per route, not on the group: a group
	// middleware makes Echo answer 404 instead of 405 for a wrong method.
	v1 := e.Group("/api/v1")
	httpx.Get(v1, "/openapi.yaml", s.openapi, s.authenticate)
	v1.POST("/requests", s.createRequest, s.authenticate)
	httpx.Get(v1, "/requests", s.listRequests, s.authenticate)
	httpx.Get(v1, "/requests/:id", s.getRequest, s.authenticate)
	v1.PATCH("/requests/:id", s.patchRequest, s.authenticate)
	v1.POST("/requests/:id/assign", s.assign, s.authenticate)
	v1.POST("/requests/:id/extend", s.extend, s.authenticate)
	v1.POST("/requests/:id/answer", s.answer, s.authenticate)
	v1.POST("/requests/:id/refuse", s.refuse, s.authenticate)
	v1.POST("/requests/:id/close", s.close, s.authenticate)
	v1.POST("/requests/:id/cancel", s.cancel, s.authenticate)
	v1.POST("/requests/:id/notes", s.addNote, s.authenticate)
	httpx.Get(v1, "/requests/:id/timeline", s.timeline, s.authenticate)
	httpx.Get(v1, "/dashboard", s.dashboard, s.authenticate)
	httpx.Get(v1, "/calendar/:year", s.calendarYear, s.authenticate)
	v1.POST("/deadlines/preview", s.preview, s.authenticate)
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

func (s *server) healthz(c echo.Context) error {
	return httpx.WriteJSON(c, http.StatusOK, map[string]string{"status": "alive"})
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
	return httpx.WriteJSON(c, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
}
