package intake

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse reads a 1 MiB email with a PDF attachment (the part of
// POST /api/v1/emails that is not the database's; api's
// BenchmarkIngestEmail measures the whole).
func BenchmarkParse(b *testing.B) {
	pdf := make([]byte, 767_000)
	copy(pdf, "%PDF-1.4\n")
	for i := 9; i < len(pdf); i++ {
		pdf[i] = byte(i * 7919 >> 3)
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	var body strings.Builder
	for len(enc) > 76 {
		body.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	body.WriteString(enc)
	raw := fmt.Appendf(nil, "From: Ivan <ivan@example.ru>\r\nSubject: =?UTF-8?B?0J7RgtC30YvQsiDRgdC+0LPQu9Cw0YHQuNGP?=\r\n"+
		"Date: Tue, 24 Nov 2026 14:05:00 +0500\r\nMessage-ID: <bench@example.ru>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Отзываю согласие на обработку моих персональных данных.\r\n--b\r\n"+
		"Content-Type: application/pdf; name=scan.pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n", body.String())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		e := Parse(raw)
		if len(e.Attachments) != 1 || e.Attachments[0].Size != int64(len(pdf)) {
			b.Fatalf("%+v", e.Attachments)
		}
	}
}
