package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
)

func (s *server) createRequest(c echo.Context) error {
	var in register.Input
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	var key *register.IdempotencyKey
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" {
		if len(k) > 255 || strings.IndexFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
			return httpx.BadParam("Idempotency-Key", "must be 1 to 255 visible ASCII characters, such as a UUID")
		}
		// The body is hashed as decoded, so that spacing does not matter.
		canon, _ := json.Marshal(in)
		sum := sha256.Sum256(canon)
		key = &register.IdempotencyKey{Key: k, BodyHash: hex.EncodeToString(sum[:])}
	}
	r, replayed, err := s.reg.Create(c.Request().Context(), in, key)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+r.ID)
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return s.writeRequest(c, http.StatusCreated, r)
}
