package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
)

// MaxBody is the largest request body accepted: 1 MiB.
const MaxBody = 1 << 20

// readBody reads the whole body of c, at most MaxBody bytes, after checking
// that it is JSON.
func readBody(c echo.Context, mediaTypes ...string) ([]byte, error) {
	if len(mediaTypes) == 0 {
		mediaTypes = []string{echo.MIMEApplicationJSON}
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !contains(mediaTypes, mt) {
		return nil, &srok.Error{Code: srok.EINVALID, Reason: reasonMediaType,
			Message: fmt.Sprintf("send the body as %s", strings.Join(mediaTypes, " or ")),
			Fields:  []srok.FieldError{{Field: "Content-Type", Problem: fmt.Sprintf("%q is not %s", ct, strings.Join(mediaTypes, " or "))}}}
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &srok.Error{Code: srok.EINVALID, Reason: reasonTooLarge, Message: "the body is larger than 1 MiB"}
		}
		return nil, &srok.Error{Code: srok.EINVALID, Reason: reasonMalformed, Message: "the body could not be read", Cause: err}
	}
	return b, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeStrict decodes b into v: unknown fields, wrong types, trailing data
// and an empty body are errors naming the field.
func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return malformed("", "the body is empty: send a JSON object")
	}
	// encoding/json names an unknown field without its path; find it first.
	var doc any
	if err := json.Unmarshal(b, &doc); err == nil {
		if field := unknownField(reflect.TypeOf(v), doc, ""); field != "" {
			return malformed(field, "is not a known field")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return malformed("", "the body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("", "the body has data after the JSON object")
	}
	return nil
}

// unknownField returns the dotted path of the first key of doc that the
// struct type t has no field for, or "".
func unknownField(t reflect.Type, doc any, prefix string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	obj, ok := doc.(map[string]any)
	if !ok || t.Kind() != reflect.Struct {
		return ""
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			return prefix + k
		}
		if f := unknownField(ft, obj[k], prefix+k+"."); f != "" {
			return f
		}
	}
	return ""
}

// jsonError turns a decoding error into a 400 naming the field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return malformed("", fmt.Sprintf("the body must be a JSON object, not %s", te.Value))
		}
		return malformed(field, fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return malformed("", fmt.Sprintf("the body is not valid JSON (at byte %d): %v", se.Offset, se))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return malformed("", "the body is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return malformed(name, "is not a known field")
	}
	return malformed("", "the body is not valid JSON: "+err.Error())
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64":
		return "a number"
	case "struct", "map", "ptr":
		return "an object"
	case "slice":
		return "an array"
	}
	return "a " + k
}

func malformed(field, problem string) error {
	e := &srok.Error{Code: srok.EINVALID, Reason: reasonMalformed, Message: problem}
	if field != "" {
		e.Fields = []srok.FieldError{{Field: field, Problem: problem}}
		e.Message = field + ": " + problem
	}
	return e
}

func badParam(field, format string, args ...any) error {
	p := fmt.Sprintf(format, args...)
	return &srok.Error{Code: srok.EINVALID, Reason: reasonBadParameter, Message: field + ": " + p,
		Fields: []srok.FieldError{{Field: field, Problem: p}}}
}

// jsonEncode writes v as JSON with a newline.
func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON writes v with status st.
func writeJSON(c echo.Context, st int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(st)
	return jsonEncode(c.Response(), v)
}

// mergePatch applies an RFC 7396 JSON merge patch to doc.
func mergePatch(doc map[string]any, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(doc, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			dm, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(dm, pm)
			continue
		}
		doc[k] = v
	}
	return doc
}
