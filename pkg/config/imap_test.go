package config

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIMAPConfig(t *testing.T) {
	for _, c := range []struct {
		url, want string // want: part of the error, "" when valid
	}{
		{"", ""},
		{"imaps://privacy%40example.ru:s3cr%2Ft@imap.example.ru/INBOX", ""},
		{"imap://privacy:pw@imap.example.ru:143/Requests?tls=starttls imap://u:pw@127.0.0.1:1143?tls=none", ""},
		{"imap://privacy:pw@imap.example.ru/INBOX?tls=none", "loopback host only"},
		{"imap://privacy:pw@imap.example.ru/INBOX", "tls=starttls"},
		{"imaps://privacy@imap.example.ru/INBOX", "no password"},
		{"pop3://privacy:pw@imap.example.ru/", "imaps:// or imap://"},
		{"imaps://a:pw@h/INBOX imaps://a:other@h/INBOX", "given twice"},
	} {
		_, err := Load(getenv(map[string]string{"SROK_IMAP_URL": c.url}))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "SROK_IMAP_URL=")):
			t.Errorf("%s: %v, want an error saying %q", c.url, err, c.want)
		case err != nil && (strings.Contains(err.Error(), ":pw@") || strings.Contains(err.Error(), "other")):
			t.Errorf("the error shows a password: %v", err)
		}
	}
	for k, v := range map[string]string{"SROK_IMAP_INTERVAL": "0s", "SROK_IMAP_CA_FILE": "/nonexistent/ca.pem", "SROK_IMAP_DONE_FOLDER": "a*b"} {
		if _, err := Load(getenv(map[string]string{k: v})); err == nil || !strings.HasPrefix(err.Error(), k+"=") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	cfg, err := Load(getenv(map[string]string{"SROK_IMAP_URL": "imaps://privacy%40example.ru:s3cret@imap.example.ru/INBOX"}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "s3cret") || !strings.Contains(b.String(), "SROK_IMAP_URL=imaps://privacy%40example.ru:********@imap.example.ru:993/INBOX") {
		t.Errorf("srok config:\n%s", b.String())
	}
	if len(cfg.Mailboxes()) != 1 || cfg.IMAPInterval.String() != "1m0s" {
		t.Errorf("mailboxes %v, interval %s", cfg.Mailboxes(), cfg.IMAPInterval)
	}
}

// SROK_SECRET_KEY_FILE: a file of 32 bytes in base64, checked at start;
// `srok config` prints its path, never the key, and no error shows it.
func TestSecretKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "srok.key")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if err := os.WriteFile(good, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(getenv(map[string]string{"SROK_SECRET_KEY_FILE": good}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), key) || !strings.Contains(b.String(), "SROK_SECRET_KEY_FILE="+good) {
		t.Errorf("srok config:\n%s", b.String())
	}
	short := filepath.Join(dir, "short.key")
	shortKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 16))
	if err := os.WriteFile(short, []byte(shortKey), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{short, filepath.Join(dir, "missing.key")} {
		_, err := Load(getenv(map[string]string{"SROK_SECRET_KEY_FILE": p}))
		if err == nil || !strings.HasPrefix(err.Error(), "SROK_SECRET_KEY_FILE=") || !strings.Contains(err.Error(), "head -c 32 /dev/urandom | base64") {
			t.Errorf("%s: %v", p, err)
		}
		if err != nil && strings.Contains(err.Error(), shortKey) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}
