package api

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/api/httpx"
	apiclient "github.com/srok/srok/pkg/client"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// TestGeneratedClient drives the real router over HTTP with the client that
// oapi-codegen generates from api/openapi.yaml (package apiclient): the
// document is only as good as what a stranger's tooling makes of it. The
// typed client must send what the server takes and parse what it answers,
// nullable fields and problems included.
func TestGeneratedClient(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()),
			apiclient.WithRequestEditorFn(bearer(h.token)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()

		// Without a token: a 401 problem, parsed into the generated type,
		// with the challenge.
		anon, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		ur, err := anon.GetDashboardWithResponse(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ur.StatusCode() != http.StatusUnauthorized || ur.ApplicationproblemJSON401 == nil || ur.JSON200 != nil {
			t.Fatalf("without a token: status %d, body %s", ur.StatusCode(), ur.Body)
		}
		if p := ur.ApplicationproblemJSON401; p.Type != "urn:srok:problem:unauthenticated" || p.Status != http.StatusUnauthorized || p.Detail == "" {
			t.Errorf("without a token: problem %+v", *p)
		}
		if got := ur.HTTPResponse.Header.Get("WWW-Authenticate"); got != `Bearer realm="srok"` {
			t.Errorf("without a token: WWW-Authenticate %q", got)
		}
		// The public operations need none.
		if hr, err := anon.HealthzWithResponse(ctx); err != nil || hr.StatusCode() != http.StatusOK || hr.JSON200 == nil {
			t.Errorf("healthz without a token: %v %+v", err, hr)
		}

		in := apiclient.RequestInput{
			Type:       apiclient.RequestTypeAccess,
			Channel:    apiclient.ChannelEmail,
			ReceivedAt: new(apiclient.Trigger("2026-11-20T10:00:00+03:00")), // a Friday, before the fixed clock
			Subject:    &apiclient.SubjectInput{Name: new("Иван Петров"), Email: new("ivan@example.ru")},
		}
		key := "generated-client-1"
		cr, err := c.CreateRequestWithResponse(ctx, &apiclient.CreateRequestParams{IdempotencyKey: &key}, in)
		if err != nil {
			t.Fatal(err)
		}
		if cr.StatusCode() != http.StatusCreated || cr.JSON201 == nil || cr.Headers201 == nil {
			t.Fatalf("create: status %d, body %s", cr.StatusCode(), cr.Body)
		}
		created := cr.JSON201
		checkGeneratedRequest(t, "create", created)
		path := "/api/v1/requests/" + created.Id.String()
		if hd := cr.Headers201; hd.ETag != `"1"` || hd.Location != path || hd.IdempotentReplayed != nil {
			t.Errorf("create headers %+v", *hd)
		}

		// The same key and body again: the first request, replayed.
		rr, err := c.CreateRequestWithResponse(ctx, &apiclient.CreateRequestParams{IdempotencyKey: &key}, in)
		if err != nil {
			t.Fatal(err)
		}
		if rr.StatusCode() != http.StatusCreated || rr.JSON201 == nil || rr.JSON201.Id != created.Id ||
			rr.Headers201 == nil || rr.Headers201.IdempotentReplayed == nil || *rr.Headers201.IdempotentReplayed != "true" {
			t.Errorf("replay: status %d, headers %+v, body %s", rr.StatusCode(), rr.Headers201, rr.Body)
		}

		gr, err := c.GetRequestWithResponse(ctx, created.Id)
		if err != nil {
			t.Fatal(err)
		}
		if gr.StatusCode() != http.StatusOK || gr.JSON200 == nil || gr.Headers200 == nil {
			t.Fatalf("get: status %d, body %s", gr.StatusCode(), gr.Body)
		}
		got := gr.JSON200
		checkGeneratedRequest(t, "get", got)
		if got.Id != created.Id || got.Number != created.Number || got.Version != created.Version {
			t.Errorf("get: id %s number %s version %d, created %s %s %d",
				got.Id, got.Number, got.Version, created.Id, created.Number, created.Version)
		}
		if gr.Headers200.ETag != `"1"` {
			t.Errorf("get: ETag %q, want \"1\"", gr.Headers200.ETag)
		}

		// No subject: a 422 problem naming the field, parsed into the
		// generated type.
		bad := in
		bad.Subject = nil
		br, err := c.CreateRequestWithResponse(ctx, nil, bad)
		if err != nil {
			t.Fatal(err)
		}
		if br.StatusCode() != http.StatusUnprocessableEntity || br.ApplicationproblemJSON422 == nil {
			t.Fatalf("create without subject: status %d, body %s", br.StatusCode(), br.Body)
		}
		if ct := br.HTTPResponse.Header.Get("Content-Type"); ct != httpx.MediaProblem {
			t.Errorf("create without subject: Content-Type %q, want %s", ct, httpx.MediaProblem)
		}
		p := br.ApplicationproblemJSON422
		if p.Type != "urn:srok:problem:validation" || p.Status != http.StatusUnprocessableEntity || p.Detail == "" || p.Errors == nil {
			t.Fatalf("create without subject: problem %+v", *p)
		}
		var named bool
		for _, fe := range *p.Errors {
			named = named || fe.Field == "subject.name" && fe.Problem != ""
		}
		if !named {
			t.Errorf("create without subject: errors %+v do not name subject.name", *p.Errors)
		}
	})
}

// TestGeneratedClientAccounts drives /me, the tokens and the audit trail
// through the generated client: its types must parse what the server
// answers, nullable fields included.
func TestGeneratedClientAccounts(t *testing.T) {
	h := newHarness(t, store.SQLite)
	srv := httptest.NewServer(h.contractChecked(t))
	t.Cleanup(srv.Close)
	c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()),
		apiclient.WithRequestEditorFn(bearer(h.token)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	me, err := c.GetMeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.StatusCode() != http.StatusOK || me.JSON200 == nil {
		t.Fatalf("me: status %d, body %s", me.StatusCode(), me.Body)
	}
	if m := me.JSON200; m.Role != apiclient.RoleAdmin || m.Scope != apiclient.ScopeEmpty || m.TokenId == nil ||
		m.Id != "token:"+m.TokenId.String() || m.Email != "admin@example.ru" || len(m.Can) != len(allActions) {
		t.Errorf("me %+v", *m)
	}

	user, days := "op@example.ru", 30
	h.mustToken(t, user, srok.RoleOperator, srok.ScopeFull)
	cr, err := c.CreateTokenWithResponse(ctx, apiclient.TokenInput{User: &user, Name: "help desk", ExpiresInDays: &days})
	if err != nil {
		t.Fatal(err)
	}
	if cr.StatusCode() != http.StatusCreated || cr.JSON201 == nil {
		t.Fatalf("create token: status %d, body %s", cr.StatusCode(), cr.Body)
	}
	nt := cr.JSON201
	if nt.User != user || nt.Scope != apiclient.ScopeEmpty || nt.ExpiresAt == nil || nt.RevokedAt != nil || nt.LastUsedAt != nil ||
		!strings.HasPrefix(nt.Token, "srok_") {
		t.Errorf("new token %+v", *nt)
	}
	if loc := cr.HTTPResponse.Header.Get("Location"); loc != "/api/v1/tokens/"+nt.Id.String() {
		t.Errorf("Location %q", loc)
	}
	lr, err := c.ListTokensWithResponse(ctx, &apiclient.ListTokensParams{User: &user})
	if err != nil {
		t.Fatal(err)
	}
	if lr.StatusCode() != http.StatusOK || lr.JSON200 == nil || len(lr.JSON200.Items) != 2 || lr.JSON200.Items[0].Id != nt.Id {
		t.Fatalf("list tokens: status %d, body %s", lr.StatusCode(), lr.Body)
	}
	rr, err := c.RevokeTokenWithResponse(ctx, nt.Id)
	if err != nil {
		t.Fatal(err)
	}
	if rr.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke: status %d, body %s", rr.StatusCode(), rr.Body)
	}
	// Revoked: the token no longer works, and the client says why.
	gone, err := c.GetMeWithResponse(ctx, bearer(nt.Token))
	if err != nil {
		t.Fatal(err)
	}
	if gone.StatusCode() != http.StatusUnauthorized || gone.ApplicationproblemJSON401 == nil {
		t.Errorf("revoked token: status %d, body %s", gone.StatusCode(), gone.Body)
	}

	ar, err := c.ListAuditWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ar.StatusCode() != http.StatusOK || ar.JSON200 == nil {
		t.Fatalf("audit: status %d, body %s", ar.StatusCode(), ar.Body)
	}
	csv := apiclient.ListAuditParamsFormatCsv
	xr, err := c.ListAuditWithResponse(ctx, &apiclient.ListAuditParams{Format: &csv})
	if err != nil {
		t.Fatal(err)
	}
	if xr.StatusCode() != http.StatusOK || xr.JSON200 != nil || !bytes.HasPrefix(xr.Body, []byte("\uFEFFid;at;action;")) {
		t.Errorf("audit CSV: status %d, body %.200s", xr.StatusCode(), xr.Body)
	}
	bad := "nobody@example.ru"
	ur, err := c.ListAuditWithResponse(ctx, &apiclient.ListAuditParams{User: &bad})
	if err != nil {
		t.Fatal(err)
	}
	if ur.StatusCode() != http.StatusUnprocessableEntity || ur.ApplicationproblemJSON422 == nil {
		t.Errorf("audit of an unknown user: status %d, body %s", ur.StatusCode(), ur.Body)
	}
}

// bearer is a request editor that sends token as the API token.
func bearer(token string) apiclient.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// checkGeneratedRequest checks the request that the create of
// TestGeneratedClient registers, as the generated client parsed it.
func checkGeneratedRequest(t *testing.T, what string, r *apiclient.Request) {
	t.Helper()
	if r.Number != "2026-000001" || r.Type != apiclient.RequestTypeAccess || r.Status != apiclient.StatusNew ||
		r.AnswerForm != apiclient.ChannelEmail || r.Version != 1 || r.Subject.Name != "Иван Петров" {
		t.Errorf("%s: number %s type %s status %s answer_form %s version %d subject %+v",
			what, r.Number, r.Type, r.Status, r.AnswerForm, r.Version, r.Subject)
	}
	// The nullable fields of a new request parse as nil.
	if r.Representative != nil || r.Extension != nil || r.Answer != nil || r.RepeatOf != nil || r.CancelReason != nil || r.ClosedAt != nil {
		t.Errorf("%s: a new request has a representative, extension, answer, repeat_of, cancel_reason or closed_at: %+v", what, r)
	}
	if len(r.Obligations) != 1 {
		t.Fatalf("%s: obligations %+v, want one", what, r.Obligations)
	}
	o := r.Obligations[0]
	// 10 working days from Friday 20 November 2026, extendable by 5
	// (152-FZ art. 20 part 1); the term runs out at 24:00 Moscow time.
	wantDueAt := time.Date(2026, 12, 5, 0, 0, 0, 0, moscow)
	if o.Id != "access.answer" || o.DueDate.String() != "2026-12-04" || !o.DueAt.Equal(wantDueAt) ||
		o.ExtendedDueDate == nil || o.ExtendedDueDate.String() != "2026-12-11" || o.Status != apiclient.ObligationStatusOpen {
		t.Errorf("%s: obligation %+v", what, o)
	}
	if r.NextDueAt == nil || !r.NextDueAt.Equal(wantDueAt) {
		t.Errorf("%s: next_due_at %v, want %v", what, r.NextDueAt, wantDueAt)
	}
}

// contractChecked is the router with every exchange checked against
// api/openapi.yaml, as harness.do does, for a client that goes over HTTP.
func (h *harness) contractChecked(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read the request body: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, r)
		sent := r.Clone(r.Context())
		sent.Body = io.NopCloser(bytes.NewReader(body))
		h.ct.Check(t, sent, body, rec.Code, rec.Header(), rec.Body.Bytes())
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
