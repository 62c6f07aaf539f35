package mailbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Sources of a mailbox: where it is configured.
const (
	// SourceEnv: SROK_IMAP_URL; read-only on the page.
	SourceEnv = "env"
	// SourcePage: connected by an administrator from the page or the API,
	// its password sealed in the database.
	SourcePage = "page"
)

// KeyVariable names the environment variable of the secret key, as the
// errors that ask for it name it.
const KeyVariable = "SROK_SECRET_KEY_FILE"

// Connection is what an administrator gives to connect a mailbox from the
// page or the API.
type Connection struct {
	// Address is the login, usually the published address (privacy@…).
	Address  string
	Password string
	Host     string
	// Port 0 is the TLS mode's usual port (993 for imaps, 143 otherwise).
	Port int
	// TLS is "imaps" (implicit, TLSImplicit), "starttls" or "none"
	// (loopback hosts only).
	TLS        string
	Folder     string
	DoneFolder string
}

// Connected is a mailbox connected from the page, as the store keeps it:
// its Source without the password, which is Sealed.
type Connected struct {
	Source     Source
	Sealed     string
	DoneFolder string
	// By is the id of the actor who connected it.
	By string
}

// ParseTLS reads the tls field of a Connection: imaps (or tls), starttls,
// none.
func ParseTLS(s string) (TLS, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "imaps", "tls", "":
		return TLSImplicit, true
	case "starttls":
		return TLSStartTLS, true
	case "none":
		return TLSNone, true
	}
	return "", false
}

// folderOK: an IMAP mailbox name Srok will send quoted: no line breaks,
// no NUL, no wildcards (LIST's * and %).
func folderOK(f string) bool {
	return utf8.ValidString(f) && len(f) <= 200 && !strings.ContainsAny(f, "\r\n\x00*%")
}

// Source checks c and returns the mailbox it names (with its password,
// in memory), or an EINVALID error naming each offending field. Its
// errors never hold the password.
func (c Connection) Source() (Source, error) {
	var fe []srok.FieldError
	bad := func(field, problem string) { fe = append(fe, srok.FieldError{Field: field, Problem: problem}) }
	s := Source{Username: strings.TrimSpace(c.Address), Password: c.Password, Host: strings.TrimSpace(c.Host),
		Folder: strings.TrimSpace(c.Folder)}
	switch {
	case s.Username == "":
		bad("address", "give the mailbox's login, usually its address, such as privacy@example.ru")
	case len(s.Username) > 320 || strings.ContainsAny(s.Username, "\r\n\x00 \t"):
		bad("address", "give a login without spaces or line breaks, at most 320 characters")
	}
	switch {
	case c.Password == "":
		bad("password", "give the mailbox's password (an app password)")
	case len(c.Password) > 1024 || strings.ContainsAny(c.Password, "\r\n\x00"):
		bad("password", "give a password without line breaks, at most 1024 characters")
	}
	tls, ok := ParseTLS(c.TLS)
	if !ok {
		bad("tls", "give imaps, starttls or none (none on a loopback host only)")
	}
	s.TLS = tls
	switch {
	case s.Host == "":
		bad("host", "give the IMAP server's host name, such as imap.example.ru")
	case len(s.Host) > 253 || strings.ContainsAny(s.Host, " /\\@?#:\r\n\x00") && !strings.Contains(s.Host, "::"):
		bad("host", "give a host name such as imap.example.ru, or an IP address")
	case ok && tls == TLSNone && !loopback(s.Host):
		bad("tls", "none sends the password in clear: allowed for a loopback host only (127.0.0.1, ::1, localhost); give imaps or starttls for "+s.Host)
	}
	s.Port = c.Port
	if s.Port == 0 {
		s.Port = 993
		if tls != TLSImplicit {
			s.Port = 143
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		bad("port", "give a port from 1 to 65535 (993 for imaps, 143 for starttls)")
	}
	if s.Folder == "" {
		s.Folder = "INBOX"
	}
	if !folderOK(s.Folder) {
		bad("folder", "give a folder name such as INBOX, without line breaks, * or %")
	}
	if d := strings.TrimSpace(c.DoneFolder); d != "" && !folderOK(d) {
		bad("done_folder", "give a folder name such as Srok or INBOX/Done, without line breaks, * or %")
	}
	if len(fe) > 0 {
		return Source{}, srok.Invalid(fe...)
	}
	s.ID = uuid.NewSHA1(idSpace, []byte(s.key())).String()
	return s, nil
}

// FieldOf names the field of a Connection a failed check concerns: the
// host (connect), tls, the password (login), the folder.
func FieldOf(c Code) string {
	switch c {
	case CodeConnect:
		return "host"
	case CodeTLS:
		return "tls"
	case CodeAuth:
		return "password"
	case CodeFolder:
		return "folder"
	}
	return "host"
}

// problemOf says in English what failed, for the API's problem (the page
// shows the Russian words of pkg/ru for the code).
func problemOf(e *Error) string {
	switch e.Code {
	case CodeConnect:
		return "the server cannot be reached: " + e.Detail
	case CodeTLS:
		return "the connection cannot be secured: " + e.Detail
	case CodeAuth:
		return "the server refused the login or the password"
	case CodeFolder:
		return "the folder cannot be opened: " + e.Detail
	}
	return e.Detail
}

// CheckFailed is the EINVALID error of a connection that did not work:
// it names the field concerned, Reason is the Code.
func CheckFailed(err error) *srok.Error {
	e := asError(err)
	field := FieldOf(e.Code)
	if errors.Is(err, errDoneFolder) {
		field = "done_folder"
	}
	return &srok.Error{Code: srok.EINVALID, Message: field + ": " + problemOf(e), Reason: "mailbox_" + string(e.Code),
		Fields: []srok.FieldError{{Field: field, Problem: problemOf(e)}}, Cause: err}
}

// errNoKey is the refusal to connect a mailbox without the secret key.
func errNoKey() *srok.Error {
	return &srok.Error{Code: srok.ECONFLICT, Reason: "secret_key_missing",
		Message: "connecting a mailbox needs " + KeyVariable + " (a file with 32 random bytes in base64) to encrypt its password",
		Fields:  []srok.FieldError{{Field: KeyVariable, Problem: "not set: make a key with `head -c 32 /dev/urandom | base64 > srok.key` and give its path"}}}
}

// mayManage: only administrators connect and disconnect mailboxes: the
// operator's own configuration, as its details and letter templates.
func mayManage(a srok.Actor) error {
	if a.ID == "" {
		return srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !a.Can(srok.ActOrganisationManage) {
		return &srok.Error{Code: srok.EFORBIDDEN, Message: "only administrators may connect or disconnect mailboxes"}
	}
	return nil
}

// CanConnect reports whether mailboxes can be connected from the page on
// this instance: whether it has the secret key.
func (s *Service) CanConnect() bool { return s.opts.Sealer != nil }

// Connect connects the mailbox c for a (administrators): it checks the
// fields, tests the connection (connect, TLS, login, folder, and the done
// folder when given) and, only when it works, stores the mailbox with its
// password sealed, and the audit entry (mailbox.connect) in the same
// transaction. The running fetchers of every instance pick it up (Run).
// The same mailbox connected already is a conflict.
func (s *Service) Connect(ctx context.Context, a srok.Actor, c Connection) (Mailbox, error) {
	if err := mayManage(a); err != nil {
		return Mailbox{}, err
	}
	if s.opts.Sealer == nil {
		return Mailbox{}, errNoKey()
	}
	src, err := c.Source()
	if err != nil {
		return Mailbox{}, err
	}
	done := strings.TrimSpace(c.DoneFolder)
	for _, e := range s.sources {
		if e.ID == src.ID {
			return Mailbox{}, &srok.Error{Code: srok.ECONFLICT, Reason: "mailbox_exists",
				Message: "this mailbox is configured by SROK_IMAP_URL already", Fields: []srok.FieldError{{Field: "address", Problem: "connected already"}}}
		}
	}
	if err := CheckFolders(ctx, src, done, s.tls, s.opts.Timeout); err != nil {
		if ctx.Err() != nil {
			return Mailbox{}, ctx.Err()
		}
		return Mailbox{}, CheckFailed(err)
	}
	sealed, err := s.opts.Sealer.Seal(src.ID, src.Password)
	if err != nil {
		return Mailbox{}, fmt.Errorf("mailbox: unable to seal the password: %w", err)
	}
	trail, err := s.prepare(ctx, audit.Entry{Action: audit.ActionMailboxConnect, Outcome: audit.OutcomeOK,
		Detail: "mailbox " + src.ID + " " + src.Address() + " " + src.Redacted()})
	if err != nil {
		return Mailbox{}, err
	}
	src.Password = ""
	if err := s.store.ConnectMailbox(ctx, Connected{Source: src, Sealed: sealed, DoneFolder: done, By: a.ID}, trail, s.opts.Now()); err != nil {
		return Mailbox{}, err
	}
	s.kick()
	return s.find(ctx, src.ID)
}

// Disconnect disconnects the mailbox id for a (administrators): it becomes
// inactive, its emails stay, its sealed password is wiped; the fetchers of
// every instance let it go (Run). A mailbox of SROK_IMAP_URL cannot be
// disconnected here (409).
func (s *Service) Disconnect(ctx context.Context, a srok.Actor, id string) error {
	if err := mayManage(a); err != nil {
		return err
	}
	if _, err := uuid.Parse(id); err != nil {
		return srok.Errorf(srok.ENOTFOUND, "no mailbox has id %q", id)
	}
	m, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	if m.Source != SourcePage {
		return &srok.Error{Code: srok.ECONFLICT, Reason: "mailbox_configured",
			Message: "this mailbox is configured by SROK_IMAP_URL: remove it there and restart Srok"}
	}
	if !m.Active {
		return srok.Errorf(srok.ENOTFOUND, "no connected mailbox has id %q", id)
	}
	trail, err := s.prepare(ctx, audit.Entry{Action: audit.ActionMailboxDisconnect, Outcome: audit.OutcomeOK,
		Detail: "mailbox " + m.ID + " " + m.Address + " " + m.URL})
	if err != nil {
		return err
	}
	if err := s.store.DisconnectMailbox(ctx, id, trail, s.opts.Now()); err != nil {
		return err
	}
	s.kick()
	return nil
}

func (s *Service) prepare(ctx context.Context, e audit.Entry) ([]*audit.Entry, error) {
	if s.opts.Trail == nil {
		return nil, nil
	}
	return s.opts.Trail.Prepare(ctx, e)
}

// find returns the mailbox id, ENOTFOUND when there is none.
func (s *Service) find(ctx context.Context, id string) (Mailbox, error) {
	list, err := s.store.Mailboxes(ctx)
	if err != nil {
		return Mailbox{}, err
	}
	for _, m := range list {
		if m.ID == id {
			return m, nil
		}
	}
	return Mailbox{}, srok.Errorf(srok.ENOTFOUND, "no mailbox has id %q", id)
}

// opened returns the connected mailboxes' sources with their passwords
// decrypted; a mailbox whose password cannot be opened (no key, another
// key) is returned with its error.
func (s *Service) opened(ctx context.Context) ([]openedSource, error) {
	list, err := s.store.ConnectedMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]openedSource, 0, len(list))
	for _, c := range list {
		o := openedSource{src: c.Source, done: c.DoneFolder, sealed: c.Sealed}
		if s.opts.Sealer == nil {
			o.err = &Error{Code: CodeKey, Detail: KeyVariable + " is not set: the stored password cannot be decrypted"}
		} else if pw, err := s.opts.Sealer.Open(c.Source.ID, c.Sealed); err != nil {
			o.err = &Error{Code: CodeKey, Detail: err.Error(), Err: err}
		} else {
			o.src.Password = pw
		}
		out = append(out, o)
	}
	return out, nil
}

// openedSource is a connected mailbox ready to fetch, or the reason it
// cannot be.
type openedSource struct {
	src    Source
	done   string
	sealed string
	err    *Error
}
