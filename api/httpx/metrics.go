package httpx

import (
	"time"

	"github.com/labstack/echo/v4"
)

// HTTPObserver counts served requests (pkg/metrics implements it).
type HTTPObserver interface {
	// ObserveHTTP records a request of method on route, the template the
	// router matched ("" when none did), answered with status after d.
	ObserveHTTP(method, route string, status int, d time.Duration)
}

// Observe reports every request to o once its answer is written: the
// route template (c.Path(), such as /api/v1/requests/:id), never the path
// itself, whose values may be a subject's request id or name. It runs
// outside the access log and everything after it, so that requests the
// rate limit, the guard or the authentication refuse are counted with the
// status they got.
func Observe(o HTTPObserver) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			o.ObserveHTTP(c.Request().Method, c.Path(), c.Response().Status, time.Since(start))
			return nil
		}
	}
}
