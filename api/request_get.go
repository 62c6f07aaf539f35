package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// writeRequest writes r with its version as the ETag.
func (s *server) writeRequest(c echo.Context, st int, r *register.Request) error {
	c.Response().Header().Set(echo.HeaderLastModified, r.UpdatedAt.UTC().Format(http.TimeFormat))
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(r.Version)))
	out := NewRequest(r, s.now())
	a, _ := srok.ActorFrom(c.Request().Context())
	out.Actions = NewActions(a, r)
	return httpx.WriteJSON(c, st, out)
}

// ifMatch reads the version from If-Match ("3", W/"3" or 3). present is
// false without the header; "*" matches any current version (RFC 9110
// section 13.1.1) and gives register.AnyVersion.
func ifMatch(c echo.Context) (version int, present bool, err error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		return register.AnyVersion, false, nil
	}
	if h == "*" {
		return register.AnyVersion, true, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.Atoi(h)
	if err != nil || v <= 0 {
		return 0, true, httpx.BadParam("If-Match", "must be the request's version from its ETag, such as \"3\", or *")
	}
	return v, true, nil
}

func (s *server) getRequest(c echo.Context) error {
	r, err := s.reg.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}
