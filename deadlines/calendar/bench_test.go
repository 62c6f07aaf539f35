package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchCase is one "N-th working day after D" question; both benchmarks ask
// the same 4096 questions, dates spread over 2013-2030 and N over 1-30.
type benchCase struct {
	d Date
	n int
}

func benchCases() []benchCase {
	r := rand.New(rand.NewPCG(152, 2006))
	first := NewDate(2013, time.January, 1)
	span := int(NewDate(2030, time.December, 1) - first)
	cases := make([]benchCase, 4096)
	for i := range cases {
		cases[i] = benchCase{first + Date(r.IntN(span)), 1 + r.IntN(30)}
	}
	return cases
}

// BenchmarkNthWorkingDay is the engine's "N-th working day after D" on the
// precomputed index.
func BenchmarkNthWorkingDay(b *testing.B) {
	c := MustEmbedded(b)
	cases := benchCases()
	var sink Date
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bc := cases[i%len(cases)]
		d, err := c.NthWorkingDayAfter(bc.d, bc.n)
		if err != nil {
			b.Fatal(err)
		}
		sink += d
	}
	_ = sink
}

// BenchmarkNthWorkingDayLoop is the same computation as a day-by-day loop
// over the rickar BusinessCalendar's IsWorkday.
func BenchmarkNthWorkingDayLoop(b *testing.B) {
	c := MustEmbedded(b)
	bcal := c.BusinessCalendar()
	cases := benchCases()
	var sink Date
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bc := cases[i%len(cases)]
		sink += loopNth(bcal, bc.d, bc.n)
	}
	_ = sink
}

// BenchmarkBuild is the cost of building the calendar from the embedded data
// (paid once at start-up).
func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Embedded(); err != nil {
			b.Fatal(err)
		}
	}
}
