package mailer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestTLSModes(t *testing.T) {
	cert, pool := selfSigned(t)
	server := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	for _, c := range []struct {
		name     string
		sink     *mailertest.Sink
		mode     mailer.TLSMode
		roots    *x509.CertPool
		wantErr  string
		describe string
	}{
		{"starttls", mailertest.StartTLS(t, server, false), mailer.TLSStartTLS, pool, "", "(STARTTLS)"},
		{"implicit", mailertest.StartTLS(t, server, true), mailer.TLSImplicit, pool, "", "(TLS)"},
		// STARTTLS is required, never opportunistic: a server without it is refused.
		{"starttls refused", mailertest.Start(t), mailer.TLSStartTLS, pool, "STARTTLS", "(STARTTLS)"},
		// An untrusted certificate is refused.
		{"untrusted", mailertest.StartTLS(t, server, false), mailer.TLSStartTLS, x509.NewCertPool(), "certificate", "(STARTTLS)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := mailer.New(mailer.Config{Host: c.sink.Host(), Port: c.sink.Port(), TLS: c.mode, From: "srok@example.ru",
				Timeout: 5 * time.Second, TLSConfig: &tls.Config{RootCAs: c.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(s.Describe(), c.describe) {
				t.Errorf("Describe %q", s.Describe())
			}
			resp, err := s.Test(context.Background(), "admin@example.ru", time.Now(), time.UTC)
			switch {
			case c.wantErr == "" && (err != nil || !strings.HasPrefix(resp, "250")):
				t.Fatalf("send: %q, %v", resp, err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || mailer.Permanent(err)):
				t.Fatalf("send: %v; want a temporary error naming %q", err, c.wantErr)
			}
			if want := map[bool]int{true: 1, false: 0}[c.wantErr == ""]; c.sink.Count() != want {
				t.Errorf("the sink got %d messages, want %d", c.sink.Count(), want)
			}
		})
	}
}
