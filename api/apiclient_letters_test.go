package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	apiclient "github.com/srok/srok/pkg/client"
	"github.com/srok/srok/pkg/letters"
)

// TestGeneratedClientLetters drives the details, the templates and a
// request's letters with the generated client, every exchange checked
// against api/openapi.yaml: the client sends what the routes take and
// parses what they answer, the nullable fields and the 422 naming the
// INN included.
func TestGeneratedClientLetters(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()),
			apiclient.WithRequestEditorFn(bearer(h.token)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()

		g, err := c.GetOrganisationWithResponse(ctx)
		if err != nil || g.JSON200 == nil || g.JSON200.Version != 0 || g.JSON200.UpdatedAt != nil {
			t.Fatalf("get before a save: %v %s", err, g.Body)
		}
		short, phone := "ООО «Ромашка»", "+7 495 123-45-67"
		purpose, basis := "Исполнение договора", "договор"
		in := apiclient.OrganisationInput{Name: "Общество с ограниченной ответственностью «Ромашка»", ShortName: &short,
			Inn: "7704217371", Ogrn: "1027700132195", Address: "119021, г. Москва, ул. Льва Толстого, д. 16", Phone: &phone,
			Signatory: &apiclient.OrganisationPerson{Name: ptr("И. И. Иванов"), Position: ptr("Генеральный директор")},
			Records:   &[]apiclient.ProcessingRecord{{Purpose: purpose, LegalBasis: &basis}}}
		p, err := c.PutOrganisationWithResponse(ctx, in)
		if err != nil || p.StatusCode() != http.StatusUnprocessableEntity || p.ApplicationproblemJSON422 == nil ||
			p.ApplicationproblemJSON422.Errors == nil || (*p.ApplicationproblemJSON422.Errors)[0].Field != "inn" {
			t.Fatalf("a bad INN: %v %d %s", err, p.StatusCode(), p.Body)
		}
		in.Inn = "7704217370"
		p, err = c.PutOrganisationWithResponse(ctx, in)
		if err != nil || p.JSON200 == nil || p.JSON200.Version != 1 || p.JSON200.UpdatedAt == nil || len(p.JSON200.Records) != 1 ||
			p.JSON200.Records[0].Id == nil || *p.JSON200.Records[0].Id == "" {
			t.Fatalf("save: %v %s", err, p.Body)
		}

		l, err := c.ListLetterTemplatesWithResponse(ctx)
		if err != nil || l.JSON200 == nil || len(l.JSON200.Items) != 4 || l.JSON200.Items[0].UploadedAt != nil {
			t.Fatalf("list: %v %s", err, l.Body)
		}
		u, err := c.PutLetterTemplateWithBodyWithResponse(ctx, "refusal", mediaDOCX, bytes.NewReader(letters.Builtin(letters.KindRefusal)))
		if err != nil || u.JSON200 == nil || u.JSON200.Version != 1 || u.JSON200.Builtin || u.JSON200.UploaderName == nil {
			t.Fatalf("upload: %v %s", err, u.Body)
		}
		u, err = c.PutLetterTemplateWithBodyWithResponse(ctx, "refusal", mediaDOCX, bytes.NewReader([]byte("no")))
		if err != nil || u.ApplicationproblemJSON422 == nil {
			t.Fatalf("a broken upload: %v %d %s", err, u.StatusCode(), u.Body)
		}
		d, err := c.GetLetterTemplateWithResponse(ctx, "refusal.docx", nil)
		if err != nil || d.StatusCode() != http.StatusOK || !bytes.Equal(d.Body, letters.Builtin(letters.KindRefusal)) ||
			d.HTTPResponse.Header.Get("Srok-Template-Version") != "1" {
			t.Fatalf("download: %v %d", err, d.StatusCode())
		}
		rs, err := c.ResetLetterTemplateWithResponse(ctx, "refusal")
		if err != nil || rs.JSON200 == nil || rs.JSON200.Version != 2 || !rs.JSON200.Builtin {
			t.Fatalf("reset: %v %s", err, rs.Body)
		}

		req := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		id, err := uuid.Parse(req.ID)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := c.GetRequestLetterWithResponse(ctx, id, "details_request.pdf", nil)
		if err != nil || lt.StatusCode() != http.StatusOK || !bytes.HasPrefix(lt.Body, []byte("%PDF")) {
			t.Fatalf("details request: %v %d %s", err, lt.StatusCode(), lt.Body)
		}
		lt, err = c.GetRequestLetterWithResponse(ctx, id, "extension.pdf", nil)
		if err != nil || lt.ApplicationproblemJSON422 == nil || (*lt.ApplicationproblemJSON422.Errors)[0].Field != "extension.reasons" {
			t.Fatalf("extension without reasons: %v %d %s", err, lt.StatusCode(), lt.Body)
		}
		reasons := "необходимостью получить сведения из архива"
		lt, err = c.GetRequestLetterWithResponse(ctx, id, "extension.docx", &apiclient.GetRequestLetterParams{Reasons: &reasons})
		if err != nil || lt.StatusCode() != http.StatusOK || lt.HTTPResponse.Header.Get("Srok-Template-Version") != "0" {
			t.Fatalf("extension: %v %d %s", err, lt.StatusCode(), lt.Body)
		}

		// Issuing: a request for details on paper, its post recorded, the
		// list, the letter and its PDF as issued.
		is, err := c.IssueRequestLetterWithResponse(ctx, id, apiclient.IssueRequestLetterParamsFileDetailsRequest,
			apiclient.IssueLetterInput{Delivery: apiclient.IssueLetterInputDeliveryPaper})
		if err != nil || is.JSON201 == nil || is.JSON201.Number == "" || is.JSON201.PostedOn != nil || is.JSON201.Email != nil ||
			is.HTTPResponse.Header.Get("Location") != "/api/v1/requests/"+req.ID+"/issued-letters/"+is.JSON201.Id.String() {
			t.Fatalf("issue: %v %d %s", err, is.StatusCode(), is.Body)
		}
		bad, err := c.IssueRequestLetterWithResponse(ctx, id, apiclient.IssueRequestLetterParamsFileDetailsRequest,
			apiclient.IssueLetterInput{Delivery: "pigeon"})
		if err != nil || bad.ApplicationproblemJSON422 == nil || (*bad.ApplicationproblemJSON422.Errors)[0].Field != "delivery" {
			t.Fatalf("a bad delivery: %v %d %s", err, bad.StatusCode(), bad.Body)
		}
		po, err := c.PostIssuedLetterWithResponse(ctx, id, is.JSON201.Id, apiclient.PostLetterInput{PostedOn: ptr("2026-11-25"),
			Tracking: ptr("14500012345678")})
		if err != nil || po.JSON200 == nil || po.JSON200.PostedOn == nil || po.JSON200.PostedOn.String() != "2026-11-25" ||
			po.JSON200.Tracking != "14500012345678" {
			t.Fatalf("post: %v %d %s", err, po.StatusCode(), po.Body)
		}
		ls, err := c.ListIssuedLettersWithResponse(ctx, id)
		if err != nil || ls.JSON200 == nil || len(ls.JSON200.Items) != 1 || ls.JSON200.Items[0].Id != is.JSON201.Id {
			t.Fatalf("list: %v %d %s", err, ls.StatusCode(), ls.Body)
		}
		one, err := c.GetIssuedLetterWithResponse(ctx, id, is.JSON201.Id.String(), nil)
		if err != nil || one.JSON200 == nil || one.JSON200.Number != is.JSON201.Number {
			t.Fatalf("one: %v %d %s", err, one.StatusCode(), one.Body)
		}
		f, err := c.GetIssuedLetterWithResponse(ctx, id, is.JSON201.Id.String()+".pdf", nil)
		if err != nil || f.StatusCode() != http.StatusOK || hexSHA(f.Body) != is.JSON201.Pdf.Sha256 {
			t.Fatalf("pdf: %v %d", err, f.StatusCode())
		}
	})
}

func ptr[T any](v T) *T { return &v }
