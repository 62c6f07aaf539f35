package imaptest

import (
	"testing"
	"time"
)

func TestStartAppendStatus(t *testing.T) {
	s := MustStart(t)
	s.MustAppend(t, "INBOX", []byte("From: a@example.ru\r\nSubject: x\r\n\r\nbody\r\n"), time.Date(2026, 5, 18, 11, 5, 0, 0, time.UTC))
	total, seen, err := s.Status("INBOX")
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Log())
	}
	if total != 1 || seen != 0 {
		t.Fatalf("total %d seen %d", total, seen)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if total, _, err := s.Status("INBOX"); err != nil || total != 1 {
		t.Fatalf("after a restart: %d, %v", total, err)
	}
}
