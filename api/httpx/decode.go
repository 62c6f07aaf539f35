package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/srok"
)

// Body says what request body a route takes: its media types and how many
// bytes at most. A route reads its body through it, so that each route
// states its own limit (JSON: 1 MiB; a raw email: 25 MiB).
type Body struct {
	// MediaTypes are the accepted Content-Types; the first is the one
	// named in errors.
	MediaTypes []string
	// Limit is the largest body accepted, in bytes.
	Limit int64
}

// MaxJSON is the largest JSON body accepted: 1 MiB.
const MaxJSON = 1 << 20

// JSON is the body of most routes: application/json, at most 1 MiB.
var JSON = Body{MediaTypes: []string{echo.MIMEApplicationJSON}, Limit: MaxJSON}

// Read checks the Content-Type of c's body and reads it whole: 415 for
// another media type, 413 past the limit.
func (b Body) Read(c echo.Context) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(b.MediaTypes, mt) {
		want := strings.Join(b.MediaTypes, " or ")
		return nil, &srok.Error{Code: srok.EUNSUPPORTED, Reason: reasonMediaType,
			Message: fmt.Sprintf("send the body as %s", want),
			Fields:  []srok.FieldError{{Field: "Content-Type", Problem: fmt.Sprintf("%q is not %s", ct, want)}}}
	}
	data, err := readAll(http.MaxBytesReader(c.Response(), c.Request().Body, b.Limit), c.Request().ContentLength, b.Limit)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &srok.Error{Code: srok.ETOOLARGE, Reason: reasonTooLarge, Message: "the body is larger than " + size(b.Limit)}
		}
		return nil, &srok.Error{Code: srok.EMALFORMED, Reason: reasonMalformed, Message: "the body could not be read", Cause: err}
	}
	return data, nil
}

// readAll reads r to its end into one buffer of the size the request
// announced (Content-Length, when at most limit), instead of the doubling
// buffers of io.ReadAll: a 1 MiB email is one 1 MiB allocation, not
// 2 MiB in seven. Without a length it reads as io.ReadAll does.
func readAll(r io.Reader, length, limit int64) ([]byte, error) {
	if length <= 0 || length > limit {
		return io.ReadAll(r)
	}
	// One byte more, so that the end is seen without growing the buffer.
	b := make([]byte, 0, length+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // more than announced: grow as append does
		}
	}
}

// Decode reads c's body as Read does and decodes it, as JSON, into v with
// DecodeJSON.
func (b Body) Decode(c echo.Context, v any) error {
	data, err := b.Read(c)
	if err != nil {
		return err
	}
	return DecodeJSON(data, v)
}

// size says n bytes the way a person reads it: 1 MiB, 25 MiB, 512 bytes.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// DecodeJSON decodes b into v strictly: invalid UTF-8, NUL characters,
// unknown fields, wrong types, trailing data and an empty body are errors
// (400) naming the field by its dotted path.
func DecodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return Malformed("", "the body is empty: send a JSON object")
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD while decoding, so
	// the raw bytes are checked first: a mangled name must not be stored.
	if !utf8.Valid(b) {
		return Malformed(fieldAt(b, invalidUTF8At(b)), "is not valid UTF-8")
	}
	// encoding/json names an unknown field without its path; find it first.
	var doc any
	if err := json.Unmarshal(b, &doc); err == nil {
		if field := unknownField(reflect.TypeOf(v), doc, ""); field != "" {
			return Malformed(field, "is not a known field")
		}
		// "\u0000" is valid JSON but no database stores it in text.
		if field, ok := nulAt(doc, ""); ok {
			return Malformed(field, "contains a NUL character")
		}
		// encoding/json takes null as "leave it as it is": a null body
		// would be {} and a null field absent, silently.
		if isStruct(reflect.TypeOf(v)) {
			if _, ok := doc.(map[string]any); !ok {
				return Malformed("", "the body must be a JSON object")
			}
			if field := nullField(reflect.TypeOf(v), doc, ""); field != "" {
				return Malformed(field, "must not be null: leave the field out instead")
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return Malformed("", "the body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Malformed("", "the body has data after the JSON object")
	}
	return nil
}

// invalidUTF8At returns the offset of the first byte of b that is not part
// of a valid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// fieldAt returns the dotted path of the JSON key or value of b that holds
// byte offset off ("subject.name", "items[2]"), or "" when it is outside
// every member.
func fieldAt(b []byte, off int) string {
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []*frame
	path := func() string {
		var sb strings.Builder
		for _, f := range stack {
			if f.object {
				if f.key == "" {
					continue
				}
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(f.key)
			} else {
				fmt.Fprintf(&sb, "[%d]", f.index)
			}
		}
		return sb.String()
	}
	// valueDone moves the innermost container past one member.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if f := stack[n-1]; f.object {
				f.wantKey = true
			} else {
				f.index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return path()
		}
		end := int(dec.InputOffset())
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', wantKey: t == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if end > off {
					return path()
				}
				continue
			}
		}
		if end > off {
			return path()
		}
		valueDone()
	}
}

// nulAt returns the path of the first key or string of doc that holds a NUL.
func nulAt(doc any, prefix string) (string, bool) {
	switch x := doc.(type) {
	case string:
		return strings.TrimSuffix(prefix, "."), strings.ContainsRune(x, 0)
	case []any:
		for i, v := range x {
			if p, ok := nulAt(v, fmt.Sprintf("%s[%d].", strings.TrimSuffix(prefix, "."), i)); ok {
				return p, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.ContainsRune(k, 0) {
				return strings.TrimSuffix(prefix, "."), true
			}
			if p, ok := nulAt(x[k], prefix+k+"."); ok {
				return p, true
			}
		}
	}
	return "", false
}

// isStruct reports whether t is a struct or a pointer to one.
func isStruct(t reflect.Type) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.Kind() == reflect.Struct
}

// nullField returns the dotted path of the first null in doc that falls on
// a field of the struct type t, or "". The contract allows null in no body
// decoded into a struct (a merge patch, where null clears a field, is
// decoded into a map); encoding/json would take it silently as "left out".
func nullField(t reflect.Type, doc any, prefix string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := doc.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := jsonField(t, k)
			if !ok {
				continue
			}
			if x[k] == nil {
				if nullable(t, k) {
					continue
				}
				return prefix + k
			}
			if f := nullField(ft, x[k], prefix+k+"."); f != "" {
				return f
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return ""
		}
		for i, v := range x {
			p := fmt.Sprintf("%s[%d]", strings.TrimSuffix(prefix, "."), i)
			if v == nil {
				return p
			}
			if f := nullField(t.Elem(), v, p+"."); f != "" {
				return f
			}
		}
	}
	return ""
}

// nullable tells whether the field of struct t named name in JSON may be
// sent as null: one tagged `nullable:"true"`, which the document marks
// nullable too (a read-only field as read, sent back).
func nullable(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == "" {
			n = f.Name
		}
		if n == name && f.IsExported() {
			return f.Tag.Get("nullable") == "true"
		}
	}
	return false
}

// jsonField is the type of the field of struct t named name in JSON.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == "-" || !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		if n == name {
			return f.Type, true
		}
	}
	return nil, false
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
			return Malformed("", fmt.Sprintf("the body must be a JSON object, not %s", te.Value))
		}
		return Malformed(field, fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return Malformed("", fmt.Sprintf("the body is not valid JSON (at byte %d): %v", se.Offset, se))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return Malformed("", "the body is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Malformed(name, "is not a known field")
	}
	return Malformed("", "the body is not valid JSON: "+err.Error())
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

// Malformed is the 400 of a body that cannot be read, naming field ("" for
// the whole body).
func Malformed(field, problem string) error {
	e := &srok.Error{Code: srok.EMALFORMED, Reason: reasonMalformed, Message: problem}
	if field != "" {
		e.Fields = []srok.FieldError{{Field: field, Problem: problem}}
		e.Message = field + ": " + problem
	}
	return e
}

// BadParam is the 400 of a query parameter, path value or header that
// cannot be read, naming it.
func BadParam(field, format string, args ...any) error {
	p := fmt.Sprintf(format, args...)
	return &srok.Error{Code: srok.EMALFORMED, Reason: reasonBadParameter, Message: field + ": " + p,
		Fields: []srok.FieldError{{Field: field, Problem: p}}}
}

// JSONEncode writes v as JSON with a newline, without escaping HTML.
func JSONEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteJSON writes v with status st.
func WriteJSON(c echo.Context, st int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(st)
	return JSONEncode(c.Response(), v)
}
