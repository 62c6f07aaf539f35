package feeds

import (
	"fmt"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
)

// BenchmarkRender writes a feed of MaxItems events, the largest a feed
// gets: the cost of the iCalendar file alone (golang-ical, the alarms on
// the production calendar, the Russian words), without the database.
func BenchmarkRender(b *testing.B) {
	s := NewService(nil, nil, embedded(b), "https://srok.example.ru", time.Now)
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		b.Fatal(err)
	}
	items := make([]Item, MaxItems)
	start := calendar.NewDate(2026, time.December, 1)
	for i := range items {
		d := start.AddDays(i % 60)
		items[i] = Item{RequestID: fmt.Sprintf("01a2477b-0390-7401-a61d-%012d", i), Number: fmt.Sprintf("2026-%06d", i+1),
			Type: deadlines.TypeAccess, ObligationID: deadlines.ObAccessAnswer, Basis: "152-FZ art. 20 part 1",
			Target: d, Legal: d, DueAt: d.AddDays(1).Start(moscow), Location: moscow}
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.render(items, now)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/feed")
}
