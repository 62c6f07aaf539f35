package remind_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
)

// TestSlowServerOutlivesLease: two instances on one database, a lease of
// 1 s and a server that answers the end of DATA 2.5 s late. The second
// instance finds the first one's lease run out while its send is still
// waiting for the 250, and must not send the reminder again.
func TestSlowServerOutlivesLease(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 1)
		e.sink.SetDataDelay(2500 * time.Millisecond)
		// A clock that runs: the lease must really run out.
		t0 := time.Now()
		now := func() time.Time { return start.Add(time.Since(t0)) }
		deliverer := func(instance string) *remind.Deliverer {
			s, err := mailer.New(mailer.Config{Host: e.sink.Host(), Port: e.sink.Port(), TLS: mailer.TLSNone,
				From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
			if err != nil {
				t.Fatal(err)
			}
			return remind.NewDeliverer(remind.DelivererConfig{Store: e.st, Sender: s, Now: now, Instance: instance, Lease: time.Second,
				Composer: &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar, Domain: "example.ru"}})
		}
		a, b := deliverer("replica-a"), deliverer("replica-b")
		done := make(chan int)
		go func() {
			n, err := a.Deliver(e.ctx, now())
			if err != nil {
				t.Error(err)
			}
			done <- n
		}()
		var sentA, sentB int
		for loop := true; loop; {
			select {
			case sentA = <-done:
				loop = false
			case <-time.After(100 * time.Millisecond):
				n, err := b.Deliver(e.ctx, now())
				if err != nil {
					t.Error(err)
				}
				sentB += n
			}
		}
		if sentA+sentB != 1 {
			t.Errorf("replica a sent %d, b %d; want 1 in all", sentA, sentB)
		}
		if since := time.Since(t0); since < 2*time.Second {
			t.Fatalf("the send took %v: the server was not slower than the lease", since)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts WHERE outcome = 'sent'`); n != 1 {
			t.Errorf("%d sent attempts, want 1", n)
		}
		if e.sink.Count() != 1 {
			t.Errorf("the server got %d emails, want 1", e.sink.Count())
		}
		if got := dt.Statuses(t, e.st); got["sent"] != 1 {
			t.Errorf("statuses %v", got)
		}
	})
}

// TestHoldReminders: the hold of an email's rows as its send starts is all
// or nothing, and only by the lease's holder.
func TestHoldReminders(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		seedN(t, e, 3)
		got, err := e.st.ClaimReminders(e.ctx, "a", start, start.Add(time.Second), 2)
		if err != nil || len(got) != 2 {
			t.Fatalf("claim: %d, %v", len(got), err)
		}
		ids := []int64{got[0].ID, got[1].ID}
		later := start.Add(time.Hour)
		if ok, err := e.st.HoldReminders(e.ctx, ids, "b", later); err != nil || ok {
			t.Errorf("hold by another instance: %v, %v; want false", ok, err)
		}
		// The lease ran out and b claimed one of the two rows.
		dt.Exec(t, e.st, `UPDATE reminders SET locked_by = 'b' WHERE id = ?`, ids[1])
		if ok, err := e.st.HoldReminders(e.ctx, ids, "a", later); err != nil || ok {
			t.Errorf("hold of rows partly taken: %v, %v; want false", ok, err)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminders WHERE locked_until > ?`, start.Add(time.Minute).UTC()); n != 0 {
			t.Errorf("%d rows extended by a refused hold", n)
		}
		if ok, err := e.st.HoldReminders(e.ctx, ids[:1], "a", later); err != nil || !ok {
			t.Errorf("hold by the holder: %v, %v; want true", ok, err)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminders WHERE locked_until > ?`, start.Add(time.Minute).UTC()); n != 1 {
			t.Errorf("%d rows extended, want 1", n)
		}
		// The held row is not claimable when the claim's lease would have run out.
		if c, err := e.st.ClaimReminders(e.ctx, "c", start.Add(time.Minute), start.Add(2*time.Minute), 10); err != nil || len(c) != 2 {
			t.Errorf("claim after the first lease: %d rows, %v; want the 2 not held", len(c), err)
		}
	})
}

func TestSendLease(t *testing.T) {
	for _, c := range []struct{ timeout, lease, want time.Duration }{
		{30 * time.Second, 20 * time.Second, 150 * time.Second},
		{30 * time.Second, 2 * time.Minute, 150 * time.Second},
		{10 * time.Second, 5 * time.Minute, 5 * time.Minute},
	} {
		if got := remind.SendLease(c.timeout, c.lease); got != c.want {
			t.Errorf("SendLease(%v, %v) = %v, want %v", c.timeout, c.lease, got, c.want)
		}
	}
}

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

// TestDeliverAuth: reminders go through a server that asks for a login
// over STARTTLS; a wrong password fails the batch for good (535, recorded
// permanent), the deliverer does not log in again, and the password shows
// nowhere: not in the logs, the attempts or the timeline.
func TestDeliverAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	server := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	const user, pass, wrong = "srok-mailer", "Пароль-s3cr3t", "wr0ng-Пароль"
	forEachStore(t, func(t *testing.T, e env) {
		sink := mailertest.StartAuth(t, server, mailertest.Login{Username: user, Password: pass})
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		deliverer := func(password string) *remind.Deliverer {
			s, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSStartTLS,
				Username: user, Password: password, From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.example.ru",
				TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
			if err != nil {
				t.Fatal(err)
			}
			return remind.NewDeliverer(remind.DelivererConfig{Store: e.st, Sender: s, Now: e.clock.Now, Instance: "test-auth", Log: log,
				Composer: &remind.Composer{BaseURL: publicURL, Calendar: dt.Calendar, Domain: "example.ru"}, BatchSize: 3})
		}
		seedN(t, e, 5)
		bad := deliverer(wrong)
		st, err := bad.DeliverStats(e.ctx, e.clock.Now())
		if !errors.Is(err, remind.ErrAuthRefused) || st.Failed != 3 || st.Sent != 0 {
			t.Fatalf("Deliver with a wrong password: %+v, %v; want the batch of 3 failed and ErrAuthRefused", st, err)
		}
		if n := dt.Count(t, e.st, `SELECT COUNT(*) FROM reminder_attempts WHERE outcome = 'permanent' AND smtp_code = 535`); n != 3 {
			t.Errorf("%d permanent attempts with 535, want 3", n)
		}
		if got := dt.Statuses(t, e.st); got["failed"] != 3 || got["pending"] != 2 {
			t.Errorf("statuses %v", got)
		}
		// Not retried: later rounds do not log in again.
		e.clock.Set(start.Add(2 * time.Hour))
		if st, err := bad.DeliverStats(e.ctx, e.clock.Now()); !errors.Is(err, remind.ErrAuthRefused) || st != (remind.Stats{}) {
			t.Errorf("the next round: %+v, %v", st, err)
		}
		if got := sink.Logins(); len(got) != 1 {
			t.Errorf("logins %q, want one", got)
		}
		if !strings.Contains(logs.String(), "refused the login") {
			t.Errorf("the refusal is not logged:\n%s", logs.String())
		}
		// The right password sends the rest.
		if sent, err := deliverer(pass).Deliver(e.ctx, e.clock.Now()); err != nil || sent != 2 {
			t.Fatalf("Deliver with the right password: %d, %v", sent, err)
		}
		if sink.Count() != 2 {
			t.Errorf("the server got %d emails, want 2", sink.Count())
		}
		// The password nowhere.
		var stored strings.Builder
		stored.WriteString(logs.String())
		rows, err := e.st.SQL().QueryContext(e.ctx, `SELECT COALESCE(last_error, '') FROM reminders
			UNION ALL SELECT error FROM reminder_attempts UNION ALL SELECT CAST(after AS TEXT) FROM events`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			stored.WriteString(s + "\n")
		}
		if !strings.Contains(stored.String(), "535") {
			t.Errorf("the refusal's code is not recorded:\n%s", stored.String())
		}
		for _, secret := range []string{pass, wrong, base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + wrong))} {
			if strings.Contains(stored.String(), secret) {
				t.Errorf("a password in the logs or the database:\n%s", stored.String())
			}
		}
	})
}
