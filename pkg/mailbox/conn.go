package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-sasl"
)

// DialTimeout bounds the connection, and each IMAP command, when the
// Options give none.
const DialTimeout = time.Minute

// TLSConfig returns the TLS configuration of the mailboxes: the system's
// roots, or those of caFile (SROK_IMAP_CA_FILE, PEM) instead. Certificates
// are always verified.
func TLSConfig(caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("unable to read the CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("the CA file holds no PEM certificate")
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// conn is a logged-in connection with the folder selected.
type conn struct {
	c      *client.Client
	status *imap.MailboxStatus
}

// dial connects to src, secures the connection as src.TLS says, logs in
// (PLAIN where offered, else LOGIN) and selects src.Folder. Every failure
// is an *Error whose Code says which step failed.
func dial(ctx context.Context, src Source, tlsCfg *tls.Config, timeout time.Duration) (*conn, error) {
	if timeout <= 0 {
		timeout = DialTimeout
	}
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsCfg = tlsCfg.Clone()
	tlsCfg.ServerName = src.Host
	d := &net.Dialer{Timeout: timeout}
	var c *client.Client
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if src.TLS == TLSImplicit {
			c, err = client.DialWithDialerTLS(d, src.Addr(), tlsCfg)
		} else {
			c, err = client.DialWithDialer(d, src.Addr())
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
		<-done
		if c != nil {
			_ = c.Terminate()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		if isTLSError(err) {
			return nil, &Error{Code: CodeTLS, Detail: tlsDetail(err), Err: err}
		}
		return nil, &Error{Code: CodeConnect, Detail: "unable to connect to " + src.Addr() + ": " + netDetail(err), Err: err}
	}
	c.Timeout = timeout
	ok := false
	defer func() {
		if !ok {
			_ = c.Terminate()
		}
	}()
	// A cancelled context ends the connection, whatever it waits for.
	stop := context.AfterFunc(ctx, func() { _ = c.Terminate() })
	defer stop()
	if src.TLS == TLSStartTLS {
		has, err := c.SupportStartTLS()
		if err != nil {
			return nil, &Error{Code: CodeConnect, Detail: "the server does not answer CAPABILITY: " + err.Error(), Err: err}
		}
		if !has {
			return nil, &Error{Code: CodeTLS, Detail: "the server does not offer STARTTLS"}
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return nil, &Error{Code: CodeTLS, Detail: tlsDetail(err), Err: err}
		}
	}
	if err := login(c, src); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, &Error{Code: CodeAuth, Detail: "the server refused the login of " + src.Username + ": " + serverText(err), Err: err}
	}
	st, err := c.Select(src.Folder, false)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Code: CodeFolder, Detail: fmt.Sprintf("unable to select the folder %q: %s", src.Folder, serverText(err)), Err: err}
	}
	ok = true
	return &conn{c: c, status: st}, nil
}

// login authenticates with PLAIN where the server offers it, else LOGIN.
func login(c *client.Client, src Source) error {
	if has, err := c.SupportAuth("PLAIN"); err == nil && has {
		return c.Authenticate(sasl.NewPlainClient("", src.Username, src.Password))
	}
	if st := c.State(); st != imap.NotAuthenticatedState {
		return &Error{Code: CodeConnect, Detail: "the connection is not ready to log in"}
	}
	return c.Login(src.Username, src.Password)
}

// close logs out, bounded by a short time.
func (cn *conn) close() {
	cn.c.Timeout = 5 * time.Second
	if err := cn.c.Logout(); err != nil {
		_ = cn.c.Terminate()
	}
}

// Check connects to src, secures the connection, logs in and selects its
// folder, then logs out: what `srok mail check` and the page's «Проверить
// подключение» do. The error is an *Error naming the step that failed.
func Check(ctx context.Context, src Source, tlsCfg *tls.Config, timeout time.Duration) error {
	cn, err := dial(ctx, src, tlsCfg, timeout)
	if err != nil {
		return err
	}
	cn.close()
	return nil
}

func isTLSError(err error) bool {
	var rec tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &rec) || errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) ||
		strings.Contains(err.Error(), "tls:")
}

func tlsDetail(err error) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &ua):
		return "the server's certificate is signed by an unknown authority (a private CA goes in SROK_IMAP_CA_FILE)"
	case errors.As(err, &hn):
		return "the server's certificate is not for this host: " + hn.Error()
	}
	return "TLS failed: " + err.Error()
}

func netDetail(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// serverText is the server's answer, short.
func serverText(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// errDoneFolder marks a failure of the done folder, not of the folder.
var errDoneFolder = errors.New("the done folder")

// CheckFolders is Check, and also whether the done folder, when given,
// exists: a mailbox connected from the page is tested so before it is
// stored.
func CheckFolders(ctx context.Context, src Source, done string, tlsCfg *tls.Config, timeout time.Duration) error {
	cn, err := dial(ctx, src, tlsCfg, timeout)
	if err != nil {
		return err
	}
	defer cn.close()
	if done != "" {
		if _, err := cn.c.Status(done, []imap.StatusItem{imap.StatusUidNext}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &Error{Code: CodeFolder, Detail: fmt.Sprintf("the done folder %q cannot be opened: %s", done, serverText(err)),
				Err: fmt.Errorf("%w: %w", errDoneFolder, err)}
		}
	}
	return nil
}
