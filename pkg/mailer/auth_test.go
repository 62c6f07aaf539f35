package mailer_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
)

// TestAuth logs in over STARTTLS with PLAIN and with LOGIN: the right
// password sends, a wrong one is a permanent failure that names neither
// password.
func TestAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	server := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	const user, pass, wrong = "srok@example.ru", "s3cr3t-Пароль", "wrong-p4ss"
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			sink := mailertest.StartAuth(t, server, mailertest.Login{Username: user, Password: pass, Mechanisms: []string{mech}})
			sender := func(password string) *mailer.Sender {
				s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSStartTLS, From: "srok@example.ru",
					Username: user, Password: password, Timeout: 5 * time.Second, HELO: "srok.example.ru",
					TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			resp, err := sender(pass).Test(context.Background(), "admin@example.ru", time.Now(), time.UTC)
			if err != nil || !strings.HasPrefix(resp, "250") {
				t.Fatalf("with the right password: %q, %v", resp, err)
			}
			_, err = sender(wrong).Test(context.Background(), "admin@example.ru", time.Now(), time.UTC)
			if err == nil || !mailer.Permanent(err) || !mailer.AuthRefused(err) || mailer.CodeOf(err) != 535 {
				t.Fatalf("with a wrong password: %v (permanent %v, auth %v, code %d); want a permanent 535",
					err, mailer.Permanent(err), mailer.AuthRefused(err), mailer.CodeOf(err))
			}
			for _, secret := range []string{pass, wrong, base64.StdEncoding.EncodeToString([]byte(wrong))} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a password: %v", err)
				}
			}
			if got, want := sink.Logins(), []string{mech + " " + user + " ok", mech + " " + user + " refused"}; !slices.Equal(got, want) {
				t.Errorf("logins %q, want %q", got, want)
			}
			if sink.Count() != 1 {
				t.Errorf("the sink got %d messages, want 1", sink.Count())
			}
		})
	}
	// Without a login the server takes nothing.
	sink := mailertest.StartAuth(t, server, mailertest.Login{Username: user, Password: pass})
	s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSStartTLS, From: "srok@example.ru",
		Timeout: 5 * time.Second, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Test(context.Background(), "admin@example.ru", time.Now(), time.UTC); err == nil || mailer.CodeOf(err) != 530 {
		t.Errorf("without a login: %v, want 530", err)
	}
}

// TestHELO: the server sees the configured EHLO name.
func TestHELO(t *testing.T) {
	sink := mailertest.Start(t)
	s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone, From: "srok@example.ru",
		Timeout: 5 * time.Second, HELO: "srok.example.ru"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Test(context.Background(), "admin@example.ru", time.Now(), time.UTC); err != nil {
		t.Fatal(err)
	}
	if m := sink.Mail(); len(m) != 1 || m[0].HELO != "srok.example.ru" {
		t.Fatalf("the server saw EHLO %q, want srok.example.ru", m)
	}
}
