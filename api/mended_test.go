package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// Every text that reaches SQL from outside is clean UTF-8 without NUL, or a
// 400 naming it: PostgreSQL refuses such bytes (a 500 before) and SQLite
// cut the pattern at NUL (?q=%00zzz listed every request).
func TestBadTextRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		for _, tt := range []struct {
			path  string
			field string
		}{
			{"/api/v1/requests?q=%00", "q"},
			{"/api/v1/requests?q=a%00b", "q"},
			{"/api/v1/requests?q=%00zzz", "q"},
			{"/api/v1/requests?q=%FF", "q"},
			{"/api/v1/requests?q=%D0", "q"}, // half of a Cyrillic letter
			{"/api/v1/requests?assignee=%00", "assignee"},
			{"/api/v1/requests?assignee=%FF", "assignee"},
			{"/api/v1/requests?q=%01x", "q"},
			{"/api/v1/requests?q=%zz", "q"},
			{"/api/v1/requests?%FF=1", "query"},
			{"/api/v1/requests?status=closed;", "status"},
			{"/api/v1/requests?type=erasure;", "type"},
			{"/api/v1/requests?status=closed;type=access", "status"},
			{"/api/v1/requests?q=x&sort=due;", "sort"},
			{"/api/v1/requests/" + r.ID + "/timeline?after=%00", "after"},
			{"/api/v1/dashboard?top=%FF", "top"},
			{"/api/v1/requests/%00", "id"},
			{"/api/v1/requests/%FF", "id"},
			{"/api/v1/requests/%FF/timeline", "id"},
			{"/api/v1/calendar/%00", "year"},
		} {
			t.Run(tt.path, func(t *testing.T) {
				res := h.do("GET", tt.path, nil)
				wantStatus(t, res, http.StatusBadRequest)
				p := res.problem(t)
				if len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
					t.Fatalf("problem %+v does not name %q", p, tt.field)
				}
			})
		}
		// A ';' sent as %3B is a character of the value, not a separator.
		res := h.do("GET", "/api/v1/requests?q=%D0%B8%D0%B2%D0%B0%D0%BD%3B", nil)
		wantStatus(t, res, http.StatusOK)
		var list RequestList
		res.decode(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("?q=иван; matched %d requests", len(list.Items))
		}
		res = h.do("GET", "/api/v1/requests?q=%D0%B8%D0%B2%D0%B0%D0%BD", nil)
		wantStatus(t, res, http.StatusOK)
		res.decode(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("?q=иван matched %d requests, want 1", len(list.Items))
		}
		// Headers that are stored.
		for _, key := range []string{"key\xff", "ke\x00y", "ключ"} {
			res := h.do("POST", "/api/v1/requests", accessBody("А", "a@example.ru", "2026-11-20"), header("Idempotency-Key", key))
			wantStatus(t, res, http.StatusBadRequest)
			if p := res.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
				t.Fatalf("problem %+v does not name Idempotency-Key", p)
			}
		}
		h.wantCount(t, 1)
	})
}

// Invalid UTF-8 in a JSON body was stored as U+FFFD: the raw bytes are
// checked before decoding. A NUL (\u0000) is refused too.
func TestBodyTextRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		for _, tt := range []struct {
			method, path, body, field string
		}{
			{"POST", "/api/v1/requests", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"Ив\xd0н","email":"a@example.ru"}}`, "subject.name"},
			{"POST", "/api/v1/requests", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"\xff","email":"a@example.ru"}}`, "subject.name"},
			{"POST", "/api/v1/requests", `{"type":"access","channel":"email","received_at":"2026-11-20","summary":"ok","subject":{"name":"A","email":"a@example.ru"},"identity":{"relation":"x\xc3"}}`, "identity.relation"},
			{"POST", "/api/v1/requests", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"A\u0000B","email":"a@example.ru"}}`, "subject.name"},
			{"POST", "/api/v1/requests", `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"A","email":"a@example.ru"},"summary":"\u0000"}`, "summary"},
			{"POST", "/api/v1/requests", `{"ty\xffpe":"access"}`, "ty\ufffdpe"},
			{"POST", "/api/v1/requests/" + r.ID + "/notes", `{"text":"заметка \xe2\x82"}`, "text"},
			{"POST", "/api/v1/requests/" + r.ID + "/assign", `{"assignee":"\u0000"}`, "assignee"},
			{"PATCH", "/api/v1/requests/" + r.ID, `{"subject":{"name":"\xc0\xaf"}}`, "subject.name"},
			{"PATCH", "/api/v1/requests/" + r.ID, `{"summary":"a\u0000"}`, "summary"},
			{"POST", "/api/v1/deadlines/preview", `{"type":"access","trigger":"2026-11-20","time_zone":"Europe/Moscow\xff"}`, "time_zone"},
		} {
			t.Run(tt.field, func(t *testing.T) {
				opts := []opt{}
				if tt.method == "PATCH" {
					opts = append(opts, header("If-Match", `"1"`), header("Content-Type", "application/merge-patch+json"))
				}
				// The bodies spell raw bytes as \xNN (JSON's own escapes stay).
				body := rawByte.ReplaceAllStringFunc(tt.body, func(m string) string {
					b, _ := strconv.ParseUint(m[2:], 16, 8)
					return string([]byte{byte(b)})
				})
				res := h.do(tt.method, tt.path, raw(body), opts...)
				wantStatus(t, res, http.StatusBadRequest)
				p := res.problem(t)
				if len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
					t.Fatalf("problem %+v does not name %q", p, tt.field)
				}
			})
		}
		h.wantCount(t, 1)
		got := h.do("GET", "/api/v1/requests/"+r.ID, nil).request(t)
		if got.Version != 1 || got.Subject.Name != "Иван Петров" {
			t.Fatalf("the request changed: %+v", got)
		}
		tl := h.do("GET", "/api/v1/requests/"+r.ID+"/timeline", nil)
		if strings.Contains(string(tl.Body), "\ufffd") || strings.Contains(string(tl.Body), "заметка") {
			t.Fatalf("a refused note reached the timeline: %s", tl.Body)
		}
	})
}

var rawByte = regexp.MustCompile(`\\x[0-9a-f]{2}`)

func (h *harness) wantCount(t *testing.T, n int) {
	t.Helper()
	var list RequestList
	h.do("GET", "/api/v1/requests?limit=200", nil).decode(t, &list)
	if len(list.Items) != n {
		t.Fatalf("%d requests stored, want %d", len(list.Items), n)
	}
}

// The answer's date decides on_time, through the API.
func TestAnswerDateDecidesOnTime(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.clock.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, moscow))
		r := h.create(t, accessBody("Субъект", "s@example.ru", "2026-04-30T10:00:00+03:00"))
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}), http.StatusOK)
		h.clock.Set(time.Date(2026, 5, 25, 11, 0, 0, 0, moscow))
		res := h.do("POST", "/api/v1/requests/"+r.ID+"/answer", map[string]any{"outcome": "fulfilled", "date": "2026-05-15", "text": "Сведения направлены"})
		wantStatus(t, res, http.StatusOK)
		got := res.request(t)
		o := got.Obligations[0]
		if o.DueDate != "2026-05-18" || o.OnTime == nil || !*o.OnTime || got.Answer.Date != "2026-05-15" ||
			o.DoneOn == nil || *o.DoneOn != "2026-05-15" ||
			o.DoneAt == nil || *o.DoneAt != "2026-05-25T11:00:00+03:00" {
			t.Fatalf("answered %+v %+v", o, got.Answer)
		}
	})
}

// Without If-Match an action applies to the latest version: 50 parallel
// assigns all succeed (20-37 of them answered 412 before).
func TestActionsWithoutIfMatchUnderContention(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Субъект", "c@example.ru", "2026-11-20T10:00:00+03:00"))
		const n = 50
		for i := range n {
			h.mustUser(t, fmt.Sprintf("a%02d@example.ru", i), srok.RoleOperator)
			h.mustUser(t, fmt.Sprintf("b%02d@example.ru", i), srok.RoleOperator)
		}
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = h.exchange(t, false, "POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": fmt.Sprintf("a%02d@example.ru", i)}).Code
			}()
		}
		wg.Wait()
		for i, c := range codes {
			if c != http.StatusOK {
				t.Errorf("assign %d: %d", i, c)
			}
		}
		got := h.do("GET", "/api/v1/requests/"+r.ID, nil).request(t)
		if got.Version != 1+n {
			t.Fatalf("version %d, want %d", got.Version, 1+n)
		}
		// With If-Match it is checked as before: one wins.
		won := 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = h.exchange(t, false, "POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": fmt.Sprintf("b%02d@example.ru", i)},
					header("If-Match", fmt.Sprintf(`"%d"`, got.Version))).Code
			}()
		}
		wg.Wait()
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				won++
			case http.StatusPreconditionFailed:
			default:
				t.Errorf("versioned assign: %d", c)
			}
		}
		if won != 1 {
			t.Fatalf("%d versioned assigns won, want 1", won)
		}
	})
}

// If-Match: * matches any current version (RFC 9110 section 13.1.1).
func TestIfMatchAny(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Субъект", "c@example.ru", "2026-11-20T10:00:00+03:00"))
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}, header("If-Match", "*")), http.StatusOK)
		res := h.do("PATCH", "/api/v1/requests/"+r.ID, map[string]any{"summary": "уточнено"},
			header("If-Match", "*"), header("Content-Type", "application/merge-patch+json"))
		wantStatus(t, res, http.StatusOK)
		if got := res.request(t); got.Version != 3 || got.Summary != "уточнено" || res.Header.Get("ETag") != `"3"` {
			t.Fatalf("after PATCH with If-Match: * %+v", got)
		}
		// Still: no If-Match on PATCH is a 428, a wrong one a 400, a stale one a 412.
		wantStatus(t, h.do("PATCH", "/api/v1/requests/"+r.ID, map[string]any{"summary": "x"}), http.StatusPreconditionRequired)
		wantStatus(t, h.do("PATCH", "/api/v1/requests/"+r.ID, map[string]any{"summary": "x"}, header("If-Match", "**")), http.StatusBadRequest)
		wantStatus(t, h.do("PATCH", "/api/v1/requests/"+r.ID, map[string]any{"summary": "x"}, header("If-Match", `"2"`)), http.StatusPreconditionFailed)
		// And * does not conjure a request that is not there.
		wantStatus(t, h.do("POST", "/api/v1/requests/01900000-0000-7000-8000-000000000000/assign", map[string]any{"assignee": "ivanova@example.ru"}, header("If-Match", "*")), http.StatusNotFound)
	})
}

// Through the API: finished requests keep their terms; a notice before the
// receipt is refused.
func TestFrozenTermsAndNoticeThroughAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		res := h.do("POST", "/api/v1/requests/"+r.ID+"/extend", map[string]any{"notice_sent_at": "2026-11-19", "reasons": "объём", "channel": "email"})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if p := res.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "notice_sent_at" {
			t.Fatalf("problem %+v", p)
		}
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}), http.StatusOK)
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/answer", map[string]any{"outcome": "fulfilled", "text": "ok"}), http.StatusOK)
		patch := func(body map[string]any) response {
			cur := h.do("GET", "/api/v1/requests/"+r.ID, nil)
			return h.do("PATCH", "/api/v1/requests/"+r.ID, body, header("If-Match", cur.Header.Get("ETag")),
				header("Content-Type", "application/merge-patch+json"))
		}
		res = patch(map[string]any{"received_at": "2026-11-23T10:00:00+03:00"})
		wantStatus(t, res, http.StatusConflict)
		if p := res.problem(t); p.Type != "urn:srok:problem:conflict:terms_frozen" || len(p.Errors) != 1 || p.Errors[0].Field != "received_at" {
			t.Fatalf("problem %+v", p)
		}
		res = patch(map[string]any{"subject": map[string]any{"name": "Иван Петрович Петров"}})
		wantStatus(t, res, http.StatusOK)
		if got := res.request(t); got.Subject.Name != "Иван Петрович Петров" || got.ReceivedAt != "2026-11-20T10:00:00+03:00" {
			t.Fatalf("after the correction %+v", got)
		}
	})
}

// A client's X-Request-Id is echoed and logged only when it is a short id
// of safe characters.
func TestRequestIDIsBounded(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
		long := strings.Repeat("a", 100<<10)
		for _, tt := range []struct {
			sent string
			keep bool
		}{
			{"", false},
			{"ivan.petrov@example.ru", false},
			{long, false},
			{"id with spaces", false},
			{"Иван", false},
			{strings.Repeat("b", 65), false},
			{"6f1c3e2a-8b4d-4c7e-9f21-5a0d3b6e8c47", true},
			{"lb:req_123.4", true},
			{strings.Repeat("c", 64), true},
		} {
			res := h.do("GET", "/healthz", nil, header("X-Request-Id", tt.sent))
			got := res.Header.Get("X-Request-Id")
			if tt.keep && got != tt.sent {
				t.Errorf("X-Request-Id %q came back as %q", tt.sent, got)
			}
			if !tt.keep && !generated.MatchString(got) {
				t.Errorf("X-Request-Id %.40q came back as %.40q, want a new id", tt.sent, got)
			}
		}
		logs := h.logs.String()
		if strings.Contains(logs, "ivan.petrov@example.ru") || strings.Contains(logs, long[:1000]) || strings.Contains(logs, "Иван") {
			t.Fatalf("a client's request id reached the log:\n%.2000s", logs)
		}
		for _, line := range strings.Split(logs, "\n") {
			if len(line) > 1000 {
				t.Fatalf("a %d-byte log line", len(line))
			}
		}
	})
}

// HEAD answers on every GET route with the GET's status and headers and no
// body; monitors and load balancers use it.
func TestHead(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.create(t, accessBody("Субъект", "c@example.ru", "2026-11-20T10:00:00+03:00"))
		for _, tt := range []struct {
			path string
			code int
		}{
			{"/healthz", 200},
			{"/readyz", 200},
			{"/api/v1/openapi.yaml", 200},
			{"/api/v1/requests", 200},
			{"/api/v1/requests/" + r.ID, 200},
			{"/api/v1/requests/" + r.ID + "/timeline", 200},
			{"/api/v1/dashboard", 200},
			{"/api/v1/calendar/2026", 200},
			{"/api/v1/requests/01900000-0000-7000-8000-000000000000", 404},
			{"/api/v1/requests?bogus=1", 400},
		} {
			get := h.exchange(t, false, "GET", tt.path, nil)
			head := h.exchange(t, false, "HEAD", tt.path, nil)
			if get.Code != tt.code || head.Code != tt.code {
				t.Errorf("%s: GET %d, HEAD %d, want %d", tt.path, get.Code, head.Code, tt.code)
			}
			if len(head.Body) != 0 {
				t.Errorf("HEAD %s has a body: %.100s", tt.path, head.Body)
			}
			for _, k := range []string{"Content-Type", "ETag"} {
				if get.Header.Get(k) != head.Header.Get(k) {
					t.Errorf("HEAD %s: %s %q, GET %q", tt.path, k, head.Header.Get(k), get.Header.Get(k))
				}
			}
		}
		// A route without GET still refuses HEAD.
		if res := h.exchange(t, false, "HEAD", "/api/v1/requests/"+r.ID+"/assign", nil); res.Code != http.StatusMethodNotAllowed {
			t.Errorf("HEAD on a POST route: %d, want 405", res.Code)
		}
	})
}
