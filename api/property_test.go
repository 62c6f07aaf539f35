package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"pgregory.net/rapid"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
)

// The contract and the API agree on generated requests: rapid draws an
// operation of api/openapi.yaml, its path, query and JSON body from the
// schemas (mostly valid, sometimes bent: a wrong type, a null, a value out
// of bounds, an unknown field), and sends it with one of the roles'
// tokens or none. Whatever is sent, the answer is never a 5xx and always
// one the document describes; a request the document accepts is never a
// 400; a request it refuses is never a success.
func TestContractProperties(t *testing.T) {
	h := newHarness(t, store.SQLite)
	c := newContract(t)
	viewer := h.mustToken(t, "viewer@example.ru", "viewer", "")
	// Real ids, so that generated paths reach real resources too.
	var ids []string
	for i := range 3 {
		r := h.create(t, accessBody("Иван Петров", fmt.Sprintf("ivan%d@example.ru", i), "2026-11-20T10:00:00+03:00"))
		ids = append(ids, r.ID)
	}
	type op struct {
		method, path string
		op           *openapi3.Operation
	}
	var ops []op
	paths := c.doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		for m, o := range paths[p].Operations() {
			ops = append(ops, op{m, p, o})
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.method+a.path, b.method+b.path) })

	rapid.Check(t, func(rt *rapid.T) {
		o := rapid.SampledFrom(ops).Draw(rt, "operation")
		g := &gen{rt: rt, ids: ids}
		path := o.path
		query := url.Values{}
		for _, pr := range o.op.Parameters {
			p := pr.Value
			switch p.In {
			case "path":
				path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(g.param(p)))
			case "query":
				// A cursor is opaque: only one the API gave is valid, and
				// the document says a made-up one is a 400.
				if p.Name == "cursor" {
					continue
				}
				if p.Required || rapid.Bool().Draw(rt, "with "+p.Name) {
					query.Set(p.Name, g.param(p))
				}
			}
		}
		target := path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		var body []byte
		ctype := ""
		if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				v := g.value(mt.Schema.Value, "body", 0)
				body, _ = json.Marshal(v)
				ctype = "application/json"
				if o.method == http.MethodPatch {
					ctype = "application/merge-patch+json"
				}
			}
		}
		req := httptest.NewRequest(o.method, target, bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if o.method == http.MethodPatch {
			req.Header.Set("If-Match", "*")
		}
		switch rapid.IntRange(0, 5).Draw(rt, "who") {
		case 0:
		case 1:
			req.Header.Set("Authorization", "Bearer "+viewer)
		default:
			req.Header.Set("Authorization", "Bearer "+h.token)
		}
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, req)

		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			rt.Fatalf("%s %s %s → %d: %s", o.method, target, body, rec.Code, rec.Body)
		}
		// Without credentials, an operation that needs them answers 401,
		// whatever else is wrong with the request: nothing is told to a
		// caller who has not signed in.
		// (A path with an empty parameter is no operation's: 404.)
		needsAuth := o.op.Security == nil || len(*o.op.Security) > 0
		emptyParam := strings.Contains(path, "//") || strings.HasSuffix(path, "/")
		if req.Header.Get("Authorization") == "" && needsAuth && !emptyParam && rec.Code != http.StatusUnauthorized {
			rt.Fatalf("%s %s %s without credentials → %d, want 401: %s", o.method, target, body, rec.Code, rec.Body)
		}
		sent := httptest.NewRequest(o.method, target, bytes.NewReader(body))
		sent.Header = req.Header.Clone()
		if err := c.validate(sent, body, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			rt.Fatalf("%s %s %s → %d, not as the document says: %v\n%s", o.method, target, body, rec.Code, err, rec.Body)
		}
		// What the document says of the request, against what the API did.
		route, params, err := c.router.FindRoute(sent)
		if err != nil || req.Header.Get("Authorization") == "" || rec.Code == http.StatusForbidden {
			return
		}
		// An empty query value counts as left out (the document's
		// description says so; OpenAPI 3.0 has no way to say it once).
		kept := url.Values{}
		for k, vs := range query {
			if len(vs) > 0 && vs[0] != "" {
				kept[k] = vs
			}
		}
		checked := path
		if len(kept) > 0 {
			checked += "?" + kept.Encode()
		}
		check := httptest.NewRequest(o.method, checked, bytes.NewReader(body))
		check.Header = req.Header.Clone()
		verr := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request: check, PathParams: params, Route: route,
			// Defaults not set: kin-openapi would put a default in place of a null
			// the schema refuses, and then accept it.
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, SkipSettingDefaults: true},
		})
		switch {
		case verr == nil && rec.Code == http.StatusBadRequest && breaksBetween(o.method+" "+o.path, kept):
			// A rule between parameters, in the operation's description.
		case verr == nil && rec.Code == http.StatusBadRequest:
			rt.Fatalf("%s %s %s: the document accepts it, the API answered 400: %s", o.method, target, body, rec.Body)
		case verr != nil && rec.Code < 300:
			rt.Fatalf("%s %s %s: the document refuses it (%v), the API answered %d", o.method, target, body, verr, rec.Code)
		}
	})
}

// betweenParameters are the rules of an operation that tie its parameters
// together, which OpenAPI 3.0 cannot say in a schema and the operation's
// description says in words: each tells whether q breaks it, by the
// domain's own check, so that a 400 for anything else still fails.
var betweenParameters = map[string]func(q url.Values) bool{
	// "from after to, a period longer than ten years … is a 400".
	"GET /api/v1/journal": func(q url.Values) bool {
		from, err1 := calendar.ParseDate(q.Get("from"))
		to, err2 := calendar.ParseDate(q.Get("to"))
		return err1 == nil && err2 == nil && register.CheckPeriod(from, to) != nil
	},
}

// breaksBetween tells whether q breaks a rule between the parameters of
// the operation op ("GET /api/v1/journal").
func breaksBetween(op string, q url.Values) bool {
	rule, ok := betweenParameters[op]
	return ok && rule(q)
}

// gen draws values from schemas: valid most of the time, bent sometimes.
type gen struct {
	rt  *rapid.T
	ids []string
}

// bend is true one time in bendOdds: then a value breaks its schema.
const bendOdds = 12

func (g *gen) bend(label string) bool {
	return rapid.IntRange(1, bendOdds).Draw(g.rt, "bend "+label) == 1
}

func (g *gen) param(p *openapi3.Parameter) string {
	if p.Schema == nil || p.Schema.Value == nil {
		return rapid.StringN(0, 8, -1).Draw(g.rt, p.Name)
	}
	s := p.Schema.Value
	if s.Format == "uuid" || strings.HasSuffix(p.Name, "id") && s.Type.Is("string") {
		return rapid.SampledFrom(append(slices.Clone(g.ids), "01900000-0000-7000-8000-000000000000", "nope")).Draw(g.rt, p.Name)
	}
	v := g.value(s, p.Name, 0)
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return strings.Trim(string(b), `"`)
	}
}

// value is a value of schema s (named label), depth levels down.
func (g *gen) value(s *openapi3.Schema, label string, depth int) any {
	if s == nil {
		return nil
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil && sub.Value.Type == nil && len(sub.Value.Enum) == 0 && sub.Value.Properties == nil {
			continue
		}
		if sub.Value != nil {
			merged := *sub.Value
			if s.Nullable {
				merged.Nullable = true
			}
			return g.value(&merged, label, depth)
		}
	}
	if g.bend(label) {
		return rapid.SampledFrom([]any{nil, 42, "текст", true, []any{}, map[string]any{}}).Draw(g.rt, "bent "+label)
	}
	if s.Nullable && rapid.IntRange(0, 5).Draw(g.rt, "null "+label) == 0 {
		return nil
	}
	if len(s.Enum) > 0 {
		return rapid.SampledFrom(s.Enum).Draw(g.rt, label)
	}
	switch {
	case s.Type.Is("object") || len(s.Properties) > 0:
		out := map[string]any{}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if depth < 3 && (slices.Contains(s.Required, n) || rapid.Bool().Draw(g.rt, "with "+label+"."+n)) {
				out[n] = g.value(s.Properties[n].Value, label+"."+n, depth+1)
			}
		}
		if g.bend(label + " extra") {
			out["unknown_field"] = 1
		}
		return out
	case s.Type.Is("array"):
		n := rapid.IntRange(0, 2).Draw(g.rt, "len "+label)
		out := make([]any, 0, n)
		for range n {
			var item *openapi3.Schema
			if s.Items != nil {
				item = s.Items.Value
			}
			out = append(out, g.value(item, label+"[]", depth+1))
		}
		return out
	case s.Type.Is("integer"):
		lo, hi := -5, 40
		if s.Min != nil {
			lo = int(*s.Min)
		}
		if s.Max != nil {
			hi = min(int(*s.Max), lo+1000)
		}
		return rapid.IntRange(lo, hi).Draw(g.rt, label)
	case s.Type.Is("number"):
		return rapid.Float64Range(0, 100).Draw(g.rt, label)
	case s.Type.Is("boolean"):
		return rapid.Bool().Draw(g.rt, label)
	}
	// A string, by its format.
	switch s.Format {
	case "date-time":
		return rapid.SampledFrom([]string{"2026-11-20T10:00:00+03:00", "2026-11-24T09:30:00Z", "2025-01-09T00:00:00+03:00"}).Draw(g.rt, label)
	case "date":
		return rapid.SampledFrom([]string{"2026-11-20", "2026-11-24", "2025-12-31"}).Draw(g.rt, label)
	case "uuid":
		return rapid.SampledFrom(append(slices.Clone(g.ids), "01900000-0000-7000-8000-000000000000")).Draw(g.rt, label)
	case "email":
		return "someone@example.ru"
	}
	lo, hi := 0, 20
	if s.MinLength > 0 {
		lo = int(s.MinLength)
	}
	if s.MaxLength != nil {
		hi = min(int(*s.MaxLength), lo+20)
	}
	str := rapid.StringOfN(rapid.RuneFrom([]rune("аб вгд ежзabc 019@.-+")), lo, hi, -1).Draw(g.rt, label)
	if s.Pattern == `\S` && strings.TrimSpace(str) == "" {
		str += "я"
	}
	return str
}

// Without credentials, malformed input is not looked at: 401 comes first,
// so a caller who has not signed in learns nothing of the API's rules.
func TestUnauthenticatedFirst(t *testing.T) {
	h := newHarness(t, store.SQLite)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/tokens?user=%01", ""},
		{http.MethodGet, "/api/v1/audit?limit=abc", ""},
		{http.MethodGet, "/api/v1/requests?q=%01x&status=nope", ""},
		{http.MethodPost, "/api/v1/requests", "{"},
		{http.MethodPut, "/api/v1/me/reminders", "null"},
	} {
		r := h.do(c.method, c.path, raw(c.body), anonymous())
		if r.Code != http.StatusUnauthorized {
			t.Errorf("%s %s %q without credentials: %d, want 401: %s", c.method, c.path, c.body, r.Code, r.Body)
		}
	}
}
