package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/mailbox"
)

// TestServeWithEveryVariable starts `srok serve` with every documented
// environment variable (config.Variables) set to a valid value, and checks
// that it serves /readyz: a documented setting never stops the server.
// SROK_CALENDAR_PATH names a folder of a year file: the server once read it
// twice and refused to start ("year already given").
func TestServeWithEveryVariable(t *testing.T) {
	dir := t.TempDir()
	calDir := filepath.Join(dir, "calendar")
	if err := os.Mkdir(calDir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(calDir, "2027.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"SROK_ADDR":                 "127.0.0.1:0",
		"DATABASE_URL":              "",
		"SROK_DATA_DIR":             filepath.Join(dir, "data"),
		"SROK_TIME_ZONE":            "Asia/Yekaterinburg",
		"SROK_CALENDAR_PATH":        calDir,
		"SROK_LOG_LEVEL":            "debug",
		"SROK_SHUTDOWN_TIMEOUT":     "5s",
		"SROK_DB_MAX_CONNS":         "4",
		"SROK_RATE_LIMIT":           "20",
		"SROK_RATE_BURST":           "40",
		"SROK_MAX_IN_FLIGHT":        "64",
		"SROK_TRUSTED_PROXIES":      "10.0.0.0/8,192.168.1.1",
		"SROK_PUBLIC_URL":           "https://srok.example.ru",
		"SROK_SESSION_IDLE_TIMEOUT": "20m",
		"SROK_SESSION_LIFETIME":     "8h",
		"SROK_METRICS_ADDR":         "127.0.0.1:0",
		"SROK_METRICS_TOKEN":        "a-metrics-token-of-enough-length-0123456789",
		"SROK_SMTP_HOST":            "127.0.0.1",
		"SROK_SMTP_PORT":            "2525",
		"SROK_SMTP_TLS":             "none",
		"SROK_SMTP_USERNAME":        "srok",
		"SROK_SMTP_PASSWORD":        "secret",
		"SROK_SMTP_FROM":            "srok@example.ru",
		"SROK_SMTP_TIMEOUT":         "5s",
		"SROK_SMTP_HELO":            "srok.example.ru",
		"SROK_SCHEDULER":            "off",
		"SROK_SCHEDULER_INTERVAL":   "30s",
		"SROK_REMINDER_LEASE":       "1m",
		// Nothing listens there: the server starts all the same, and
		// /readyz tells the mailbox's error.
		"SROK_IMAP_URL":         "imap://srok:secret@127.0.0.1:1/INBOX?tls=none",
		"SROK_IMAP_CA_FILE":     writeCA(t, dir),
		"SROK_IMAP_INTERVAL":    "30s",
		"SROK_IMAP_DONE_FOLDER": "Srok",
		"SROK_ACK_EMAILS":       "on",
		"SROK_SECRET_KEY_FILE":  writeKey(t, dir),
	}
	// Variables that need PostgreSQL are served with by tests of their own.
	elsewhere := map[string]string{
		"SROK_MIGRATE_DATABASE_URL": "TestMigrateWithTwoRoles",
	}
	for _, k := range config.Variables() {
		if _, ok := vars[k]; !ok && elsewhere[k] == "" {
			t.Errorf("%s is documented but not set by this test: give it a valid value here", k)
		}
	}
	if _, err := config.Load(func(k string) string { return vars[k] }); err != nil {
		t.Fatalf("the values of this test are not valid: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--migrate"}, env{
			getenv: func(k string) string { return vars[k] },
			stdout: &out, stderr: &errb, now: time.Now,
		})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	}()
	urlRe := regexp.MustCompile(`serving on (http://\S+)`)
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve stopped (exit %d): %s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if base == "" {
		t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
	}
	var body []byte
	for i := 0; i < 200; i++ {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("readyz %d: %s", res.StatusCode, body)
		}
		if strings.Contains(string(body), `"last_error":"connect_failed"`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(string(body), `"state":"failing","last_error":"connect_failed"`) || strings.Contains(string(body), "secret") {
		t.Errorf("readyz does not tell the mailbox's failure (or shows its password): %s", body)
	}
}

// writeCA writes a self-signed CA certificate (PEM) into dir.
func writeCA(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeKey writes a secret key file (32 random bytes, base64) into dir.
func writeKey(t *testing.T, dir string) string {
	t.Helper()
	key := make([]byte, mailbox.KeySize)
	_, _ = rand.Read(key)
	p := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
