package deadlines

import (
	"testing"
	"time"
)

// BenchmarkCompute is one whole deadline: local date in the operator's zone,
// the working-day count, the extension and the end-of-day instant.
func BenchmarkCompute(b *testing.B) {
	e := MustEngine(b)
	loc := MustZone(b, "Asia/Vladivostok")
	start := time.Date(2025, 1, 1, 10, 0, 0, 0, loc)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		trigger := start.Add(time.Duration(i%700) * 13 * time.Hour)
		if _, err := e.Compute(accessAnswer, trigger, loc); err != nil {
			b.Fatal(err)
		}
	}
}
