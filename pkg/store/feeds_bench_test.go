package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkCalendarFeedRead is one fetch of an officer's feed by a
// calendar app, as GET /feeds/{secret}.ics does it: the secret looked up,
// the unassigned and own open obligations read, the iCalendar file
// written; 500 open requests, a third of them the officer's, a third
// unassigned, a third another user's.
func BenchmarkCalendarFeedRead(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			e := newFeedEnv(b, storetest.MustOpen(b, d))
			for i := range 500 {
				e.request(b, "Иван Петров", fmt.Sprintf("ivan%d@example.net", i), []string{"oleg", "", "anna"}[i%3])
			}
			secret, _, err := e.feeds.Create(e.as("oleg"))
			if err != nil {
				b.Fatal(err)
			}
			var size int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, err := e.feeds.Read(context.Background(), secret)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/feed")
		})
	}
}
