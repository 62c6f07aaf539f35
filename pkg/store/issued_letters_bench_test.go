package store_test

import (
	"testing"

	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkIssueLetter issues a request for details on paper, one after
// another on one request, on each database: the request read (audited),
// the details and template, the number taken, the PDF and DOCX rendered
// and stored, the request's version and the letter_issued event, the audit
// entry, in one transaction.
func BenchmarkIssueLetter(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			is := newIssuingTB(b, st)
			r := is.requestTB(b, "ivan@example.ru")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := is.issuer.Issue(is.reg.Ctx, r.ID, letters.KindDetailsRequest, organisation.IssueInput{Delivery: "paper"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
