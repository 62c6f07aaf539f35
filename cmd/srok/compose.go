package main

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/srok/srok/api"
	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
)

// deps are the pieces the HTTP server is composed of.
type deps struct {
	store    *store.Store
	register *register.Service
	calendar *calendar.Calendar
	log      *slog.Logger
	now      func() time.Time
	limits   httpx.Limits
	proxies  []*net.IPNet
}

// compose builds Srok's HTTP handler: the shared server of httpx (its
// middleware and error rendering), with each part's routes mounted on it.
func compose(d deps) http.Handler {
	e := httpx.New(httpx.Options{Log: d.log, Limits: d.limits, TrustedProxies: d.proxies})
	api.Mount(e, api.Config{Register: d.register, Calendar: d.calendar, Health: d.store, Log: d.log, Now: d.now})
	return e
}
