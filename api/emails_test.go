package api

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/srok"
)

func eml(t testing.TB, name string) raw {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "pkg", "intake", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw(b)
}

var rfc822 = header("Content-Type", "message/rfc822")

func (r response) email(t *testing.T) intake.Email {
	t.Helper()
	var e intake.Email
	r.decode(t, &e)
	return e
}

func TestEmailIntake(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		msg := eml(t, "attachment_rfc2231.eml")
		r := h.do("POST", "/api/v1/emails", msg, rfc822)
		wantStatus(t, r, http.StatusCreated)
		e := r.email(t)
		if r.Header.Get("Location") != "/api/v1/emails/"+e.ID || e.From == nil || e.From.Email != "sergey@example.ru" ||
			e.Date == nil || e.Date.String() == "" || e.SuggestedType == nil || *e.SuggestedType != "access" ||
			len(e.Attachments) != 2 || e.Attachments[0].Filename != "Паспорт скан.pdf" || e.Size != int64(len(msg)) {
			t.Fatalf("stored %s: %+v", r.Body, e)
		}
		if !strings.Contains(string(r.Body), `"date":"2026-11-20T08:00:00+03:00"`) {
			t.Errorf("date not RFC 3339 with its offset: %s", r.Body)
		}
		again := h.do("POST", "/api/v1/emails", msg, rfc822)
		wantStatus(t, again, http.StatusOK)
		if !bytes.Equal(again.Body, r.Body) {
			t.Errorf("the same email again:\n%s\n%s", again.Body, r.Body)
		}
		path := "/api/v1/emails/" + e.ID
		g := h.do("GET", path, nil)
		wantStatus(t, g, http.StatusOK)
		if !bytes.Equal(g.Body, r.Body) {
			t.Errorf("GET differs from POST:\n%s\n%s", g.Body, r.Body)
		}
		wantStatus(t, h.exchange(t, false, "HEAD", path, nil), http.StatusOK) // HEAD: the document states it once

		rw := h.do("GET", path+"/raw", nil)
		wantStatus(t, rw, http.StatusOK)
		if !bytes.Equal(rw.Body, []byte(msg)) || rw.Header.Get("Content-Type") != "message/rfc822" ||
			rw.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(rw.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("raw: %v", rw.Header)
		}
		a := h.do("GET", path+"/attachments/0", nil)
		wantStatus(t, a, http.StatusOK)
		if !bytes.HasPrefix(a.Body, []byte("%PDF-")) || a.Header.Get("Content-Type") != "application/pdf" ||
			a.Header.Get("X-Content-Type-Options") != "nosniff" ||
			a.Header.Get("Content-Disposition") != `attachment; filename="_______ ____.pdf"; filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%D1%81%D0%BA%D0%B0%D0%BD.pdf` {
			t.Errorf("attachment 0: %v", a.Header)
		}
		txt := h.do("GET", path+"/attachments/1", nil)
		wantStatus(t, txt, http.StatusOK)
		if string(txt.Body) != "Заявление об ознакомлении" || txt.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("attachment 1: %q %v", txt.Body, txt.Header)
		}
		wantStatus(t, h.do("GET", path+"/attachments/2", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", path+"/attachments/-1", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", path+"/attachments/x", nil), http.StatusBadRequest)
		wantStatus(t, h.do("GET", "/api/v1/emails/nope", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", "/api/v1/emails/01900000-0000-7000-8000-000000000000/raw", nil), http.StatusNotFound)

		// Wrong media type, too large, empty.
		p := h.do("POST", "/api/v1/emails", msg, header("Content-Type", "text/plain")).problem(t)
		if p.Status != http.StatusUnsupportedMediaType {
			t.Errorf("text/plain: %+v", p)
		}
		big := raw(strings.Repeat("x", intake.MaxSize+1))
		if p := h.do("POST", "/api/v1/emails", big, rfc822).problem(t); p.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %+v", p)
		}
		wantStatus(t, h.do("POST", "/api/v1/emails", raw(""), rfc822), http.StatusBadRequest)

		// Broken mail is stored with warnings, never a 500.
		for _, name := range []string{"garbage.eml", "truncated_mime.eml", "unknown_charset.eml", "no_from.eml"} {
			r := h.do("POST", "/api/v1/emails", eml(t, name), rfc822)
			wantStatus(t, r, http.StatusCreated)
			if e := r.email(t); len(e.Warnings) == 0 {
				t.Errorf("%s: no warnings: %s", name, r.Body)
			}
		}

		// Every read is in the audit trail.
		for action, n := range map[string]int{"email.ingest": 6, "email.read": 1, "email.raw": 1, "email.attachment": 2} {
			var list struct {
				Items []struct{ Detail string }
			}
			h.do("GET", "/api/v1/audit?action="+action, nil).decode(t, &list)
			if len(list.Items) < n || !strings.Contains(list.Items[len(list.Items)-1].Detail, e.ID) {
				t.Errorf("audit %s: %+v, want at least %d naming %s", action, list.Items, n, e.ID)
			}
		}
	})
}

func TestEmailPermissions(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		formA := h.mustToken(t, "forms@example.ru", srok.RoleOperator, srok.ScopeIntake)
		formB := h.mustToken(t, "forms@example.ru", srok.RoleOperator, srok.ScopeIntake)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)

		r := h.do("POST", "/api/v1/emails", eml(t, "cp1251_qp.eml"), rfc822, as(formA))
		wantStatus(t, r, http.StatusCreated)
		path := "/api/v1/emails/" + r.email(t).ID
		wantStatus(t, h.do("GET", path, nil, as(formA)), http.StatusOK)
		wantStatus(t, h.do("GET", path+"/raw", nil, as(formA)), http.StatusOK)
		wantStatus(t, h.do("GET", path, nil, as(formB)), http.StatusNotFound)
		wantStatus(t, h.do("GET", path+"/raw", nil, as(formB)), http.StatusNotFound)
		// Linked to no request, it is its sender's: not another operator's.
		wantStatus(t, h.do("GET", path, nil, as(operator)), http.StatusNotFound)
		for _, p := range []string{path, path + "/raw", path + "/attachments/0"} {
			wantStatus(t, h.do("GET", p, nil, as(viewer)), http.StatusForbidden)
		}
		wantStatus(t, h.do("POST", "/api/v1/emails", eml(t, "cp1251_qp.eml"), rfc822, as(viewer)), http.StatusForbidden)
		// An intake token links only the emails it sent in.
		id := strings.TrimPrefix(path, "/api/v1/emails/")
		link := map[string]any{"type": "erasure", "channel": "email", "email_id": id,
			"subject": map[string]any{"name": "Мария", "email": "maria@example.ru"}}
		if p := h.do("POST", "/api/v1/requests", link, as(formB)).problem(t); p.Status != http.StatusUnprocessableEntity || p.Errors[0].Field != "email_id" {
			t.Errorf("another token's email linked: %+v", p)
		}
		wantStatus(t, h.do("POST", "/api/v1/requests", link, as(formA)), http.StatusCreated)
		// Registered as an unassigned request, the operator sees it, and its email.
		wantStatus(t, h.do("GET", path, nil, as(operator)), http.StatusOK)
		wantStatus(t, h.do("GET", path, nil, anonymous()), http.StatusUnauthorized)
		wantStatus(t, h.do("POST", "/api/v1/emails", eml(t, "cp1251_qp.eml"), rfc822, anonymous()), http.StatusUnauthorized)
	})
}

func TestRequestFromEmail(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "/api/v1/emails", eml(t, "utf8_plain.eml"), rfc822)
		wantStatus(t, r, http.StatusCreated)
		e := r.email(t)
		req := h.create(t, map[string]any{"type": "withdrawal", "channel": "email", "email_id": e.ID,
			"subject": map[string]any{"name": "Иван Петров", "email": "ivan@example.ru"}})
		// 14:05 +05:00 is 12:05 in Moscow, the operator's zone.
		if req.EmailID == nil || *req.EmailID != e.ID || req.ReceivedAt != "2026-11-24T12:05:00+03:00" {
			t.Fatalf("created %+v", req)
		}
		g := h.do("GET", "/api/v1/requests/"+req.ID, nil)
		wantStatus(t, g, http.StatusOK)
		if got := g.request(t); got.EmailID == nil || *got.EmailID != e.ID {
			t.Errorf("read back %+v", got.EmailID)
		}
		tl := h.do("GET", "/api/v1/requests/"+req.ID+"/timeline", nil)
		wantStatus(t, tl, http.StatusOK)
		if !strings.Contains(string(tl.Body), `"email_id":"`+e.ID+`"`) {
			t.Errorf("the created event does not name the email: %s", tl.Body)
		}
		p := h.do("POST", "/api/v1/requests", map[string]any{"type": "withdrawal", "channel": "email",
			"email_id": "01900000-0000-7000-8000-000000000000", "subject": map[string]any{"name": "Иван", "email": "ivan@example.ru"}}).problem(t)
		if p.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "email_id" {
			t.Errorf("unknown email: %+v", p)
		}
		nd := h.do("POST", "/api/v1/emails", eml(t, "no_from.eml"), rfc822).email(t)
		p = h.do("POST", "/api/v1/requests", map[string]any{"type": "access", "channel": "email", "email_id": nd.ID,
			"subject": map[string]any{"name": "Иван", "email": "ivan@example.ru"}}).problem(t)
		if p.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "received_at" {
			t.Errorf("an email without a date: %+v", p)
		}
		// The link cannot be changed.
		p = h.do("PATCH", "/api/v1/requests/"+req.ID, map[string]any{"email_id": nd.ID}, header("If-Match", `"1"`)).problem(t)
		if p.Status != http.StatusUnprocessableEntity || p.Errors[0].Field != "email_id" {
			t.Errorf("patch email_id: %+v", p)
		}
	})
}
