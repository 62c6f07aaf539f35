package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// The acknowledgement's template: everyone signed in reads it with its
// placeholders; only an administrator saves it; an unknown placeholder or
// an empty subject is a 422 naming the field and stores nothing; DELETE
// goes back to the built-in one as the next version.
func TestAckTemplateAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)

		var v AckTemplate
		r := h.do("GET", "/api/v1/ack-template", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &v)
		if v.Version != 0 || !v.Builtin || v.Subject != ru.AckBuiltinSubject || v.Text != ru.AckBuiltinText ||
			len(v.Placeholders) != len(ru.AckPlaceholders()) || v.Placeholders[2].Name != "номер" || v.SavedAt != nil {
			t.Fatalf("built-in: %+v", v)
		}
		body := map[string]any{"subject": "Обращение № {номер}", "text": "{приветствие}\nОтвет до {срок_ответа}.\n"}
		wantStatus(t, h.do("PUT", "/api/v1/ack-template", body, as(operator)), http.StatusForbidden)
		wantStatus(t, h.do("DELETE", "/api/v1/ack-template", nil, as(viewer)), http.StatusForbidden)

		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"subject": "", "text": "Текст"}, "subject"},
			{map[string]any{"subject": "Обращение", "text": "Уважаемый {фамилия}!"}, "text"},
		} {
			r = h.do("PUT", "/api/v1/ack-template", c.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if f := problemFields(t, r); !f[c.field] || len(f) != 1 {
				t.Errorf("%v: %s", c.body, r.Body)
			}
		}
		if p := r.problem(t); !strings.Contains(p.Errors[0].Problem, "{фамилия}") {
			t.Errorf("the unknown placeholder is not named: %s", r.Body)
		}
		r = h.do("GET", "/api/v1/ack-template", nil)
		r.decode(t, &v)
		if v.Version != 0 {
			t.Fatalf("a refused template was stored: %+v", v)
		}

		r = h.do("PUT", "/api/v1/ack-template", body)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &v)
		if v.Version != 1 || v.Builtin || v.Subject != "Обращение № {номер}" || v.SaverName == nil || v.SavedAt == nil {
			t.Fatalf("saved: %+v", v)
		}
		r = h.do("GET", "/api/v1/ack-template", nil, as(viewer))
		r.decode(t, &v)
		if v.Version != 1 || v.Text != "{приветствие}\nОтвет до {срок_ответа}.\n" {
			t.Fatalf("read back: %+v", v)
		}
		r = h.do("DELETE", "/api/v1/ack-template", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &v)
		if v.Version != 2 || !v.Builtin || v.Text != ru.AckBuiltinText {
			t.Fatalf("back to the built-in: %+v", v)
		}
	})
}
