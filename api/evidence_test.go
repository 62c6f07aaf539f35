package api

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// readZip opens a pack and returns its files by name.
func readZip(t *testing.T, body []byte) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files, order := map[string][]byte{}, []string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
		order = append(order, f.Name)
	}
	return files, order
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatalf("no byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestEvidencePack(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		msg := eml(t, "cp1251_qp.eml")
		er := h.do("POST", "/api/v1/emails", msg, rfc822)
		wantStatus(t, er, http.StatusCreated)
		body := accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00")
		body["email_id"] = er.email(t).ID
		req := h.create(t, body)
		wantStatus(t, h.do("POST", "/api/v1/requests/"+req.ID+"/notes", map[string]any{"text": "звонили"}), http.StatusCreated)
		h.clock.Set(fixedNow.Add(time.Hour))

		r := h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil)
		wantStatus(t, r, http.StatusOK)
		if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/zip" ||
			cd != `attachment; filename="evidence-`+req.Number+`.zip"` {
			t.Fatalf("headers %q %q", ct, cd)
		}
		files, order := readZip(t, r.Body)
		if order[len(order)-1] != "manifest.json" {
			t.Errorf("files %v: the manifest comes last", order)
		}
		emlName := "emails/" + req.Number + ".eml"
		if !bytes.Equal(files[emlName], []byte(msg)) {
			t.Errorf("%s differs from what was sent in (%d bytes, want %d)", emlName, len(files[emlName]), len(msg))
		}
		var m evidence.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if m.RequestID != req.ID || m.RequestNumber != req.Number || m.TimeZone != "Europe/Moscow" || m.Letters == nil {
			t.Errorf("manifest %+v", m)
		}
		if made, err := time.Parse(time.RFC3339, m.MadeAt); err != nil || !made.Equal(fixedNow.Add(time.Hour)) || !strings.HasSuffix(m.MadeAt, "+03:00") {
			t.Errorf("made_at %q: RFC 3339 in Moscow, the clock's time", m.MadeAt)
		}
		if len(m.Files) != len(files)-1 {
			t.Errorf("the manifest lists %d files, the zip has %d besides it", len(m.Files), len(files)-1)
		}
		for _, f := range m.Files {
			b, ok := files[f.Name]
			sum := sha256.Sum256(b)
			if !ok || int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Errorf("%s: in zip %v, size %d vs %d, sha256 mismatch %v", f.Name, ok, len(b), f.Size, hex.EncodeToString(sum[:]) != f.SHA256)
			}
		}
		tl := readCSV(t, files["timeline.csv"])
		if strings.Join(tl[0], ";") != strings.Join(ru.TimelineColumns, ";") || len(tl) != 3 ||
			tl[1][3] != ru.Event("created") || tl[2][7] != "звонили" || tl[1][1] != "25.11.2026 09:00:00" {
			t.Errorf("timeline %q", tl)
		}
		au := readCSV(t, files["audit.csv"])
		last := au[len(au)-1]
		if last[2] != string(audit.ActionRequestEvidence) || last[3] != "ok" || last[1] != "25.11.2026 10:00:00" {
			t.Errorf("the pack's own audit ends with %q, want its making", last)
		}
		if au[1][2] != string(audit.ActionRequestCreate) {
			t.Errorf("audit starts with %q", au[1])
		}

		// The making is in the trail, recorded before the body.
		ctx := srok.WithActor(t.Context(), srok.System)
		entries, err := h.st.ListAudit(ctx, audit.Filter{Action: audit.ActionRequestEvidence, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].RequestID != req.ID || entries[0].Outcome != audit.OutcomeOK {
			t.Fatalf("audit %+v %v", entries, err)
		}

		// Who may: officers, the operator who sees it; not a viewer, not an
		// operator for a request they do not see.
		officer := h.mustToken(t, "officer@example.ru", srok.RoleOfficer, srok.ScopeFull)
		wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil, as(officer)), http.StatusOK)
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		if p := h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil, as(viewer)); p.Code != http.StatusForbidden {
			t.Errorf("viewer: %d", p.Code)
		} else {
			p.problem(t)
		}
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)
		wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil, as(operator)), http.StatusOK)
		wantStatus(t, h.do("POST", "/api/v1/requests/"+req.ID+"/assign", map[string]any{"assignee": "petrov@example.ru"}), http.StatusOK)
		wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil, as(operator)), http.StatusNotFound)
		wantStatus(t, h.do("GET", "/api/v1/requests/00000000-0000-7000-8000-000000000000/evidence.zip", nil), http.StatusNotFound)
		wantStatus(t, h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip?x=1", nil), http.StatusBadRequest)
	})
}

// A request registered by hand has no email: the pack holds the rest.
func TestEvidencePackWithoutEmail(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		req := h.create(t, accessBody("Иван Петров", "ivan@example.ru", "2026-11-20T10:00:00+03:00"))
		r := h.do("GET", "/api/v1/requests/"+req.ID+"/evidence.zip", nil)
		wantStatus(t, r, http.StatusOK)
		files, _ := readZip(t, r.Body)
		var m evidence.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if len(files) != 3 || len(m.Files) != 2 || m.Files[0].Name != "timeline.csv" || m.Files[1].Name != "audit.csv" {
			t.Errorf("files %v, manifest %+v", len(files), m.Files)
		}
	})
}
