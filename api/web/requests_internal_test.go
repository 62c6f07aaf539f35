package web

import (
	"testing"

	"github.com/srok/srok/pkg/register"
)

// The id of a request's email is read from its EmailID, where the register
// keeps it.
func TestEmailIDField(t *testing.T) {
	type withEmail struct {
		ID      string
		EmailID string
	}
	type withNumber struct{ EmailID int }
	for _, c := range []struct {
		p    any
		want string
	}{
		{&withEmail{ID: "r", EmailID: "e-1"}, "e-1"},
		{&withEmail{}, ""},
		{(*withEmail)(nil), ""},
		{&withNumber{EmailID: 3}, ""},
		{withEmail{EmailID: "not a pointer"}, ""},
		{nil, ""},
	} {
		if got := stringField(c.p, "EmailID"); got != c.want {
			t.Errorf("stringField(%#v) = %q, want %q", c.p, got, c.want)
		}
	}
	if got := emailIDField(&register.Request{ID: "x"}); got != "" {
		t.Errorf("a request with no email: %q", got)
	}
	if got := emailIDField(nil); got != "" {
		t.Errorf("no request: %q", got)
	}
}
