package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// An email of the browser tests: what it says, in UTF-8, and the charset
// and transfer encoding its bytes are written in, as Russian mail clients
// of the older kind still send them.
type emlFixture struct {
	file        string
	charset     string // the MIME name
	enc         *charmap.Charmap
	transfer    string // quoted-printable or base64
	fromName    string
	fromEmail   string
	subject     string
	date        time.Time
	messageID   string
	body        string
	requestType string // what the wording asks for (deadlines.RequestType)
}

var mskOffset = time.FixedZone("MSK", 3*60*60)

// emlFixtures are the two emails the browser scenario drops on the intake
// page: a withdrawal of consent in windows-1251 (quoted-printable) and an
// access request in KOI8-R (base64).
var emlFixtures = []emlFixture{
	{
		file: "windows-1251.eml", charset: "windows-1251", enc: charmap.Windows1251, transfer: "quoted-printable",
		fromName: "Иванова Мария Петровна", fromEmail: "m.ivanova@example.ru",
		subject:   "Отзыв согласия на обработку персональных данных",
		date:      time.Date(2026, 11, 16, 10, 15, 0, 0, mskOffset),
		messageID: "<20261116101500.withdrawal@mail.example.ru>",
		body: "Здравствуйте!\r\n\r\n" +
			"Я, Иванова Мария Петровна, отзываю своё согласие на обработку моих персональных данных, " +
			"данное при регистрации в программе лояльности «Ромашка».\r\n" +
			"Прошу прекратить обработку и уничтожить мои персональные данные в соответствии с частью 5 " +
			"статьи 21 Федерального закона № 152-ФЗ «О персональных данных».\r\n\r\n" +
			"Телефон для связи: +7 916 123-45-67.\r\n\r\n" +
			"С уважением,\r\nИванова М. П.\r\n",
		requestType: "withdrawal",
	},
	{
		file: "koi8-r.eml", charset: "KOI8-R", enc: charmap.KOI8R, transfer: "base64",
		fromName: "Петров Сергей Иванович", fromEmail: "s.petrov@example.ru",
		subject:   "Запрос сведений об обработке персональных данных",
		date:      time.Date(2026, 11, 24, 14, 30, 0, 0, mskOffset),
		messageID: "<20261124143000.access@mail.example.ru>",
		body: "Добрый день.\r\n\r\n" +
			"На основании статьи 14 Федерального закона N 152-ФЗ \"О персональных данных\" прошу предоставить " +
			"мне сведения об обработке моих персональных данных: какие данные обрабатываются, с какой целью, " +
			"на каком основании и кому они передавались.\r\n\r\n" +
			"Ответ прошу направить на этот адрес электронной почты.\r\n\r\n" +
			"Петров С. И.\r\n",
		requestType: "access",
	},
}

// raw is the fixture as the bytes of a message: headers in RFC 2047
// encoded words of the charset, the body in the charset and the transfer
// encoding.
func (f emlFixture) raw() ([]byte, error) {
	enc := func(s string) (string, error) { return f.enc.NewEncoder().String(s) }
	name, err := enc(f.fromName)
	if err != nil {
		return nil, err
	}
	subject, err := enc(f.subject)
	if err != nil {
		return nil, err
	}
	body, err := enc(f.body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	// The encoder takes the bytes as they are, in the charset named.
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.BEncoding.Encode(f.charset, name), f.fromEmail)
	fmt.Fprintf(&b, "To: pdn@operator.example.ru\r\n")
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode(f.charset, subject))
	fmt.Fprintf(&b, "Date: %s\r\n", f.date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: %s\r\n", f.messageID)
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\n")
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=%s\r\n", f.charset)
	fmt.Fprintf(&b, "Content-Transfer-Encoding: %s\r\n\r\n", f.transfer)
	switch f.transfer {
	case "quoted-printable":
		w := quotedprintable.NewWriter(&b)
		if _, err := io.WriteString(w, body); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case "base64":
		s := base64.StdEncoding.EncodeToString([]byte(body))
		for len(s) > 76 {
			b.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		b.WriteString(s + "\r\n")
	default:
		return nil, fmt.Errorf("transfer encoding %q", f.transfer)
	}
	return b.Bytes(), nil
}

func emlPath(file string) string { return filepath.Join("testdata", "eml", file) }

// The committed emails are what emlFixtures make (SROK_WRITE_EML=1 writes
// them again), and they are truly in their charsets: not UTF-8, and read
// back with the charset they name they say what they should.
func TestEMLFixtures(t *testing.T) {
	for _, f := range emlFixtures {
		t.Run(f.file, func(t *testing.T) {
			want, err := f.raw()
			if err != nil {
				t.Fatal(err)
			}
			if os.Getenv("SROK_WRITE_EML") == "1" {
				if err := os.WriteFile(emlPath(f.file), want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(emlPath(f.file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is not what the fixture makes: run SROK_WRITE_EML=1 go test -run TestEMLFixtures ./cmd/srok/", f.file)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			dec := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
				if !strings.EqualFold(cs, f.charset) {
					return nil, fmt.Errorf("charset %q, want %q", cs, f.charset)
				}
				return f.enc.NewDecoder().Reader(r), nil
			}}
			from, err := (&mail.AddressParser{WordDecoder: &dec}).Parse(msg.Header.Get("From"))
			if err != nil {
				t.Fatal(err)
			}
			if from.Name != f.fromName || from.Address != f.fromEmail {
				t.Errorf("From: %q <%s>", from.Name, from.Address)
			}
			subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
			if err != nil || subject != f.subject {
				t.Errorf("Subject: %q %v", subject, err)
			}
			if d, err := msg.Header.Date(); err != nil || !d.Equal(f.date) {
				t.Errorf("Date: %v %v", d, err)
			}
			var body io.Reader = msg.Body
			switch f.transfer {
			case "quoted-printable":
				body = quotedprintable.NewReader(body)
			case "base64":
				body = base64.NewDecoder(base64.StdEncoding, body)
			}
			raw, err := io.ReadAll(body)
			if err != nil {
				t.Fatal(err)
			}
			if utf8.Valid(raw) {
				t.Errorf("the body is valid UTF-8: it is not in %s", f.charset)
			}
			text, err := f.enc.NewDecoder().Bytes(raw)
			if err != nil || string(text) != f.body {
				t.Errorf("body read as %s: %q %v", f.charset, text, err)
			}
		})
	}
}
