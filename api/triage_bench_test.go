package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkTriage1000 decides 1,000 stored emails through the API, as an
// officer working through a backlog: the inbox is read, then every second
// email is registered as a request (the register's create from an email)
// and every other one marked not a request. The timed part is the triage
// alone; the fetching and ingesting of 1,000 messages is
// pkg/mailbox's BenchmarkFetch1000.
func BenchmarkTriage1000(b *testing.B) {
	const n = 1000
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				h := benchHarness(b, d)
				ids := make([]string, 0, n)
				for i := range n {
					raw := fmt.Appendf(nil, "From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <s%d@example.ru>\r\nTo: privacy@example.com\r\n"+
						"Subject: =?UTF-8?B?0J7RgtC30YvQsiDRgdC+0LPQu9Cw0YHQuNGP?=\r\nDate: Tue, 24 Nov 2026 14:05:00 +0300\r\n"+
						"Message-ID: <triage-%d@example.ru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
						"Обращение %d. Отзываю согласие на обработку моих персональных данных.\r\n", i, i, i)
					req := httptest.NewRequest("POST", "/api/v1/emails", bytes.NewReader(raw))
					req.Header.Set("Content-Type", "message/rfc822")
					req.Header.Set("Authorization", "Bearer "+h.token)
					rec := httptest.NewRecorder()
					h.h.ServeHTTP(rec, req)
					if rec.Code != http.StatusCreated {
						b.Fatalf("ingest %d: %d %s", i, rec.Code, rec.Body)
					}
					var e struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
						b.Fatal(err)
					}
					ids = append(ids, e.ID)
				}
				b.StartTimer()
				serve(b, h, "GET", "/api/v1/emails?triage=pending", nil, http.StatusOK)
				for i, id := range ids {
					if i%2 == 0 {
						body := fmt.Appendf(nil, `{"decision":"register","type":"withdrawal","subject":{"name":"Субъект %d","email":"s%d@example.ru"}}`, i, i)
						serve(b, h, "POST", "/api/v1/emails/"+id+"/triage", body, http.StatusCreated)
						continue
					}
					serve(b, h, "POST", "/api/v1/emails/"+id+"/triage", []byte(`{"decision":"not_request","reason":"spam"}`), http.StatusOK)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/email")
		})
	}
}
