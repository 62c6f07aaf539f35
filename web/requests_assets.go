package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"
)

// htmx is htmx.org 2.0.11 (BSD Zero Clause License), vendored from npm
// (`npm pack htmx.org@2.0.11`, its dist/htmx.min.js) and served from the
// binary: the pages refresh the overview with it, and work without it.
//
//go:embed static/htmx.min.js
var htmxFS embed.FS

// htmxPath is where htmx is served; htmxURL carries a digest of its
// content, so that browsers may keep it for a year.
const htmxPath = "/static/htmx.min.js"

var htmxJS, htmxURL = func() ([]byte, string) {
	b, err := htmxFS.ReadFile("static/htmx.min.js")
	if err != nil {
		panic(err) // embedded: it exists
	}
	sum := sha256.Sum256(b)
	return b, htmxPath + "?v=" + hex.EncodeToString(sum[:6])
}()

// htmx serves the vendored htmx.
func (s *server) htmx(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", htmxJS)
}
