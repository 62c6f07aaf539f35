package remind_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailer/mailertest"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkDeliver sends b.N individual reminders to an in-process SMTP
// sink: claim, re-check, compose, SMTP over one connection per batch, and
// the mark (row, attempt, timeline event) committed after each acceptance.
// The goal is 200 messages/s.
func BenchmarkDeliver(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			sink := mailertest.Start(b)
			clock := storetest.NewClock(start)
			u := dt.MustUser(b, st, "alice@example.ru", srok.RoleOperator)
			dt.Many(b, st, b.N, start, u, "alice@example.ru")
			del := newDeliverer(b, st, sink, clock, "bench", 100)
			b.ResetTimer()
			t0 := time.Now()
			sent, err := del.Deliver(context.Background(), start)
			elapsed := time.Since(t0)
			b.StopTimer()
			if err != nil || sent != b.N || sink.Count() != b.N {
				b.Fatalf("sent %d (sink %d) of %d: %v", sent, sink.Count(), b.N, err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
