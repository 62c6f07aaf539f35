package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// maxDepth is how deep forwarded messages (message/rfc822 inside
// message/rfc822) are read; deeper ones stay attachments.
const maxDepth = 3

// maxWarnings bounds the warnings kept of one message: a broken message
// can produce one per part.
const maxWarnings = 20

// parser is enmime with the options that keep what can be read of a broken
// message: a malformed part is skipped with an error rather than failing
// the whole message, and a text part with corrupt base64 keeps what was
// decoded.
var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.MaxStoredPartErrors(maxWarnings),
)

// Parse reads raw as an email: its Message-ID, sender, date, subject,
// readable text and attachments, with the type of request its wording
// suggests, its size and SHA-256. It never fails: what cannot be read is
// named in Warnings, and a message that is not MIME at all is read as
// plain text. When the message forwards another one as an attachment
// (message/rfc822), the inner message is who asked and when: From, Date
// and Subject are the inner message's, and Text is the forwarder's note
// followed by the inner text.
func Parse(raw []byte) *Email {
	sum := sha256.Sum256(raw)
	e := &Email{Size: int64(len(raw)), SHA256: hex.EncodeToString(sum[:]), Attachments: []Attachment{}, Warnings: []string{}}
	m := read(raw, 0)
	e.Warnings = append(e.Warnings, m.warnings...)
	e.MessageID = m.messageID
	e.References = m.refs
	e.From, e.Date, e.Subject, e.Text = m.from, m.date, m.subject, m.text
	if in := m.forwarded; in != nil {
		e.Warnings = append(e.Warnings, prefixed("forwarded message: ", in.warnings)...)
		e.From, e.Date = in.from, in.date
		if in.subject != "" {
			e.Subject = in.subject
		}
		if note := strings.TrimSpace(m.text); note != "" {
			e.Text = note + "\n\n" + in.text
		} else {
			e.Text = in.text
		}
	}
	for _, p := range m.parts() {
		e.Attachments = append(e.Attachments, p.Attachment)
	}
	if e.From == nil {
		e.Warnings = append(e.Warnings, "no sender: the From header is missing or cannot be read")
	}
	if e.Date == nil {
		e.Warnings = append(e.Warnings, "no date: the Date header is missing or cannot be read")
	}
	if len(e.Warnings) > maxWarnings {
		e.Warnings = append(e.Warnings[:maxWarnings-1], fmt.Sprintf("and %d more warnings", len(e.Warnings)-maxWarnings+1))
	}
	e.SuggestedType = Suggest(e.Subject, e.Text)
	return e
}

// AttachmentBytes returns the n-th attachment of raw (0-based, in the order
// of Parse's Attachments) with its bytes, and false when there is none.
func AttachmentBytes(raw []byte, n int) (Attachment, []byte, bool) {
	ps := read(raw, 0).parts()
	if n < 0 || n >= len(ps) {
		return Attachment{}, nil, false
	}
	return ps[n].Attachment, ps[n].content, true
}

// message is one read message, possibly forwarding another.
type message struct {
	messageID string
	refs      []string
	from      *Address
	date      *time.Time
	subject   string
	text      string
	warnings  []string
	// attachments are the message's own; forwarded is the first
	// message/rfc822 it carries, read.
	attachments []part
	forwarded   *message
}

// part is an attachment with its bytes.
type part struct {
	Attachment
	content []byte
}

// parts lists the attachments of m, then those of the message it forwards.
func (m *message) parts() []part {
	out := m.attachments
	if m.forwarded != nil {
		out = append(out[:len(out):len(out)], m.forwarded.parts()...)
	}
	return out
}

func read(raw []byte, depth int) *message {
	m := &message{}
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		m.warnings = append(m.warnings, "the message is not readable MIME; read as plain text: "+clean(err.Error(), 200))
		fallback(m, raw)
		return m
	}
	for _, pe := range env.Errors {
		if pe.Name == enmime.ErrorPlainTextFromHTML && !pe.Severe {
			continue // an HTML-only message is normal: its text is the HTML converted
		}
		m.warnings = append(m.warnings, clean(pe.Error(), 300))
	}
	m.messageID = messageID(env.GetHeader("Message-Id"))
	m.refs = references(env.GetHeader("References"), env.GetHeader("In-Reply-To"))
	if list, err := env.AddressList("From"); err == nil && len(list) > 0 {
		m.from = &Address{Name: clean(list[0].Name, 300), Email: clean(list[0].Address, 300)}
	} else if h := env.GetHeader("From"); h != "" {
		m.warnings = append(m.warnings, "the From header cannot be read as an address")
		if a := looseAddress(h); a != nil {
			m.from = a
		}
	}
	if env.GetHeader("Date") != "" {
		if d, err := env.Date(); err == nil {
			m.date = &d
		} else {
			m.warnings = append(m.warnings, "the Date header cannot be read")
		}
	}
	m.subject = clean(env.GetHeader("Subject"), 1000)
	m.text = body(env.Text)
	seen := map[*enmime.Part]bool{}
	var fwd *enmime.Part
	add := func(p *enmime.Part) {
		if p == nil || seen[p] || p == env.Root && !isAttachmentRoot(env) {
			return
		}
		seen[p] = true
		if p.ContentType == "message/rfc822" && fwd == nil && depth < maxDepth {
			fwd = p
		}
		m.attachments = append(m.attachments, part{Attachment: Attachment{
			Filename: filename(p, len(m.attachments)), ContentType: contentType(p), Size: int64(len(p.Content)),
		}, content: p.Content})
	}
	for _, p := range env.Attachments {
		add(p)
	}
	for _, p := range env.Inlines {
		if p.FileName != "" || p.ContentType == "message/rfc822" {
			add(p)
		}
	}
	for _, p := range env.OtherParts {
		if p.ContentType == "message/rfc822" || p.FileName != "" {
			add(p)
		}
	}
	if fwd != nil {
		m.forwarded = read(fwd.Content, depth+1)
	}
	return m
}

// isAttachmentRoot reports whether the whole message is one attachment (a
// message whose body is a PDF, say).
func isAttachmentRoot(env *enmime.Envelope) bool {
	for _, p := range env.Attachments {
		if p == env.Root {
			return true
		}
	}
	return false
}

// fallback reads what it can of a message enmime refused: the headers with
// net/mail, the rest as text.
func fallback(m *message, raw []byte) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.text = body(string(raw))
		return
	}
	dec := new(mime.WordDecoder)
	header := func(k string) string {
		v := msg.Header.Get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	m.messageID = messageID(msg.Header.Get("Message-Id"))
	m.refs = references(msg.Header.Get("References"), msg.Header.Get("In-Reply-To"))
	if a, err := mail.ParseAddress(header("From")); err == nil {
		m.from = &Address{Name: clean(a.Name, 300), Email: clean(a.Address, 300)}
	}
	if d, err := msg.Header.Date(); err == nil {
		m.date = &d
	}
	m.subject = clean(header("Subject"), 1000)
	var b bytes.Buffer
	_, _ = b.ReadFrom(msg.Body)
	m.text = body(b.String())
}

// looseAddress finds an address in a From header that net/mail refuses
// ("Иван <ivan@example.ru" without the closing bracket, say).
func looseAddress(h string) *Address {
	for _, f := range strings.FieldsFunc(h, func(r rune) bool { return r == '<' || r == '>' || r == ' ' || r == '"' || r == ',' }) {
		if a, err := mail.ParseAddress(f); err == nil {
			return &Address{Email: clean(a.Address, 300)}
		}
	}
	return nil
}

// messageID is the Message-ID without its angle brackets and spaces.
func messageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	return clean(strings.TrimSpace(s), 998)
}

// maxReferences bounds the Message-IDs kept of a thread.
const maxReferences = 50

// references are the Message-IDs of the headers (References, then
// In-Reply-To: the message replied to comes last), without angle
// brackets, each once, at most maxReferences of the nearest.
func references(headers ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range headers {
		for {
			i := strings.IndexByte(h, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(h[i:], '>')
			if j < 0 {
				break
			}
			id := messageID(h[i+1 : i+j])
			h = h[i+j+1:]
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxReferences {
		out = out[len(out)-maxReferences:]
	}
	return out
}

// contentType is the part's media type, application/octet-stream when
// unknown.
func contentType(p *enmime.Part) string {
	ct := strings.ToLower(clean(p.ContentType, 200))
	if _, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(ct, "/") {
		return "application/octet-stream"
	}
	return ct
}

// filename is the part's file name without any folder, or a made-up one
// ("attachment-2.pdf", "message.eml") when it has none.
func filename(p *enmime.Part, i int) string {
	name := p.FileName
	for _, h := range []string{"Content-Disposition", "Content-Type"} {
		if n := rfc2231Name(p.Header.Get(h)); n != "" {
			name = n
			break
		}
	}
	name = strings.ReplaceAll(name, `\`, "/")
	name = clean(path.Base(name), 255)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if name != "" {
		return name
	}
	if p.ContentType == "message/rfc822" {
		return "message.eml"
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(p.ContentType); len(exts) > 0 {
		ext = exts[0]
	}
	return fmt.Sprintf("attachment-%d%s", i+1, ext)
}

// body is a message's text as stored: valid UTF-8 without NUL and other
// control characters but line breaks and tabs, lines ending in \n.
func body(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	return strings.TrimSpace(s)
}

// clean is one line of header text: valid UTF-8, no control characters, at
// most max characters.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

func prefixed(p string, ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = p + w
	}
	return out
}

// BodyHash is the SHA-256 (hex) of raw's body, everything after the header,
// with line ends made \n and trailing white space dropped: what stays the
// same when one message is fetched twice and only its Received headers
// differ. With the Message-ID it is the second key of deduplication.
func BodyHash(raw []byte) string {
	var b []byte
	crlf, lf := bytes.Index(raw, []byte("\r\n\r\n")), bytes.Index(raw, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		b = raw[crlf+4:]
	case lf >= 0:
		b = raw[lf+2:]
	}
	b = bytes.TrimRight(b, " \t\r\n")
	h := sha256.New()
	for len(b) > 0 { // \r\n hashed as \n, without copying the body
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			h.Write(b)
			break
		}
		h.Write(b[:i])
		b = b[i+1:]
	}
	return hex.EncodeToString(h.Sum(nil))
}
