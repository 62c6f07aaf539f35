package web_test

import (
	"archive/zip"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The list of requests offers the journal of a period; the form sends it
// as a file, and a mistake in it is a Russian page, not a file.
func TestJournalForm(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		r := e.officer.do(t, "GET", "/requests", nil)
		form := section(t, r.body, "journal")
		for _, want := range []string{`action="/journal"`, `name="from" type="date" value="2026-01-01"`,
			`name="to" type="date" value="2026-11-25"`, `<option value="xlsx" selected>`, `<option value="csv">`, `id="journal-download"`} {
			if !strings.Contains(form, want) {
				t.Errorf("the journal form lacks %q:\n%s", want, form)
			}
		}
		j := e.officer.do(t, "GET", "/journal?from=2026-01-01&to=2026-11-25&format=csv", nil)
		if j.status != http.StatusOK || !strings.HasPrefix(j.body, "\ufeffРег. номер;") ||
			j.header.Get("Content-Disposition") != `attachment; filename="journal-2026-01-01-2026-11-25.csv"` {
			t.Fatalf("journal: %d %v %.80q", j.status, j.header, j.body)
		}
		rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(j.body, "\ufeff")))
		rd.Comma = ';'
		recs, err := rd.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range recs[1:] {
			got = append(got, rec[0])
		}
		want := []string{f.overdueFree.Number, f.overdueOwn.Number, f.today.Number, f.soon.Number, f.later.Number}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("journal rows %v, want %v", got, want)
		}
		x := e.officer.do(t, "GET", "/journal?from=01.01.2026&to=25.11.2026", nil)
		if x.status != http.StatusOK || x.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasPrefix(x.body, "PK") {
			t.Errorf("the XLSX, dates as typed by hand: %d %v", x.status, x.header)
		}
		for q, want := range map[string]string{
			"from=2026-11-25&to=2026-01-01":             "Конец периода раньше его начала.",
			"from=вчера&to=2026-01-01":                  "Начало периода: введите дату",
			"from=2026-01-01&to=":                       "Конец периода: введите дату",
			"from=2026-01-01&to=2026-02-01&format=docx": "Выберите формат из списка",
			"from=2001-01-01&to=2026-02-01":             "Период длиннее 10 лет",
		} {
			b := e.officer.do(t, "GET", "/journal?"+q, nil)
			if b.status != http.StatusBadRequest || !strings.Contains(b.body, want) || b.header.Get("Content-Disposition") != "" {
				t.Errorf("%s: %d, want 400 saying %q: %.300s", q, b.status, want, b.body)
			}
		}
	})
}

// The evidence pack's link is on a request's page for whoever may make the
// pack, and gives the zip; a viewer has no link and gets no pack.
func TestEvidenceLink(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		link := `href="/requests/` + f.later.ID + `/evidence.zip"`
		if r := e.officer.do(t, "GET", "/requests/"+f.later.ID, nil); !strings.Contains(r.body, link) {
			t.Errorf("the officer's page has no pack link")
		}
		if r := e.viewer.do(t, "GET", "/requests/"+f.later.ID, nil); r.status != http.StatusOK || strings.Contains(r.body, "evidence.zip") {
			t.Errorf("the viewer's page (%d) links the pack", r.status)
		}
		z := e.operator.do(t, "GET", "/requests/"+f.later.ID+"/evidence.zip", nil)
		if z.status != http.StatusOK || z.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("the pack: %d %v", z.status, z.header)
		}
		zr, err := zip.NewReader(strings.NewReader(z.body), int64(len(z.body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"timeline.csv", "audit.csv", "manifest.json"}) {
			t.Errorf("files %v", names)
		}
		if v := e.viewer.do(t, "GET", "/requests/"+f.later.ID+"/evidence.zip", nil); v.status != http.StatusForbidden || strings.HasPrefix(v.body, "PK") {
			t.Errorf("the viewer's pack: %d", v.status)
		}
		// An operator's pack of a request assigned to someone else is not found.
		if o := e.operator.do(t, "GET", "/requests/"+f.today.ID+"/evidence.zip", nil); o.status != http.StatusNotFound {
			t.Errorf("the operator's pack of another's request: %d", o.status)
		}
	})
}
