// Package imaptest gives tests a real IMAP server: Debian's Dovecot
// (dovecot-imapd), started from a configuration written into a temporary
// folder, like pkg/store/pgtest does for PostgreSQL. The server has its own
// base_dir, a self-signed certificate made here (CA returns it for
// verification), a passwd-file user database, maildirs in the folder, and
// listens on loopback ports of its own: plain IMAP with STARTTLS, and
// implicit TLS.
//
//	srv := imaptest.MustStart(t)
//	srv.MustAppend(t, "INBOX", msg, internalDate)
//
// Without the dovecot binary a test fails, unless SROK_SKIP_DOVECOT=1,
// when it is skipped with a message saying so (CI installs dovecot-imapd).
package imaptest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Binary is where Debian installs the server.
const Binary = "/usr/sbin/dovecot"

// Server is a Dovecot started for a test.
type Server struct {
	dir     string
	bin     string
	CAPEM   []byte // the self-signed certificate the server presents
	Plain   int    // port of IMAP (STARTTLS offered)
	TLS     int    // port of IMAP over implicit TLS
	mu      sync.Mutex
	running bool
	users   map[string]string
	idleOff bool
	cmd     *exec.Cmd
	done    chan struct{}
}

// Option changes the server's configuration.
type Option func(*Server)

// WithoutIdle makes the server not offer IDLE, so that clients poll.
func WithoutIdle() Option { return func(s *Server) { s.idleOff = true } }

// Available reports whether the dovecot binary is installed.
func Available() bool {
	_, err := os.Stat(Binary)
	return err == nil
}

// MustStart starts a server with one user, "srok" with password
// "app-password", and stops it when the test ends.
func MustStart(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	if !Available() {
		if os.Getenv("SROK_SKIP_DOVECOT") == "1" {
			tb.Skip("imaptest: dovecot is not installed (apt-get install dovecot-imapd) and SROK_SKIP_DOVECOT=1: skipped")
		}
		tb.Fatal("imaptest: " + Binary + " not found: apt-get install dovecot-imapd (or set SROK_SKIP_DOVECOT=1 to skip)")
	}
	// Not t.TempDir: its parent is 0700, and Dovecot's unprivileged
	// processes must reach the folder when the test runs as root.
	dir, err := os.MkdirTemp("", "imaptest-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &Server{dir: dir, bin: Binary, users: map[string]string{"srok": "app-password"}}
	for _, o := range opts {
		o(s)
	}
	if err := s.writeCert(); err != nil {
		tb.Fatal(err)
	}
	s.Plain, s.TLS = freePort(tb), freePort(tb)
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Log(s.log())
		}
		_ = s.Stop()
	})
	return s
}

// Dir is the server's folder.
func (s *Server) Dir() string { return s.dir }

// SetPassword changes (or adds) a user's password; it applies to the next
// login.
func (s *Server) SetPassword(user, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user] = password
	return s.writePasswd()
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) writeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "imaptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(s.dir, "cert.pem"), s.CAPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

// CAFile writes the server's certificate into the folder and returns its
// path (for SROK_IMAP_CA_FILE).
func (s *Server) CAFile() string { return filepath.Join(s.dir, "cert.pem") }

// CertPool is the pool that trusts the server's certificate.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.CAPEM)
	return p
}

// ids are the uid and gid mail is kept as: the current user's, or, as root
// (which Dovecot does not give mail to), dovecot's own unprivileged user.
func ids() (uid, gid int, login, internal string, err error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return 0, 0, "", "", err
		}
		return os.Geteuid(), os.Getegid(), u.Username, u.Username, nil
	}
	u, err := user.Lookup("dovecot")
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("imaptest: running as root needs the dovecot system user (from dovecot-core): %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	login = "dovenull"
	if _, err := user.Lookup(login); err != nil {
		login = "dovecot"
	}
	return uid, gid, login, "dovecot", nil
}

func (s *Server) writePasswd() error {
	uid, gid, _, _, err := ids()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for u, p := range s.users {
		fmt.Fprintf(&b, "%s:{PLAIN}%s:%d:%d::%s::\n", u, p, uid, gid, filepath.Join(s.dir, "home", u))
	}
	return os.WriteFile(filepath.Join(s.dir, "passwd"), b.Bytes(), 0o644)
}

func (s *Server) writeConfig() error {
	uid, gid, login, internal, err := ids()
	if err != nil {
		return err
	}
	for _, d := range []string{"run", "state", "mail", "home"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return err
		}
	}
	if os.Geteuid() == 0 {
		// The folder of t.TempDir is root's, 0700: the mail user must reach
		// its maildirs.
		_ = os.Chmod(s.dir, 0o755)
		for _, d := range []string{"mail", "home"} {
			_ = os.Chown(filepath.Join(s.dir, d), uid, gid)
		}
	}
	if err := s.writePasswd(); err != nil {
		return err
	}
	caps := ""
	if s.idleOff {
		caps = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH MOVE\n"
	}
	cfg := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = %[2]s
default_internal_user = %[3]s
first_valid_uid = %[4]d
last_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:%[1]s/mail/%%u
mail_uid = %[4]d
mail_gid = %[5]d
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/passwd
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[7]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
%[8]s`, s.dir, login, internal, uid, gid, s.Plain, s.TLS, caps)
	return os.WriteFile(filepath.Join(s.dir, "dovecot.conf"), []byte(cfg), 0o644)
}

// Start starts the server (again, after Stop, on the same ports and mail).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	if err := s.writeConfig(); err != nil {
		return err
	}
	// In the foreground (-F), a child of the test: Stop ends it, and it
	// holds no pipe of the test open.
	cmd := exec.Command(s.bin, "-F", "-c", filepath.Join(s.dir, "dovecot.conf"))
	out, err := os.Create(filepath.Join(s.dir, "dovecot.out"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("imaptest: dovecot: %v", err)
	}
	out.Close()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	s.running = true
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.running = false
			b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.out"))
			return fmt.Errorf("imaptest: dovecot exited: %s%s", b, s.log())
		default:
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Plain)), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-done
	s.running = false
	return fmt.Errorf("imaptest: dovecot does not listen on %d: %s", s.Plain, s.log())
}

// Stop stops the server and waits until its ports are closed.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.running = false
	// The master has gone; its children close their listeners with it.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Plain)), 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("imaptest: dovecot did not stop")
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}

// Log is the tail of the server's log.
func (s *Server) Log() string { return s.log() }

// Addr is host:port of plain IMAP.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Plain)) }

// TLSAddr is host:port of IMAP over implicit TLS.
func (s *Server) TLSAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TLS)) }

// URL is the mailbox URL of the user's folder over plain IMAP
// (imap://…?tls=none), for Srok's configuration.
func (s *Server) URL(user, password, folder string) string {
	return fmt.Sprintf("imap://%s:%s@%s/%s?tls=none", user, password, s.Addr(), folder)
}

// Dial logs in as "srok" over plain IMAP, for a test to set up mail.
func (s *Server) Dial(ctx context.Context) (*client.Client, error) {
	c, err := client.Dial(s.Addr())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	pw := s.users["srok"]
	s.mu.Unlock()
	if err := c.Login("srok", pw); err != nil {
		_ = c.Logout()
		return nil, err
	}
	return c, nil
}

// Append delivers msg into folder (created if missing) with the given
// INTERNALDATE, as a mail server would on arrival.
func (s *Server) Append(folder string, msg []byte, internal time.Time) error {
	c, err := s.Dial(context.Background())
	if err != nil {
		return err
	}
	defer c.Logout()
	_ = c.Create(folder) // exists already: fine
	return c.Append(folder, nil, internal, bytes.NewReader(msg))
}

// MustAppend is Append failing the test on error.
func (s *Server) MustAppend(tb testing.TB, folder string, msg []byte, internal time.Time) {
	tb.Helper()
	if err := s.Append(folder, msg, internal); err != nil {
		tb.Fatal(err)
	}
}

// Recreate deletes folder and creates it again, empty: a new UIDVALIDITY.
func (s *Server) Recreate(folder string) error {
	c, err := s.Dial(context.Background())
	if err != nil {
		return err
	}
	defer c.Logout()
	if err := c.Delete(folder); err != nil {
		return err
	}
	return c.Create(folder)
}

// Status returns the number of messages in folder, and how many are \Seen.
func (s *Server) Status(folder string) (total, seen int, err error) {
	c, err := s.Dial(context.Background())
	if err != nil {
		return 0, 0, err
	}
	defer c.Logout()
	mb, err := c.Select(folder, true)
	if err != nil {
		return 0, 0, err
	}
	total = int(mb.Messages)
	crit := imap.NewSearchCriteria()
	crit.WithFlags = []string{imap.SeenFlag}
	ids, err := c.Search(crit)
	if err != nil {
		return 0, 0, err
	}
	return total, len(ids), nil
}

// TLSConfig trusts the server's certificate, for a test's own client.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"}
}

// MustAppendAs is MustAppend logged in with password (after SetPassword).
func (s *Server) MustAppendAs(tb testing.TB, password, folder string, msg []byte, internal time.Time) {
	tb.Helper()
	c, err := client.Dial(s.Addr())
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Logout()
	if err := c.Login("srok", password); err != nil {
		tb.Fatal(err)
	}
	_ = c.Create(folder)
	if err := c.Append(folder, nil, internal, bytes.NewReader(msg)); err != nil {
		tb.Fatal(err)
	}
}
