package api

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/letters/letterstest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// orgBody is a complete set of the operator's details.
func orgBody() map[string]any {
	return map[string]any{
		"name": "Общество с ограниченной ответственностью «Ромашка»", "short_name": "ООО «Ромашка»",
		"inn": "7704217370", "ogrn": "1027700132195", "kpp": "770401001",
		"address": "119021, г. Москва, ул. Льва Толстого, д. 16", "email": "privacy@romashka.example", "phone": "+7 495 123-45-67",
		"responsible":   map[string]any{"name": "П. П. Петров", "position": "Ответственный за организацию обработки"},
		"signatory":     map[string]any{"name": "И. И. Иванов", "position": "Генеральный директор"},
		"number_format": "ПДн-{year}/{seq}", "access_persons": "ООО «Курьер-Сервис» по договору № 5-К",
		"duties": "назначен ответственный; политика опубликована на сайте",
		"records": []map[string]any{{
			"purpose": "Исполнение договора поставки", "legal_basis": "п. 5 ч. 1 ст. 6 152-ФЗ", "data": "ФИО, телефон",
			"source": "от субъекта", "subjects": "клиенты", "methods": "смешанная обработка", "processing_term": "до исполнения договора",
			"storage_term": "5 лет", "recipients": "нет", "cross_border": "не осуществляется", "processors": "нет"}, {
			"purpose": "Рассылка о новых товарах", "legal_basis": "согласие", "data": "адрес электронной почты",
			"source": "от субъекта", "subjects": "подписчики", "methods": "автоматизированная", "processing_term": "до отзыва согласия",
			"storage_term": "до отзыва согласия", "recipients": "нет", "cross_border": "не осуществляется", "processors": "нет"}},
	}
}

func problemFields(t *testing.T, r response) map[string]bool {
	t.Helper()
	p := r.problem(t)
	out := map[string]bool{}
	for _, e := range p.Errors {
		out[e.Field] = true
	}
	return out
}

// Everyone signed in reads the details; only an administrator changes
// them; a bad INN or OGRN is a 422 naming the field and changes nothing.
func TestOrganisationRolesAndInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)
		officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)

		r := h.do("GET", "/api/v1/organisation", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		var o Organisation
		r.decode(t, &o)
		if o.Version != 0 || o.NumberFormat != "{year}-{seq}" || o.UpdatedAt != nil {
			t.Fatalf("before the first save: %+v", o)
		}
		for _, tok := range []string{viewer, operator, officer} {
			wantStatus(t, h.do("PUT", "/api/v1/organisation", orgBody(), as(tok)), http.StatusForbidden)
		}
		r = h.do("PUT", "/api/v1/organisation", orgBody())
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &o)
		if o.Version != 1 || o.INN != "7704217370" || len(o.Records) != 2 || o.Records[0].ID == "" || o.UpdatedAt == nil {
			t.Fatalf("saved: %+v", o)
		}

		for _, c := range []struct {
			field, value string
		}{
			{"inn", "7704217371"}, {"inn", "123"}, {"ogrn", "1027700132194"}, {"ogrn", "10277"},
			{"number_format", "{year}-"}, {"email", "privacy"}, {"name", " "},
		} {
			b := orgBody()
			b[c.field] = c.value
			b["address"] = "changed, must not be stored"
			r := h.do("PUT", "/api/v1/organisation", b)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if f := problemFields(t, r); !f[c.field] || len(f) != 1 {
				t.Errorf("%s=%q: fields %v", c.field, c.value, f)
			}
		}
		b := orgBody()
		b["records"] = []map[string]any{{"legal_basis": "no purpose"}}
		if f := problemFields(t, h.do("PUT", "/api/v1/organisation", b)); !f["records[0].purpose"] {
			t.Errorf("a record without a purpose: %v", f)
		}
		wantStatus(t, h.do("PUT", "/api/v1/organisation", raw(`{"name": 1}`)), http.StatusBadRequest)
		b = orgBody()
		b["version"] = 7
		wantStatus(t, h.do("PUT", "/api/v1/organisation", b), http.StatusConflict)

		r = h.do("GET", "/api/v1/organisation", nil, as(operator))
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &o)
		if o.Version != 1 || o.Address != "119021, г. Москва, ул. Льва Толстого, д. 16" {
			t.Errorf("a refused change was stored: %+v", o)
		}
		page, err := h.audit.List(srok.WithActor(t.Context(), srok.System), audit.Filter{Action: audit.ActionOrganisationEdit}, "")
		if err != nil {
			t.Fatal(err)
		}
		var ok, denied int
		for _, e := range page.Items {
			switch e.Outcome {
			case audit.OutcomeOK:
				ok++
			case audit.OutcomeDenied:
				denied++
			}
		}
		if ok != 1 || denied != 3 {
			t.Errorf("audit: %d done, %d denied; want 1 and 3", ok, denied)
		}
	})
}

// editDOCX returns docx with text added to the document's first paragraph
// text: what an editor does in Word.
func editDOCX(t *testing.T, docx []byte, old, new string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "word/document.xml" {
			found = bytes.Contains(b, []byte(old))
			b = bytes.Replace(b, []byte(old), []byte(new), 1)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%q not in the template", old)
	}
	return out.Bytes()
}

func (h *harness) putTemplate(t *testing.T, kind string, body io.Reader, length int64, opts ...opt) response {
	t.Helper()
	req := httptest.NewRequest("PUT", "/api/v1/letter-templates/"+kind, body)
	req.ContentLength = length
	req.Header.Set("Content-Type", mediaDOCX)
	req.Header.Set("Authorization", "Bearer "+h.token)
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	out, _ := io.ReadAll(rec.Result().Body)
	return response{Code: rec.Code, Header: rec.Result().Header, Body: out}
}

// countingReader counts what was read of an endless body.
type countingReader struct {
	n atomic.Int64
	r io.Reader
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Templates: the built-in one is downloaded, an edited one uploaded becomes
// version 1 and renders the letters; a non-DOCX, an unknown placeholder or
// an oversized file (refused before it is read) replaces nothing; only an
// administrator uploads; DELETE goes back to the built-in one.
func TestLetterTemplatesAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)

		r := h.do("GET", "/api/v1/letter-templates", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		var list struct{ Items []LetterTemplate }
		r.decode(t, &list)
		if len(list.Items) != 4 || list.Items[0].Kind != "answer" || list.Items[0].Version != 0 || !list.Items[0].Builtin ||
			len(list.Items[0].Placeholders) < 20 {
			t.Fatalf("list: %+v", list.Items)
		}
		r = h.do("GET", "/api/v1/letter-templates/answer.docx", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.Body, letters.Builtin(letters.KindAnswer)) || r.Header.Get("Srok-Template-Version") != "0" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("built-in download: %v", r.Header)
		}
		wantStatus(t, h.do("GET", "/api/v1/letter-templates/memo.docx", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", "/api/v1/letter-templates/answer.pdf", nil), http.StatusNotFound)

		edited := editDOCX(t, letters.Builtin(letters.KindAnswer), "{title}", "{title} (шаблон ООО)")
		wantStatus(t, h.putTemplate(t, "answer", bytes.NewReader(edited), int64(len(edited)), as(operator)), http.StatusForbidden)
		wantStatus(t, h.putTemplate(t, "answer", bytes.NewReader(edited), int64(len(edited)), as(viewer)), http.StatusForbidden)
		wantStatus(t, h.putTemplate(t, "memo", bytes.NewReader(edited), int64(len(edited))), http.StatusNotFound)

		// Refused, nothing replaced.
		notDOCX := []byte("%PDF-1.4 not a template")
		r = h.putTemplate(t, "answer", bytes.NewReader(notDOCX), int64(len(notDOCX)))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if f := problemFields(t, r); !f["template"] || !strings.Contains(r.problem(t).Errors[0].Problem, "DOCX") {
			t.Errorf("a non-DOCX: %s", r.Body)
		}
		unknown := editDOCX(t, letters.Builtin(letters.KindAnswer), "{title}", "{title} {director_mood}")
		r = h.putTemplate(t, "answer", bytes.NewReader(unknown), int64(len(unknown)))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), "director_mood") {
			t.Errorf("an unknown placeholder is not named: %s", r.Body)
		}
		// 50 MB announced: refused before a byte is read.
		big := &countingReader{r: io.LimitReader(zeros{}, 50<<20)}
		r = h.putTemplate(t, "answer", big, 50<<20)
		wantStatus(t, r, http.StatusRequestEntityTooLarge)
		if n := big.n.Load(); n != 0 {
			t.Errorf("read %d bytes of an announced 50 MB upload", n)
		}
		// 50 MB without a length (chunked): refused past the limit, the rest unread.
		big = &countingReader{r: io.LimitReader(zeros{}, 50<<20)}
		r = h.putTemplate(t, "answer", big, -1)
		wantStatus(t, r, http.StatusRequestEntityTooLarge)
		if n := big.n.Load(); n > 6<<20 {
			t.Errorf("read %d bytes of a 50 MB chunked upload", n)
		}
		r = h.do("GET", "/api/v1/letter-templates", nil)
		r.decode(t, &list)
		if list.Items[0].Version != 0 {
			t.Fatalf("a refused upload replaced the template: %+v", list.Items[0])
		}

		r = h.putTemplate(t, "answer", bytes.NewReader(edited), int64(len(edited)))
		wantStatus(t, r, http.StatusOK)
		var v LetterTemplate
		r.decode(t, &v)
		if v.Version != 1 || v.Builtin || v.Size != len(edited) || v.UploaderName == nil {
			t.Fatalf("uploaded: %+v", v)
		}
		r = h.do("GET", "/api/v1/letter-templates/answer.docx", nil, as(viewer))
		if !bytes.Equal(r.Body, edited) || r.Header.Get("Srok-Template-Version") != "1" {
			t.Errorf("the current template is not the upload")
		}
		r = h.do("GET", "/api/v1/letter-templates/answer.docx?builtin=1", nil)
		if !bytes.Equal(r.Body, letters.Builtin(letters.KindAnswer)) {
			t.Errorf("builtin=1 is not the built-in template")
		}
		wantStatus(t, h.do("DELETE", "/api/v1/letter-templates/answer", nil, as(operator)), http.StatusForbidden)
		r = h.do("DELETE", "/api/v1/letter-templates/answer", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &v)
		if v.Version != 2 || !v.Builtin {
			t.Errorf("back to built-in: %+v", v)
		}
		r = h.do("GET", "/api/v1/letter-templates/answer.docx", nil)
		if !bytes.Equal(r.Body, letters.Builtin(letters.KindAnswer)) || r.Header.Get("Srok-Template-Version") != "2" {
			t.Errorf("after going back: version %s", r.Header.Get("Srok-Template-Version"))
		}
	})
}

// A request's letters: missing details are a 422 naming each field; an
// answer, an extension with its reasons, a refusal with its ground render
// as PDF and DOCX for whoever may see the request, viewers included, each
// read audited; an unknown kind is a 404, a kind that does not apply a 409.
func TestRequestLetters(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		req := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		base := "/api/v1/requests/" + req.ID + "/letters/"

		r := h.do("GET", base+"details_request.pdf", nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		f := problemFields(t, r)
		for _, want := range []string{"operator.name", "operator.inn", "operator.ogrn", "operator.address", "signatory.name"} {
			if !f[want] {
				t.Errorf("missing details: %s not named in %v", want, f)
			}
		}
		r = h.do("PUT", "/api/v1/organisation", orgBody())
		wantStatus(t, r, http.StatusOK)
		var org Organisation
		r.decode(t, &org)

		// A new request is not answered yet: its answer does not apply.
		wantStatus(t, h.do("GET", base+"answer.pdf", nil), http.StatusConflict)
		r = h.do("GET", base+"details_request.pdf", nil)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("Content-Type") != mediaPDF || r.Header.Get("Srok-Template-Version") != "0" || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
			t.Fatalf("details request: %v", r.Header)
		}
		wantStatus(t, h.do("POST", "/api/v1/requests/"+req.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}), http.StatusOK)

		for _, c := range []struct {
			path  string
			code  int
			field string
		}{
			{"answer.pdf", http.StatusOK, ""},
			{"answer.docx", http.StatusOK, ""},
			{"extension.pdf", http.StatusUnprocessableEntity, "extension.reasons"},
			{"extension.pdf?reasons=" + "необходимостью+запросить+архив", http.StatusOK, ""},
			{"refusal.pdf", http.StatusUnprocessableEntity, "refusal.ground"},
			{"refusal.docx?ground=п.+4+ч.+8+ст.+14&reasons=права+третьих+лиц", http.StatusOK, ""},
			{"memo.pdf", http.StatusNotFound, "kind"},
			{"answer.txt", http.StatusNotFound, ""},
			{"answer.pdf?records=00000000-0000-0000-0000-000000000000", http.StatusUnprocessableEntity, "records"},
			{"answer.pdf?color=red", http.StatusBadRequest, "color"},
			{"extension.pdf?reasons=" + strings.Repeat("x", 4001), http.StatusBadRequest, "reasons"},
		} {
			r := h.do("GET", base+c.path, nil)
			if r.Code != c.code {
				t.Errorf("%s: %d, want %d: %s", c.path, r.Code, c.code, r.Body)
				continue
			}
			if c.field != "" && !problemFields(t, r)[c.field] {
				t.Errorf("%s: %s not named: %s", c.path, c.field, r.Body)
			}
		}
		// records= chooses the processing records an access answer gives.
		r = h.do("GET", base+"answer.docx?records="+org.Records[1].ID, nil)
		wantStatus(t, r, http.StatusOK)
		if doc := documentXML(t, r.Body); !strings.Contains(doc, "Рассылка о новых товарах") || strings.Contains(doc, "Исполнение договора поставки") {
			t.Errorf("records=%s did not choose the second record", org.Records[1].ID)
		}
		// missing= names what a request for details asks; by default what the
		// identity details lack (152-FZ art. 14 part 3).
		r = h.do("GET", base+"details_request.docx", nil)
		wantStatus(t, r, http.StatusOK)
		if doc := documentXML(t, r.Body); !strings.Contains(doc, "удостоверяющего Вашу личность") {
			t.Errorf("the default missing details are not asked")
		}
		r = h.do("GET", base+"details_request.docx?missing="+url.QueryEscape("подпись субъекта;доверенность представителя"), nil)
		wantStatus(t, r, http.StatusOK)
		if doc := documentXML(t, r.Body); !strings.Contains(doc, "доверенность представителя") || strings.Contains(doc, "удостоверяющего Вашу личность") {
			t.Errorf("missing= is not what the letter asks")
		}
		r = h.do("GET", base+"answer.pdf", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID+"/letters/answer.pdf", nil, anonymous()), http.StatusUnauthorized)
		wantStatus(t, h.do("GET", "/api/v1/requests/00000000-0000-0000-0000-000000000000/letters/answer.pdf", nil), http.StatusNotFound)

		page, err := h.audit.List(srok.WithActor(t.Context(), srok.System), audit.Filter{Action: audit.ActionLetterRead, RequestID: req.ID}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 9 {
			t.Errorf("letter reads audited: %d, want 9", len(page.Items))
		}
	})
}

// A letter rendered through the API from an uploaded (edited) template
// opens in LibreOffice, and both its PDFs (LibreOffice's and ours) name the
// operator, the request's number and the edit.
func TestLetterFromEditedTemplateInLibreOffice(t *testing.T) {
	bin := letterstest.Soffice(t)
	h := newHarness(t, "sqlite")
	wantStatus(t, h.do("PUT", "/api/v1/organisation", orgBody()), http.StatusOK)
	edited := editDOCX(t, letters.Builtin(letters.KindAnswer), "{title}", "{title} — по шаблону Ромашки")
	wantStatus(t, h.putTemplate(t, "answer", bytes.NewReader(edited), int64(len(edited))), http.StatusOK)
	req := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
	wantStatus(t, h.do("POST", "/api/v1/requests/"+req.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}), http.StatusOK)

	dir := t.TempDir()
	r := h.do("GET", "/api/v1/requests/"+req.ID+"/letters/answer.docx", nil)
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("Srok-Template-Version") != "1" {
		t.Errorf("template version %q, want 1", r.Header.Get("Srok-Template-Version"))
	}
	docx := filepath.Join(dir, "answer.docx")
	if err := os.WriteFile(docx, r.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.do("GET", "/api/v1/requests/"+req.ID+"/letters/answer.pdf", nil)
	wantStatus(t, r, http.StatusOK)
	ours := filepath.Join(dir, "ours.pdf")
	if err := os.WriteFile(ours, r.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	lo := letterstest.ConvertDOCX(t, bin, dir, docx)[0]
	for what, path := range map[string]string{"LibreOffice": lo, "ours": ours} {
		text := letterstest.PDFText(t, path)
		for _, want := range []string{"Общество с ограниченной ответственностью «Ромашка»", req.Number, "по шаблону Ромашки",
			"Исполнение договора поставки", "Рассылка о новых товарах", "ПДн-2026/____"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s PDF lacks %q", what, want)
			}
		}
	}
}

// BenchmarkRequestLetter renders a request's answer through the real router
// on SQLite: the read of the request (audited), the details, the template
// in use parsed, the letter drawn, the read of the letter audited.
func BenchmarkRequestLetter(b *testing.B) {
	st, _ := storetest.MustOpenServing(b, store.SQLite)
	h := newHarnessOn(b, st)
	if r := h.exchange(b, false, "PUT", "/api/v1/organisation", orgBody()); r.Code != http.StatusOK {
		b.Fatalf("details: %d %s", r.Code, r.Body)
	}
	r := h.exchange(b, false, "POST", "/api/v1/requests", accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
	var req Request
	if err := json.Unmarshal(r.Body, &req); err != nil {
		b.Fatal(err)
	}
	if r := h.exchange(b, false, "POST", "/api/v1/requests/"+req.ID+"/assign", map[string]any{"assignee": "ivanova@example.ru"}); r.Code != http.StatusOK {
		b.Fatalf("assign: %d", r.Code)
	}
	for _, format := range []string{"docx", "pdf"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := h.exchange(b, false, "GET", "/api/v1/requests/"+req.ID+"/letters/answer."+format, nil); r.Code != http.StatusOK {
					b.Fatalf("%d %s", r.Code, r.Body)
				}
			}
		})
	}
}

// documentXML is the text of a DOCX's main part.
func documentXML(t *testing.T, docx []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return string(b)
		}
	}
	t.Fatal("no word/document.xml")
	return ""
}

// The details as read, never saved (updated_at and updated_by null), may be
// sent back as they are: the document says so, and the API takes them.
func TestOrganisationSentBackAsRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := h.do("GET", "/api/v1/organisation", nil)
		wantStatus(t, r, http.StatusOK)
		var read map[string]any
		r.decode(t, &read)
		if read["updated_at"] != nil || read["updated_by"] != nil {
			t.Fatalf("never saved, yet: %v %v", read["updated_at"], read["updated_by"])
		}
		for k, v := range orgBody() {
			read[k] = v
		}
		wantStatus(t, h.do("PUT", "/api/v1/organisation", read), http.StatusOK)
	})
}
