package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	ics "github.com/arran4/golang-ical"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate api/openapi.yaml: %w", err)
	}
	return doc, nil
}

func TestOpenAPIDocument(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Info.Title != "Srok API" || doc.Info.Version != "1" {
		t.Errorf("openapi %q, title %q, version %q; want 3.0.3, Srok API, 1", doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}

	// The routes of the router, as "METHOD /path/{param}".
	e := newRouter(Config{})
	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	var routes []string
	var heads []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue // the catch-all 404 of a group with middleware
		}
		route := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		if r.Method == http.MethodHead {
			// HEAD is GET without the body (RFC 9110), served by the GET
			// handler: the document states it once, not per path.
			heads = append(heads, strings.TrimPrefix(route, "HEAD "))
			continue
		}
		routes = append(routes, route)
	}
	for _, r := range routes {
		if p, ok := strings.CutPrefix(r, "GET "); ok && !slices.Contains(heads, p) {
			t.Errorf("GET %s answers no HEAD", p)
		}
	}
	for _, p := range heads {
		if !slices.Contains(routes, "GET "+p) {
			t.Errorf("HEAD %s has no GET", p)
		}
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in api/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("operation %s of api/openapi.yaml is not a route of api.Mount", d)
		}
	}
	if len(routes) == 0 {
		t.Error("api.Mount registers no route")
	}

	// Every operation answers with a documented problem for its errors, and
	// every operation has an operationId.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			for code, ref := range op.Responses.Map() {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				if ref.Value == nil || ref.Value.Content.Get(httpx.MediaProblem) == nil {
					t.Errorf("%s %s: response %s is not %s", method, path, code, httpx.MediaProblem)
				}
			}
		}
	}
}

// contract validates responses recorded through the router against
// api/openapi.yaml.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractOnce sync.Once
	contractDoc  *contract
	contractErr  error
)

// newContract returns the contract of api/openapi.yaml; the document is
// loaded once per test binary. It stops tb when the document is invalid.
func newContract(tb testing.TB) *contract {
	tb.Helper()
	contractOnce.Do(func() {
		// These are registered by openapi3filter already; registering them
		// again keeps the contract working should that change.
		openapi3filter.RegisterBodyDecoder(httpx.MediaProblem, openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/merge-patch+json", openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.YamlBodyDecoder)
		// kin-openapi's own text/csv decoder reads ',' as the separator;
		// Srok's CSV (the audit export) uses ';'.
		openapi3filter.RegisterBodyDecoder("text/csv", semicolonCSVDecoder)
		// A calendar feed must be iCalendar a parser reads (RFC 5545).
		openapi3filter.RegisterBodyDecoder("text/calendar", icalendarDecoder)
		// Letters and their templates are files.
		openapi3filter.RegisterBodyDecoder(mediaPDF, openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder(mediaDOCX, openapi3filter.FileBodyDecoder)
		doc, err := loadOpenAPI()
		if err != nil {
			contractErr = err
			return
		}
		// The paths are absolute (/healthz, /api/v1/...): match them on the
		// path of any URL, such as httptest's http://example.com/api/v1/...
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		contractDoc = &contract{doc: doc, router: router}
	})
	if contractErr != nil {
		tb.Fatalf("contract: %v", contractErr)
	}
	return contractDoc
}

// Check validates one exchange: the request as sent (method, URL with
// query, headers, body bytes) and the response (status, headers, body). It
// calls tb.Errorf with the validation error when the response does not
// match the document: a status the operation does not document, a route
// not in the document, a missing or wrong header, a body that does not
// match its schema. The request itself is not validated (tests send bad
// ones on purpose).
func (c *contract) Check(tb testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	tb.Helper()
	if err := c.validate(req, reqBody, status, header, body); err != nil {
		tb.Errorf("contract: %s %s → %d does not match api/openapi.yaml: %v\nrequest body: %s\nresponse body: %s",
			req.Method, req.URL.RequestURI(), status, err, contractExcerpt(reqBody), contractExcerpt(body))
	}
}

// validate is Check returning the error.
func (c *contract) validate(req *http.Request, _ []byte, status int, header http.Header, body []byte) error {
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("the route is not in the document: %w", err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      route,
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return err
	}
	return nil
}

// semicolonCSVDecoder decodes a text/csv body as Srok writes it: UTF-8 with
// a byte order mark, ';' between cells, every row as long as the header. It
// returns the text (the document's schema of it is a string).
// icalendarDecoder reads a text/calendar body with golang-ical's parser and
// gives it on as the string the schema says it is.
func icalendarDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if _, err := ics.ParseCalendar(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("not iCalendar: %w", err)
	}
	return string(b), nil
}

func semicolonCSVDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
	if !ok {
		return nil, errors.New("the CSV does not start with a UTF-8 byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	if _, err := r.ReadAll(); err != nil {
		return nil, fmt.Errorf("not ';'-separated CSV: %w", err)
	}
	return string(b), nil
}

func contractExcerpt(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// contractFakeTB records Errorf instead of failing the test.
type contractFakeTB struct {
	testing.TB
	errs []string
}

func (f *contractFakeTB) Helper() {}

func (f *contractFakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestContractHelper(t *testing.T) {
	c := newContract(t)
	jsonHeader := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}}
	}
	for _, tc := range []struct {
		name    string
		method  string
		url     string
		status  int
		header  http.Header
		body    string
		wantErr string // "" when valid
	}{
		{"healthz", http.MethodGet, "http://example.com/healthz", 200, jsonHeader(), `{"status":"alive"}` + "\n", ""},
		{"relative URL", http.MethodGet, "/healthz", 200, jsonHeader(), `{"status":"alive"}`, ""},
		{"missing required property", http.MethodGet, "/healthz", 200, jsonHeader(), `{}`, `property "status" is missing`},
		{"unknown property", http.MethodGet, "/healthz", 200, jsonHeader(), `{"status":"alive","x":1}`, `"x"`},
		{"undocumented status", http.MethodGet, "/healthz", http.StatusTeapot, jsonHeader(), `{"status":"alive"}`, "status is not supported"},
		{"route not in the document", http.MethodGet, "/api/v1/nope", 200, jsonHeader(), `{}`, "route is not in the document"},
		{"method not in the document", http.MethodDelete, "/healthz", 200, jsonHeader(), `{}`, "route is not in the document"},
		{"wrong content type", http.MethodGet, "/healthz", 200, http.Header{"Content-Type": {"text/plain"}}, `alive`, "Content-Type"},
		{"problem", http.MethodGet, "/api/v1/requests/x", 404, http.Header{"Content-Type": {httpx.MediaProblem}},
			`{"type":"urn:srok:problem:not_found","title":"Not found","status":404,"detail":"no request with id \"x\"","instance":"/api/v1/requests/x","request_id":"r"}`, ""},
		{"503 without Retry-After", http.MethodGet, "/readyz", 503, http.Header{"Content-Type": {httpx.MediaProblem}},
			`{"type":"urn:srok:problem:unavailable","title":"Temporarily unavailable","status":503,"detail":"down"}`, "Retry-After"},
		{"nullable request fields", http.MethodGet, "/api/v1/requests?limit=1", 200, jsonHeader(),
			`{"items":[],"next_cursor":null}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.url, nil)
			err := c.validate(req, nil, tc.status, tc.header, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("validate: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("validate: no error, want one containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("validate: %v, want an error containing %q", err, tc.wantErr)
			}
			// Check reports through tb.Errorf exactly when validate fails.
			f := &contractFakeTB{TB: t}
			c.Check(f, req, nil, tc.status, tc.header, []byte(tc.body))
			if (len(f.errs) > 0) != (err != nil) {
				t.Errorf("Check reported %q, validate returned %v", f.errs, err)
			}
		})
	}
}

// TestContractLive records the routes of the deadline engine and the public
// ones through the router, as the harness's administrator and without
// credentials, and checks them against the document.
func TestContractLive(t *testing.T) {
	h := newHarness(t, store.SQLite)
	for _, tc := range []struct {
		method, url, contentType, body string
		status                         int
		// auth is the Authorization header sent: "" the harness's
		// administrator token, "-" none.
		auth string
	}{
		{http.MethodGet, "/healthz", "", "", 200, ""},
		{http.MethodGet, "/healthz", "", "", 200, "-"},
		{http.MethodGet, "/readyz", "", "", 200, "-"},
		{http.MethodGet, "/api/v1/openapi.yaml", "", "", 200, ""},
		{http.MethodGet, "/api/v1/openapi.yaml", "", "", 200, "-"},
		{http.MethodGet, "/api/v1/calendar/2026", "", "", 200, ""},
		{http.MethodGet, "/api/v1/calendar/2099", "", "", 200, ""},
		{http.MethodGet, "/api/v1/calendar/abc", "", "", 400, ""},
		{http.MethodGet, "/api/v1/calendar/1999", "", "", 404, ""},
		{http.MethodGet, "/api/v1/calendar/2026", "", "", 401, "-"},
		{http.MethodGet, "/api/v1/calendar/2026", "", "", 401, "Basic YWRtaW46YWRtaW4="},
		{http.MethodGet, "/healthz", "", "", 200, "Bearer nonsense"},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json",
			`{"type":"access","trigger":"2026-04-30T10:00:00+03:00","time_zone":"Europe/Moscow"}`, 200, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json",
			`{"type":"incident","trigger":"2026-01-03 21:30","time_zone":"Asia/Vladivostok","extended":true}`, 200, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json", `{"type":"stop","trigger":"2026-05-13T10:00"}`, 200, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json",
			`{"type":"withdrawal","trigger":"2026-05-13","time_zone":"Europe/Moscow","extended":true}`, 200, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "text/plain", `{}`, 415, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json", `{"type":`, 400, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json", `{"typo":1}`, 400, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json", `{"type":"x","trigger":"y","time_zone":"Mars/Base"}`, 422, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json",
			`{"type":"access","trigger":"2026-04-30","time_zone":"Europe/Moscow","pad":"` + strings.Repeat("x", httpx.MaxJSON) + `"}`, 413, ""},
		{http.MethodPost, "/api/v1/deadlines/preview", "application/json", `{"type":"access","trigger":"2026-04-30"}`, 401, "-"},
	} {
		name := tc.method + " " + tc.url + " " + fmt.Sprint(tc.status)
		if tc.auth != "" {
			name += " auth " + tc.auth
		}
		t.Run(name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = raw(tc.body)
			}
			var opts []opt
			if tc.contentType != "" {
				opts = append(opts, header("Content-Type", tc.contentType))
			}
			if tc.auth != "" {
				opts = append(opts, header("Authorization", tc.auth))
			}
			r := h.exchange(t, true, tc.method, tc.url, body, opts...)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tc.status, contractExcerpt(r.Body))
			}
			if r.Code == http.StatusUnauthorized {
				if p := r.problem(t); p.Type != "urn:srok:problem:unauthenticated" || r.Header.Get("WWW-Authenticate") != `Bearer realm="srok"` {
					t.Errorf("401: problem %s, WWW-Authenticate %q", p.Type, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}

// TestContractRejectsDrift checks that a response shape the document does
// not describe is caught: a Request without its nullable fields.
func TestContractRejectsDrift(t *testing.T) {
	c := newContract(t)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/requests/0190b3c6-8a5e-7c00-8000-000000000000", nil)
	h := http.Header{"Content-Type": {"application/json"}, "Etag": {`"1"`}, "Last-Modified": {"Mon, 04 May 2026 07:00:00 GMT"}}
	err := c.validate(req, nil, 200, h, []byte(`{"id":"0190b3c6-8a5e-7c00-8000-000000000000"}`))
	if err == nil {
		t.Fatal("a Request without its required properties passed")
	}
	var me openapi3.MultiError
	if !errors.As(err, &me) && !strings.Contains(err.Error(), "is missing") {
		t.Errorf("unexpected error: %v", err)
	}
	h.Del("Etag")
	if err := c.validate(req, nil, 404, h, nil); err == nil {
		t.Error("a 404 with a JSON content type and no body passed")
	}
}

// TestOpenAPISecurity checks that the document says which operations need
// credentials, as the router decides: every operation but the public ones
// answers 401 (with WWW-Authenticate) to a request without any, and
// documents the shared 401 and 403; the public ones answer it.
func TestOpenAPISecurity(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var schemes []string
	for _, req := range doc.Security {
		for name := range req {
			schemes = append(schemes, name)
		}
		if len(req) != 1 {
			t.Errorf("top-level security requirement %v: want one scheme each, so that either will do", req)
		}
	}
	sort.Strings(schemes)
	if want := []string{"bearerAuth", "sessionCookie"}; !slices.Equal(schemes, want) {
		t.Errorf("top-level security %v, want either of %v", schemes, want)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Errorf("bearerAuth is not an HTTP bearer scheme")
	}
	if s := doc.Components.SecuritySchemes["sessionCookie"]; s == nil || s.Value.Type != "apiKey" || s.Value.In != "cookie" || s.Value.Name != httpx.SessionCookie {
		t.Errorf("sessionCookie is not the cookie %s", httpx.SessionCookie)
	}

	public := []string{"GET /healthz", "GET /readyz", "GET /api/v1/openapi.yaml", "GET /feeds/{file}"}
	h := newHarness(t, store.SQLite)
	fill := strings.NewReplacer("{id}", "01a214ef-c62a-725c-a810-d86c03cca3cd", "{year}", "2026")
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			isPublic := op.Security != nil && len(*op.Security) == 0
			if isPublic != slices.Contains(public, name) {
				t.Errorf("%s: security %v; the public operations are %v", name, op.Security, public)
			}
			if op.Security != nil && len(*op.Security) > 0 {
				t.Errorf("%s: its own security %v; only the public operations override the top-level one", name, *op.Security)
			}
			ref := func(code string) string {
				if r := op.Responses.Value(code); r != nil {
					return r.Ref
				}
				return ""
			}
			if got := ref("401"); isPublic && got != "" {
				t.Errorf("%s: a public operation documents a 401 (it looks at no credentials)", name)
			} else if !isPublic && got != "#/components/responses/Unauthorized" {
				t.Errorf("%s: 401 is %q, want the shared Unauthorized", name, got)
			}
			if got := ref("403"); !isPublic && got != "#/components/responses/Forbidden" {
				t.Errorf("%s: 403 is %q, want the shared Forbidden", name, got)
			}

			r := h.do(method, fill.Replace(path), nil, anonymous())
			if isPublic {
				want := http.StatusOK
				if path == "/feeds/{file}" {
					want = http.StatusNotFound // a made-up secret reads no feed
				}
				if r.Code != want {
					t.Errorf("%s without credentials: status %d, want %d: %s", name, r.Code, want, r.Body)
				}
				continue
			}
			if r.Code != http.StatusUnauthorized {
				t.Errorf("%s without credentials: status %d, want 401: %s", name, r.Code, r.Body)
				continue
			}
			if p := r.problem(t); p.Type != "urn:srok:problem:unauthenticated" {
				t.Errorf("%s without credentials: problem %s", name, p.Type)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="srok"` {
				t.Errorf("%s without credentials: WWW-Authenticate %q", name, got)
			}
		}
	}
}

// TestOpenAPIEnums checks the enums the document lists against the Go
// tables they come from, so that a new role, action or audit action
// cannot be left out of the contract.
func TestOpenAPIEnums(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	enum := func(name string) []string {
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Fatalf("no schema %s", name)
		}
		var out []string
		for _, v := range s.Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	strs := func(n int, at func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = at(i)
		}
		return out
	}
	roles, outcomes, auditActions := srok.Roles(), audit.Outcomes(), audit.Actions()
	for name, want := range map[string][]string{
		"Role":         strs(len(roles), func(i int) string { return string(roles[i]) }),
		"Scope":        {string(srok.ScopeFull), string(srok.ScopeIntake)},
		"Permission":   strs(len(allActions), func(i int) string { return string(allActions[i]) }),
		"AuditAction":  strs(len(auditActions), func(i int) string { return string(auditActions[i]) }),
		"AuditOutcome": strs(len(outcomes), func(i int) string { return string(outcomes[i]) }),
	} {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("%s enum %q, want %q", name, got, want)
		}
	}
}

// The 408 of a body sent too slowly (package httpx, for callers not yet
// known to be signed in) is in the contract: a shared response naming its
// problem type, on every operation that takes a body, and in the list of
// statuses.
func TestOpenAPIBodyTimeout(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	typ := httpx.ProblemType(&srok.Error{Code: srok.ETIMEOUT, Reason: "body_timeout"})
	shared := doc.Components.Responses["RequestTimeout"]
	if shared == nil || shared.Value == nil || shared.Value.Description == nil ||
		!strings.Contains(*shared.Value.Description, typ) || shared.Value.Content.Get(httpx.MediaProblem) == nil {
		t.Fatalf("no shared RequestTimeout response naming %s as %s", typ, httpx.MediaProblem)
	}
	if !strings.Contains(doc.Info.Description, "408 ") || !strings.Contains(doc.Info.Description, typ) {
		t.Error("the description's list of statuses lacks 408")
	}
	bodies := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			bodies++
			if r := op.Responses.Status(http.StatusRequestTimeout); r == nil || r.Ref != "#/components/responses/RequestTimeout" {
				t.Errorf("%s %s takes a body but does not document its 408", method, path)
			}
		}
	}
	if bodies < 10 {
		t.Fatalf("only %d operations take a body", bodies)
	}
}
