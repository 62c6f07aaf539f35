package intake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds the parser any bytes: it must not panic, and what it
// reads must be storable (valid UTF-8, without NUL) and consistent with the
// attachments it serves.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: a@b\r\n\r\n"))
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\n\r\nhi"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e := Parse(raw)
		for _, s := range []string{e.MessageID, e.Subject, e.Text} {
			if !utf8.ValidString(s) || containsNUL(s) {
				t.Fatalf("not storable: %q", s)
			}
		}
		if e.From != nil && (!utf8.ValidString(e.From.Name) || !utf8.ValidString(e.From.Email)) {
			t.Fatalf("from not UTF-8: %+v", e.From)
		}
		for i, a := range e.Attachments {
			if !utf8.ValidString(a.Filename) || a.Filename == "" || a.ContentType == "" {
				t.Fatalf("attachment %d: %+v", i, a)
			}
			got, b, ok := AttachmentBytes(raw, i)
			if !ok || got != a || int64(len(b)) != a.Size {
				t.Fatalf("attachment %d: %+v (%d bytes, %v), listed as %+v", i, got, len(b), ok, a)
			}
		}
		if h := BodyHash(raw); len(h) != 64 {
			t.Fatalf("body hash %q", h)
		}
		if _, err := json.Marshal(e); err != nil {
			t.Fatal(err)
		}
	})
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}
