package mailbox_test

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/srok"
)

func mustSealer(t *testing.T) *mailbox.Sealer {
	t.Helper()
	key := make([]byte, mailbox.KeySize)
	_, _ = rand.Read(key)
	s, err := mailbox.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A sealed password is not the password, opens with its key for its
// mailbox only, and a damaged one does not open.
func TestSealer(t *testing.T) {
	s := mustSealer(t)
	sealed, err := s.Seal("mb-1", "app-password")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Seal("mb-1", "app-password")
	if strings.Contains(sealed, "app-password") || sealed == again {
		t.Errorf("sealed %q, then %q: the password shows, or the nonce repeats", sealed, again)
	}
	if pw, err := s.Open("mb-1", sealed); err != nil || pw != "app-password" {
		t.Errorf("opened %q, %v", pw, err)
	}
	if _, err := s.Open("mb-2", sealed); err == nil {
		t.Error("opened for another mailbox")
	}
	if _, err := mustSealer(t).Open("mb-1", sealed); err == nil {
		t.Error("opened with another key")
	}
	b := []byte(sealed)
	b[len(b)-2] ^= 1
	for _, bad := range []string{string(b), "", "v1:", "v1:!!", "app-password", strings.TrimPrefix(sealed, "v1:")} {
		if _, err := s.Open("mb-1", bad); err == nil {
			t.Errorf("opened %q", bad)
		}
	}
	if _, err := mailbox.NewSealer(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key is taken")
	}
}

// The key file: 32 bytes in base64, the newline ignored; its errors never
// hold its content.
func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if got, err := mailbox.ReadKeyFile(write("ok", base64.StdEncoding.EncodeToString(key)+"\n")); err != nil || string(got) != string(key) {
		t.Errorf("a good key: %v", err)
	}
	short := base64.StdEncoding.EncodeToString(key[:16])
	for name, content := range map[string]string{"short": short, "text": "not-base64-secret!!", "empty": ""} {
		_, err := mailbox.ReadKeyFile(write(name, content))
		if err == nil {
			t.Errorf("%s: taken", name)
			continue
		}
		if content != "" && strings.Contains(err.Error(), content) {
			t.Errorf("%s: the error shows the content: %v", name, err)
		}
	}
	if _, err := mailbox.ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file is taken")
	}
}

// A connection's fields are checked before anything is tried, each
// problem naming its field, never holding the password.
func TestConnectionFields(t *testing.T) {
	ok := mailbox.Connection{Address: "privacy@example.ru", Password: "secret", Host: "imap.example.ru"}
	src, err := ok.Source()
	if err != nil || src.Port != 993 || src.TLS != mailbox.TLSImplicit || src.Folder != "INBOX" || src.ID == "" {
		t.Fatalf("defaults: %+v, %v", src, err)
	}
	if u, _ := mailbox.ParseURL("imaps://privacy%40example.ru:other@imap.example.ru/INBOX"); u.ID != src.ID {
		t.Errorf("the id differs from the same mailbox's in SROK_IMAP_URL: %s, %s", src.ID, u.ID)
	}
	tests := []struct {
		name  string
		edit  func(*mailbox.Connection)
		field string
	}{
		{"no address", func(c *mailbox.Connection) { c.Address = " " }, "address"},
		{"address with a space", func(c *mailbox.Connection) { c.Address = "a b" }, "address"},
		{"no password", func(c *mailbox.Connection) { c.Password = "" }, "password"},
		{"password with a newline", func(c *mailbox.Connection) { c.Password = "sec\r\nret" }, "password"},
		{"no host", func(c *mailbox.Connection) { c.Host = "" }, "host"},
		{"host with a path", func(c *mailbox.Connection) { c.Host = "imap.example.ru/x" }, "host"},
		{"unknown tls", func(c *mailbox.Connection) { c.TLS = "ssl3" }, "tls"},
		{"none off loopback", func(c *mailbox.Connection) { c.TLS = "none" }, "tls"},
		{"port too big", func(c *mailbox.Connection) { c.Port = 70000 }, "port"},
		{"folder wildcard", func(c *mailbox.Connection) { c.Folder = "INBOX*" }, "folder"},
		{"done folder newline", func(c *mailbox.Connection) { c.DoneFolder = "Done\r\nx" }, "done_folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			_, err := c.Source()
			var fields []string
			if e, isErr := err.(*srok.Error); isErr && e.Code == srok.EINVALID {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			if len(fields) != 1 || fields[0] != tt.field {
				t.Errorf("fields %v (%v), want %s", fields, err, tt.field)
			}
			if err != nil && strings.Contains(err.Error(), "sec") && c.Password != "secret" {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	c := ok
	c.TLS, c.Host = "none", "127.0.0.1"
	if src, err := c.Source(); err != nil || src.Port != 143 {
		t.Errorf("none on loopback: %+v, %v", src, err)
	}
}
