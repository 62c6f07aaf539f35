package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRequestForm: any body of the request form is read or refused, never
// a panic; what is read is valid UTF-8 with no control characters but the
// line ends and tabs of a textarea, and the hidden fields come back as
// sent.
func FuzzRequestForm(f *testing.F) {
	for _, s := range []string{
		"type=access&channel=email&received_at=2026-05-18T10%3A30&summary=%D0%BF%D1%80%D0%BE%D1%88%D1%83%0D%0A%D1%81%D1%82%D1%80%D0%BE%D0%BA%D0%B0",
		"a=1;b=2", "summary=%00", "summary=%zz", "%ff=1", "&&&", "type=access&type=erasure", "email_id=x&form_token=y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := parseMultiline(body)
		if err != nil {
			return
		}
		for k, vals := range v {
			for _, s := range append([]string{k}, vals...) {
				if !utf8.ValidString(s) {
					t.Fatalf("%q read as invalid UTF-8", s)
				}
				if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\r' && r != '\n' && r != '\t') || r == 0x7f }) {
					t.Fatalf("%q read with control characters", s)
				}
			}
		}
		if strings.ContainsFunc(v.Get("form_token")+v.Get("email_id"), func(r rune) bool { return r == 0 }) {
			t.Fatal("NUL in a hidden field")
		}
		f := requestFormOf(v)
		if f.Type != v.Get("type") || f.Summary != v.Get("summary") || f.Token != v.Get("form_token") {
			t.Fatalf("form %+v from %v", f, v)
		}
	})
}
