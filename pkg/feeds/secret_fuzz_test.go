package feeds

import (
	"strings"
	"testing"
)

// FuzzSecretHash: whatever a stranger puts in a feed's address, reading its
// secret never panics, and only the shape newSecret makes is looked up.
func FuzzSecretHash(f *testing.F) {
	for _, s := range []string{newSecret(), "", SecretPrefix, SecretPrefix + strings.Repeat("A", 43),
		SecretPrefix + strings.Repeat("/", 43), "srok_" + strings.Repeat("a", 43), newSecret() + "=", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hash, ok := secretHash(s)
		if !ok {
			if hash != "" {
				t.Fatalf("%q refused with a hash", s)
			}
			return
		}
		if !strings.HasPrefix(s, SecretPrefix) || len(s) != len(SecretPrefix)+43 || len(hash) != 64 {
			t.Fatalf("%q accepted", s)
		}
		for _, r := range s[len(SecretPrefix):] {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Fatalf("%q accepted with %q", s, r)
			}
		}
	})
}
