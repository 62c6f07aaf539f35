// Package srok holds what every part of Srok shares: the one error type with
// its codes, the actor of a change, and the roles with their one permission
// table. It imports nothing of Srok, nor Echo or GORM.
package srok

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an Error. The HTTP layer maps each code to one status, in
// one place (httpx.ErrorHandler, api/httpx/problem.go), for the API and the
// pages alike; the command line maps it to an exit code.
type Code string

// The error codes.
const (
	// EINVALID: the input is well-formed but wrong; Fields names what and
	// why (HTTP 422).
	EINVALID Code = "invalid"
	// EMALFORMED: the input cannot be read at all: a body that is not
	// JSON, an unknown field, a query parameter that does not parse (HTTP
	// 400). Fields names the field or parameter.
	EMALFORMED Code = "malformed"
	// ETOOLARGE: the input is larger than accepted (HTTP 413).
	ETOOLARGE Code = "too_large"
	// EUNSUPPORTED: the input comes in a form not accepted, such as a body
	// of another media type (HTTP 415).
	EUNSUPPORTED Code = "unsupported"
	// ETIMEOUT: the client took too long to send its request (HTTP 408).
	ETIMEOUT Code = "timeout"
	// EMETHOD: the resource exists but does not take this method (HTTP 405).
	EMETHOD Code = "method_not_allowed"
	// ENOTFOUND: the thing asked for does not exist.
	ENOTFOUND Code = "not_found"
	// ECONFLICT: the request cannot be done in the current state (a forbidden
	// status transition, an idempotency key reused with another body).
	ECONFLICT Code = "conflict"
	// EPRECONDITION: the client's version is stale (If-Match).
	EPRECONDITION Code = "precondition_failed"
	// EPRECONDITIONREQUIRED: a change that needs the version was sent without it.
	EPRECONDITIONREQUIRED Code = "precondition_required"
	// EUNAUTHENTICATED: nobody is signed in.
	EUNAUTHENTICATED Code = "unauthenticated"
	// EFORBIDDEN: the signed-in user may not do this.
	EFORBIDDEN Code = "forbidden"
	// ETOOMANY: the caller sends too much; try again later (HTTP 429).
	ETOOMANY Code = "too_many_requests"
	// EUNAVAILABLE: a dependency (the database) is down; try again later.
	EUNAVAILABLE Code = "unavailable"
	// EINTERNAL: a bug. Details are logged, never shown.
	EINTERNAL Code = "internal"
)

// FieldError names one offending field of the input and what is wrong with it.
type FieldError struct {
	// Field is the JSON name of the field, dotted for nested ones
	// ("subject.email"), or the query parameter or header.
	Field string `json:"field"`
	// Problem says what is wrong, in words a user can act on.
	Problem string `json:"problem"`
}

// Error is Srok's error: a code, a message safe to show to the user, the
// offending fields for EINVALID, and the underlying cause for the log.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// Reason is a stable, machine-readable refinement of the code, such as
	// "transition_forbidden" or "idempotency_key_reused"; it becomes the last
	// part of the problem type URI.
	Reason string
	// Cause is logged, never shown.
	Cause error
	// RetryAfter, for ETOOMANY and EUNAVAILABLE, is when to try again;
	// zero: a default.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an Error with code c and a formatted message.
func Errorf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the offending fields.
func Invalid(fields ...FieldError) *Error {
	msg := "the input is not valid"
	if len(fields) == 1 {
		msg = fields[0].Field + ": " + fields[0].Problem
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// Unavailable wraps a dependency failure as EUNAVAILABLE.
func Unavailable(cause error) *Error {
	return &Error{Code: EUNAVAILABLE, Message: "the database is not reachable; try again shortly", Cause: cause}
}

// ErrorCode returns the code of err: the code of the first Error in its
// chain, EINTERNAL for any other non-nil error, "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Fields collects field errors while validating; Err returns nil when none.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID error with the collected fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
