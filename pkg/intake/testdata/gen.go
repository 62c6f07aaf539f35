//go:build ignore

// gen writes the .eml fixtures of the parser's tests, in the charsets and
// encodings Russian mail uses: go run gen.go (from this folder). The files
// are committed; this program says how their bytes were made.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"os"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

func enc(e encoding.Encoding, s string) []byte {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// word is an RFC 2047 encoded word of s in charset cs (b: base64, q: Q).
func word(e encoding.Encoding, cs string, b bool, s string) string {
	raw := []byte(s)
	if e != nil {
		raw = enc(e, s)
	}
	if b {
		return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(raw) + "?="
	}
	var sb strings.Builder
	for _, c := range raw {
		switch {
		case c == ' ':
			sb.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "=%02X", c)
		}
	}
	return "=?" + cs + "?Q?" + sb.String() + "?="
}

func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.String()
}

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(s) > 76 {
		sb.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	sb.WriteString(s)
	return sb.String()
}

func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

func write(name string, b []byte) {
	if err := os.WriteFile(name, b, 0o644); err != nil {
		panic(err)
	}
}

// pdf is a small valid PDF.
const pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj " +
	"3 0 obj<</Type/Page/MediaBox[0 0 612 792]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func main() {
	cp1251, koi8 := charmap.Windows1251, charmap.KOI8R

	write("utf8_plain.eml", crlf(`From: `+word(nil, "UTF-8", true, "Иван Петров")+` <ivan@example.ru>
To: privacy@example.com
Subject: `+word(nil, "UTF-8", true, "Отзыв согласия на обработку")+`
Date: Tue, 24 Nov 2026 14:05:00 +0500
Message-ID: <utf8-plain-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Здравствуйте!
Настоящим отзываю согласие на обработку моих персональных данных.
Иван Петров
`))

	write("cp1251_qp.eml", append(crlf(`From: `+word(cp1251, "windows-1251", false, "Мария Сидорова")+` <maria@example.ru>
To: privacy@example.com
Subject: `+word(cp1251, "windows-1251", false, "Удаление данных")+`
Date: Mon, 23 Nov 2026 09:30:00 +0300
Message-ID: <cp1251-qp-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset="windows-1251"
Content-Transfer-Encoding: quoted-printable

`), crlf(qp(enc(cp1251, "Прошу удалить мои персональные данные из вашей базы.\nС уважением, Мария Сидорова\n")))...))

	write("koi8r_base64.eml", append(crlf(`From: `+word(koi8, "KOI8-R", true, "Пётр Смирнов")+` <petr@example.ru>
To: privacy@example.com
Subject: `+word(koi8, "koi8-r", true, "Уточнение персональных данных")+`
Date: Sun, 22 Nov 2026 23:59:59 -0100
Message-ID: <koi8r-b64-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: base64

`), crlf(b64(enc(koi8, "Прошу исправить неточность в фамилии: Смирнов, а не Смирное.\n")))...))

	write("alternative.eml", crlf(`From: "Anna" <anna@example.ru>
To: privacy@example.com
Subject: =?UTF-8?Q?=D0=97=D0=B0=D0=BF=D1=80=D0=BE=D1=81?=
Date: Wed, 25 Nov 2026 10:00:00 +0300
Message-ID: <alt-1@example.ru>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-b"

--alt-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`+qp([]byte("Прошу предоставить сведения об обработке моих персональных данных."))+`
--alt-b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>Прошу <b>предоставить сведения</b> об обработке моих персональных данных.</p></body></html>
--alt-b--
`))

	write("html_only.eml", append(crlf(`From: Olga <olga@example.ru>
To: privacy@example.com
Subject: `+word(cp1251, "windows-1251", true, "Обращение")+`
Date: Thu, 19 Nov 2026 16:45:10 +0300
Message-ID: <html-only-1@example.ru>
MIME-Version: 1.0
Content-Type: text/html; charset=windows-1251
Content-Transfer-Encoding: base64

`), crlf(b64(enc(cp1251, "<html><head><title>x</title></head><body><div>Прошу <i>прекратить обработку</i> моих данных.</div><br>Ольга</body></html>")))...))

	name := "Паспорт скан.pdf"
	write("attachment_rfc2231.eml", crlf(`From: =?UTF-8?B?0KHQtdGA0LPQtdC5?= <sergey@example.ru>
To: privacy@example.com
Subject: =?UTF-8?B?0JfQsNC/0YDQvtGBINGB0LLQtdC00LXQvdC40Lk=?=
Date: Fri, 20 Nov 2026 08:00:00 +0300
Message-ID: <att-2231-1@example.ru>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix-b"

--mix-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Прошу ознакомить меня с моими персональными данными. Скан паспорта во вложении.
--mix-b
Content-Type: application/pdf; name*=UTF-8''`+url.PathEscape(name)+`
Content-Disposition: attachment; filename*=UTF-8''`+url.PathEscape(name)+`
Content-Transfer-Encoding: base64

`+b64([]byte(pdf))+`
--mix-b
Content-Type: text/plain; charset=windows-1251
Content-Disposition: attachment;
 filename*0*=windows-1251''`+strings.ToUpper(url.PathEscape(string(enc(cp1251, "Заявление"))))+`;
 filename*1=".txt"
Content-Transfer-Encoding: base64

`+b64(enc(cp1251, "Заявление об ознакомлении"))+`
--mix-b--
`))

	inner := `From: ` + word(koi8, "koi8-r", true, "Елена Кузнецова") + ` <elena@example.ru>
To: support@example.com
Subject: ` + word(koi8, "koi8-r", true, "Прошу удалить мой аккаунт") + `
Date: Mon, 16 Nov 2026 07:15:00 +0700
Message-ID: <inner-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: quoted-printable

` + qp(enc(koi8, "Прошу удалить мой аккаунт и все мои данные.\nЕлена")) + `
`
	write("forwarded.eml", crlf(`From: Support Desk <support@example.com>
To: privacy@example.com
Subject: Fwd: `+word(nil, "UTF-8", true, "Прошу удалить мой аккаунт")+`
Date: Tue, 24 Nov 2026 11:00:00 +0300
Message-ID: <fwd-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-b"

--fwd-b
Content-Type: text/plain; charset=utf-8

Пересылаю обращение клиента.
--fwd-b
Content-Type: message/rfc822
Content-Disposition: attachment; filename="request.eml"

`+inner+`
--fwd-b--
`))

	write("truncated_mime.eml", crlf(`From: Trunc <trunc@example.ru>
To: privacy@example.com
Subject: =?UTF-8?B?0J7RgtC30YvQsiDRgdC+0LPQu9Cw0YHQuNGP?=
Date: Sat, 21 Nov 2026 12:00:00 +0300
Message-ID: <trunc-1@example.ru>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cut-b"

--cut-b
Content-Type: text/plain; charset=utf-8

Отзываю согласие.
--cut-b
Content-Type: application/pdf; name="a.pdf"
Content-Disposition: attachment; filename="a.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2Jq
IDIgMCBvYmo8PC9UeXBlL1BhZ2VzL0tpZHNbMyAwIFJdL0NvdW50IDE+PmVu`))

	write("unknown_charset.eml", crlf(`From: Unknown <unknown@example.ru>
To: privacy@example.com
Subject: =?x-unknown-42?B?AAAA?= data
Date: Sat, 21 Nov 2026 12:00:00 +0300
Message-ID: <unknown-cs-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=x-unknown-42
Content-Transfer-Encoding: 8bit

Hello, please delete my data.
`))

	write("no_from.eml", crlf(`To: privacy@example.com
Subject: =?UTF-8?B?0JjQvdGE0L7RgNC80LDRhtC40Y8=?=
Message-ID: <no-from-1@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Прошу предоставить информацию о моих данных.
`))

	g := make([]byte, 512)
	x := uint32(2463534242)
	for i := range g {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		g[i] = byte(x)
	}
	write("garbage.eml", g)
	_ = mime.QEncoding
}
