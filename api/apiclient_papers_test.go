package api

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	apiclient "github.com/srok/srok/pkg/client"
)

// TestGeneratedClientPapers drives the routes of the operator's papers and
// of incoming mail with the generated client, as an integration would: the
// operator's details, a request's letter, the journal, the evidence pack,
// the inbox and its triage, the mailboxes and the caller's calendar feed.
// Each answer must parse into the generated types and hold what the route
// promises (a PDF, an XLSX, a zip, iCalendar).
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

		org, err := json.Marshal(orgBody())
		if err != nil {
			t.Fatal(err)
		}
		pr, err := c.PutOrganisationWithBodyWithResponse(ctx, "application/json", bytes.NewReader(org))
		if err != nil || pr.StatusCode() != http.StatusOK || pr.JSON200 == nil {
			t.Fatalf("PUT organisation: %v %d %s", err, pr.StatusCode(), pr.Body)
		}
		gr, err := c.GetOrganisationWithResponse(ctx)
		if err != nil || gr.JSON200 == nil || gr.JSON200.Inn != "7704217370" {
			t.Fatalf("GET organisation: %v %s", err, gr.Body)
		}

		cr, err := c.CreateRequestWithResponse(ctx, nil, apiclient.RequestInput{
			Type: apiclient.RequestTypeAccess, Channel: apiclient.ChannelPost,
			ReceivedAt: new(apiclient.Trigger("2026-11-20T10:00:00+03:00")),
			Subject:    &apiclient.SubjectInput{Name: new("Анна Смирнова"), PostalAddress: new("170100, г. Тверь, ул. Советская, д. 1")},
		})
		if err != nil || cr.JSON201 == nil {
			t.Fatalf("create: %v %s", err, cr.Body)
		}
		id := cr.JSON201.Id

		lr, err := c.GetRequestLetterWithResponse(ctx, id, "details_request.pdf", nil)
		if err != nil || lr.StatusCode() != http.StatusOK || !bytes.HasPrefix(lr.Body, []byte("%PDF-")) {
			t.Fatalf("the request for details as PDF: %v %d %.200s", err, lr.StatusCode(), lr.Body)
		}
		// A refusal without its ground lacks something: a problem naming it.
		refusal, err := c.GetRequestLetterWithResponse(ctx, id, "refusal.pdf", nil)
		if err != nil {
			t.Fatal(err)
		}
		if refusal.StatusCode() < 400 || refusal.StatusCode() >= 500 || !strings.Contains(string(refusal.Body), "urn:srok:problem") {
			t.Errorf("a refusal without its ground: %d %.300s", refusal.StatusCode(), refusal.Body)
		}

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

		raw, err := os.ReadFile("../pkg/intake/testdata/cp1251_qp.eml")
		if err != nil {
			t.Fatal(err)
		}
		ir, err := c.CreateEmailWithBodyWithResponse(ctx, "message/rfc822", bytes.NewReader(raw))
		if err != nil || ir.JSON201 == nil {
			t.Fatalf("send an email in: %v %d %s", err, ir.StatusCode(), ir.Body)
		}
		pending, err := c.ListEmailsWithResponse(ctx, &apiclient.ListEmailsParams{Triage: "pending"})
		if err != nil || pending.JSON200 == nil || len(pending.JSON200.Items) != 1 || pending.JSON200.Items[0].Id != ir.JSON201.Id {
			t.Fatalf("the inbox: %v %s", err, pending.Body)
		}
		spam := apiclient.TriageInputReasonSpam
		tr, err := c.TriageEmailWithResponse(ctx, ir.JSON201.Id, apiclient.TriageInput{Decision: apiclient.TriageInputDecisionNotRequest, Reason: &spam})
		if err != nil || tr.JSON200 == nil || tr.JSON200.State != "not_request" {
			t.Fatalf("decide: %v %d %s", err, tr.StatusCode(), tr.Body)
		}
		again, err := c.TriageEmailWithResponse(ctx, ir.JSON201.Id, apiclient.TriageInput{Decision: apiclient.TriageInputDecisionNotRequest, Reason: &spam})
		if err != nil || again.StatusCode() != http.StatusConflict {
			t.Fatalf("decide twice: %v %d %s", err, again.StatusCode(), again.Body)
		}
		if left, err := c.ListEmailsWithResponse(ctx, &apiclient.ListEmailsParams{Triage: "pending"}); err != nil || left.JSON200 == nil || len(left.JSON200.Items) != 0 {
			t.Fatalf("the inbox after the decision: %v %s", err, left.Body)
		}

		mr, err := c.ListMailboxesWithResponse(ctx)
		if err != nil || mr.StatusCode() != http.StatusOK || mr.JSON200 == nil {
			t.Fatalf("the mailboxes: %v %d %s", err, mr.StatusCode(), mr.Body)
		}

		fr, err := c.CreateCalendarFeedWithResponse(ctx)
		if err != nil || fr.JSON201 == nil || !strings.HasPrefix(fr.JSON201.Url, feedBase+"/feeds/") {
			t.Fatalf("a calendar feed: %v %d %s", err, fr.StatusCode(), fr.Body)
		}
		file := fr.JSON201.Url[strings.LastIndex(fr.JSON201.Url, "/")+1:]
		anon, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		feed, err := anon.ReadCalendarFeedWithResponse(ctx, file)
		if err != nil || feed.StatusCode() != http.StatusOK || !bytes.HasPrefix(feed.Body, []byte("BEGIN:VCALENDAR\r\n")) {
			t.Fatalf("read the feed: %v %d %.200s", err, feed.StatusCode(), feed.Body)
		}
	})
}
