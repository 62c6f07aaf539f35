package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The checks in this file run before any handler: every text that comes
// from outside and may reach SQL or the log — query parameters, path values,
// the headers Srok reads, request ids — is valid UTF-8 without control
// characters, or the request is refused with a 400 naming it. PostgreSQL
// refuses NUL and invalid UTF-8 (SQLSTATE 22021) and SQLite cuts a pattern
// at NUL, so neither may reach them.

// readHeaders are the request headers Srok reads and may store.
var readHeaders = []string{"Idempotency-Key", "If-Match", echo.HeaderContentType}

// Guard refuses a request whose query string cannot be parsed strictly, or
// whose query parameters, path values or read headers are not clean text.
func Guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := ParseQuery(c.Request().URL.RawQuery); err != nil {
			return err
		}
		for i, name := range c.ParamNames() {
			vals := c.ParamValues()
			if i >= len(vals) {
				break
			}
			v := vals[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			if p := TextProblem(v); p != "" {
				return BadParam(name, "%s", p)
			}
		}
		for _, h := range readHeaders {
			for _, v := range c.Request().Header.Values(h) {
				if p := TextProblem(v); p != "" {
					return BadParam(h, "%s", p)
				}
			}
		}
		return next(c)
	}
}

// ParseQuery parses a raw query string as application/x-www-form-urlencoded
// and refuses what url.ParseQuery would silently drop: a ';' in a pair (Go
// drops the whole pair, so "?status=closed;" would list every status), a
// malformed percent escape, and names or values that are not clean text.
func ParseQuery(raw string) (url.Values, error) { return parseValues(raw, false) }

// ParseFormText parses a form body as strictly as ParseQuery, but lets
// values hold the line breaks and tabs a textarea sends.
func ParseFormText(raw string) (url.Values, error) { return parseValues(raw, true) }

// multilineSpace is what a textarea's value may hold beside clean text.
var multilineSpace = strings.NewReplacer("\r", "", "\n", "", "\t", "")

func parseValues(raw string, multiline bool) (url.Values, error) {
	vals := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || TextProblem(key) != "" {
			return nil, BadParam("query", "a parameter name is not valid percent-encoded UTF-8 text")
		}
		if strings.Contains(k, ";") {
			return nil, BadParam(key, "contains ';': separate parameters with '&', and send a ';' in a value as %%3B")
		}
		if strings.Contains(v, ";") {
			return nil, BadParam(key, "contains ';': separate parameters with '&', and send a ';' in a value as %%3B")
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, BadParam(key, "is not valid percent-encoding")
		}
		check := val
		if multiline {
			check = multilineSpace.Replace(val)
		}
		if p := TextProblem(check); p != "" {
			return nil, BadParam(key, "%s", p)
		}
		vals[key] = append(vals[key], val)
	}
	return vals, nil
}

// TextProblem says what is wrong with s as text from outside, or "" when it
// is valid UTF-8 with no control characters.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if r == 0 {
			return "contains a NUL character"
		}
		if r < 0x20 || r == 0x7f {
			return "contains control characters"
		}
	}
	return ""
}

// maxRequestID is the longest X-Request-Id taken from a client.
const maxRequestID = 64

// RequestID gives every exchange an X-Request-Id: the client's own when it
// is a short id of safe characters (letters, digits, '-', '_', '.', ':'),
// else a new random one. A client's value is echoed and logged, so it must
// not carry an email address or fill the log.
func RequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !safeRequestID(id) {
			id = newRequestID()
			c.Request().Header.Set(echo.HeaderXRequestID, id)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func safeRequestID(s string) bool {
	if s == "" || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// HeadBody drops the body of a HEAD answer: HEAD is served by the GET
// handler (load balancers and monitors use it), with the same headers.
func HeadBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodHead {
			c.Response().Writer = headWriter{c.Response().Writer}
		}
		return next(c)
	}
}

type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap lets http.ResponseController reach the connection.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
