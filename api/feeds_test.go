package api

import (
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"

	apiclient "github.com/srok/srok/pkg/client"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/srok"
)

// feedBase is SROK_PUBLIC_URL of the harness: the feeds' addresses start
// with it.
const feedBase = "https://srok.test"

// The calendar feed through the generated client, every answer checked
// against the contract: made once with its address, read by anyone with
// the address and nobody without it, with the caller's requests only (an
// officer's with the unassigned too), replaced, revoked; a viewer and an
// intake token get none.
func TestCalendarFeedAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		client := func(token string) *apiclient.ClientWithResponses {
			t.Helper()
			opts := []apiclient.ClientOption{apiclient.WithHTTPClient(srv.Client())}
			if token != "" {
				opts = append(opts, apiclient.WithRequestEditorFn(bearer(token)))
			}
			c, err := apiclient.NewClientWithResponses(srv.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		ctx := t.Context()
		officer := client(h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull))
		operator := client(h.mustToken(t, "anna@example.ru", srok.RoleOperator, srok.ScopeFull))
		viewer := client(h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull))
		intake := client(h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeIntake))
		anon := client("")

		unassigned := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		annas := h.create(t, accessBody("Мария Сидорова", "maria@example.ru", "2026-11-20T10:00:00+03:00"))
		wantStatus(t, h.do("POST", "/api/v1/requests/"+annas.ID+"/assign", map[string]any{"assignee": "anna@example.ru"}), http.StatusOK)

		g, err := officer.GetCalendarFeedWithResponse(ctx)
		if err != nil || g.JSON200 == nil || g.JSON200.Exists || g.JSON200.CreatedAt != nil {
			t.Fatalf("before any feed: %v %s", err, g.Body)
		}
		made, err := officer.CreateCalendarFeedWithResponse(ctx)
		if err != nil || made.JSON201 == nil {
			t.Fatalf("create: %v %s", err, made.Body)
		}
		if !strings.HasPrefix(made.JSON201.Url, feedBase+"/feeds/srokcal_") || made.HTTPResponse.Header.Get("Location") != "/api/v1/me/calendar-feed" {
			t.Errorf("made %+v, Location %q", made.JSON201, made.HTTPResponse.Header.Get("Location"))
		}
		file := path.Base(made.JSON201.Url)

		// Anyone with the address reads it: no credentials needed.
		read := func(file string, want int) string {
			t.Helper()
			r, err := anon.ReadCalendarFeedWithResponse(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode() != want {
				t.Fatalf("GET /feeds/%s: %d, want %d: %s", file, r.StatusCode(), want, r.Body)
			}
			if want == http.StatusOK && r.HTTPResponse.Header.Get("Content-Type") != feeds.ContentType {
				t.Errorf("Content-Type %q", r.HTTPResponse.Header.Get("Content-Type"))
			}
			return string(r.Body)
		}
		body := read(file, http.StatusOK)
		if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.Contains(body, feeds.UID(unassigned.ID, "access.answer")) ||
			strings.Contains(body, feeds.UID(annas.ID, "access.answer")) {
			t.Errorf("the officer's feed:\n%s", body)
		}
		for _, pd := range []string{"Иван", "Петров", "ivan@example.ru", "Мария"} {
			if strings.Contains(body, pd) {
				t.Errorf("the feed holds %q", pd)
			}
		}
		if g, err := officer.GetCalendarFeedWithResponse(ctx); err != nil || g.JSON200 == nil || !g.JSON200.Exists ||
			g.JSON200.CreatedAt == nil || g.JSON200.LastReadAt == nil {
			t.Errorf("after a read: %v %s", err, g.Body)
		}

		// The operator's: their own request only.
		om, err := operator.CreateCalendarFeedWithResponse(ctx)
		if err != nil || om.JSON201 == nil {
			t.Fatalf("operator's create: %v %s", err, om.Body)
		}
		if body := read(path.Base(om.JSON201.Url), http.StatusOK); !strings.Contains(body, feeds.UID(annas.ID, "access.answer")) ||
			strings.Contains(body, feeds.UID(unassigned.ID, "access.answer")) {
			t.Errorf("the operator's feed:\n%s", body)
		}

		// A viewer answers for nothing: no feed. An intake token is no user's.
		if r, err := viewer.CreateCalendarFeedWithResponse(ctx); err != nil || r.StatusCode() != http.StatusForbidden || r.ApplicationproblemJSON403 == nil {
			t.Errorf("a viewer's create: %v %d %s", err, r.StatusCode(), r.Body)
		}
		if r, err := intake.GetCalendarFeedWithResponse(ctx); err != nil || r.StatusCode() != http.StatusForbidden {
			t.Errorf("an intake token's get: %v %d %s", err, r.StatusCode(), r.Body)
		}
		if r, err := anon.CreateCalendarFeedWithResponse(ctx); err != nil || r.StatusCode() != http.StatusUnauthorized {
			t.Errorf("an anonymous create: %v %d %s", err, r.StatusCode(), r.Body)
		}

		// Replaced: the old address is a 404 at once.
		again, err := officer.CreateCalendarFeedWithResponse(ctx)
		if err != nil || again.JSON201 == nil || again.JSON201.Url == made.JSON201.Url {
			t.Fatalf("replace: %v %s", err, again.Body)
		}
		read(file, http.StatusNotFound)
		read(path.Base(again.JSON201.Url), http.StatusOK)

		// Revoked: a 404 at once, and nothing left to revoke.
		if r, err := officer.RevokeCalendarFeedWithResponse(ctx); err != nil || r.StatusCode() != http.StatusNoContent {
			t.Fatalf("revoke: %v %d %s", err, r.StatusCode(), r.Body)
		}
		read(path.Base(again.JSON201.Url), http.StatusNotFound)
		if r, err := officer.RevokeCalendarFeedWithResponse(ctx); err != nil || r.StatusCode() != http.StatusNotFound {
			t.Errorf("revoke twice: %v %d %s", err, r.StatusCode(), r.Body)
		}
		for _, bad := range []string{"x", ".ics", "srokcal_.ics", strings.TrimSuffix(file, ".ics"), file + ".ics"} {
			read(bad, http.StatusNotFound)
		}
		// The route takes no body: anything but nothing or {} is a 400
		// naming it, whatever its type, and makes no feed.
		h.token = h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull)
		for _, body := range []any{map[string]any{"x": 1}, raw("not json"), raw("[]")} {
			r := h.do("POST", "/api/v1/me/calendar-feed", body, header("Content-Type", "text/plain"))
			wantStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(string(r.Body), `"field":"body"`) {
				t.Errorf("body %v: %s", body, r.Body)
			}
		}
		if g, err := officer.GetCalendarFeedWithResponse(ctx); err != nil || g.JSON200 == nil || g.JSON200.Exists {
			t.Errorf("a refused body made a feed: %v %s", err, g.Body)
		}
		wantStatus(t, h.do("POST", "/api/v1/me/calendar-feed", raw(" {} ")), http.StatusCreated)
	})
}
