package ru

import (
	"testing"

	"github.com/srok/srok/pkg/register"
)

func TestTriageWords(t *testing.T) {
	for _, s := range register.TriageStates() {
		if w := TriageState(s); w == string(s) || w == "" {
			t.Errorf("triage state %q has no Russian word", s)
		}
	}
	for _, r := range register.NotRequestReasons() {
		if w := NotRequestReason(r); w == string(r) || w == "" {
			t.Errorf("reason %q has no Russian word", r)
		}
	}
	for n, want := range map[int]string{1: "1 письмо", 3: "3 письма", 5: "5 писем", 21: "21 письмо", 12: "12 писем"} {
		if got := Emails(n); got != want {
			t.Errorf("Emails(%d) = %q, want %q", n, got, want)
		}
	}
	if got := LateEmails(1); got != "Ждёт решения дольше рабочего дня: 1 письмо" {
		t.Errorf("LateEmails(1) = %q", got)
	}
	if got := LateEmails(3); got != "Ждут решения дольше рабочего дня: 3 письма" {
		t.Errorf("LateEmails(3) = %q", got)
	}
}
