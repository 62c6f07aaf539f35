// Package mailer sends email through an SMTP server (github.com/wneessen/go-mail):
// the reminders of terms that run out, and the test message of `srok mail test`.
// It knows nothing of requests or reminders: a Message is a recipient, a
// subject and a text and an HTML body.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/srok/srok/pkg/ru"
)

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// The TLS modes.
const (
	// TLSNone sends in clear text: only for a relay on the same machine or
	// network (a local Postfix, a test sink).
	TLSNone TLSMode = "none"
	// TLSStartTLS upgrades a plain connection (port 587 or 25) and refuses
	// to go on if the server cannot.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit TLSMode = "tls"
)

// Config is how to reach the SMTP server and whom the mail is from.
type Config struct {
	Host string
	// Port; 0: 25 without TLS, 587 with STARTTLS, 465 with implicit TLS.
	Port     int
	TLS      TLSMode
	Username string
	Password string
	// From is the sender, "Srok <srok@example.ru>" or a bare address.
	From string
	// Timeout bounds the connection and each SMTP command.
	Timeout time.Duration
	// HELO is the name given in EHLO; empty: the machine's host name.
	HELO string
	// TLSConfig, when set, replaces the default TLS settings (the system's
	// roots, verifying Host): a private CA, say.
	TLSConfig *tls.Config
}

// Sender sends messages over SMTP.
type Sender struct {
	cfg  Config
	from *mail.Address
}

// New checks cfg and returns a Sender. It does not connect.
func New(cfg Config) (*Sender, error) {
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, errors.New("mailer: no SMTP host")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mailer: TLS mode %q: use none, starttls or tls", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[TLSMode]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[cfg.TLS]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mailer: port %d is out of range", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mailer: the sender %q is not an address: %w", cfg.From, err)
	}
	return &Sender{cfg: cfg, from: from}, nil
}

// Addr is the server's host:port.
func (s *Sender) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// Describe names the server and how it is reached, "smtp.example.ru:587
// (STARTTLS)", for messages; never the password.
func (s *Sender) Describe() string {
	mode := map[TLSMode]string{TLSNone: "no TLS", TLSStartTLS: "STARTTLS", TLSImplicit: "TLS"}[s.cfg.TLS]
	return s.Addr() + " (" + mode + ")"
}

// Timeout bounds the connection and each SMTP command.
func (s *Sender) Timeout() time.Duration { return s.cfg.Timeout }

// From is the sender's address.
func (s *Sender) From() string { return s.from.Address }

// Message is one email.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// MessageID without the angle brackets; empty: none set.
	MessageID string
	Date      time.Time
	// Headers are extra header fields (X-…).
	Headers map[string]string
	// ReplyTo is where replies go when not to the sender; empty: none.
	ReplyTo string
	// Attachments are files sent with the text (a letter's PDF).
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Conn is one SMTP connection, reused for a batch of messages.
type Conn struct {
	s *Sender
	c *gomail.Client
}

// Dial connects, says EHLO, starts TLS and authenticates as configured.
// Its error is temporary (a server out of reach is no fault of the messages
// waiting, which must wait for it), except a login the server refused with
// a 5xx (535: wrong user name or password, RFC 4954): that error is
// permanent and AuthRefused, since trying again with the same credentials
// cannot succeed and may get the account locked.
func (s *Sender) Dial(ctx context.Context) (*Conn, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	helo := s.cfg.HELO
	if helo == "" {
		helo, _ = os.Hostname()
	}
	if helo != "" {
		opts = append(opts, gomail.WithHELO(helo))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, &Error{Temporary: true, Err: fmt.Errorf("mailer: %w", err)}
	}
	if err := c.DialWithContext(ctx); err != nil {
		code := codeOf(err)
		// go-mail wraps the AUTH command's reply in this text, with no
		// error value of its own to match.
		if code >= 500 && code <= 599 && strings.Contains(err.Error(), "SMTP AUTH failed") {
			return nil, &Error{Code: code, Auth: true, Err: fmt.Errorf("log in to %s: %w", s.Describe(), err)}
		}
		return nil, &Error{Code: code, Temporary: true, Err: fmt.Errorf("connect to %s: %w", s.Describe(), err)}
	}
	return &Conn{s: s, c: c}, nil
}

// Send sends m and returns the server's answer to the end of DATA ("250
// 2.0.0 queued as …"). A nil error means the server accepted the message:
// only then may the caller count it sent. The error is an *Error that says
// whether to retry.
func (c *Conn) Send(m Message) (string, error) {
	msg, err := c.s.build(m)
	if err != nil {
		return "", &Error{Err: err} // the message itself is wrong: no retry mends it
	}
	err = c.c.Send(msg)
	if msg.IsDelivered() {
		// Accepted at the end of DATA; a failure after it (the RSET that
		// readies the next message) does not undo the acceptance.
		return "250 " + msg.ServerResponse(), nil
	}
	if err == nil {
		return "", &Error{Temporary: true, Err: errors.New("the server did not confirm the message")}
	}
	return "", classify(err)
}

// Close says QUIT and closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// build turns m into go-mail's message: UTF-8, quoted-printable parts,
// RFC 2047 encoded subject, text and HTML alternatives.
func (s *Sender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mailer: the recipient is not an address: %w", err)
	}
	msg.Subject(m.Subject)
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("mailer: the Reply-To is not an address: %w", err)
		}
	}
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	return msg, nil
}

// Error is a failure to send, with the SMTP reply code when the server
// gave one. Temporary failures (4xx, a connection lost or refused, a
// timeout) are retried; permanent ones (5xx, a malformed message) are not.
type Error struct {
	// Code is the SMTP reply code, 0 when the server gave none.
	Code      int
	Temporary bool
	// Auth is set when the server refused the login (SMTP AUTH): the
	// credentials are wrong, not the message.
	Auth bool
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether err is an *Error that retrying cannot mend.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Temporary
}

// AuthRefused reports whether err is the server refusing the login: no
// message can be sent until the credentials are changed.
func AuthRefused(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Auth
}

// CodeOf is the SMTP reply code in err, 0 when none.
func CodeOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return codeOf(err)
}

// classify reads go-mail's error of a send: a 5xx reply is permanent,
// anything else (4xx, the connection, a timeout) temporary.
func classify(err error) *Error {
	code := codeOf(err)
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return &Error{Code: code, Err: err}
		}
	}
	return &Error{Code: code, Temporary: code < 500 || code > 599, Err: err}
}

var replyCode = regexp.MustCompile(`(?:^|[:,] )([245]\d\d)[ -]`)

// codeOf finds the SMTP reply code in err: a textproto.Error, go-mail's
// SendError, or else the first "NNN " in its text.
func codeOf(err error) int {
	if err == nil {
		return 0
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	if m := replyCode.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// Test sends a short test message to to over a connection of its own and
// returns the server's answer; its error says where it failed. The message
// says when it was sent in the operator's zone loc, as every time a person
// reads.
func (s *Sender) Test(ctx context.Context, to string, now time.Time, loc *time.Location) (string, error) {
	c, err := s.Dial(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.Send(Message{
		To:      to,
		Subject: "[Srok] Проверка отправки почты",
		Text: "Это проверочное письмо Srok: почтовый сервер принимает письма с напоминаниями о сроках.\n" +
			"Отправлено " + ru.DateTime(now, loc) + " (" + ru.Zone(loc, now) + ") через " + s.Describe() + ".\n",
		Date: now,
	})
}
