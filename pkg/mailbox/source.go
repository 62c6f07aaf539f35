package mailbox

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// TLS is how a connection to the IMAP server is secured.
type TLS string

// The TLS modes of a mailbox URL.
const (
	// TLSImplicit: imaps://, TLS from the first byte (port 993).
	TLSImplicit TLS = "tls"
	// TLSStartTLS: imap://…?tls=starttls, required, not opportunistic.
	TLSStartTLS TLS = "starttls"
	// TLSNone: imap://…?tls=none, the password in clear: loopback hosts
	// only (a local relay or a test server).
	TLSNone TLS = "none"
)

// Source is one mailbox as configured: where it is, how to log in, and
// which folder to fetch. Its Password is never stored nor shown.
type Source struct {
	ID       string
	Host     string
	Port     int
	TLS      TLS
	Username string
	Password string
	Folder   string
}

// idSpace makes the ids of mailboxes: UUIDs derived from the URL without
// its password, the same on every instance.
var idSpace = uuid.MustParse("5b0f6a5e-6d0e-4f4e-9a53-7a1c2f0e8d11")

// ParseURL reads a mailbox URL: imaps://USER:PASSWORD@HOST[:PORT]/FOLDER
// (implicit TLS), imap://…?tls=starttls or imap://…?tls=none (loopback
// hosts only). USER and PASSWORD are URL-escaped; FOLDER defaults to INBOX.
// Its errors never contain the password.
func ParseURL(raw string) (Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Source{}, fmt.Errorf("not a URL such as imaps://user:password@imap.example.ru/INBOX")
	}
	var s Source
	mode := u.Query().Get("tls")
	for k := range u.Query() {
		if k != "tls" {
			return Source{}, fmt.Errorf("unknown parameter %q: only tls=starttls or tls=none", k)
		}
	}
	switch u.Scheme {
	case "imaps":
		if mode != "" && mode != string(TLSImplicit) {
			return Source{}, fmt.Errorf("imaps:// is implicit TLS: give imap://…?tls=%s instead", mode)
		}
		s.TLS, s.Port = TLSImplicit, 993
	case "imap":
		switch TLS(mode) {
		case TLSStartTLS, TLSNone:
			s.TLS, s.Port = TLS(mode), 143
		case "":
			return Source{}, fmt.Errorf("imap:// needs ?tls=starttls (or ?tls=none on a loopback host); imaps:// is implicit TLS")
		default:
			return Source{}, fmt.Errorf("tls=%s: give tls=starttls or tls=none", mode)
		}
	default:
		return Source{}, fmt.Errorf("the scheme must be imaps:// or imap://")
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return Source{}, fmt.Errorf("no host: give imaps://user:password@imap.example.ru/INBOX")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Source{}, fmt.Errorf("port %q: give a port from 1 to 65535", p)
		}
		s.Port = n
	}
	if s.TLS == TLSNone && !loopback(s.Host) {
		return Source{}, fmt.Errorf("tls=none sends the password in clear: allowed for a loopback host only (127.0.0.1, ::1, localhost); use imaps:// or tls=starttls for %s", s.Host)
	}
	if u.User == nil || u.User.Username() == "" {
		return Source{}, fmt.Errorf("no user: give imaps://USER:PASSWORD@%s/INBOX (an app password; URL-escape @ as %%40)", s.Host)
	}
	s.Username = u.User.Username()
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return Source{}, fmt.Errorf("no password for %s: give imaps://USER:PASSWORD@… (an app password)", s.Username)
	}
	s.Password = pw
	s.Folder = strings.TrimPrefix(u.Path, "/")
	if s.Folder == "" {
		s.Folder = "INBOX"
	}
	s.ID = uuid.NewSHA1(idSpace, []byte(s.key())).String()
	return s, nil
}

// ParseURLs reads SROK_IMAP_URL: space-separated mailbox URLs. The same
// mailbox twice is an error.
func ParseURLs(raw string) ([]Source, error) {
	var out []Source
	seen := map[string]bool{}
	for i, f := range strings.Fields(raw) {
		s, err := ParseURL(f)
		if err != nil {
			return nil, fmt.Errorf("mailbox %d: %w", i+1, err)
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("mailbox %d: %s is given twice", i+1, s.Redacted())
		}
		seen[s.ID] = true
		out = append(out, s)
	}
	return out, nil
}

// key names the mailbox without its password.
func (s Source) key() string {
	return string(s.TLS) + "://" + strings.ToLower(s.Username) + "@" + strings.ToLower(s.Host) + ":" + strconv.Itoa(s.Port) + "/" + s.Folder
}

// Addr is host:port.
func (s Source) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Address is how the mailbox is named to people: its login (usually the
// published address itself, privacy@…).
func (s Source) Address() string { return s.Username }

// Redacted is the URL without user and password: what may be shown and
// logged.
func (s Source) Redacted() string {
	u := url.URL{Scheme: "imaps", Host: s.Addr(), Path: "/" + s.Folder}
	if s.TLS != TLSImplicit {
		u.Scheme, u.RawQuery = "imap", "tls="+string(s.TLS)
	}
	return u.String()
}

// Masked is the URL with the password masked: what `srok config` prints.
func (s Source) Masked() string {
	u := url.URL{Scheme: "imaps", User: url.UserPassword(s.Username, "x"), Host: s.Addr(), Path: "/" + s.Folder}
	if s.TLS != TLSImplicit {
		u.Scheme, u.RawQuery = "imap", "tls="+string(s.TLS)
	}
	return strings.Replace(u.String(), ":x@", ":********@", 1)
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
