package web

import "testing"

func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{
		"/": "/", "/requests?status=new&page=2": "/requests?status=new&page=2", "/a#b": "/a#b",
		"": "", "requests": "", "//evil.example": "", "/\\evil.example": "", "/\t/evil.example": "",
		"https://evil.example/": "", "javascript:alert(1)": "", "/%zz": "",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}
