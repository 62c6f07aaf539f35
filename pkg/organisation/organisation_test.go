package organisation

import (
	"errors"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/srok"
)

func TestCheckINNAndOGRN(t *testing.T) {
	for _, c := range []struct {
		inn, want string
	}{
		{"7704217370", ""},   // organisation, 10 digits
		{"500100732259", ""}, // individual, 12 digits
		{"7704217371", "контрольная цифра"},
		{"500100732250", "контрольная цифра"},
		{"77042173", "10 цифр"},
		{"77042173ab", "10 цифр"},
		{"", "10 цифр"},
	} {
		if got := CheckINN(c.inn); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("CheckINN(%q) = %q, want %q", c.inn, got, c.want)
		}
	}
	for _, c := range []struct {
		ogrn, want string
	}{
		{"1027700132195", ""},   // ОГРН
		{"304500116000157", ""}, // ОГРНИП
		{"1027700132194", "контрольная цифра"},
		{"304500116000158", "контрольная цифра"},
		{"10277001321", "13 цифр"},
		{"1027700132195x", "13 цифр"},
	} {
		if got := CheckOGRN(c.ogrn); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("CheckOGRN(%q) = %q, want %q", c.ogrn, got, c.want)
		}
	}
}

func TestValidateNamesFields(t *testing.T) {
	d := Details{Name: " ООО «Ромашка» ", INN: "7704217371", OGRN: "1027700132195", Address: "Москва",
		NumberFormat: "{year}", Email: "not an email", KPP: "77040100",
		Records: []Record{{Purpose: ""}, {ID: "x", Purpose: "Договор"}}}
	err := d.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	var e *srok.Error
	if !errors.As(err, &e) || e.Code != srok.EINVALID {
		t.Fatalf("not invalid: %v", err)
	}
	named := map[string]bool{}
	for _, f := range e.Fields {
		named[f.Field] = true
	}
	for _, f := range []string{"inn", "number_format", "email", "kpp", "records[0].purpose", "records[1].id"} {
		if !named[f] {
			t.Errorf("no %s in %+v", f, e.Fields)
		}
	}
	if named["ogrn"] || named["name"] {
		t.Errorf("a valid field named: %+v", e.Fields)
	}
	if d.Name != "ООО «Ромашка»" {
		t.Errorf("not trimmed: %q", d.Name)
	}
	ok := Details{Name: "ООО", INN: "7704217370", OGRN: "1027700132195", Address: "Москва", Records: []Record{{Purpose: "Договор"}}}
	if err := ok.Validate(); err != nil || ok.NumberFormat != DefaultNumberFormat || ok.Records[0].ID == "" {
		t.Fatalf("valid details: %v %+v", err, ok)
	}
	if got := FormatNumber("ПДн-{year}/{seq}", 2026, ""); got != "ПДн-2026/____" {
		t.Errorf("FormatNumber: %q", got)
	}
}
