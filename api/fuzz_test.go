package api

import (
	"errors"
	"testing"
	"time"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// FuzzRequestBody feeds arbitrary bodies to the decoder and the validation
// of POST /api/v1/requests: every outcome is success or a 4xx problem that
// names what is wrong, never a panic or a 5xx.
func FuzzRequestBody(f *testing.F) {
	for _, s := range []string{
		`{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"И","email":"i@example.ru"}}`,
		`{"type":"incident","channel":"other","received_at":"2026-11-20T21:30:00+03:00"}`,
		`{"type":"rectification","channel":"post","received_at":"2026-11-20T10:00","evidence_received_at":"2026-11-21","time_zone":"Asia/Vladivostok","subject":{"name":"А","postal_address":"М"},"representative":{"name":"П","authority":"д"},"identity":{"document_date":"2015-01-01","verified":true}}`,
		`{"type":"access","subject":{"nick":1}}`, `[]`, `null`, `{"received_at":12}`, `{"a":`, ``,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, moscow)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in register.Input
		err := decodeStrict(body, &in)
		if err == nil {
			err = register.Validate(in, moscow, now)
			if err == nil {
				return
			}
		}
		var se *srok.Error
		if !errors.As(err, &se) {
			t.Fatalf("%q: error %v is not a srok.Error", body, err)
		}
		if st := status(se); st < 400 || st >= 500 {
			t.Fatalf("%q: status %d for %v", body, st, err)
		}
		if se.Message == "" {
			t.Fatalf("%q: error without a message", body)
		}
		for _, fe := range se.Fields {
			if fe.Field == "" && fe.Problem == "" {
				t.Fatalf("%q: empty field error", body)
			}
		}
	})
}
