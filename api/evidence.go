package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// evidence streams a request's evidence pack (package evidence): its
// email, its timeline, its audit and a manifest of SHA-256 sums, as a zip.
// The pack is recorded in the audit trail before the first byte.
func (s *server) evidence(c echo.Context) error {
	if err := onlyParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.packer == nil {
		return srok.Errorf(srok.EUNAVAILABLE, "evidence packs are not configured")
	}
	return serveEvidence(c, s.packer, c.Param("id"))
}

// serveEvidence writes the evidence pack of the request with id to c's
// response. An error before the first
// byte (a refusal, an unknown request) is returned for the caller to
// answer; one in the middle can only cut the zip short.
func serveEvidence(c echo.Context, p *evidence.Packer, id string) error {
	res := c.Response()
	begin := func(r *register.Request) error {
		h := res.Header()
		h.Set(echo.HeaderContentType, "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+evidence.FileName(r.Number)+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		res.WriteHeader(http.StatusOK)
		return nil
	}
	return p.Write(c.Request().Context(), id, begin, res)
}
