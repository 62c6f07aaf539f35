package web

import (
	"testing"

	"github.com/srok/srok/pkg/register"
)

// The id of a request's email is its EmailID.
func TestEmailIDField(t *testing.T) {
	if got := emailIDField(&register.Request{ID: "x", EmailID: "e-1"}); got != "e-1" {
		t.Errorf("a request with an email: %q", got)
	}
	if got := emailIDField(&register.Request{ID: "x"}); got != "" {
		t.Errorf("a request with no email: %q", got)
	}
	if got := emailIDField(nil); got != "" {
		t.Errorf("no request: %q", got)
	}
}
