package calendars_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/calendars"
)

// year2027 is the made-up 2027 year with fields replaced by over.
func year2027(over map[string]string) string {
	f := map[string]string{
		"decree":              `"Постановление Правительства РФ от 01.10.2026 № 9999"`,
		"transfers":           `[{"from": "2027-01-02", "to": "2027-01-11"}]`,
		"nonworking_weekdays": `["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04"]`,
		"working_weekends":    `[]`,
		"working_days":        `248`,
	}
	for k, v := range over {
		f[k] = v
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, k := range []string{"decree", "transfers", "nonworking_weekdays", "working_weekends", "working_days", "extra"} {
		v, ok := f[k]
		if !ok || v == "" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%q: %s", k, v)
	}
	b.WriteString("}")
	return b.String()
}

func file(years ...string) []byte {
	return []byte(`{"years": {` + strings.Join(years, ", ") + `}}`)
}

func TestParseFile(t *testing.T) {
	good := `"2027": ` + year2027(nil)
	tests := []struct {
		name string
		data []byte
		// want is each problem line expected, in order; none: valid.
		want []string
	}{
		{"valid", file(good), nil},
		{"not JSON", []byte(`{"years": `), []string{"not valid calendar JSON"}},
		{"unknown top field", []byte(`{"year": {}}`), []string{"not valid calendar JSON", `unknown field "year"`}},
		{"trailing data", []byte(string(file(good)) + " {}"), []string{"unexpected data after the JSON object"}},
		{"no years", []byte(`{"years": {}}`), []string{"years: no years in the file"}},
		{"key not a year", file(`"2027a": ` + year2027(nil)), []string{`years["2027a"]: the key must be a year`}},
		{"year out of range", file(`"2101": ` + year2027(nil)), []string{`years["2101"]: year out of the supported range`}},
		{"date of another year", file(`"2027": ` + year2027(map[string]string{
			"nonworking_weekdays": `["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04", "2026-12-31"]`})),
			[]string{`years["2027"].nonworking_weekdays[13]: 2026-12-31 is not in 2027`}},
		{"duplicate", file(`"2027": ` + year2027(map[string]string{
			"nonworking_weekdays": `["2027-01-01", "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04"]`})),
			[]string{`years["2027"].nonworking_weekdays: 2027-01-01 is listed twice`}},
		{"not a date", file(`"2027": ` + year2027(map[string]string{"working_weekends": `["2027-02-30"]`})),
			[]string{`years["2027"].working_weekends[0]:`}},
		// A day cannot be both off and working: a Saturday listed as a
		// weekday off, a weekday listed as a working weekend day.
		{"Saturday as a weekday off", file(`"2027": ` + year2027(map[string]string{
			"nonworking_weekdays": `["2027-01-01", "2027-01-02", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04"]`})),
			[]string{`years["2027"].nonworking_weekdays: 2027-01-02 is a Saturday, not a weekday`}},
		{"weekday as a working weekend day", file(`"2027": ` + year2027(map[string]string{"working_weekends": `["2027-01-12"]`})),
			[]string{`years["2027"].working_weekends: 2027-01-12 is a Tuesday, not a Saturday or Sunday`}},
		{"holiday not off", file(`"2027": ` + year2027(map[string]string{
			"nonworking_weekdays": `["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04"]`})),
			[]string{`years["2027"].nonworking_weekdays: 2027-02-23 (`, "is not listed as a day off"}},
		// A moved day names its pair and the decree.
		{"transfer without its pair", file(`"2027": ` + year2027(map[string]string{"transfers": `[{"from": "2027-01-02"}]`})),
			[]string{`years["2027"].transfers[0].to:`}},
		{"transfer to a working day", file(`"2027": ` + year2027(map[string]string{"transfers": `[{"from": "2027-01-02", "to": "2027-01-12"}]`})),
			[]string{`years["2027"].transfers[0].to: 2027-01-12 is not listed in nonworking_weekdays`}},
		{"plain Saturday moved but not working", file(`"2027": ` + year2027(map[string]string{"transfers": `[{"from": "2027-01-09", "to": "2027-01-11"}]`})),
			[]string{`years["2027"].transfers[0].from: 2027-01-09 is a plain weekend day moved away, so it must be listed in working_weekends`}},
		{"working Saturday without transfer", file(`"2027": ` + year2027(map[string]string{"working_weekends": `["2027-01-09"]`, "working_days": "249"})),
			[]string{`years["2027"].working_weekends: 2027-01-09 is a working weekend day that no transfer moves away`}},
		{"no decree", file(`"2027": ` + year2027(map[string]string{"decree": `""`})),
			[]string{`years["2027"].decree: "" does not cite a decree`}},
		{"decree without number", file(`"2027": ` + year2027(map[string]string{"decree": `"Постановление Правительства РФ от 01.10.2026"`})),
			[]string{`years["2027"].decree:`}},
		{"working days wrong", file(`"2027": ` + year2027(map[string]string{"working_days": "247"})),
			[]string{`years["2027"].working_days: is 247, but the listed days give 248 working days`}},
		{"unknown field of a year", file(`"2027": ` + year2027(map[string]string{"extra": "1"})),
			[]string{`not valid calendar JSON`, `unknown field "extra"`}},
		{"every bad year named", file(`"2027": `+year2027(map[string]string{"working_days": "1"}), `"2028": `+year2027(map[string]string{"decree": `"x"`})),
			[]string{`years["2027"].working_days`, `years["2028"].decree`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			years, problems := calendars.ParseFile("test.json", tt.data)
			if len(tt.want) == 0 {
				if len(problems) > 0 || len(years) != 1 {
					t.Fatalf("problems %v, %d years", problems, len(years))
				}
				return
			}
			if years != nil {
				t.Errorf("years returned with problems")
			}
			var lines []string
			for _, p := range problems {
				lines = append(lines, p.String())
			}
			all := strings.Join(lines, "\n")
			if len(problems) == 0 {
				t.Fatalf("no problem, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems:\n%s\nwant %q", all, w)
				}
			}
			if strings.HasPrefix(tt.name, "every bad year") && len(problems) != 2 {
				t.Errorf("%d problems, want one per bad year", len(problems))
			}
		})
	}
}

// TestCanonical: every shipped year survives its canonical form, and the
// form does not depend on the order of the file's lists.
func TestCanonical(t *testing.T) {
	emb, err := calendar.EmbeddedData()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range emb {
		c := calendars.Canonical(y)
		back, problems := calendars.ParseFile("canonical", c)
		if len(problems) > 0 || len(back) != 1 {
			t.Fatalf("%d: %v", y.Year, problems)
		}
		if !bytes.Equal(calendars.Canonical(back[0]), c) || back[0].WorkingDays != y.WorkingDays ||
			len(back[0].NonworkingWeekdays) != len(y.NonworkingWeekdays) || back[0].Decree != y.Decree {
			t.Errorf("%d: the canonical form does not give the year back", y.Year)
		}
	}
	a := file(`"2027": ` + year2027(map[string]string{"transfers": `[{"from": "2027-01-02", "to": "2027-01-11"}, {"from": "2027-05-01", "to": "2027-05-03"}]`}))
	b := file(`"2027": ` + year2027(map[string]string{"transfers": `[{"from": "2027-05-01", "to": "2027-05-03"}, {"from": "2027-01-02", "to": "2027-01-11"}]`}))
	ya, pa := calendars.ParseFile("a", a)
	yb, pb := calendars.ParseFile("b", b)
	if len(pa)+len(pb) > 0 {
		t.Fatal(pa, pb)
	}
	if calendars.Hash(calendars.Canonical(ya[0])) != calendars.Hash(calendars.Canonical(yb[0])) {
		t.Error("the same year written in another order hashes differently")
	}
}
