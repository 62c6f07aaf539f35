// Package mailertest is a real SMTP server for tests (github.com/emersion/go-smtp,
// in process): it keeps what it accepts and can be made to refuse (4xx), to
// fail permanently (5xx), to be slow, to be down for a while, or to ask for
// a login (SMTP AUTH, PLAIN and LOGIN).
package mailertest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the sink accepted.
type Mail struct {
	From string
	To   []string
	Raw  []byte
	// HELO is the name the client gave in EHLO (or HELO).
	HELO string
}

// Sink is an SMTP server on 127.0.0.1 that records what it accepts.
type Sink struct {
	mu   sync.Mutex
	addr string
	srv  *smtp.Server
	mail []Mail
	// refuse answers MAIL FROM with a 4xx while positive; counted down.
	refuse int
	// refuseAll answers every MAIL FROM with 451 while true.
	refuseAll bool
	// reject lists recipients answered 550 at RCPT TO.
	reject map[string]bool
	delay  time.Duration
	// dataDelay slows the answer to the end of DATA.
	dataDelay time.Duration
	// onRcpt, when set, runs at each RCPT TO before the answer.
	onRcpt func(n int)
	rcpts  int
	// tls, when set, is offered by STARTTLS, or spoken from the first byte
	// when implicit.
	tls      *tls.Config
	implicit bool
	// auth, when set, is the only login accepted, with the mechanisms
	// offered; logins lists what clients tried (mechanism and user name).
	auth   *Login
	logins []string
}

// Login is the account an authenticating sink accepts.
type Login struct {
	Username, Password string
	// Mechanisms offered (PLAIN, LOGIN); empty: both.
	Mechanisms []string
}

// Start starts a sink on a free port; it stops when the test ends.
func Start(tb testing.TB) *Sink {
	tb.Helper()
	return StartTLS(tb, nil, false)
}

// StartTLS starts a sink that offers STARTTLS with cfg, or, implicit, speaks
// TLS from the first byte (as on port 465).
func StartTLS(tb testing.TB, cfg *tls.Config, implicit bool) *Sink {
	tb.Helper()
	s := &Sink{reject: map[string]bool{}, tls: cfg, implicit: implicit}
	if err := s.listen("127.0.0.1:0"); err != nil {
		tb.Fatalf("mailertest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func (s *Sink) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := smtp.NewServer(backend{s})
	// A sink that asks for a login accepts it only over TLS, as a real
	// submission server does.
	srv.AllowInsecureAuth = s.auth == nil
	if s.tls != nil {
		if s.implicit {
			ln = tls.NewListener(ln, s.tls)
		} else {
			srv.TLSConfig = s.tls
		}
	}
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxRecipients = 50
	s.mu.Lock()
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// StartAuth starts a sink that offers STARTTLS with cfg and accepts mail
// only after a login as l.
func StartAuth(tb testing.TB, cfg *tls.Config, l Login) *Sink {
	tb.Helper()
	if len(l.Mechanisms) == 0 {
		l.Mechanisms = []string{sasl.Plain, sasl.Login}
	}
	s := &Sink{reject: map[string]bool{}, tls: cfg, auth: &l}
	if err := s.listen("127.0.0.1:0"); err != nil {
		tb.Fatalf("mailertest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Logins lists the logins clients tried, "PLAIN user" or "LOGIN user",
// and whether each succeeded (" ok" or " refused").
func (s *Sink) Logins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logins...)
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Host and Port split Addr.
func (s *Sink) Host() string { h, _, _ := net.SplitHostPort(s.Addr()); return h }

// Port is the sink's port.
func (s *Sink) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Stop closes the server and its connections: the SMTP server is down.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart brings a stopped sink back on the same address.
func (s *Sink) Restart(tb testing.TB) {
	tb.Helper()
	var err error
	for range 50 { // the port may linger a moment after Close
		if err = s.listen(s.Addr()); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("mailertest: restart: %v", err)
}

// RefuseNext answers the next n messages' MAIL FROM with 451 (try later).
func (s *Sink) RefuseNext(n int) { s.mu.Lock(); s.refuse = n; s.mu.Unlock() }

// RefuseAll answers every MAIL FROM with 451 while on.
func (s *Sink) RefuseAll(on bool) { s.mu.Lock(); s.refuseAll = on; s.mu.Unlock() }

// Reject answers RCPT TO addr with 550 (no such mailbox): a permanent failure.
func (s *Sink) Reject(addr string) { s.mu.Lock(); s.reject[addr] = true; s.mu.Unlock() }

// SetDelay slows every RCPT TO by d.
func (s *Sink) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetDataDelay slows the answer to the end of DATA by d: the message is
// kept only once the answer is given.
func (s *Sink) SetDataDelay(d time.Duration) { s.mu.Lock(); s.dataDelay = d; s.mu.Unlock() }

// OnRcpt sets a function called with the running count at each RCPT TO,
// before it is answered.
func (s *Sink) OnRcpt(f func(n int)) { s.mu.Lock(); s.onRcpt = f; s.mu.Unlock() }

// Mail returns a copy of what the sink accepted.
func (s *Sink) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Count is how many messages the sink accepted.
func (s *Sink) Count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.mail) }

type backend struct{ s *Sink }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if b.s.auth != nil {
		return &authSession{session{s: b.s, c: c}}, nil
	}
	return &session{s: b.s, c: c}, nil
}

type session struct {
	s      *Sink
	c      *smtp.Conn
	from   string
	to     []string
	authed bool
}

// authSession is a session of a sink that asks for a login.
type authSession struct{ session }

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

// errBadLogin is RFC 4954's answer to wrong credentials.
var errBadLogin = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}

func (x *authSession) AuthMechanisms() []string { return x.s.auth.Mechanisms }

func (x *authSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		x.s.mu.Lock()
		defer x.s.mu.Unlock()
		ok := user == x.s.auth.Username && pass == x.s.auth.Password
		x.s.logins = append(x.s.logins, mech+" "+user+map[bool]string{true: " ok", false: " refused"}[ok])
		if !ok {
			return errBadLogin
		}
		x.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, &smtp.SMTPError{Code: 504, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "unknown mechanism"}
}

func (x *authSession) Mail(from string, o *smtp.MailOptions) error {
	if !x.authed {
		return errAuthRequired
	}
	return x.session.Mail(from, o)
}

// loginServer is the server side of the LOGIN mechanism (a draft, not an
// RFC, which go-sasl no longer serves): a user name and a password, each
// asked for in turn.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) == 0 { // no initial response: ask for the user name
			return []byte("Username:"), false, nil
		}
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

var errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuseAll {
		return errTryLater
	}
	if x.s.refuse > 0 {
		x.s.refuse--
		return errTryLater
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	x.s.rcpts++
	n, f, d, rejected := x.s.rcpts, x.s.onRcpt, x.s.delay, x.s.reject[to]
	x.s.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	if f != nil {
		f(n)
	}
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(x.to) == 0 {
		return errors.New("no recipient")
	}
	x.s.mu.Lock()
	d := x.s.dataDelay
	x.s.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	x.s.mu.Lock()
	x.s.mail = append(x.s.mail, Mail{From: x.from, To: x.to, Raw: raw, HELO: x.c.Hostname()})
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
