package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apiclient "github.com/srok/srok/pkg/client"
	"github.com/srok/srok/pkg/srok"
)

// triageMail is a small UTF-8 email from from with subject.
func triageMail(from, subject string) raw {
	return raw(fmt.Sprintf("From: %s\r\nTo: pd@operator.example.ru\r\nSubject: %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0300\r\n"+
		"Message-ID: <%s.%s@mail.example.ru>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст\r\n",
		from, subject, strings.ReplaceAll(from, "@", "."), strings.ReplaceAll(subject, " ", "")))
}

type inboxJSON struct {
	Items []InboxEmail `json:"items"`
}

func TestEmailTriage(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ingest := func(m raw, opts ...opt) string {
			t.Helper()
			r := h.do("POST", "/api/v1/emails", m, append([]opt{rfc822}, opts...)...)
			wantStatus(t, r, http.StatusCreated)
			return r.email(t).ID
		}
		spam := ingest(triageMail("shop@example.com", "Скидки"))
		h.clock.Set(h.clock.Now().Add(1))
		acc := ingest(triageMail("ivan@example.ru", "Прошу предоставить сведения о моих данных"))

		if p := h.do("GET", "/api/v1/emails", nil).problem(t); p.Status != http.StatusBadRequest || !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "triage") {
			t.Errorf("without triage: %+v", p)
		}
		var list inboxJSON
		r := h.do("GET", "/api/v1/emails?triage=pending", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &list)
		if len(list.Items) != 2 || list.Items[0].ID != spam || list.Items[1].ID != acc {
			t.Fatalf("pending: %s", r.Body)
		}
		a := list.Items[1]
		if a.SuggestedType == nil || *a.SuggestedType != "access" || a.From == nil || a.From.Email != "ivan@example.ru" ||
			a.Mailbox != nil || a.MessageID == "" || a.DueIfRegistered == nil || a.TermStartsOn.String() == "" {
			t.Errorf("access email: %s", r.Body)
		}
		if !bytes.Contains(r.Body, []byte(`"mailbox":null`)) || !bytes.Contains(r.Body, []byte(`"received_at":"`)) {
			t.Errorf("body: %s", r.Body)
		}

		// Bad input: a clear 4xx naming the field.
		path := "/api/v1/emails/" + spam + "/triage"
		for _, c := range []struct {
			body  any
			code  int
			field string
		}{
			{map[string]any{"decision": "not_request"}, http.StatusUnprocessableEntity, "reason"},
			{map[string]any{"decision": "not_request", "reason": "other"}, http.StatusUnprocessableEntity, "note"},
			{map[string]any{"decision": "attach"}, http.StatusUnprocessableEntity, "request_id"},
			{map[string]any{"decision": "register"}, http.StatusUnprocessableEntity, "type"},
			{map[string]any{"decision": "maybe"}, http.StatusUnprocessableEntity, "decision"},
			{map[string]any{"decision": "register", "email_id": acc}, http.StatusBadRequest, "email_id"},
			{map[string]any{"decision": "not_request", "reason": "spam", "colour": "red"}, http.StatusBadRequest, "colour"},
			{raw("{"), http.StatusBadRequest, ""},
		} {
			p := h.do("POST", path, c.body).problem(t)
			if p.Status != c.code || !strings.Contains(fmt.Sprint(p.Errors)+p.Detail, c.field) {
				t.Errorf("%v: %+v", c.body, p)
			}
		}
		wantStatus(t, h.do("POST", "/api/v1/emails/01900000-0000-7000-8000-000000000000/triage",
			map[string]any{"decision": "not_request", "reason": "spam"}), http.StatusNotFound)

		// Decisions, once each.
		r = h.do("POST", path, map[string]any{"decision": "not_request", "reason": "spam"})
		wantStatus(t, r, http.StatusOK)
		var tr Triage
		r.decode(t, &tr)
		if tr.State != "not_request" || tr.Reason == nil || *tr.Reason != "spam" || tr.Request != nil || tr.DecidedBy == "" {
			t.Errorf("not_request: %s", r.Body)
		}
		p := h.do("POST", path, map[string]any{"decision": "not_request", "reason": "duplicate"}).problem(t)
		if p.Status != http.StatusConflict || p.Type != "urn:srok:problem:conflict:email_already_decided" {
			t.Errorf("second decision: %+v", p)
		}
		r = h.do("POST", "/api/v1/emails/"+acc+"/triage", map[string]any{"decision": "register", "type": "access",
			"subject": map[string]any{"name": "Иван Петров", "email": "ivan@example.ru"}})
		wantStatus(t, r, http.StatusCreated)
		r.decode(t, &tr)
		if tr.State != "registered" || tr.Request == nil || tr.Request.EmailID == nil || *tr.Request.EmailID != acc ||
			r.Header.Get("Location") != "/api/v1/requests/"+tr.Request.ID || tr.Request.Channel != "email" {
			t.Fatalf("register: %s", r.Body)
		}
		req := tr.Request

		// attach: a third email joins the request's timeline.
		more := ingest(triageMail("ivan2@example.ru", "Дополнение"))
		r = h.do("POST", "/api/v1/emails/"+more+"/triage", map[string]any{"decision": "attach", "request_id": req.ID})
		wantStatus(t, r, http.StatusOK)
		tl := h.do("GET", "/api/v1/requests/"+req.ID+"/timeline", nil)
		wantStatus(t, tl, http.StatusOK)
		if !bytes.Contains(tl.Body, []byte(`"kind":"email_attached"`)) || !bytes.Contains(tl.Body, []byte(more)) {
			t.Errorf("timeline: %s", tl.Body)
		}
		r = h.do("GET", "/api/v1/emails?triage=pending", nil)
		r.decode(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("pending after the decisions: %s", r.Body)
		}

		// Roles: a viewer and an intake token may not; an operator decides
		// only on what they sent in.
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, "")
		form := h.mustToken(t, "op@example.ru", srok.RoleOperator, srok.ScopeIntake)
		op := h.mustToken(t, "op@example.ru", srok.RoleOperator, "")
		other := h.mustToken(t, "op2@example.ru", srok.RoleOperator, "")
		mine := ingest(triageMail("anna@example.ru", "Отзываю согласие"), bearerOpt(op))
		theirs := ingest(triageMail("boris@example.ru", "Отзываю согласие"))
		for _, tok := range []string{viewer, form} {
			wantStatus(t, h.do("GET", "/api/v1/emails?triage=pending", nil, bearerOpt(tok)), http.StatusForbidden)
			wantStatus(t, h.do("POST", "/api/v1/emails/"+mine+"/triage", map[string]any{"decision": "not_request", "reason": "spam"}, bearerOpt(tok)), http.StatusForbidden)
		}
		r = h.do("GET", "/api/v1/emails?triage=pending", nil, bearerOpt(op))
		r.decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != mine {
			t.Errorf("operator's pending: %s", r.Body)
		}
		r = h.do("GET", "/api/v1/emails?triage=pending", nil, bearerOpt(other))
		r.decode(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("another operator's pending: %s", r.Body)
		}
		wantStatus(t, h.do("POST", "/api/v1/emails/"+theirs+"/triage", map[string]any{"decision": "not_request", "reason": "spam"}, bearerOpt(op)), http.StatusNotFound)
		wantStatus(t, h.do("POST", "/api/v1/emails/"+mine+"/triage", map[string]any{"decision": "not_request", "reason": "not_personal_data"}, bearerOpt(op)), http.StatusOK)

		// Every decision is in the audit trail, with who made it.
		var audit struct {
			Items []struct {
				Detail  string
				Outcome string
				Actor   struct{ ID string }
			}
		}
		h.do("GET", "/api/v1/audit?action=email.triage", nil).decode(t, &audit)
		var details []string
		for _, it := range audit.Items {
			details = append(details, it.Outcome+" "+it.Detail)
		}
		all := strings.Join(details, "\n")
		for _, want := range []string{"ok email " + spam + ": not a request (spam)", "ok email " + acc + ": registered as a request",
			"ok email " + more + ": attached to request " + req.Number, "ok email " + mine + ": not a request (not_personal_data)", "denied"} {
			if !strings.Contains(all, want) {
				t.Errorf("audit lacks %q:\n%s", want, all)
			}
		}
	})
}

// bearerOpt sends token instead of the administrator's.
func bearerOpt(token string) opt { return header("Authorization", "Bearer "+token) }

// TestTriageClient drives the triage with the generated client.
func TestTriageClient(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()), apiclient.WithRequestEditorFn(bearer(h.token)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		cr, err := c.CreateEmailWithBodyWithResponse(ctx, "message/rfc822", strings.NewReader(string(triageMail("ivan@example.ru", "Прошу удалить мои данные"))))
		if err != nil || cr.JSON201 == nil {
			t.Fatalf("ingest: %v %+v", err, cr)
		}
		lr, err := c.ListEmailsWithResponse(ctx, &apiclient.ListEmailsParams{Triage: "pending"})
		if err != nil || lr.JSON200 == nil || len(lr.JSON200.Items) != 1 {
			t.Fatalf("list: %v %s", err, lr.Body)
		}
		it := lr.JSON200.Items[0]
		if it.Id != cr.JSON201.Id || it.SuggestedType == nil || *it.SuggestedType != apiclient.RequestTypeErasure || it.Mailbox != nil || it.DueIfRegistered == nil {
			t.Errorf("item: %s", lr.Body)
		}
		typ := apiclient.RequestTypeErasure
		name, email := "Иван Петров", "ivan@example.ru"
		tr, err := c.TriageEmailWithResponse(ctx, it.Id, apiclient.TriageInput{Decision: apiclient.TriageInputDecisionRegister, Type: &typ,
			Subject: &apiclient.SubjectInput{Name: &name, Email: &email}})
		if err != nil || tr.JSON201 == nil || tr.JSON201.Request == nil || tr.JSON201.State != apiclient.TriageStateRegistered {
			t.Fatalf("register: %v %s", err, tr.Body)
		}
		again, err := c.TriageEmailWithResponse(ctx, it.Id, apiclient.TriageInput{Decision: apiclient.TriageInputDecisionNotRequest})
		if err != nil || again.StatusCode() != http.StatusConflict || again.ApplicationproblemJSON409 == nil {
			t.Fatalf("again: %v %s", err, again.Body)
		}
	})
}
