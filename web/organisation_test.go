package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
)

func orgForm() url.Values {
	return url.Values{
		"name": {"Общество с ограниченной ответственностью «Ромашка»"}, "short_name": {"ООО «Ромашка»"},
		"inn": {"7704217370"}, "ogrn": {"1027700132195"}, "address": {"119021, г. Москва, ул. Льва Толстого, д. 16"},
		"phone": {"+7 495 123-45-67"}, "signatory.name": {"И. И. Иванов"}, "signatory.position": {"Генеральный директор"},
		"number_format": {"{year}-{seq}"}, "access_persons": {"нет"}, "duties": {"политика опубликована"},
		"records[0].id": {""}, "records[0].purpose": {"Исполнение договора"}, "records[0].legal_basis": {"договор"},
		"records[0].data": {"ФИО"}, "records[0].source": {"от субъекта"}, "records[0].subjects": {"клиенты"},
		"records[0].methods": {"смешанная"}, "records[0].processing_term": {"до исполнения"}, "records[0].storage_term": {"5 лет"},
		"records[0].recipients": {"нет"}, "records[0].cross_border": {"нет"}, "records[0].processors": {"нет"},
	}
}

// The details' page: everyone signed in reads it, an operator may not
// save, an administrator saves; a bad INN is shown next to its field and
// nothing is stored. A request's page names the missing details (with a
// link for an administrator, «обратитесь к администратору» for the
// others), then offers the letters that apply.
func TestOrganisationPage(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		r := e.seed(t, "Иван Петров", "ivan@example.ru", regNow.Add(-48*time.Hour), "officer@example.ru")

		page := e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		if page.status != http.StatusOK || !strings.Contains(page.body, `id="letters-missing"`) ||
			!strings.Contains(page.body, "Обратитесь к администратору") || !strings.Contains(page.body, "ИНН оператора") {
			t.Fatalf("the officer's page before the details: %d", page.status)
		}
		if page := e.admin.do(t, "GET", "/requests/"+r.ID, nil); !strings.Contains(page.body, `href="/admin/organisation"`) {
			t.Errorf("the admin is not led to the details")
		}

		v := e.viewer.do(t, "GET", "/admin/organisation", nil)
		if v.status != http.StatusOK || !strings.Contains(v.body, `id="read-only"`) || strings.Contains(v.body, `id="save-organisation"`) {
			t.Errorf("the viewer's page: %d", v.status)
		}
		if r := e.operator.do(t, "POST", "/admin/organisation", orgForm()); r.status != http.StatusForbidden {
			t.Errorf("an operator saved: %d", r.status)
		}
		bad := orgForm()
		bad.Set("inn", "7704217371")
		res := e.admin.do(t, "POST", "/admin/organisation", bad)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="org-inn-error"`) ||
			!strings.Contains(res.body, "Контрольная цифра ИНН не совпадает") || !strings.Contains(res.body, "Исполнение договора") {
			t.Fatalf("a bad INN: %d", res.status)
		}
		if d, err := e.st.Organisation(e.sys); err != nil || d.Version != 0 {
			t.Fatalf("a refused form was stored: %+v %v", d, err)
		}
		res = e.admin.do(t, "POST", "/admin/organisation", orgForm())
		if res.status != http.StatusSeeOther || res.location() != "/admin/organisation?done=saved" {
			t.Fatalf("save: %d %s %s", res.status, res.location(), res.body)
		}
		d, err := e.st.Organisation(e.sys)
		if err != nil || d.INN != "7704217370" || len(d.Records) != 1 || d.Records[0].Purpose != "Исполнение договора" {
			t.Fatalf("stored: %+v %v", d, err)
		}
		stale := orgForm()
		stale.Set("version", "7")
		stale.Set("phone", "+7 000")
		if r := e.admin.do(t, "POST", "/admin/organisation", stale); r.status != http.StatusConflict || !strings.Contains(r.body, "изменил другой пользователь") {
			t.Errorf("a form on a stale version: %d", r.status)
		}
		if len(e.entries(t, audit.ActionOrganisationEdit)) < 2 { // the operator's refusal and the save
			t.Errorf("the page's changes are not audited")
		}

		page = e.viewer.do(t, "GET", "/requests/"+r.ID, nil)
		for _, want := range []string{`id="letter-answer-pdf"`, "/letters/answer.docx", `id="letter-extension-form"`, "Уведомление о продлении срока"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the request's page lacks %s", want)
			}
		}
		if strings.Contains(page.body, `id="letters-missing"`) {
			t.Errorf("details still reported missing")
		}
	})
}

// The templates' page lists each kind with its placeholders; an upload that
// is not a DOCX is refused on the page and replaces nothing; a DOCX is
// accepted as version 1.
func TestLetterTemplatesPage(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		page := e.viewer.do(t, "GET", "/admin/letter-templates", nil)
		if page.status != http.StatusOK || !strings.Contains(page.body, "{operator_name}") ||
			!strings.Contains(page.body, "{#records}…{/records}") || strings.Contains(page.body, `id="upload-answer"`) {
			t.Fatalf("the viewer's page: %d", page.status)
		}
		upload := func(b *browser, kind string, file []byte) response {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("kind", kind)
			fw, _ := mw.CreateFormFile("file", "answer.docx")
			_, _ = fw.Write(file)
			_ = mw.Close()
			req := httptest.NewRequest("POST", "/admin/letter-templates", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: b.cookie})
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			return response{status: rec.Code, header: rec.Result().Header, body: rec.Body.String()}
		}
		if r := upload(e.operator, "answer", letters.Builtin(letters.KindAnswer)); r.status != http.StatusForbidden {
			t.Errorf("an operator uploaded: %d", r.status)
		}
		r := upload(e.admin, "answer", []byte("not a docx at all"))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="file-answer-error"`) || !strings.Contains(r.body, "DOCX") {
			t.Fatalf("a non-DOCX: %d %s", r.status, r.body)
		}
		if _, _, err := e.st.LetterTemplate(e.sys, letters.KindAnswer); err == nil {
			t.Fatal("a refused upload was stored")
		}
		r = upload(e.admin, "answer", letters.Builtin(letters.KindAnswer))
		if r.status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		if page := e.admin.do(t, "GET", "/admin/letter-templates", nil); !strings.Contains(page.body, "Версия 1") {
			t.Errorf("the page does not show version 1")
		}

		// 50 MB announced: refused before a byte of it is read.
		var read atomic.Int64
		big := readerFunc(func(p []byte) (int, error) { clear(p); read.Add(int64(len(p))); return len(p), nil })
		req := httptest.NewRequest("POST", "/admin/letter-templates", io.LimitReader(big, 50<<20))
		req.ContentLength = 50 << 20
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.admin.cookie})
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "больше 5 МБ") || read.Load() != 0 {
			t.Errorf("a 50 MB upload: %d, %d bytes read", rec.Code, read.Load())
		}
	})
}

// readerFunc is a reader of a function.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
