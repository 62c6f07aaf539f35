package ru

import (
	"testing"

	"github.com/srok/srok/pkg/mailbox"
)

// Every state and error code of a mailbox has its words.
func TestMailboxWords(t *testing.T) {
	for _, s := range mailbox.States {
		if _, ok := mailboxStates[s]; !ok {
			t.Errorf("no words for the mailbox state %q", s)
		}
	}
	for _, c := range mailbox.Codes {
		if _, ok := mailboxErrors[c]; !ok {
			t.Errorf("no words for the mailbox error %q", c)
		}
	}
}
