package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

var (
	moscow   = storetest.Moscow
	testCal  = storetest.Calendar
	fixedNow = storetest.Start // Wed
)

// harness is the real router on a real database with a settable clock;
// every response is checked against api/openapi.yaml.
type harness struct {
	t        testing.TB
	h        http.Handler
	st       *store.Store
	clock    *storetest.Clock
	ct       *contract
	logs     *syncBuffer
	accounts *account.Service
	audit    *audit.Service
	// token is an administrator's API token, sent with every exchange that
	// sets no Authorization of its own (see anonymous).
	token string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t *testing.T, d store.Dialect) *harness {
	t.Helper()
	// On PostgreSQL the API is served as a role that owns nothing, as in
	// production with SROK_MIGRATE_DATABASE_URL.
	st, _ := storetest.MustOpenServing(t, d)
	return newHarnessOn(t, st)
}

func newHarnessOn(t testing.TB, st *store.Store) *harness {
	clock := storetest.NewClock(fixedNow)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, &suiteLogs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	trail := audit.NewService(st, clock.Now)
	accounts := account.NewService(st, clock.Now, account.WithPasswordParams(cheapPasswords), account.WithAudit(trail))
	reg := register.NewService(st, testCal, moscow, clock.Now, register.WithUsers(accounts), register.WithAudit(trail))
	org := organisation.NewService(st, trail, clock.Now)
	lettersOf := organisation.NewLetters(org, reg)
	emails := intake.NewService(st, intake.WithClock(clock.Now), intake.WithAudit(trail), intake.WithReaders(reg))
	h := &harness{t: t, st: st, clock: clock, ct: newContract(t), logs: logs, accounts: accounts, audit: trail,
		h: newRouter(Config{Register: reg, Calendar: testCal, Accounts: accounts, Audit: trail, Health: st, Log: log, Now: clock.Now,
			Emails:       emails,
			Feeds:        feeds.NewService(st, trail, testCal, feedBase, clock.Now),
			Organisation: org, Letters: lettersOf, Issuer: organisation.NewIssuer(lettersOf, reg, st),
			AckTemplates: remind.NewAckTemplates(st, trail, clock.Now),
			Evidence: &evidence.Packer{Register: reg, Emails: emails, Audit: trail, Entries: st, Now: clock.Now,
				Letters: organisation.EvidenceLetters{Store: st}}})}
	h.token = h.mustToken(t, "admin@example.ru", srok.RoleAdmin, srok.ScopeFull)
	h.mustUser(t, "ivanova@example.ru", srok.RoleOfficer)
	h.mustUser(t, "petrov@example.ru", srok.RoleOfficer)
	return h
}

// mustUser creates the user email with role unless it exists.
func (h *harness) mustUser(t testing.TB, email string, role srok.Role) account.User {
	t.Helper()
	ctx := srok.WithActor(context.Background(), srok.System)
	u, err := h.accounts.UserByEmail(ctx, email)
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		u, err = h.accounts.CreateUser(ctx, account.UserInput{Email: email, Name: "User " + string(role), Role: role,
			Password: "correct horse battery staple"})
	}
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// cheapPasswords make the tests' password hashes fast.
var cheapPasswords = account.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// mustToken creates the user email with role (if missing) and returns a new
// API token of theirs with scope.
func (h *harness) mustToken(t testing.TB, email string, role srok.Role, scope srok.Scope) string {
	t.Helper()
	ctx := srok.WithActor(context.Background(), srok.System)
	h.mustUser(t, email, role)
	secret, _, err := h.accounts.CreateToken(ctx, account.TokenInput{UserEmail: email, Name: "test " + string(role) + " " + string(scope), Scope: scope})
	if err != nil {
		t.Fatalf("token for %s: %v", email, err)
	}
	return secret
}

// newRouter is the API on the shared server, as cmd/srok composes it.
func newRouter(cfg Config) *echo.Echo {
	var auth httpx.Authenticator
	if a, ok := cfg.Accounts.(httpx.Authenticator); ok {
		auth = a
	}
	e := httpx.New(httpx.Options{Log: cfg.Log, Auth: auth, Public: PublicPaths})
	Mount(e, cfg)
	return e
}

// forEachDB runs fn on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newHarness(t, d))
		})
	}
}

type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r response) request(t *testing.T) Request {
	t.Helper()
	var out Request
	r.decode(t, &out)
	return out
}

func (r response) problem(t *testing.T) httpx.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != httpx.MediaProblem {
		t.Fatalf("content type %q, want %s; body %s", ct, httpx.MediaProblem, r.Body)
	}
	var p httpx.Problem
	r.decode(t, &p)
	if p.Type == "" || p.Detail == "" || p.Status != r.Code {
		t.Fatalf("incomplete problem %+v", p)
	}
	return p
}

// opt changes one exchange.
type opt func(*http.Request)

func header(k, v string) opt { return func(r *http.Request) { r.Header.Set(k, v) } }

// anonymous sends no credentials.
func anonymous() opt { return header("Authorization", "-") }

// as sends token's credentials.
func as(token string) opt { return header("Authorization", "Bearer "+token) }

// raw sends body as is (with content type JSON unless overridden).
type raw string

func (h *harness) do(method, path string, body any, opts ...opt) response {
	h.t.Helper()
	return h.exchange(h.t, true, method, path, body, opts...)
}

func (h *harness) exchange(t testing.TB, contractCheck bool, method, path string, body any, opts ...opt) response {
	t.Helper()
	var b []byte
	switch x := body.(type) {
	case nil:
	case raw:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(x); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	for _, o := range opts {
		o(req)
	}
	if req.Header.Get("Authorization") == "-" {
		req.Header.Del("Authorization")
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	if contractCheck {
		h.ct.Check(t, req, b, res.StatusCode, res.Header, out)
	}
	return response{Code: res.StatusCode, Header: res.Header, Body: out}
}

func wantStatus(t *testing.T, r response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d; body %s", r.Code, code, r.Body)
	}
}

func accessBody(name, email, received string) map[string]any {
	return map[string]any{"type": "access", "channel": "email", "received_at": received,
		"subject": map[string]any{"name": name, "email": email}}
}

func (h *harness) create(t *testing.T, body any) Request {
	t.Helper()
	r := h.do("POST", "/api/v1/requests", body)
	wantStatus(t, r, http.StatusCreated)
	return r.request(t)
}

func TestRequestLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "/api/v1/requests", map[string]any{
			"type": "access", "channel": "post", "received_at": "2026-11-20T10:00:00+03:00",
			"subject":        map[string]any{"name": "Иван Петров", "email": "ivan@example.ru", "postal_address": "Москва"},
			"representative": map[string]any{"name": "Пётр", "authority": "доверенность 1"},
			"identity":       map[string]any{"document_number": "4510 123456", "document_date": "2015-01-02", "verified": true},
			"summary":        "Запрос сведений",
		})
		wantStatus(t, r, http.StatusCreated)
		req := r.request(t)
		if r.Header.Get("Location") != "/api/v1/requests/"+req.ID || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("headers %v", r.Header)
		}
		if req.Number != "2026-000001" || req.AnswerForm != "post" || req.Status != "new" || len(req.Obligations) != 1 {
			t.Fatalf("created %+v", req)
		}
		o := req.Obligations[0]
		if o.DueDate != "2026-12-04" || *o.ExtendedDueDate != "2026-12-11" || o.DueAt != "2026-12-05T00:00:00+03:00" {
			t.Fatalf("obligation %+v", o)
		}
		if req.Identity.DocumentDate == nil || *req.Identity.DocumentDate != "2015-01-02" || !req.Identity.Verified {
			t.Errorf("identity %+v", req.Identity)
		}
		path := "/api/v1/requests/" + req.ID
		g := h.do("GET", path, nil)
		wantStatus(t, g, http.StatusOK)
		if !bytes.Equal(g.Body, r.Body) {
			t.Errorf("GET differs from POST:\n%s\n%s", g.Body, r.Body)
		}

		// PATCH needs the version, refuses a stale one, merges nested objects.
		patch := map[string]any{"subject": map[string]any{"phone": "+7 912 000-00-00"}, "summary": nil}
		wantStatus(t, h.do("PATCH", path, patch), http.StatusPreconditionRequired)
		wantStatus(t, h.do("PATCH", path, patch, header("If-Match", `"7"`)), http.StatusPreconditionFailed)
		p := h.do("PATCH", path, patch, header("If-Match", `"1"`), header("Content-Type", "application/merge-patch+json"))
		wantStatus(t, p, http.StatusOK)
		pr := p.request(t)
		if pr.Version != 2 || p.Header.Get("ETag") != `"2"` || pr.Subject.Phone != "+7 912 000-00-00" ||
			pr.Subject.Name != "Иван Петров" || pr.Summary != "" || pr.Representative == nil {
			t.Fatalf("patched %+v", pr)
		}
		pp := h.do("PATCH", path, map[string]any{"representative": nil}, header("If-Match", `"2"`))
		wantStatus(t, pp, http.StatusOK)
		if pp.request(t).Representative != nil {
			t.Error("representative not removed by null")
		}
		// A later receipt time moves the deadline.
		rc := h.do("PATCH", path, map[string]any{"received_at": "2026-11-23T10:00:00+03:00"}, header("If-Match", `"3"`))
		wantStatus(t, rc, http.StatusOK)
		if d := rc.request(t).Obligations[0].DueDate; d != "2026-12-07" {
			t.Errorf("recomputed due %s, want 2026-12-07", d)
		}
		prob := h.do("PATCH", path, map[string]any{"type": "erasure"}, header("If-Match", `"4"`)).problem(t)
		if prob.Status != 422 || prob.Errors[0].Field != "type" {
			t.Errorf("type change: %+v", prob)
		}
		wantStatus(t, h.do("PATCH", path, map[string]any{"nope": 1}, header("If-Match", `"4"`)), http.StatusBadRequest)
		wantStatus(t, h.do("PATCH", path, raw(`{}`), header("If-Match", `"4"`), header("Content-Type", "text/plain")), http.StatusUnsupportedMediaType)

		// Actions.
		act := func(name string, body any, code int) Request {
			t.Helper()
			r := h.do("POST", path+"/"+name, body)
			wantStatus(t, r, code)
			if code == http.StatusOK {
				return r.request(t)
			}
			p := r.problem(t)
			if code == http.StatusConflict && p.Type != "urn:srok:problem:conflict:transition_forbidden" {
				t.Errorf("%s: problem type %s", name, p.Type)
			}
			return Request{}
		}
		act("answer", map[string]any{"outcome": "fulfilled", "text": "ok"}, http.StatusConflict)
		if a := act("assign", map[string]any{"assignee": "ivanova@example.ru"}, http.StatusOK); a.Status != "in_progress" || a.Assignee != "ivanova@example.ru" {
			t.Fatalf("assigned %+v", a)
		}
		ex := act("extend", map[string]any{"notice_sent_at": "2026-11-25T08:00:00+03:00", "reasons": "объём", "channel": "email"}, http.StatusOK)
		if ex.Extension == nil || !ex.Obligations[0].Extended || ex.Obligations[0].EffectiveDueAt != "2026-12-15T00:00:00+03:00" {
			t.Fatalf("extended %+v", ex.Obligations[0])
		}
		wantStatus(t, h.do("POST", path+"/extend", map[string]any{"notice_sent_at": "2026-11-25T08:00:00+03:00", "reasons": "ещё", "channel": "email"}), http.StatusConflict)
		n := h.do("POST", path+"/notes", map[string]any{"text": "звонил субъект"})
		wantStatus(t, n, http.StatusCreated)
		act("refuse", map[string]any{"outcome": "fulfilled", "text": "x"}, http.StatusUnprocessableEntity)
		ans := act("answer", map[string]any{"outcome": "partially_fulfilled", "date": "2026-11-25", "number": "исх-7", "reference": "письмо"}, http.StatusOK)
		if ans.Status != "answered" || ans.Answer.Outcome != "partially_fulfilled" || ans.Obligations[0].OnTime == nil || !*ans.Obligations[0].OnTime {
			t.Fatalf("answered %+v", ans)
		}
		act("cancel", map[string]any{"reason": "duplicate"}, http.StatusConflict)
		if c := act("close", map[string]any{"note": "готово"}, http.StatusOK); c.Status != "closed" || c.ClosedAt == nil {
			t.Fatalf("closed %+v", c)
		}
		act("assign", map[string]any{"assignee": "ivanova@example.ru"}, http.StatusConflict)

		tl := h.do("GET", path+"/timeline", nil)
		wantStatus(t, tl, http.StatusOK)
		var timeline Timeline
		tl.decode(t, &timeline)
		var kinds []string
		for _, e := range timeline.Items {
			kinds = append(kinds, e.Kind)
		}
		want := "created updated updated updated recomputed assigned extended note answered closed"
		// The note's answer carries the id it is stored under in the timeline.
		var note Event
		n.decode(t, &note)
		if note.ID == 0 || !slices.ContainsFunc(timeline.Items, func(e Event) bool { return e.ID == note.ID && e.Kind == "note" }) {
			t.Errorf("the note answered id %d, not that of a note in the timeline", note.ID)
		}
		if strings.Join(kinds, " ") != want {
			t.Errorf("timeline %v\nwant %s", kinds, want)
		}
		page := h.do("GET", path+"/timeline?limit=3", nil)
		var first Timeline
		page.decode(t, &first)
		if len(first.Items) != 3 || first.NextAfter == nil {
			t.Fatalf("timeline page %+v", first)
		}
		var second Timeline
		h.do("GET", fmt.Sprintf("%s/timeline?after=%d&limit=3", path, *first.NextAfter), nil).decode(t, &second)
		if len(second.Items) != 3 || second.Items[0].ID <= first.Items[2].ID {
			t.Errorf("second page %+v", second)
		}

		// Cancel from new.
		other := h.create(t, accessBody("Другой", "d@example.ru", "2026-11-24"))
		wantStatus(t, h.do("POST", "/api/v1/requests/"+other.ID+"/cancel", map[string]any{"reason": "by mistake"}), http.StatusUnprocessableEntity)
		cr := h.do("POST", "/api/v1/requests/"+other.ID+"/cancel", map[string]any{"reason": "logged_in_error", "note": "тест"}, header("If-Match", `"1"`))
		wantStatus(t, cr, http.StatusOK)
		if c := cr.request(t); c.Status != "cancelled" || c.Obligations[0].Status != "not_applicable" || *c.CancelReason != "logged_in_error" {
			t.Errorf("cancelled %+v", c)
		}
		wantStatus(t, h.do("POST", "/api/v1/requests/"+other.ID+"/notes", map[string]any{"text": "после отмены"}), http.StatusCreated)
	})
}

func TestListAndDashboardHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		mk := func(name, email, received, assignee string) Request {
			b := accessBody(name, email, received)
			b["assignee"] = assignee
			return h.create(t, b)
		}
		cancelled := h.create(t, accessBody("Дарья", "d@example.ru", "2026-11-03T10:00:00+03:00"))
		wantStatus(t, h.do("POST", "/api/v1/requests/"+cancelled.ID+"/cancel", map[string]any{"reason": "withdrawn"}), http.StatusOK)
		overdue := mk("Алексей", "a@example.ru", "2026-11-05T10:00:00+03:00", "ivanova@example.ru")
		today := mk("Борис", "b@example.ru", "2026-11-11T10:00:00+03:00", "ivanova@example.ru")
		soon := mk("Вера", "v@example.ru", "2026-11-13T10:00:00+03:00", "")
		later := mk("Галина", "g@example.ru", "2026-11-24T10:00:00+03:00", "petrov@example.ru")
		names := func(query string) string {
			t.Helper()
			r := h.do("GET", "/api/v1/requests?"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var l RequestList
			r.decode(t, &l)
			var out []string
			for _, x := range l.Items {
				out = append(out, x.Subject.Name)
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"":                               "Галина,Вера,Борис,Алексей,Дарья",
			"overdue=true":                   "Алексей",
			"overdue=false&sort=due":         "Борис,Вера,Галина,Дарья",
			"sort=due&due_before=2026-11-27": "Алексей,Борис,Вера",
			"sort=due&due_after=2026-11-25":  "Борис,Вера,Галина",
			"sort=number":                    "Дарья,Алексей,Борис,Вера,Галина",
			"sort=-number&limit=2":           "Галина,Вера",
			"status=cancelled":               "Дарья",
			"assignee=ivanova@example.ru&sort=received_at": "Алексей,Борис",
			"assignee=":                          "Вера,Дарья",
			"status=new,in_progress&type=access": "Галина,Вера,Борис,Алексей",
			"type=access":                        "Галина,Вера,Борис,Алексей,Дарья",
			"status=answered":                    "",
			"q=ГАЛ":                              "Галина",
			"q=" + later.Number:                  "Галина",
			"received_from=2026-11-11&received_to=2026-11-13&sort=received_at": "Борис,Вера",
			"received_to=2026-11-04":                                     "Дарья",
			"received_from=2026-11-11T10:00:00%2B03:00&sort=received_at": "Борис,Вера,Галина",
		} {
			if got := names(q); got != want {
				t.Errorf("?%s: %s, want %s", q, got, want)
			}
		}
		// Cursor pagination.
		r := h.do("GET", "/api/v1/requests?sort=due&limit=3", nil)
		var p1 RequestList
		r.decode(t, &p1)
		if len(p1.Items) != 3 || p1.NextCursor == nil {
			t.Fatalf("page 1 %+v", p1)
		}
		var p2 RequestList
		h.do("GET", "/api/v1/requests?sort=due&limit=3&cursor="+*p1.NextCursor, nil).decode(t, &p2)
		if len(p2.Items) != 2 || p2.Items[0].ID != later.ID || p2.Items[1].ID != cancelled.ID || p2.NextCursor != nil {
			t.Fatalf("page 2 %+v", p2)
		}
		// Bad parameters name themselves.
		for q, field := range map[string]string{
			"limit=500": "limit", "limit=0": "limit", "sort=name": "sort", "overdue=maybe": "overdue",
			"due_before=31.12.2026": "due_before", "status=open": "status", "type=x": "type",
			"stauts=new": "stauts", "cursor=%21%21": "cursor", "received_from=yesterday": "received_from",
		} {
			r := h.do("GET", "/api/v1/requests?"+q, nil)
			if r.Code != http.StatusBadRequest && r.Code != http.StatusUnprocessableEntity {
				t.Errorf("?%s: status %d", q, r.Code)
				continue
			}
			if p := r.problem(t); len(p.Errors) == 0 || p.Errors[0].Field != field {
				t.Errorf("?%s: problem %+v, want field %s", q, p, field)
			}
		}

		d := h.do("GET", "/api/v1/dashboard?top=5", nil)
		wantStatus(t, d, http.StatusOK)
		var dash Dashboard
		d.decode(t, &dash)
		if dash.Overdue.Count != 1 || dash.DueToday.Count != 1 || dash.DueSoon.Count != 1 ||
			dash.Overdue.Items[0].ID != overdue.ID || dash.DueToday.Items[0].ID != today.ID || dash.DueSoon.Items[0].ID != soon.ID {
			t.Fatalf("dashboard %s", d.Body)
		}
		if dash.Today != "2026-11-25" || dash.SoonUntil != "2026-11-30" || !dash.Overdue.Items[0].Overdue {
			t.Errorf("dashboard dates %s %s", dash.Today, dash.SoonUntil)
		}
		if len(dash.ByAssignee) != 2 || dash.ByAssignee[0].Key != "ivanova@example.ru" || dash.ByAssignee[0].Overdue != 1 {
			t.Errorf("by assignee %+v", dash.ByAssignee)
		}
		wantStatus(t, h.do("GET", "/api/v1/dashboard?top=100", nil), http.StatusBadRequest)
		// A change shows at once, although the dashboard is cached.
		mk("Ефим", "e@example.ru", "2026-11-04T10:00:00+03:00", "petrov@example.ru")
		h.do("GET", "/api/v1/dashboard?top=5", nil).decode(t, &dash)
		if dash.Overdue.Count != 2 {
			t.Fatalf("dashboard after a create: overdue %d, want 2", dash.Overdue.Count)
		}
		// A disabled user's open requests show as "assignee disabled".
		for _, g := range dash.ByAssignee {
			if g.AssigneeDisabled {
				t.Fatalf("%s is disabled before anyone disabled them", g.Key)
			}
		}
		if _, err := h.accounts.DisableUser(srok.WithActor(context.Background(), srok.System), "petrov@example.ru"); err != nil {
			t.Fatal(err)
		}
		h.clock.Set(fixedNow.Add(2 * time.Second)) // past the dashboard's one-second cache
		h.do("GET", "/api/v1/dashboard?top=5", nil).decode(t, &dash)
		disabled := map[string]bool{}
		for _, g := range dash.ByAssignee {
			disabled[g.Key] = g.AssigneeDisabled
		}
		if !disabled["petrov@example.ru"] || disabled["ivanova@example.ru"] {
			t.Fatalf("assignee disabled: %v", disabled)
		}
		// Tomorrow the one due today is overdue.
		h.clock.Set(time.Date(2026, 11, 26, 0, 0, 0, 0, moscow))
		h.do("GET", "/api/v1/dashboard", nil).decode(t, &dash)
		if dash.Overdue.Count != 3 || dash.DueToday.Count != 0 {
			t.Errorf("at midnight: overdue %d, today %d", dash.Overdue.Count, dash.DueToday.Count)
		}
	})
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, store.SQLite)
	valid := `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"И","email":"i@example.ru"}}`
	tests := []struct {
		name   string
		body   string
		ctype  string
		status int
		field  string
	}{
		{"unknown field", `{"type":"access","colour":"red"}`, "", 400, "colour"},
		{"nested unknown field", `{"type":"access","subject":{"nick":"x"}}`, "", 400, "subject.nick"},
		{"wrong type", `{"type":"access","received_at":20261120}`, "", 400, "received_at"},
		{"wrong nested type", `{"type":"access","identity":{"verified":"yes"}}`, "", 400, "identity.verified"},
		{"not an object", `[1,2]`, "", 400, ""},
		{"malformed", `{"type":`, "", 400, ""},
		{"trailing data", valid + `{}`, "", 400, ""},
		{"empty", ``, "", 400, ""},
		{"null", `null`, "", 400, ""},
		{"an array", `[]`, "", 400, ""},
		{"null field", strings.Replace(valid, `"email",`, `null,`, 1), "", 400, "channel"},
		{"form post", `type=access`, "application/x-www-form-urlencoded", 415, "Content-Type"},
		{"no content type", valid, "-", 415, "Content-Type"},
		{"unknown enum", strings.Replace(valid, `"email",`, `"telegram",`, 1), "", 422, "channel"},
		{"malformed date", strings.Replace(valid, `2026-11-20`, `20/11/2026`, 1), "", 422, "received_at"},
		{"impossible date", strings.Replace(valid, `2026-11-20`, `2026-13-01`, 1), "", 422, "received_at"},
		{"too large", `{"summary":"` + strings.Repeat("я", httpx.MaxJSON/2) + `"}`, "", 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []opt
			switch tt.ctype {
			case "":
			case "-":
				opts = append(opts, func(r *http.Request) { r.Header.Del("Content-Type") })
			default:
				opts = append(opts, header("Content-Type", tt.ctype))
			}
			r := h.exchange(t, true, "POST", "/api/v1/requests", raw(tt.body), opts...)
			wantStatus(t, r, tt.status)
			p := r.problem(t)
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("problem %+v, want field %q", p, tt.field)
			}
		})
	}
	var n int
	if err := h.st.SQL().QueryRow("SELECT count(*) FROM requests").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d requests stored from bad input (%v)", n, err)
	}
	for _, path := range []string{"/api/v1/requests/01a214ef-c62a-725c-a810-d86c03cca3cd", "/api/v1/requests/nope",
		"/api/v1/requests/nope/timeline"} {
		r := h.do("GET", path, nil)
		wantStatus(t, r, http.StatusNotFound)
		r.problem(t)
	}
	r := h.exchange(t, false, "GET", "/api/v1/nothing-here", nil)
	wantStatus(t, r, http.StatusNotFound)
	r.problem(t)
	r = h.exchange(t, false, "DELETE", "/api/v1/requests", nil)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	r.problem(t)
}

func TestEngineEndpoints(t *testing.T) {
	h := newHarness(t, store.SQLite)
	r := h.do("GET", "/api/v1/calendar/2026", nil)
	wantStatus(t, r, http.StatusOK)
	var y CalendarYear
	r.decode(t, &y)
	if y.Year != 2026 || y.WorkingDays != 247 || len(y.Days) != 365 || y.Decree == nil {
		t.Fatalf("calendar %d: %d working days, %d days", y.Year, y.WorkingDays, len(y.Days))
	}
	cy, _ := testCal.Year(2026)
	days, _ := testCal.Days(2026)
	same, _ := json.Marshal(NewCalendarYear(cy, days))
	if !bytes.Equal(bytes.TrimSpace(r.Body), same) {
		t.Error("the REST calendar differs from the CLI's JSON")
	}
	wantStatus(t, h.do("GET", "/api/v1/calendar/1990", nil), http.StatusNotFound)
	wantStatus(t, h.do("GET", "/api/v1/calendar/twenty", nil), http.StatusBadRequest)

	p := h.do("POST", "/api/v1/deadlines/preview", map[string]any{"type": "access", "trigger": "2026-11-20T10:00:00+03:00"})
	wantStatus(t, p, http.StatusOK)
	var pv DeadlinePreview
	p.decode(t, &pv)
	if pv.TimeZone != "Europe/Moscow" || len(pv.Obligations) != 1 || pv.Obligations[0].DueDate != "2026-12-04" {
		t.Fatalf("preview %s", p.Body)
	}
	ext := h.do("POST", "/api/v1/deadlines/preview", map[string]any{"type": "access", "trigger": "2026-11-20", "time_zone": "Asia/Kamchatka", "extended": true})
	ext.decode(t, &pv)
	if pv.Obligations[0].DueDate != "2026-12-11" {
		t.Errorf("extended preview %s", ext.Body)
	}
	for body, field := range map[string]string{
		`{"type":"incident","trigger":"2026-11-20"}`:                       "trigger",
		`{"type":"nope","trigger":"2026-11-20"}`:                           "type",
		`{"type":"access","trigger":"2026-11-20","time_zone":"Mars/Base"}`: "time_zone",
		`{"type":"access","trigger":"1990-01-01"}`:                         "trigger",
	} {
		r := h.do("POST", "/api/v1/deadlines/preview", raw(body))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if pr := r.problem(t); pr.Errors[0].Field != field {
			t.Errorf("%s: %+v", body, pr)
		}
	}
	wantStatus(t, h.do("GET", "/healthz", nil), http.StatusOK)
	wantStatus(t, h.do("GET", "/readyz", nil), http.StatusOK)
	o := h.do("GET", "/api/v1/openapi.yaml", nil)
	wantStatus(t, o, http.StatusOK)
	if !bytes.Equal(o.Body, OpenAPI) {
		t.Error("served OpenAPI differs from the embedded document")
	}
}

func TestConcurrentPatchOneWins(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.h)
		defer srv.Close()
		req := h.create(t, accessBody("К", "k@example.ru", "2026-11-24"))
		const n = 20
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"summary":"правка %d"}`, i)
				rq, _ := http.NewRequest("PATCH", srv.URL+"/api/v1/requests/"+req.ID, strings.NewReader(body))
				rq.Header.Set("Content-Type", "application/merge-patch+json")
				rq.Header.Set("If-Match", `"1"`)
				rq.Header.Set("Authorization", "Bearer "+h.token)
				res, err := srv.Client().Do(rq)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				codes[i] = res.StatusCode
			}()
		}
		wg.Wait()
		won, stale := 0, 0
		for _, c := range codes {
			switch c {
			case 200:
				won++
			case 412:
				stale++
			default:
				t.Errorf("status %d", c)
			}
		}
		if won != 1 || stale != n-1 {
			t.Fatalf("%d won, %d stale; want 1 and %d", won, stale, n-1)
		}
		if got := h.do("GET", "/api/v1/requests/"+req.ID, nil).request(t); got.Version != 2 {
			t.Errorf("version %d after one winning PATCH", got.Version)
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.h)
		defer srv.Close()
		body, _ := json.Marshal(accessBody("Идем", "idem@example.ru", "2026-11-24T10:00:00+03:00"))
		const n = 100
		ids := make([]string, n)
		var replays sync.Map
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rq, _ := http.NewRequest("POST", srv.URL+"/api/v1/requests", bytes.NewReader(body))
				rq.Header.Set("Content-Type", "application/json")
				rq.Header.Set("Idempotency-Key", "form-42")
				rq.Header.Set("Authorization", "Bearer "+h.token)
				res, err := srv.Client().Do(rq)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				var r Request
				if res.StatusCode != http.StatusCreated {
					b, _ := io.ReadAll(res.Body)
					t.Errorf("status %d: %s", res.StatusCode, b)
					return
				}
				_ = json.NewDecoder(res.Body).Decode(&r)
				ids[i] = r.ID
				if res.Header.Get("Idempotent-Replayed") == "true" {
					replays.Store(i, true)
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if ids[i] == "" || ids[i] != ids[0] {
				t.Fatalf("response %d has id %q, response 0 %q", i, ids[i], ids[0])
			}
		}
		count := 0
		replays.Range(func(any, any) bool { count++; return true })
		if count != n-1 {
			t.Errorf("%d replays, want %d", count, n-1)
		}
		var stored int
		if err := h.st.SQL().QueryRow("SELECT count(*) FROM requests").Scan(&stored); err != nil || stored != 1 {
			t.Fatalf("%d requests stored, want 1 (%v)", stored, err)
		}
		// The same key with another body is a conflict, with spacing ignored.
		r := h.do("POST", "/api/v1/requests", raw(" "+string(body)+"\n"), header("Idempotency-Key", "form-42"))
		wantStatus(t, r, http.StatusCreated)
		other := accessBody("Другой", "other@example.ru", "2026-11-24")
		c := h.do("POST", "/api/v1/requests", other, header("Idempotency-Key", "form-42"))
		wantStatus(t, c, http.StatusConflict)
		if p := c.problem(t); p.Type != "urn:srok:problem:conflict:idempotency_key_reused" {
			t.Errorf("problem %+v", p)
		}
		wantStatus(t, h.do("POST", "/api/v1/requests", other, header("Idempotency-Key", strings.Repeat("k", 300))), http.StatusBadRequest)
	})
}

func TestNoPersonalDataInLogs(t *testing.T) {
	h := newHarness(t, store.SQLite)
	req := h.create(t, accessBody("Секретная Фамилия", "secret.person@example.ru", "2026-11-24"))
	h.do("GET", "/api/v1/requests?q=Секретная", nil)
	h.do("GET", "/api/v1/requests?q=secret.person%40example.ru", nil)
	h.do("POST", "/api/v1/requests", raw(`{"type":"access","subject":{"name":"Секретная Фамилия","email":"bad"}}`))
	h.do("PATCH", "/api/v1/requests/"+req.ID, map[string]any{"subject": map[string]any{"name": "Секретная Другая"}}, header("If-Match", `"1"`))
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/requests"`) {
		t.Fatalf("no access log written: %s", logs)
	}
	for _, pd := range []string{"Секретная", "secret.person", "Фамилия", "%D0%A1"} {
		if strings.Contains(logs, pd) {
			t.Errorf("log carries personal data %q:\n%s", pd, logs)
		}
	}
}

func TestDatabaseOutageHTTP(t *testing.T) {
	srv, st := storetest.MustOwnPostgres(t)
	h := newHarnessOn(t, st)
	req := h.create(t, accessBody("О", "o@example.ru", "2026-11-24"))
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{
		h.do("GET", "/api/v1/requests/"+req.ID, nil),
		h.do("POST", "/api/v1/requests", accessBody("Н", "n@example.ru", "2026-11-24")),
		h.do("GET", "/api/v1/dashboard", nil),
		h.do("GET", "/readyz", nil),
	} {
		wantStatus(t, r, http.StatusServiceUnavailable)
		if r.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		if p := r.problem(t); strings.Contains(p.Detail, "127.0.0.1") || strings.Contains(p.Detail, "SQLSTATE") {
			t.Errorf("503 shows internals: %s", p.Detail)
		}
	}
	wantStatus(t, h.do("GET", "/healthz", nil, anonymous()), http.StatusOK) // liveness asks nothing of the database
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var code int
	for range 50 {
		if code = h.do("GET", "/readyz", nil).Code; code == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("readyz %d after the database came back", code)
	}
	wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID, nil), http.StatusOK)
	h.create(t, accessBody("Н", "n@example.ru", "2026-11-24"))
}
