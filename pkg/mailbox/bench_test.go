package mailbox_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailbox/imaptest"
	"github.com/srok/srok/pkg/store/storetest"
)

// BenchmarkFetch1000 fetches 1,000 messages (about 1 KB each) from a real
// Dovecot and ingests them through the intake into SQLite and PostgreSQL:
// the time from the fetcher's start until the last is stored and flagged,
// and the peak of the Go heap meanwhile (peak-heap-MiB).
func BenchmarkFetch1000(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			srv := imaptest.MustStart(b)
			c, err := srv.Dial(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			_ = c.Logout()
			var peak uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				folder := fmt.Sprintf("Bench%d", i)
				for n := range 1000 {
					if err := srv.Append(folder, msg(i*1000+n), time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				st := storetest.MustOpen(b, d)
				e := newEnvTB(b, st, srv.URL("srok", "app-password", folder))
				runtime.GC()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				stopPeak := make(chan struct{})
				peakDone := make(chan struct{})
				go func() {
					defer close(peakDone)
					var ms runtime.MemStats
					for {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
						select {
						case <-stopPeak:
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				b.StartTimer()
				go func() { defer close(done); e.fetcher("bench").Run(ctx) }()
				for {
					if _, seen, _ := srv.Status(folder); seen == 1000 {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				b.StopTimer()
				cancel()
				<-done
				close(stopPeak)
				<-peakDone
				list, err := st.Mailboxes(context.Background())
				if err != nil || len(list) != 1 || list[0].Waiting != 1000 {
					b.Fatalf("stored %+v, %v; want 1000", list, err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "ms/message")
		})
	}
}
