package organisation_test

import (
	"testing"

	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Who may issue which letter: operators, officers and administrators issue
// letters, a refusal only officers and administrators (152-FZ art. 14
// part 8: it denies a right and must cite its ground); viewers and intake
// tokens issue none.
func TestMayIssue(t *testing.T) {
	kinds := []letters.Kind{letters.KindAnswer, letters.KindExtension, letters.KindRefusal, letters.KindDetailsRequest}
	for _, c := range []struct {
		role   srok.Role
		scope  srok.Scope
		allows []bool // in the order of kinds
	}{
		{srok.RoleAdmin, srok.ScopeFull, []bool{true, true, true, true}},
		{srok.RoleOfficer, srok.ScopeFull, []bool{true, true, true, true}},
		{srok.RoleOperator, srok.ScopeFull, []bool{true, true, false, true}},
		{srok.RoleViewer, srok.ScopeFull, []bool{false, false, false, false}},
		{srok.RoleAdmin, srok.ScopeIntake, []bool{false, false, false, false}},
	} {
		a := srok.Actor{ID: "x", Role: c.role, Scope: c.scope}
		for i, k := range kinds {
			if got := organisation.MayIssue(a, k); got != c.allows[i] {
				t.Errorf("%s (%q) issuing %s: %v, want %v", c.role, c.scope, k, got, c.allows[i])
			}
		}
	}
}

// Each letter performs the register's action that it is; a request for
// details performs none.
func TestActionOf(t *testing.T) {
	for k, want := range map[letters.Kind]register.ActionName{letters.KindAnswer: register.ActionAnswer,
		letters.KindExtension: register.ActionExtend, letters.KindRefusal: register.ActionRefuse, letters.KindDetailsRequest: ""} {
		if got := organisation.ActionOf(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

// An outgoing number has at least four digits of sequence; a letter's file
// name is its kind, year and sequence, whatever the format holds.
func TestOutgoingNumber(t *testing.T) {
	if got := organisation.OutgoingNumber("ПДн-{year}/{seq}", 2026, 7); got != "ПДн-2026/0007" {
		t.Errorf("number %q", got)
	}
	if got := organisation.OutgoingNumber("", 2026, 12345); got != "2026-12345" {
		t.Errorf("default format %q", got)
	}
	l := organisation.IssuedLetter{Kind: letters.KindRefusal, Year: 2026, Seq: 7, Number: "ПДн-2026/0007"}
	if got := l.File(organisation.FormatPDF); got != "refusal-2026-0007.pdf" {
		t.Errorf("file %q", got)
	}
}
