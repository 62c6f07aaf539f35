package api

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// FuzzRequestBody feeds arbitrary bodies and query strings, as raw bytes, to
// POST /api/v1/requests and GET /api/v1/requests: first to the decoder, the
// strict query parser and the validation, then through the real router on
// an SQLite database. Every outcome is success or a 4xx problem that names
// what is wrong, never a panic or a 5xx; what is accepted is clean text
// (valid UTF-8, no NUL), so nothing mangled is stored; and the strict parser
// never accepts a query that Go's own parser reads differently.
func FuzzRequestBody(f *testing.F) {
	for _, s := range []struct{ query, body string }{
		{"", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"И","email":"i@example.ru"}}`},
		{"status=new&type=access", `{"type":"incident","channel":"other","received_at":"2026-11-20T21:30:00+03:00"}`},
		{"q=%D0%B8%D0%B2", `{"type":"rectification","channel":"post","received_at":"2026-11-20T10:00","evidence_received_at":"2026-11-21","time_zone":"Asia/Vladivostok","subject":{"name":"А","postal_address":"М"},"representative":{"name":"П","authority":"д"},"identity":{"document_date":"2015-01-01","verified":true}}`},
		{"status=closed;", `{"type":"access","subject":{"nick":1}}`},
		{"q=%00zzz", `[]`}, {"assignee=%FF", `null`}, {"q=a%zz", `{"received_at":12}`}, {"sort=-due&limit=2", `{"a":`}, {"overdue=true", ``},
		{"q=\xff", "{\"type\":\"access\",\"channel\":\"email\",\"received_at\":\"2026-11-20\",\"subject\":{\"name\":\"\xd0\",\"email\":\"i@example.ru\"}}"},
		{"type=erasure%3B", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"A\u0000","email":"i@example.ru"}}`},
	} {
		f.Add(s.query, []byte(s.body))
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, moscow)
	h := newHarnessOn(f, storetest.MustOpen(f, store.SQLite))
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		// The query parser.
		if vals, err := httpx.ParseQuery(query); err != nil {
			wantProblem(t, query, err)
		} else {
			std, stdErr := url.ParseQuery(query)
			if stdErr != nil || !reflect.DeepEqual(map[string][]string(vals), map[string][]string(std)) {
				t.Fatalf("query %q: strict %v, Go %v (%v)", query, vals, std, stdErr)
			}
			for k, vs := range vals {
				if httpx.TextProblem(k) != "" || slices.ContainsFunc(vs, func(v string) bool { return httpx.TextProblem(v) != "" }) {
					t.Fatalf("query %q: accepted unclean text %q=%q", query, k, vs)
				}
			}
		}
		// The body's decoder and validation.
		var in register.Input
		err := httpx.DecodeJSON(body, &in)
		if err == nil {
			err = register.Validate(in, moscow, now)
		}
		if err != nil {
			wantProblem(t, string(body), err)
		} else {
			if !utf8.Valid(body) {
				t.Fatalf("%q: accepted a body that is not UTF-8: it would be stored mangled", body)
			}
			cleanStrings(t, reflect.ValueOf(in), "input")
		}
		// The same bytes through the real router and database.
		list := h.exchange(t, true, "GET", "/api/v1/requests", nil, func(r *http.Request) { r.URL.RawQuery = query })
		if list.Code != http.StatusOK && (list.Code < 400 || list.Code >= 500) {
			t.Fatalf("GET ?%q: %d %s", query, list.Code, list.Body)
		}
		create := h.exchange(t, true, "POST", "/api/v1/requests", raw(body))
		if create.Code != http.StatusCreated && (create.Code < 400 || create.Code >= 500) {
			t.Fatalf("POST %q: %d %s", body, create.Code, create.Body)
		}
		if create.Code == http.StatusCreated {
			cleanStrings(t, reflect.ValueOf(create.request(t)), "stored")
		}
	})
}

// wantProblem fails t unless err is a 4xx srok.Error with a message.
func wantProblem(t *testing.T, input string, err error) {
	t.Helper()
	var se *srok.Error
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %v is not a srok.Error", input, err)
	}
	if st := httpx.Status(se); st < 400 || st >= 500 {
		t.Fatalf("%q: status %d for %v", input, st, err)
	}
	if se.Message == "" {
		t.Fatalf("%q: error without a message", input)
	}
	for _, fe := range se.Fields {
		if fe.Field == "" && fe.Problem == "" {
			t.Fatalf("%q: empty field error", input)
		}
	}
}

// cleanStrings fails t if a string in v is not valid UTF-8 or holds a NUL.
func cleanStrings(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("%s: accepted %q", path, s)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			cleanStrings(t, v.Elem(), path)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				cleanStrings(t, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			cleanStrings(t, v.Index(i), path)
		}
	}
}
