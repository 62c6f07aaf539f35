//go:build unix

package api

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srok/srok/pkg/store/storetest"
)

// bigEmail returns a message of about 1 MiB (a Russian text part and a PDF
// attachment of 767,000 bytes, base64) whose Message-ID and first line are made
// of i, so that each is a new email.
func bigEmail(i int, pdf string) []byte {
	return fmt.Appendf(nil, "From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>\r\n"+
		"To: privacy@example.com\r\nSubject: =?UTF-8?B?0J7RgtC30YvQsiDRgdC+0LPQu9Cw0YHQuNGP?=\r\n"+
		"Date: Tue, 24 Nov 2026 14:05:00 +0500\r\nMessage-ID: <bench-%d@example.ru>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Обращение %d. Отзываю согласие на обработку моих персональных данных.\r\n--b\r\n"+
		"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''%%D0%%A1%%D0%%BA%%D0%%B0%%D0%%BD.pdf\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n", i, i, pdf)
}

// pdfBase64 is n bytes of a PDF-looking file, base64 in lines of 76.
func pdfBase64(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	copy(b, "%PDF-1.4\n")
	for i := 9; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	s := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(s) > 76 {
		sb.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	sb.WriteString(s)
	return sb.String()
}

// BenchmarkIngestEmail is POST /api/v1/emails of a 1 MiB email with a PDF
// attachment through the real router: read, parsed, stored, audited. The
// goal is 50 ms an email.
func BenchmarkIngestEmail(b *testing.B) {
	pdf := pdfBase64(767_000)
	if n := len(bigEmail(0, pdf)); n < 1<<20 || n > 1<<20+4096 {
		b.Fatalf("the email is %d bytes, want about 1 MiB", n)
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			h := benchHarness(b, d)
			b.ReportAllocs()
			i := 0
			cpu := cpuTime(b)
			for b.Loop() {
				i++
				serve(b, h, "POST", "/api/v1/emails", bigEmail(i, pdf), http.StatusCreated, rfc822)
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time (user and system) this process used so far: on a
// machine shared with other work the wall time of an operation is mostly
// waiting for a core, and its CPU time is what it costs. A database
// server's own CPU is not in it.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
