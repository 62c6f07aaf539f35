package httpx

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAll checks that the body is read whole whatever the length the
// request announced, and into one buffer of that length when it is right.
func TestReadAll(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 100_000)
	for _, tc := range []struct {
		name   string
		length int64
	}{{"announced", int64(len(body))}, {"none", -1}, {"less announced", 10}, {"more announced", int64(len(body)) + 5}, {"past the limit", 1 << 40}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(iotest.HalfReader(bytes.NewReader(body)), tc.length, 1<<30)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(body))
			}
		})
	}
	r := bytes.NewReader(body)
	if n := testing.AllocsPerRun(5, func() { r.Reset(body); _, _ = readAll(r, int64(len(body)), 1<<30) }); n != 1 {
		t.Errorf("%v allocations for a body of the announced length, want 1", n)
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 10, 100); err != io.ErrUnexpectedEOF {
		t.Errorf("a failed read: %v", err)
	}
}
