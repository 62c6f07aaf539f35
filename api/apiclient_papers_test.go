package api

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	apiclient "github.com/srok/srok/pkg/client"
)

// TestGeneratedClientPapers drives the files an inspector is handed with
// the generated client, as an integration would: the journal of a period
// (XLSX, CSV for Excel, a 400 naming the period) and a request's evidence
// pack (a zip with its manifest), every exchange checked against
// api/openapi.yaml. (The details and letters, the inbox, the mailboxes and
// the calendar feeds have their own client tests beside their routes.)
func TestGeneratedClientPapers(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()),
			apiclient.WithRequestEditorFn(bearer(h.token)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()

		cr, err := c.CreateRequestWithResponse(ctx, nil, apiclient.RequestInput{
			Type: apiclient.RequestTypeAccess, Channel: apiclient.ChannelPost,
			ReceivedAt: new(apiclient.Trigger("2026-11-20T10:00:00+03:00")),
			Subject:    &apiclient.SubjectInput{Name: new("Анна Смирнова"), PostalAddress: new("170100, г. Тверь, ул. Советская, д. 1")},
		})
		if err != nil || cr.JSON201 == nil {
			t.Fatalf("create: %v %s", err, cr.Body)
		}
		id := cr.JSON201.Id

		day := func(s string) openapi_types.Date {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			return openapi_types.Date{Time: d}
		}
		jr, err := c.GetJournalWithResponse(ctx, &apiclient.GetJournalParams{From: day("2026-11-01"), To: day("2026-11-30")})
		if err != nil || jr.StatusCode() != http.StatusOK || !bytes.HasPrefix(jr.Body, []byte("PK")) {
			t.Fatalf("the journal as XLSX: %v %d %.200s", err, jr.StatusCode(), jr.Body)
		}
		csvFormat := apiclient.GetJournalParamsFormat("csv")
		jc, err := c.GetJournalWithResponse(ctx, &apiclient.GetJournalParams{From: day("2026-11-01"), To: day("2026-11-30"), Format: &csvFormat})
		if err != nil || jc.StatusCode() != http.StatusOK || !bytes.HasPrefix(jc.Body, []byte("\uFEFF")) || !strings.Contains(string(jc.Body), cr.JSON201.Number) {
			t.Fatalf("the journal as CSV: %v %d %.300s", err, jc.StatusCode(), jc.Body)
		}
		bad, err := c.GetJournalWithResponse(ctx, &apiclient.GetJournalParams{From: day("2026-11-30"), To: day("2026-11-01")})
		if err != nil || bad.ApplicationproblemJSON400 == nil || bad.ApplicationproblemJSON400.Errors == nil {
			t.Fatalf("a period ending before it starts: %v %d %s", err, bad.StatusCode(), bad.Body)
		}

		er, err := c.GetEvidencePackWithResponse(ctx, id)
		if err != nil || er.StatusCode() != http.StatusOK {
			t.Fatalf("the evidence pack: %v %d %.200s", err, er.StatusCode(), er.Body)
		}
		zr, err := zip.NewReader(bytes.NewReader(er.Body), int64(len(er.Body)))
		if err != nil {
			t.Fatalf("the evidence pack is not a zip: %v", err)
		}
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
		}
		for _, want := range []string{"manifest.json", "timeline.csv", "audit.csv"} {
			if !names[want] {
				t.Errorf("the evidence pack has no %s: %v", want, names)
			}
		}

	})
}
