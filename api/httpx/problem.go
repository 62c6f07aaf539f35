package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
)

// Problem is an error response body (RFC 9457, application/problem+json).
type Problem struct {
	// Type is a stable URN naming the kind of problem, such as
	// urn:srok:problem:validation or urn:srok:problem:conflict:transition_forbidden.
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Detail says what went wrong in words a user can act on.
	Detail string `json:"detail"`
	// Instance is the path of the request that failed.
	Instance string `json:"instance,omitempty"`
	// Errors lists the offending fields of a validation problem.
	Errors []srok.FieldError `json:"errors,omitempty"`
	// RequestID is the X-Request-Id of the failed request, for support.
	RequestID string `json:"request_id,omitempty"`
}

// MediaProblem is the media type of Problem.
const MediaProblem = "application/problem+json"

// Status maps Srok's error codes to HTTP, in this one place. The code
// alone decides: 400 for input that cannot be read, 422 for input that is
// read but not valid.
func Status(e *srok.Error) int {
	switch e.Code {
	case srok.EINVALID:
		return http.StatusUnprocessableEntity
	case srok.EMALFORMED:
		return http.StatusBadRequest
	case srok.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case srok.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case srok.EMETHOD:
		return http.StatusMethodNotAllowed
	case srok.ETIMEOUT:
		return http.StatusRequestTimeout
	case srok.ENOTFOUND:
		return http.StatusNotFound
	case srok.ECONFLICT:
		return http.StatusConflict
	case srok.EPRECONDITION:
		return http.StatusPreconditionFailed
	case srok.EPRECONDITIONREQUIRED:
		return http.StatusPreconditionRequired
	case srok.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case srok.EFORBIDDEN:
		return http.StatusForbidden
	case srok.ETOOMANY:
		return http.StatusTooManyRequests
	case srok.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problemFamily is the code's part of a problem type URN. The codes that
// split "invalid" by HTTP status keep the URNs API v1 published
// (urn:srok:problem:invalid:malformed_body, …:conflict:method_not_allowed).
var problemFamily = map[srok.Code]string{
	srok.EMALFORMED:   string(srok.EINVALID),
	srok.ETOOLARGE:    string(srok.EINVALID),
	srok.EUNSUPPORTED: string(srok.EINVALID),
	srok.EMETHOD:      string(srok.ECONFLICT),
}

// ProblemType is the stable URN of an error's problem type.
func ProblemType(e *srok.Error) string {
	family, ok := problemFamily[e.Code]
	if !ok {
		family = string(e.Code)
	}
	if e.Code == srok.EINVALID && e.Reason == "" {
		return "urn:srok:problem:validation"
	}
	if e.Reason != "" {
		return "urn:srok:problem:" + family + ":" + e.Reason
	}
	return "urn:srok:problem:" + family
}

var titles = map[srok.Code]string{
	srok.EINVALID:              "The request is not valid",
	srok.EMALFORMED:            "The request is not valid",
	srok.ETOOLARGE:             "The request is not valid",
	srok.EUNSUPPORTED:          "The request is not valid",
	srok.EMETHOD:               "Method not allowed",
	srok.ETIMEOUT:              "The request was too slow",
	srok.ETOOMANY:              "Too many requests",
	srok.ENOTFOUND:             "Not found",
	srok.ECONFLICT:             "Conflict with the current state",
	srok.EPRECONDITION:         "The version is stale",
	srok.EPRECONDITIONREQUIRED: "The version is required",
	srok.EUNAUTHENTICATED:      "Not signed in",
	srok.EFORBIDDEN:            "Forbidden",
	srok.EUNAVAILABLE:          "Temporarily unavailable",
	srok.EINTERNAL:             "Internal error",
}

// Reasons: the last part of the problem type URN of Srok's own input errors.
const (
	reasonMalformed    = "malformed_body"
	reasonBadParameter = "bad_parameter"
	reasonTooLarge     = "body_too_large"
	reasonMediaType    = "unsupported_media_type"
	reasonBodyTimeout  = "body_timeout"
	reasonOverloaded   = "overloaded"
)

// RetryAfter is the default Retry-After of a 503 or 429, in seconds.
const RetryAfter = 5

// ErrorHandler writes every error as application/problem+json. Internal
// errors are logged with their cause and shown as a bare 500.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return errorHandler(log, nil)
}

// PageError is an error as a page shows it to a person in a browser.
type PageError struct {
	// Status is the HTTP status of the answer, decided by Status.
	Status int
	// Code and Reason are the error's (srok.Error); Reason is "" when
	// none, "cross_origin" for a refused cross-site form, "overloaded" for
	// a full bound on requests in flight.
	Code   srok.Code
	Reason string
	// RetryAfter is the Retry-After sent, in seconds; 0 when none.
	RetryAfter int
	// RequestID is the X-Request-Id, under which a 500 is logged.
	RequestID string
}

// ErrorPage renders e as a page (text/html) with status e.Status; the
// headers the error needs (Retry-After) are set already. An error it
// returns (a template that fails) sends the problem+json instead.
type ErrorPage func(c echo.Context, e PageError) error

// RenderPages makes the error handler of e (a server of New, whose log is
// log) answer the requests of browser pages (WantsPage) with page, and
// every other as application/problem+json: the errors raised by the shared
// middleware (rate limit, in-flight bound, slow body, CSRF, guard, unknown
// route) then reach a person as a page with the same status.
func RenderPages(e *echo.Echo, log *slog.Logger, page ErrorPage) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e.HTTPErrorHandler = errorHandler(log, page)
}

// machinePaths are the paths outside /api/ that programs, not people,
// read: their errors stay problem+json whatever they accept.
var machinePaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// WantsPage reports whether the error of c's request goes to a person in a
// browser: a path outside the REST API (/api/) and the probes (/healthz,
// /readyz, /metrics), asked for by a client that accepts text/html.
func WantsPage(c echo.Context) bool {
	r := c.Request()
	path := r.URL.Path
	if path == "/api" || strings.HasPrefix(path, "/api/") || machinePaths[path] {
		return false
	}
	for _, v := range r.Header.Values(echo.HeaderAccept) {
		for _, part := range strings.Split(v, ",") {
			media, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(media), "text/html") {
				continue
			}
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue // text/html;q=0: anything but
				}
			}
			return true
		}
	}
	return false
}

func errorHandler(log *slog.Logger, page ErrorPage) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		e := ToError(err)
		st := Status(e)
		p := Problem{
			Type:      ProblemType(e),
			Title:     titles[e.Code],
			Status:    st,
			Detail:    e.Message,
			Instance:  c.Request().URL.Path,
			Errors:    e.Fields,
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		}
		retry := 0
		attrs := []any{"status", st, "code", string(e.Code), "route", c.Path(), "request_id", p.RequestID}
		switch {
		case st >= 500 && e.Code != srok.EUNAVAILABLE:
			p.Detail = "something went wrong on our side; it was logged with the request id"
			log.Error("request failed", append(attrs, "error", err.Error())...)
		case e.Code == srok.ETOOMANY:
			// A client past its rate is its own affair, not the server's.
			retry = retryAfter(e)
			log.Info("rate limited", attrs...)
		case e.Code == srok.EUNAVAILABLE && e.Reason == reasonOverloaded:
			retry = retryAfter(e)
			log.Warn("overloaded: the bound on requests in flight is full", attrs...)
		case e.Code == srok.EUNAVAILABLE:
			retry = retryAfter(e)
			log.Error("unavailable", append(attrs, "error", errCause(e))...)
		case e.Code == srok.ETIMEOUT:
			log.Info("request body too slow", attrs...)
		}
		if retry > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retry))
		}
		if page != nil && WantsPage(c) {
			pe := PageError{Status: st, Code: e.Code, Reason: e.Reason, RetryAfter: retry, RequestID: p.RequestID}
			if c.Request().Method == http.MethodHead {
				c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
				c.Response().WriteHeader(st)
				return
			}
			perr := page(c, pe)
			if perr == nil || c.Response().Committed {
				return
			}
			log.Error("error page failed", append(attrs, "error", perr.Error())...)
		}
		c.Response().Header().Set(echo.HeaderContentType, MediaProblem)
		c.Response().WriteHeader(st)
		if c.Request().Method == http.MethodHead {
			return
		}
		_ = JSONEncode(c.Response(), p)
	}
}

func errCause(e *srok.Error) string {
	if e.Cause != nil {
		return e.Cause.Error()
	}
	return e.Message
}

// retryAfter is the Retry-After of a 503 or 429, in seconds.
func retryAfter(e *srok.Error) int {
	if e.RetryAfter > 0 {
		return int((e.RetryAfter + time.Second - 1) / time.Second)
	}
	return RetryAfter
}

// ToError turns any error into a srok.Error: Echo's own (unknown route,
// method not allowed, body too large) keep their status.
func ToError(err error) *srok.Error {
	var se *srok.Error
	if errors.As(err, &se) {
		return se
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		switch he.Code {
		case http.StatusNotFound:
			return &srok.Error{Code: srok.ENOTFOUND, Message: "no such resource: see /api/v1/openapi.yaml"}
		case http.StatusMethodNotAllowed:
			return &srok.Error{Code: srok.EMETHOD, Reason: "method_not_allowed", Message: msg}
		case http.StatusRequestEntityTooLarge:
			return &srok.Error{Code: srok.ETOOLARGE, Reason: reasonTooLarge, Message: "the body is too large"}
		case http.StatusUnsupportedMediaType:
			return &srok.Error{Code: srok.EUNSUPPORTED, Reason: reasonMediaType, Message: msg}
		case http.StatusServiceUnavailable:
			return &srok.Error{Code: srok.EUNAVAILABLE, Message: msg}
		case http.StatusUnauthorized:
			return &srok.Error{Code: srok.EUNAUTHENTICATED, Message: msg}
		case http.StatusForbidden:
			return &srok.Error{Code: srok.EFORBIDDEN, Message: msg}
		case http.StatusTooManyRequests:
			return &srok.Error{Code: srok.ETOOMANY, Message: msg}
		}
		if he.Code >= 400 && he.Code < 500 {
			return &srok.Error{Code: srok.EMALFORMED, Reason: reasonBadParameter, Message: msg}
		}
		return &srok.Error{Code: srok.EINTERNAL, Message: msg, Cause: err}
	}
	return &srok.Error{Code: srok.EINTERNAL, Message: "internal error", Cause: err}
}
