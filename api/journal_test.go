package api

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// journalFixture registers the requests of the journal's tests: around the
// period 2026-01-01..2026-03-31 in Moscow, one answered on time, one late,
// one open past its term, one assigned to an officer (hidden from an
// operator), one with no name (the list shows its email).
type journalFixture struct {
	onTime, late, open, officers, noName, before, after Request
}

func newJournalFixture(t *testing.T, h *harness) journalFixture {
	t.Helper()
	var f journalFixture
	f.before = h.create(t, accessBody("Раньше Периода", "before@example.ru", "2025-12-31T23:59:00+03:00"))
	f.onTime = h.create(t, accessBody("Анна Вовремя", "anna@example.ru", "2026-01-12T10:00:00+03:00"))
	f.late = h.create(t, accessBody("Борис Поздно", "boris@example.ru", "2026-02-02T10:00:00+03:00"))
	b := accessBody("Вера Чужая", "vera@example.ru", "2026-02-10T10:00:00+03:00")
	b["assignee"] = "ivanova@example.ru"
	f.officers = h.create(t, b)
	f.noName = h.create(t, map[string]any{"type": "access", "channel": "email", "received_at": "2026-03-01T09:00:00+03:00",
		"subject": map[string]any{"email": "ivan@example.ru"}, "summary": "=HYPERLINK(\"x\")"})
	// 23:30 Moscow on the last day is in the period (20:30 UTC); 00:10 the
	// next day is not, though it is still 31 March in UTC.
	f.open = h.create(t, accessBody("Глеб Открытый", "gleb@example.ru", "2026-03-31T23:30:00+03:00"))
	f.after = h.create(t, accessBody("После Периода", "after@example.ru", "2026-04-01T00:10:00+03:00"))
	answer := func(r Request, date, number string) {
		t.Helper()
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/assign", map[string]any{"assignee": "petrov@example.ru"}), http.StatusOK)
		wantStatus(t, h.do("POST", "/api/v1/requests/"+r.ID+"/answer",
			map[string]any{"outcome": "fulfilled", "date": date, "number": number, "text": "ответ"}), http.StatusOK)
	}
	answer(f.onTime, "2026-01-15", "исх-15")
	answer(f.late, "2026-03-31", "исх-31")
	return f
}

// journalCSV fetches the CSV journal with token and parses it.
func journalCSV(t *testing.T, h *harness, query string, opts ...opt) [][]string {
	t.Helper()
	r := h.do("GET", "/api/v1/journal?"+query+"&format=csv", nil, opts...)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !bytes.HasPrefix(r.Body, []byte("\uFEFF")) {
		t.Fatalf("no byte order mark: %q", r.Body[:min(len(r.Body), 10)])
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\uFEFF"))))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, r.Body)
	}
	if !slices.Equal(rows[0], ru.JournalColumns) {
		t.Fatalf("header %q", rows[0])
	}
	return rows[1:]
}

func numbers(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

func TestJournalCSV(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newJournalFixture(t, h)
		rows := journalCSV(t, h, "from=2026-01-01&to=2026-03-31")
		want := []string{f.onTime.Number, f.late.Number, f.officers.Number, f.noName.Number, f.open.Number}
		if got := numbers(rows); !slices.Equal(got, want) {
			t.Fatalf("numbers %v, want %v (by number, 23:30 of the last day in, 00:10 the next day out)", got, want)
		}
		byNumber := map[string][]string{}
		for _, r := range rows {
			byNumber[r[0]] = r
		}
		on := byNumber[f.onTime.Number]
		if on[1] != "12.01.2026" || on[2] != "Анна Вовремя" || on[3] != ru.Channel("email") ||
			on[4] != ru.Type("access") || on[6] != "petrov@example.ru" || on[7] != "26.01.2026" ||
			on[9] != ru.Outcome("fulfilled") || on[10] != "15.01.2026" || on[11] != "исх-15" || on[12] != ru.Status("answered") ||
			on[13] != "в срок" {
			t.Errorf("answered on time: %q", on)
		}
		if l := byNumber[f.late.Number]; l[10] != "31.03.2026" || l[11] != "исх-31" || l[13] != "с нарушением срока" {
			t.Errorf("answered late: %q", l)
		}
		if o := byNumber[f.open.Number]; o[1] != "31.03.2026" || o[9] != "" || o[6] != ru.NotAssigned || o[13] != "с нарушением срока" {
			t.Errorf("open past its term: %q", o)
		}
		if n := byNumber[f.noName.Number]; n[2] != "ivan@example.ru" || n[5] != `'=HYPERLINK("x")` {
			t.Errorf("no name (the email stands for it), formula defused: %q", n)
		}

		// A viewer sees the rows masked as the list masks them.
		viewer := h.mustToken(t, "viewer@example.ru", srok.RoleViewer, srok.ScopeFull)
		vr := journalCSV(t, h, "from=2026-01-01&to=2026-03-31", as(viewer))
		if len(vr) != 5 {
			t.Fatalf("viewer rows %d", len(vr))
		}
		for _, r := range vr {
			if r[0] == f.noName.Number && r[2] != "i•••@example.ru" {
				t.Errorf("viewer sees the email unmasked: %q", r)
			}
			if strings.Contains(strings.Join(r, ";"), "ivan@example.ru") {
				t.Errorf("viewer row holds the email: %q", r)
			}
		}
		// An operator sees what the list shows them: not the officer's one.
		operator := h.mustToken(t, "operator@example.ru", srok.RoleOperator, srok.ScopeFull)
		or := journalCSV(t, h, "from=2026-01-01&to=2026-03-31", as(operator))
		if got := numbers(or); !slices.Equal(got, []string{f.noName.Number, f.open.Number}) {
			t.Errorf("operator sees %v, want the unassigned ones", got)
		}

		// Every export is in the audit trail: who, period, format, rows.
		ctx := srok.WithActor(t.Context(), srok.System)
		entries, err := h.st.ListAudit(ctx, audit.Filter{Action: audit.ActionJournalExport, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		details := map[string]string{}
		for _, e := range entries {
			details[e.UserID] += e.Detail + "|"
		}
		if len(entries) != 3 || !strings.Contains(strings.Join(mapValues(details), ""), "period 2026-01-01..2026-03-31, format csv, 2 rows") {
			t.Errorf("audit: %+v", entries)
		}
		for _, e := range entries {
			if strings.Contains(e.Detail, "@") {
				t.Errorf("personal data in the audit: %q", e.Detail)
			}
		}
	})
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestJournalXLSX(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newJournalFixture(t, h)
		r := h.do("GET", "/api/v1/journal?from=2026-01-01&to=2026-03-31", nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("content type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="journal-2026-01-01-2026-03-31.xlsx"` {
			t.Errorf("disposition %q", cd)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheet := x.GetSheetName(0)
		if sheet != ru.JournalSheet {
			t.Errorf("sheet %q", sheet)
		}
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], ru.JournalColumns) || len(rows) != 6 {
			t.Fatalf("rows %q", rows)
		}
		if rows[1][0] != f.onTime.Number || rows[5][0] != f.open.Number || rows[1][11] != "исх-15" || rows[1][13] != "в срок" {
			t.Errorf("rows %q", rows)
		}
		panes, err := x.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
			t.Errorf("panes %+v %v", panes, err)
		}
		// Date cells are dates: a number with the format dd.mm.yyyy.
		for _, cell := range []string{"B2", "H2", "K2"} {
			raw, err := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := strconv.ParseFloat(raw, 64); err != nil {
				t.Errorf("%s holds %q, not a date serial", cell, raw)
			}
			style, _ := x.GetCellStyle(sheet, cell)
			st, err := x.GetStyle(style)
			if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "dd.mm.yyyy" {
				t.Errorf("%s style %+v %v", cell, st, err)
			}
		}
		if v, _ := x.GetCellValue(sheet, "B2"); v != "12.01.2026" {
			t.Errorf("B2 shows %q", v)
		}
		if w, _ := x.GetColWidth(sheet, "F"); w < 30 {
			t.Errorf("summary column width %v", w)
		}
		// The auto-filter covers the header and every row.
		zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		var sheetXML []byte
		for _, zf := range zr.File {
			if zf.Name == "xl/worksheets/sheet1.xml" {
				rc, _ := zf.Open()
				sheetXML, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		if !regexp.MustCompile(`<autoFilter ref="\$?A\$?1:\$?N\$?6"`).Match(sheetXML) {
			t.Errorf("no auto-filter over A1:N6 in %s", sheetXML[:min(len(sheetXML), 600)])
		}
	})
}

func TestJournalBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for q, field := range map[string]string{
			"from=2026-03-31&to=2026-01-01":             "to",
			"from=2026-13-01&to=2026-12-31":             "from",
			"from=01.01.2026&to=2026-12-31":             "from",
			"from=2026-01-01&to=":                       "to",
			"to=2026-01-01":                             "from",
			"from=2026-01-01&to=2026-12-31&format=pdf":  "format",
			"from=2010-01-01&to=2026-01-01":             "to",
			"from=2026-01-01&to=2026-12-31&sort=number": "sort",
			"from=2026-01-01&to=2026-12-31&format=XLSX": "format",
			"from=2016-01-02&to=2026-01-01&format=xlsx": "",
			"from=2016-01-01&to=2025-12-31&format=csv":  "",
			"from=2026-01-01&to=2026-01-01&format=xlsx": "",
			"from=2026-01-01&to=2026-01-01&format=csv":  "",
			"from=2026-02-29&to=2026-03-01&format=csv":  "from",
			"from=2026-01-01&to=2026-01-01T00:00:00Z":   "to",
		} {
			r := h.do("GET", "/api/v1/journal?"+q, nil)
			if field == "" {
				if r.Code != http.StatusOK {
					t.Errorf("%s: %d %s", q, r.Code, r.Body)
				}
				continue
			}
			if r.Code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, r.Code)
				continue
			}
			p := r.problem(t)
			if len(p.Errors) == 0 || p.Errors[0].Field != field {
				t.Errorf("%s: problem %+v, want the field %s", q, p, field)
			}
			if r.Header.Get("Content-Disposition") != "" {
				t.Errorf("%s: an error sent as a file", q)
			}
		}
		wantStatus(t, h.do("GET", "/api/v1/journal?from=2026-01-01&to=2026-01-31", nil, anonymous()), http.StatusUnauthorized)
	})
}
