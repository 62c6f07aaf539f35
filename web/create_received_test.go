package web

import (
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
)

// A fetched email fills the form with its arrival at the operator's mail
// server, in the operator's zone, not with its Date header.
func TestFormFromFetchedEmailTakesItsArrival(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 5, 15, 10, 0, 0, 0, time.FixedZone("", 3*3600))
	arrived := time.Date(2026, 5, 18, 11, 5, 0, 0, time.UTC)
	if got := formFromEmail(&intake.Email{Date: &date, ReceivedAt: &arrived}, zone).ReceivedAt; got != "2026-05-18T14:05" {
		t.Errorf("fetched email: received_at %q, want 2026-05-18T14:05", got)
	}
	if got := formFromEmail(&intake.Email{Date: &date}, zone).ReceivedAt; got != "2026-05-15T10:00" {
		t.Errorf("email sent in by hand: received_at %q, want its Date 2026-05-15T10:00", got)
	}
}
