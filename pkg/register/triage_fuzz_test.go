package register

import (
	"regexp"
	"testing"
)

var numberForm = regexp.MustCompile(`^20[0-9]{2}-[0-9]{6,7}$`)

// FuzzNumberIn: whatever a subject line holds, NumberIn gives nothing or a
// number in the register's form, never a panic; a number it gives is found
// again in its own form.
func FuzzNumberIn(f *testing.F) {
	for _, s := range []string{"Re: № 2026-000042", "2026-42", "телефон 8-2026-4242-1", "", "2026-", "-2026-1-", "20260-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NumberIn(s)
		if n == "" {
			return
		}
		if !numberForm.MatchString(n) {
			t.Fatalf("NumberIn(%q) = %q", s, n)
		}
		if again := NumberIn("№ " + n); again != n {
			t.Fatalf("NumberIn(%q) = %q, its own form gives %q", s, n, again)
		}
	})
}
