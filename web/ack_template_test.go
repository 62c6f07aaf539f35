package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// The acknowledgement's section of the letter templates' page: everyone
// reads it with its placeholders, only an administrator saves it; a
// placeholder it does not know is shown in Russian next to the field, what
// was typed stays and nothing is stored; «Вернуть встроенный шаблон» is the
// next version.
func TestAckTemplateSection(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		page := e.viewer.do(t, "GET", "/admin/letter-templates", nil)
		shown := html.UnescapeString(page.body)
		if page.status != http.StatusOK || !strings.Contains(shown, `id="ack-template"`) || !strings.Contains(shown, "{дата_получения}") ||
			!strings.Contains(shown, "регистрационный номер обращения") || strings.Contains(shown, `id="ack-form"`) {
			t.Fatalf("the viewer's section: %d", page.status)
		}
		form := url.Values{"subject": {"Обращение № {номер}"}, "text": {"{приветствие}\r\nУважаемый {фамилия}!"}}
		if r := e.operator.post(t, "/admin/letter-templates/ack", form); r.status != http.StatusForbidden {
			t.Errorf("an operator saved: %d", r.status)
		}
		r := e.admin.post(t, "/admin/letter-templates/ack", form)
		shown = html.UnescapeString(r.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(shown, `id="ack-text-error"`) ||
			!strings.Contains(shown, "Неизвестная подстановка {фамилия}") || !strings.Contains(shown, "Уважаемый {фамилия}!") ||
			strings.Contains(shown, `id="ack-subject-error"`) {
			t.Fatalf("an unknown placeholder: %d %s", r.status, r.body)
		}
		r = e.admin.post(t, "/admin/letter-templates/ack", url.Values{"subject": {" "}, "text": {"Текст"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), "Тема письма не может быть пустой") {
			t.Fatalf("an empty subject: %d", r.status)
		}
		if _, err := e.st.AckTemplate(e.sys); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Fatalf("a refused template was stored: %v", err)
		}

		form.Set("text", "{приветствие}\r\nОтветим до {срок_ответа}.")
		if r := e.admin.post(t, "/admin/letter-templates/ack", form); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		if st, err := e.st.AckTemplate(e.sys); err != nil || st.Version != 1 || st.Text != "{приветствие}\nОтветим до {срок_ответа}." {
			t.Fatalf("stored: %+v %v", st, err)
		}
		if page := e.admin.do(t, "GET", "/admin/letter-templates?done=ack", nil); !strings.Contains(page.body, "Версия 1") ||
			!strings.Contains(html.UnescapeString(page.body), "Ответим до {срок_ответа}.") {
			t.Fatalf("after the save: %s", page.body)
		}
		if r := e.admin.post(t, "/admin/letter-templates/ack/reset", url.Values{}); r.status != http.StatusSeeOther {
			t.Fatalf("reset: %d", r.status)
		}
		page = e.admin.do(t, "GET", "/admin/letter-templates", nil)
		if st, _ := e.st.AckTemplate(e.sys); st.Version != 2 || !st.Builtin ||
			!strings.Contains(html.UnescapeString(page.body), ru.AckBuiltinSubject) {
			t.Fatalf("after the reset: %+v", st)
		}
	})
}
