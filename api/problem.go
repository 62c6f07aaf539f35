package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

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

// Reasons that turn an EINVALID into 400 (the request itself is malformed)
// instead of 422 (well-formed but not valid).
const (
	reasonMalformed    = "malformed_body"
	reasonBadParameter = "bad_parameter"
	reasonTooLarge     = "body_too_large"
	reasonMediaType    = "unsupported_media_type"
)

// status maps Srok's error codes to HTTP, in this one place.
func status(e *srok.Error) int {
	switch e.Code {
	case srok.EINVALID:
		switch e.Reason {
		case reasonMalformed, reasonBadParameter:
			return http.StatusBadRequest
		case reasonTooLarge:
			return http.StatusRequestEntityTooLarge
		case reasonMediaType:
			return http.StatusUnsupportedMediaType
		}
		return http.StatusUnprocessableEntity
	case srok.ENOTFOUND:
		return http.StatusNotFound
	case srok.ECONFLICT:
		if e.Reason == "method_not_allowed" {
			return http.StatusMethodNotAllowed
		}
		return http.StatusConflict
	case srok.EPRECONDITION:
		return http.StatusPreconditionFailed
	case srok.EPRECONDITIONREQUIRED:
		return http.StatusPreconditionRequired
	case srok.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case srok.EFORBIDDEN:
		return http.StatusForbidden
	case srok.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var titles = map[srok.Code]string{
	srok.EINVALID:              "The request is not valid",
	srok.ENOTFOUND:             "Not found",
	srok.ECONFLICT:             "Conflict with the current state",
	srok.EPRECONDITION:         "The version is stale",
	srok.EPRECONDITIONREQUIRED: "The version is required",
	srok.EUNAUTHENTICATED:      "Not signed in",
	srok.EFORBIDDEN:            "Forbidden",
	srok.EUNAVAILABLE:          "Temporarily unavailable",
	srok.EINTERNAL:             "Internal error",
}

// RetryAfter is the Retry-After of a 503, in seconds.
const RetryAfter = 5

// errorHandler writes every error as application/problem+json. Internal
// errors are logged with their cause and shown as a bare 500.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		e := toError(err)
		st := status(e)
		typ := "urn:srok:problem:" + string(e.Code)
		if e.Code == srok.EINVALID && e.Reason == "" {
			typ = "urn:srok:problem:validation"
		} else if e.Reason != "" {
			typ += ":" + e.Reason
		}
		title := titles[e.Code]
		if st == http.StatusMethodNotAllowed {
			title = "Method not allowed"
		}
		p := Problem{
			Type:      typ,
			Title:     title,
			Status:    st,
			Detail:    e.Message,
			Instance:  c.Request().URL.Path,
			Errors:    e.Fields,
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		}
		attrs := []any{"status", st, "code", string(e.Code), "route", c.Path(), "request_id", p.RequestID}
		switch {
		case st >= 500 && e.Code != srok.EUNAVAILABLE:
			p.Detail = "something went wrong on our side; it was logged with the request id"
			log.Error("request failed", append(attrs, "error", err.Error())...)
		case e.Code == srok.EUNAVAILABLE:
			c.Response().Header().Set("Retry-After", strconv.Itoa(RetryAfter))
			log.Warn("database unavailable", append(attrs, "error", errCause(e))...)
		}
		c.Response().Header().Set(echo.HeaderContentType, MediaProblem)
		c.Response().WriteHeader(st)
		if c.Request().Method == http.MethodHead {
			return
		}
		_ = jsonEncode(c.Response(), p)
	}
}

func errCause(e *srok.Error) string {
	if e.Cause != nil {
		return e.Cause.Error()
	}
	return e.Message
}

// toError turns any error into a srok.Error: Echo's own (unknown route,
// method not allowed, body too large) keep their status.
func toError(err error) *srok.Error {
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
			return &srok.Error{Code: srok.ECONFLICT, Reason: "method_not_allowed", Message: msg}
		case http.StatusRequestEntityTooLarge:
			return &srok.Error{Code: srok.EINVALID, Reason: reasonTooLarge, Message: "the body is larger than 1 MiB"}
		case http.StatusUnsupportedMediaType:
			return &srok.Error{Code: srok.EINVALID, Reason: reasonMediaType, Message: msg}
		case http.StatusServiceUnavailable:
			return &srok.Error{Code: srok.EUNAVAILABLE, Message: msg}
		case http.StatusUnauthorized:
			return &srok.Error{Code: srok.EUNAUTHENTICATED, Message: msg}
		case http.StatusForbidden:
			return &srok.Error{Code: srok.EFORBIDDEN, Message: msg}
		}
		if he.Code >= 400 && he.Code < 500 {
			return &srok.Error{Code: srok.EINVALID, Reason: reasonBadParameter, Message: msg}
		}
		return &srok.Error{Code: srok.EINTERNAL, Message: msg, Cause: err}
	}
	return &srok.Error{Code: srok.EINTERNAL, Message: "internal error", Cause: err}
}
