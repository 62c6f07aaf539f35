package api

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/letters/letterstest"
	"github.com/srok/srok/pkg/srok"
)

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Issuing through the API: the roles, the letter's action performed with
// its outgoing number, the files returned byte for byte as issued (the
// PDF's text holds the number), the list, the post of a letter on paper,
// the refusals that keep nothing, and the audit trail.
func TestIssueLettersAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)
		wantStatus(t, h.do("PUT", "/api/v1/organisation", orgBody()), http.StatusOK)
		req := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		base := "/api/v1/requests/" + req.ID

		// A new request cannot be answered yet: nothing is issued.
		r := h.do("POST", base+"/letters/answer", map[string]any{"delivery": "email"})
		wantStatus(t, r, http.StatusConflict)
		if p := r.problem(t); !strings.HasSuffix(p.Type, "transition_forbidden") {
			t.Errorf("problem %s", p.Type)
		}
		wantStatus(t, h.do("POST", base+"/assign", map[string]any{"assignee": "ivanova@example.ru"}), http.StatusOK)

		// Bad input: a 4xx naming the field, nothing issued.
		for _, c := range []struct {
			body  any
			code  int
			field string
		}{
			{map[string]any{}, http.StatusUnprocessableEntity, "delivery"},
			{map[string]any{"delivery": "pigeon"}, http.StatusUnprocessableEntity, "delivery"},
			{map[string]any{"delivery": "email", "posted_on": "2026-11-20"}, http.StatusUnprocessableEntity, "delivery"},
			{map[string]any{"delivery": "paper", "posted_on": "20.11.2026"}, http.StatusUnprocessableEntity, "posted_on"},
			{map[string]any{"delivery": "paper", "posted_on": "2027-01-01"}, http.StatusUnprocessableEntity, "posted_on"},
			{map[string]any{"delivery": "paper", "outcome": "refused"}, http.StatusUnprocessableEntity, "outcome"},
			{map[string]any{"delivery": "paper", "colour": "red"}, http.StatusBadRequest, "colour"},
		} {
			r := h.do("POST", base+"/letters/answer", c.body)
			wantStatus(t, r, c.code)
			if !problemFields(t, r)[c.field] {
				t.Errorf("%v: %s not named: %s", c.body, c.field, r.Body)
			}
		}
		wantStatus(t, h.do("POST", base+"/letters/invoice", map[string]any{"delivery": "paper"}), http.StatusNotFound)
		// Roles: a viewer issues nothing; an operator no refusal.
		wantStatus(t, h.do("POST", base+"/letters/answer", map[string]any{"delivery": "email"}, as(viewer)), http.StatusForbidden)
		wantStatus(t, h.do("POST", base+"/letters/refusal", map[string]any{"delivery": "paper", "reasons": "повторный запрос",
			"ground": "ч. 5 ст. 14 152-ФЗ"}, as(operator)), http.StatusForbidden)
		r = h.do("GET", base+"/issued-letters", nil)
		wantStatus(t, r, http.StatusOK)
		var list struct{ Items []issuedJSON }
		r.decode(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("letters kept after refusals: %+v", list.Items)
		}

		// The answer, by email.
		r = h.do("POST", base+"/letters/answer", map[string]any{"delivery": "email"})
		wantStatus(t, r, http.StatusCreated)
		var l issuedJSON
		r.decode(t, &l)
		if l.Number != "ПДн-2026/0001" || l.Kind != "answer" || l.Delivery != "email" || l.Email == nil ||
			l.Email.Status != "pending" || l.Email.To != "ivan@example.ru" || r.Header.Get("Location") != base+"/issued-letters/"+l.ID {
			t.Fatalf("issued: %s %v", r.Body, r.Header)
		}
		got := h.do("GET", base, nil).request(t)
		if got.Status != "answered" || got.Answer == nil || got.Answer.Number != l.Number {
			t.Fatalf("the answer was not recorded: %+v", got.Answer)
		}
		// Issued once: a second answer is refused by the register.
		wantStatus(t, h.do("POST", base+"/letters/answer", map[string]any{"delivery": "paper"}), http.StatusConflict)

		pdf := h.do("GET", base+"/issued-letters/"+l.ID+".pdf", nil)
		wantStatus(t, pdf, http.StatusOK)
		docx := h.do("GET", base+"/issued-letters/"+l.ID+".docx", nil)
		wantStatus(t, docx, http.StatusOK)
		if pdf.Header.Get("Content-Type") != mediaPDF || hexSHA(pdf.Body) != l.PDF.SHA256 || hexSHA(docx.Body) != l.DOCX.SHA256 ||
			len(pdf.Body) != l.PDF.Size || !strings.Contains(docx.Header.Get("Content-Disposition"), "answer-2026-0001.docx") {
			t.Fatalf("files differ from those issued: %v %v", pdf.Header, docx.Header)
		}
		path := filepath.Join(t.TempDir(), "answer.pdf")
		if err := os.WriteFile(path, pdf.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		if text := letterstest.PDFText(t, path); !strings.Contains(text, "ПДн-2026/0001") || strings.Contains(text, "____") {
			t.Errorf("the issued PDF does not carry its number:\n%s", text)
		}
		one := h.do("GET", base+"/issued-letters/"+l.ID, nil)
		wantStatus(t, one, http.StatusOK)
		var again issuedJSON
		one.decode(t, &again)
		if again.ID != l.ID || again.Number != l.Number || again.PDF.SHA256 != l.PDF.SHA256 {
			t.Fatalf("one letter: %s", one.Body)
		}
		wantStatus(t, h.do("GET", base+"/issued-letters/"+l.ID+".txt", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", base+"/issued-letters/not-a-letter.pdf", nil), http.StatusNotFound)

		// The evidence pack holds both files as issued, in its manifest.
		ev := h.do("GET", base+"/evidence.zip", nil)
		wantStatus(t, ev, http.StatusOK)
		zr, err := zip.NewReader(bytes.NewReader(ev.Body), int64(len(ev.Body)))
		if err != nil {
			t.Fatal(err)
		}
		inZip := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			inZip[f.Name] = b
		}
		if !bytes.Equal(inZip["letters/answer-2026-0001.pdf"], pdf.Body) || !bytes.Equal(inZip["letters/answer-2026-0001.docx"], docx.Body) {
			t.Fatalf("the pack's letters differ from those issued: %v", zr.File)
		}
		var man struct {
			Files []struct {
				Name, SHA256 string
			} `json:"files"`
			Letters []struct {
				File, Kind, Number, Date string
			} `json:"letters"`
		}
		if err := json.Unmarshal(inZip["manifest.json"], &man); err != nil {
			t.Fatal(err)
		}
		hashes := map[string]string{}
		for _, f := range man.Files {
			hashes[f.Name] = f.SHA256
		}
		if len(man.Letters) != 2 || man.Letters[0].Number != "ПДн-2026/0001" || man.Letters[0].Date != "2026-11-25" ||
			hashes["letters/answer-2026-0001.pdf"] != l.PDF.SHA256 || hashes["letters/answer-2026-0001.docx"] != l.DOCX.SHA256 {
			t.Fatalf("manifest: %s", inZip["manifest.json"])
		}
		// The journal shows the answer's outgoing number and date.
		jr := h.do("GET", "/api/v1/journal?from=2026-11-01&to=2026-11-30&format=csv", nil)
		wantStatus(t, jr, http.StatusOK)
		if !strings.Contains(string(jr.Body), "ПДн-2026/0001") || !strings.Contains(string(jr.Body), "25.11.2026") {
			t.Errorf("the journal lacks the outgoing number:\n%s", jr.Body)
		}

		// A viewer reads them, the contacts masked.
		r = h.do("GET", base+"/issued-letters", nil, as(viewer))
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].Email == nil || list.Items[0].Email.To != "" {
			t.Fatalf("viewer's list: %s", r.Body)
		}
		wantStatus(t, h.do("GET", base+"/issued-letters/"+l.ID+".pdf", nil, as(viewer)), http.StatusOK)
		wantStatus(t, h.do("PATCH", base+"/issued-letters/"+l.ID, map[string]any{"tracking": "1"}), http.StatusUnprocessableEntity)

		// A request for details, on paper, issued by an operator on an
		// unassigned request, its post recorded later.
		req2 := h.create(t, accessBody("Анна Смирнова", "anna@example.ru", "2026-11-20T10:00:00+03:00"))
		base2 := "/api/v1/requests/" + req2.ID
		r = h.do("POST", base2+"/letters/details_request", map[string]any{"delivery": "paper", "missing": []string{"копия доверенности"}}, as(operator))
		wantStatus(t, r, http.StatusCreated)
		l = issuedJSON{}
		r.decode(t, &l)
		if l.Number != "ПДн-2026/0002" || l.PostedOn != nil || l.Email != nil {
			t.Fatalf("details request: %s", r.Body)
		}
		r = h.do("PATCH", base2+"/issued-letters/"+l.ID, map[string]any{"posted_on": "2026-11-25", "tracking": "14500012345678"})
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &l)
		if l.PostedOn == nil || *l.PostedOn != "2026-11-25" || l.Tracking != "14500012345678" {
			t.Fatalf("post: %s", r.Body)
		}
		r = h.do("PATCH", base2+"/issued-letters/"+l.ID, map[string]any{"posted_on": "2026-11-01"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !problemFields(t, r)["posted_on"] {
			t.Errorf("a date before the letter: %s", r.Body)
		}
		wantStatus(t, h.do("PATCH", base2+"/issued-letters/"+l.ID, map[string]any{"tracking": "x"}, as(viewer)), http.StatusForbidden)
		if got := h.do("GET", base2, nil).request(t); got.Status != "new" {
			t.Fatalf("a request for details changed the status to %s", got.Status)
		}

		r = h.do("GET", "/api/v1/audit?action=letter.issue", nil)
		wantStatus(t, r, http.StatusOK)
		if n := strings.Count(string(r.Body), `"action":"letter.issue"`); n < 5 {
			t.Errorf("letter.issue entries: %d, want the two issues, the post and the denials:\n%s", n, r.Body)
		}
		if strings.Contains(string(r.Body), "ivan@example.ru") {
			t.Error("the audit trail holds the subject's address")
		}
	})
}
