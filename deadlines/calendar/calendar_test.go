package calendar

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
)

// MustEmbedded returns the calendar of the shipped data.
func MustEmbedded(tb testing.TB) *Calendar {
	tb.Helper()
	c, err := Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustDate(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// loopNth is "the n-th working day after d" the slow way: a day-by-day walk
// over the rickar BusinessCalendar.
func loopNth(bc *cal.BusinessCalendar, d Date, n int) Date {
	for n > 0 {
		d++
		if bc.IsWorkday(d.Start(time.UTC)) {
			n--
		}
	}
	return d
}

// TestWorkingDaysPerYear: for 2013-2027 the number of working days equals the
// official figure in the data, counted three ways: by the index, by the
// BusinessCalendar day by day, and from the raw JSON.
func TestWorkingDaysPerYear(t *testing.T) {
	raw, err := os.ReadFile("data/ru-production-calendar.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Years map[string]struct {
			WorkingDays int `json:"working_days"`
		} `json:"years"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	c := MustEmbedded(t)
	for y := 2013; y <= 2027; y++ {
		official, ok := file.Years[strconv.Itoa(y)]
		if !ok {
			t.Fatalf("no data for %d", y)
		}
		start, end := NewDate(y, time.January, 1), NewDate(y, time.December, 31)
		byIndex, err := c.WorkingDaysBetween(start-1, end)
		if err != nil {
			t.Fatal(err)
		}
		byLoop := 0
		for d := start; d <= end; d++ {
			if c.BusinessCalendar().IsWorkday(d.Start(time.UTC)) {
				byLoop++
			}
		}
		yd, _ := c.Year(y)
		if byIndex != official.WorkingDays || byLoop != official.WorkingDays || yd.WorkingDays != official.WorkingDays || yd.Provisional {
			t.Errorf("%d: index %d, loop %d, year %d (provisional %v), official %d", y, byIndex, byLoop, yd.WorkingDays, yd.Provisional, official.WorkingDays)
		}
	}
}

// TestIndexAgreesWithLoop: the fast index gives the same answers as a plain
// day-by-day loop over the same BusinessCalendar, on 100,000 random
// (date, N) pairs over the whole range, decree years and provisional ones.
func TestIndexAgreesWithLoop(t *testing.T) {
	c := MustEmbedded(t)
	bc := c.BusinessCalendar()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 20260430))
	first := NewDate(2013, time.January, 1) - 1
	span := int(NewDate(MaxYear, time.October, 1) - first)
	for i := 0; i < 100_000; i++ {
		d := first + Date(r.IntN(span))
		n := 1 + r.IntN(30)
		got, err := c.NthWorkingDayAfter(d, n)
		if err != nil {
			t.Fatalf("NthWorkingDayAfter(%s, %d): %v", d, n, err)
		}
		if want := loopNth(bc, d, n); got != want {
			t.Fatalf("NthWorkingDayAfter(%s, %d) = %s, loop says %s", d, n, got, want)
		}
		between, err := c.WorkingDaysBetween(d, got)
		if err != nil || between != n {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", d, got, between, err, n)
		}
		prev, err := c.PrevWorkingDay(d)
		want := d - 1
		for want > first && !bc.IsWorkday(want.Start(time.UTC)) {
			want--
		}
		switch {
		case want <= first: // no working day of the range before d
			if !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("PrevWorkingDay(%s) = %s, %v; want ErrOutOfRange", d, prev, err)
			}
		case err != nil || prev != want:
			t.Fatalf("PrevWorkingDay(%s) = %s, %v; loop says %s", d, prev, err, want)
		}
		if c.IsWorkday(d+1) != bc.IsWorkday((d + 1).Start(time.UTC)) {
			t.Fatalf("IsWorkday(%s) disagrees", d+1)
		}
	}
}

func TestIndexEdges(t *testing.T) {
	c := MustEmbedded(t)
	first, last := c.Years()
	if first != 2013 || last != MaxYear {
		t.Fatalf("years %d-%d", first, last)
	}
	start := NewDate(first, time.January, 1)
	end := NewDate(last, time.December, 31)
	if _, err := c.NthWorkingDayAfter(start-2, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("before the range: %v", err)
	}
	if _, err := c.NthWorkingDayAfter(end, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("past the range: %v", err)
	}
	if _, err := c.NthWorkingDayAfter(start, 0); err == nil {
		t.Error("n = 0 accepted")
	}
	if _, err := c.PrevWorkingDay(start); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("PrevWorkingDay(first day): %v", err)
	}
	if _, err := c.WorkingDaysBetween(start, end+1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("WorkingDaysBetween past the range: %v", err)
	}
	if n, err := c.WorkingDaysBetween(end, start); n != 0 || err != nil {
		t.Errorf("WorkingDaysBetween backwards = %d, %v", n, err)
	}
	if c.IsWorkday(start-1) || c.IsWorkday(end+1) {
		t.Error("days outside the range are not working days")
	}
	// The last working day of the range is reachable; one past it is not.
	lastWork, err := c.PrevWorkingDay(end + 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.NthWorkingDayAfter(lastWork-1, 1); err != nil || got != lastWork {
		t.Errorf("the last working day: %s, %v", got, err)
	}
	if _, err := c.NthWorkingDayAfter(lastWork, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("past the last working day: %v", err)
	}
}

// TestKnownDays checks days whose status a decree or the Labour Code sets.
func TestKnownDays(t *testing.T) {
	c := MustEmbedded(t)
	tests := []struct {
		date    string
		working bool
		kind    Kind
		name    string // part of the name
	}{
		{"2026-01-01", false, KindHoliday, "Новогодние каникулы"},
		{"2026-01-07", false, KindHoliday, "Рождество Христово"},
		{"2026-01-09", false, KindTransferredDayOff, "с 03.01.2026 (сб), постановление Правительства РФ № 1466"},
		{"2026-01-12", true, KindWorkday, ""},
		{"2026-03-08", false, KindHoliday, "Международный женский день"},
		{"2026-03-09", false, KindTransferredDayOff, "с 08.03.2026 (вс), ТК РФ ст. 112 ч. 2"},
		{"2026-05-09", false, KindHoliday, "День Победы"},
		{"2026-05-11", false, KindTransferredDayOff, "с 09.05.2026 (сб)"},
		{"2026-12-31", false, KindTransferredDayOff, "с 04.01.2026 (вс)"},
		{"2026-12-30", true, KindWorkday, ""},
		{"2025-11-01", true, KindWorkingWeekend, "выходной перенесён на 03.11.2025 (пн)"},
		{"2025-11-03", false, KindTransferredDayOff, "с 01.11.2025 (сб)"},
		{"2025-12-31", false, KindTransferredDayOff, "с 05.01.2025 (вс)"},
		{"2025-03-08", false, KindHoliday, "Международный женский день"},
		{"2025-03-10", true, KindWorkday, ""}, // the 8 March day off went to 13.06.2025 by decree
		{"2025-06-13", false, KindTransferredDayOff, "с 08.03.2025 (сб)"},
		{"2024-12-28", true, KindWorkingWeekend, ""},
		{"2024-04-30", false, KindTransferredDayOff, "с 02.11.2024 (сб)"},
		{"2018-06-09", true, KindWorkingWeekend, ""},
		{"2016-02-20", true, KindWorkingWeekend, ""},
		{"2013-02-25", true, KindWorkday, ""}, // 23.02.2013 (Sat) moved to 10.05.2013 by decree
		{"2013-05-10", false, KindTransferredDayOff, "с 23.02.2013 (сб)"},
		{"2026-06-06", false, KindWeekend, ""},
		// 2027: Government decree of 17.09.2026 No. 1187.
		{"2027-01-01", false, KindHoliday, "Новогодние каникулы"},
		{"2027-01-11", true, KindWorkday, ""},
		{"2027-02-20", true, KindWorkingWeekend, "выходной перенесён на 22.02.2027 (пн)"},
		{"2027-02-22", false, KindTransferredDayOff, "с 20.02.2027 (сб), постановление Правительства РФ № 1187"},
		{"2027-05-01", false, KindHoliday, "Праздник Весны и Труда"},
		{"2027-05-03", false, KindTransferredDayOff, "с 01.05.2027 (сб), ТК РФ ст. 112 ч. 2"},
		{"2027-05-10", false, KindTransferredDayOff, "с 09.05.2027 (вс)"},
		{"2027-06-14", false, KindTransferredDayOff, "с 12.06.2027 (сб)"},
		{"2027-11-05", false, KindTransferredDayOff, "с 02.01.2027 (сб), постановление Правительства РФ № 1187"},
		{"2027-12-31", false, KindTransferredDayOff, "с 03.01.2027 (вс), постановление Правительства РФ № 1187"},
		// 2028: no decree yet, Labour Code art. 112 alone.
		{"2028-01-10", true, KindWorkday, ""},
		{"2028-03-08", false, KindHoliday, "Международный женский день"},
		{"2028-06-12", false, KindHoliday, "День России"},
	}
	for _, tc := range tests {
		d := mustDate(t, tc.date)
		days, err := c.Days(d.Year())
		if err != nil {
			t.Fatal(err)
		}
		day := days[d-NewDate(d.Year(), time.January, 1)]
		if day.Date != d || day.Working != tc.working || day.Kind != tc.kind || !strings.Contains(day.Name, tc.name) || (tc.name == "" && day.Kind == KindWorkday && day.Name != "") {
			t.Errorf("%s: %+v, want working %v kind %s name ~%q", tc.date, day, tc.working, tc.kind, tc.name)
		}
	}
}

// TestDaysAgreeWithIndex: for every year of the range, the day list (built
// from the data, or from Labour Code art. 112 for provisional years) agrees
// with the index (built from the BusinessCalendar) and with the year's count.
func TestDaysAgreeWithIndex(t *testing.T) {
	c := MustEmbedded(t)
	first, last := c.Years()
	for y := first; y <= last; y++ {
		days, err := c.Days(y)
		if err != nil {
			t.Fatal(err)
		}
		yd, _ := c.Year(y)
		if yd.Provisional != (y > 2027) {
			t.Errorf("%d: provisional %v", y, yd.Provisional)
		}
		working := 0
		for _, d := range days {
			kindWorks := d.Kind == KindWorkday || d.Kind == KindWorkingWeekend
			if d.Working != kindWorks || d.Working != c.IsWorkday(d.Date) {
				t.Fatalf("%s: working %v, kind %s, index %v", d.Date, d.Working, d.Kind, c.IsWorkday(d.Date))
			}
			if d.Kind == KindTransferredDayOff && d.Name == "" {
				t.Errorf("%s: a moved day off must say where it comes from", d.Date)
			}
			// Only 2027's data lists the shortened pre-holiday days.
			if (d.Shortened != nil) != (y == 2027) {
				t.Errorf("%s: shortened %v", d.Date, d.Shortened)
			}
			if d.Working {
				working++
			}
		}
		if working != yd.WorkingDays || len(days) != int(NewDate(y+1, 1, 1)-NewDate(y, 1, 1)) {
			t.Errorf("%d: %d working of %d days, year says %d", y, working, len(days), yd.WorkingDays)
		}
	}
	if _, err := c.Days(2012); err == nil {
		t.Error("a year before the data accepted")
	}
	if _, err := c.Days(MaxYear + 1); err == nil {
		t.Error("a year past the range accepted")
	}
}

func TestProvisional(t *testing.T) {
	c := MustEmbedded(t)
	tests := []struct {
		a, b string
		want bool
	}{
		{"2026-01-01", "2026-12-31", false},
		{"2013-01-01", "2026-12-31", false},
		{"2026-12-20", "2027-01-22", false},
		{"2027-12-20", "2028-01-22", true},
		{"2028-01-22", "2027-12-20", true},
		{"2030-05-01", "2030-05-20", true},
		{"2012-12-31", "2013-01-22", true},
	}
	for _, tc := range tests {
		if got := c.Provisional(mustDate(t, tc.a), mustDate(t, tc.b)); got != tc.want {
			t.Errorf("Provisional(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

// TestRuPackageIsWrong measures how many days of 2013-2026 the package
// github.com/rickar/cal/v2/ru gets wrong against the official calendar, and
// how many 10-working-day deadlines it would move. This is why Srok builds its
// own calendar; the figures are quoted in README.md and change only if that
// package changes.
func TestRuPackageIsWrong(t *testing.T) {
	c := MustEmbedded(t)
	ru := newRuBusinessCalendar()
	wrongDays, perYear := 0, map[int]int{}
	for d := NewDate(2013, 1, 1); d < NewDate(2027, 1, 1); d++ {
		if ru.IsWorkday(d.Start(time.UTC)) != c.IsWorkday(d) {
			wrongDays++
			perYear[d.Year()]++
		}
	}
	terms, wrongTerms := 0, 0
	for d := NewDate(2012, 12, 31); d < NewDate(2027, 1, 1); d++ {
		ours, err := c.NthWorkingDayAfter(d, 10)
		if err != nil {
			t.Fatal(err)
		}
		if ours.Year() > 2026 {
			break
		}
		terms++
		if loopNth(ru, d, 10) != ours {
			wrongTerms++
		}
	}
	t.Logf("cal/v2/ru: %d wrong days in 2013-2026 %v; %d of %d 10-working-day deadlines wrong (%.1f%%)",
		wrongDays, perYear, wrongTerms, terms, 100*float64(wrongTerms)/float64(terms))
	// The figures README.md quotes.
	documented := map[int]int{2013: 8, 2014: 8, 2015: 6, 2016: 8, 2017: 7, 2018: 12, 2019: 8, 2020: 6, 2021: 8, 2022: 7, 2023: 7, 2024: 12, 2025: 12, 2026: 6}
	for y, n := range documented {
		if perYear[y] != n {
			t.Errorf("%d: %d wrong days, README.md says %d", y, perYear[y], n)
		}
	}
	if wrongDays != 115 || wrongTerms != 726 || terms != 5099 {
		t.Errorf("the measurement changed: %d wrong days, %d of %d terms; update README.md", wrongDays, wrongTerms, terms)
	}
}

func TestDate(t *testing.T) {
	for tm := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2201; tm = tm.AddDate(0, 0, 1) {
		d := DateOf(tm)
		y, m, day := d.Civil()
		if y != tm.Year() || m != tm.Month() || day != tm.Day() || d.Weekday() != tm.Weekday() || d.String() != tm.Format(time.DateOnly) {
			t.Fatalf("%s: %d-%d-%d %s %s", tm, y, m, day, d.Weekday(), d)
		}
	}
	vlad, _ := time.LoadLocation("Asia/Vladivostok")
	if got := DateOf(time.Date(2026, 4, 29, 2, 0, 0, 0, vlad)); got.String() != "2026-04-29" {
		t.Errorf("DateOf in Vladivostok = %s", got)
	}
	if got := DateOf(time.Date(2026, 4, 29, 2, 0, 0, 0, vlad).UTC()); got.String() != "2026-04-28" {
		t.Errorf("DateOf in UTC = %s", got)
	}
	months := []struct {
		from string
		n    int
		want string
	}{
		{"2025-08-31", 6, "2026-02-28"},
		{"2023-08-31", 6, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-11-15", 6, "2027-05-15"},
		{"2026-07-31", -1, "2026-06-30"},
	}
	for _, tc := range months {
		if got := mustDate(t, tc.from).AddMonths(tc.n); got.String() != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	var d Date
	if err := d.UnmarshalText([]byte("2026-02-29")); err == nil {
		t.Error("29.02.2026 accepted")
	}
	if err := d.UnmarshalText([]byte("2026-02-28")); err != nil || d.String() != "2026-02-28" {
		t.Errorf("UnmarshalText: %s %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "2026-02-28" {
		t.Errorf("MarshalText = %s", b)
	}
	msk, _ := time.LoadLocation("Europe/Moscow")
	if got := d.End(msk).Format(time.RFC3339); got != "2026-03-01T00:00:00+03:00" {
		t.Errorf("End = %s", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A made-up decree for 2027, shaped like the real ones: 2-3 January moved.
	y2027 := write("2027.json", `{"years": {"2027": {
		"decree": "Постановление Правительства РФ от 01.09.2026 № 9999",
		"transfers": [{"from": "2027-01-02", "to": "2027-12-31"}, {"from": "2027-01-03", "to": "2027-05-04"}],
		"nonworking_weekdays": ["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
			"2027-02-23", "2027-03-08", "2027-05-03", "2027-05-04", "2027-05-10", "2027-06-14", "2027-11-04", "2027-12-31"],
		"working_weekends": [],
		"shortened_days": ["2027-02-22", "2027-04-30"],
		"working_days": 247}}}`)
	c, err := Load(y2027)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := c.Year(2027)
	if y.Provisional || y.Decree.Number != "9999" || y.Decree.Date.String() != "2026-09-01" || y.WorkingDays != 247 {
		t.Errorf("2027: %+v", y)
	}
	if d, _ := c.NthWorkingDayAfter(NewDate(2026, 12, 30), 10); d.String() != "2027-01-22" || c.Provisional(NewDate(2026, 12, 31), d) {
		t.Errorf("with 2027 loaded: %s, provisional %v", d, c.Provisional(NewDate(2026, 12, 31), d))
	}
	if c.IsWorkday(NewDate(2027, 12, 31)) || c.IsWorkday(NewDate(2027, 5, 4)) {
		t.Error("the loaded transfers are not applied")
	}
	days, _ := c.Days(2027)
	if s := days[NewDate(2027, 4, 30)-NewDate(2027, 1, 1)].Shortened; s == nil || !*s {
		t.Error("shortened day not marked")
	}
	if s := days[NewDate(2027, 4, 29)-NewDate(2027, 1, 1)].Shortened; s == nil || *s {
		t.Error("a plain day must be marked not shortened when the data lists shortened days")
	}
	// The rest of the embedded years are still there.
	if y, _ := c.Year(2026); y.Provisional || y.Decree.Number != "1466" {
		t.Errorf("2026 lost: %+v", y)
	}

	// A folder: every .json file, other files ignored.
	sub := filepath.Join(dir, "folder")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(y2027)
	if err := os.WriteFile(filepath.Join(sub, "2027.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "README.txt"), []byte("not data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(sub); err != nil {
		t.Error(err)
	} else if y, _ := c.Year(2027); y.Provisional {
		t.Error("folder not loaded")
	}

	// The same year twice among the given files is ambiguous.
	if _, err := Load(y2027, sub); err == nil || !strings.Contains(err.Error(), "already given") {
		t.Errorf("a year given twice: %v", err)
	}
	// Errors name the file.
	bad := write("bad.json", `{"years": {"2027": {"decree": "no citation"}}}`)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `years["2027"].decree`) {
		t.Errorf("bad file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	_ = os.Mkdir(empty, 0o700)
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "no .json files") {
		t.Errorf("empty folder: %v", err)
	}
}

// TestParseDataErrors: a malformed file is refused with the file, the entry
// and the problem.
func TestParseDataErrors(t *testing.T) {
	const decree = `"decree": "Постановление Правительства РФ от 24.09.2025 № 1466"`
	// ok2026 is the real 2026 entry; each case breaks one thing in it.
	ok2026 := `"transfers": [{"from": "2026-01-03", "to": "2026-01-09"}, {"from": "2026-01-04", "to": "2026-12-31"}],
		"nonworking_weekdays": ["2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09",
			"2026-02-23", "2026-03-09", "2026-05-01", "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31"],
		"working_weekends": [], "working_days": 247`
	wrap := func(key, body string) string { return `{"years": {"` + key + `": {` + body + `}}}` }
	if _, err := ParseData("good.json", []byte(wrap("2026", decree+","+ok2026))); err != nil {
		t.Fatalf("the real entry is refused: %v", err)
	}
	tests := []struct {
		name, data, entry, problem string
	}{
		{"not JSON", `{"years": `, "", "not valid calendar JSON"},
		{"trailing data", wrap("2026", decree+","+ok2026) + `{}`, "", "after the JSON object"},
		{"unknown field", wrap("2026", decree+","+ok2026+`, "holidays": []`), "", "unknown field"},
		{"no years", `{"years": {}}`, "years", "no years"},
		{"bad key", wrap("twenty", decree+","+ok2026), `years["twenty"]`, "must be a year"},
		{"year out of range", wrap("1999", decree+","+ok2026), `years["1999"]`, "out of the supported range"},
		{"no decree", wrap("2026", ok2026), `years["2026"].decree`, "does not cite a decree"},
		{"decree date invalid", wrap("2026", `"decree": "от 31.02.2025 № 1",`+ok2026), `years["2026"].decree`, "not a valid date"},
		{"malformed date", wrap("2026", decree+","+strings.Replace(ok2026, `"2026-02-23"`, `"23.02.2026"`, 1)), `years["2026"].nonworking_weekdays[7]`, "not a date"},
		{"date of another year", wrap("2026", decree+","+strings.Replace(ok2026, `"2026-02-23"`, `"2025-02-24"`, 1)), `years["2026"].nonworking_weekdays[7]`, "is not in 2026"},
		{"duplicate", wrap("2026", decree+","+strings.Replace(ok2026, `"2026-02-23"`, `"2026-01-09"`, 1)), `years["2026"].nonworking_weekdays`, "listed twice"},
		{"weekend as weekday", wrap("2026", decree+","+strings.Replace(ok2026, `"2026-02-23"`, `"2026-02-21"`, 1)), `years["2026"].nonworking_weekdays`, "is a Saturday, not a weekday"},
		{"holiday missing", wrap("2026", decree+","+strings.Replace(ok2026, `"2026-02-23", `, "", 1)), `years["2026"].nonworking_weekdays`, "2026-02-23 (День защитника Отечества"},
		{"working weekend not a weekend", wrap("2026", decree+","+strings.Replace(ok2026, `"working_weekends": []`, `"working_weekends": ["2026-02-20"]`, 1)), `years["2026"].working_weekends`, "not a Saturday or Sunday"},
		{"working weekend a holiday", wrap("2026", decree+","+strings.Replace(ok2026, `"working_weekends": []`, `"working_weekends": ["2026-03-08"]`, 1)), `years["2026"].working_weekends`, "is a holiday"},
		{"working weekend without transfer", wrap("2026", decree+","+strings.Replace(ok2026, `"working_weekends": []`, `"working_weekends": ["2026-02-21"]`, 1)), `years["2026"].working_weekends`, "no transfer moves away"},
		{"transfer from a weekday", wrap("2026", decree+","+strings.Replace(ok2026, `"from": "2026-01-03"`, `"from": "2026-01-02"`, 1)), `years["2026"].transfers[0].from`, "only a weekend day off can be moved"},
		{"transfer to a working day", wrap("2026", decree+","+strings.Replace(ok2026, `"to": "2026-01-09"`, `"to": "2026-01-12"`, 1)), `years["2026"].transfers[0].to`, "not listed in nonworking_weekdays"},
		{"transfer across years", wrap("2026", decree+","+strings.Replace(ok2026, `"to": "2026-12-31"`, `"to": "2027-01-11"`, 1)), `years["2026"].transfers[1]`, "must stay within 2026"},
		{"transfer malformed", wrap("2026", decree+","+strings.Replace(ok2026, `"to": "2026-12-31"`, `"to": "31.12"`, 1)), `years["2026"].transfers[1].to`, "not a date"},
		{"plain weekend moved but not working", wrap("2026", decree+","+strings.Replace(ok2026, `"from": "2026-01-04"`, `"from": "2026-01-10"`, 1)), `years["2026"].transfers[1].from`, "must be listed in working_weekends"},
		{"two transfers to one day", wrap("2026", decree+","+strings.Replace(ok2026, `"to": "2026-12-31"`, `"to": "2026-01-09"`, 1)), `years["2026"].transfers[1]`, "a second transfer"},
		{"wrong total", wrap("2026", decree+","+strings.Replace(ok2026, "247", "248", 1)), `years["2026"].working_days`, "is 248, but the listed days give 247"},
		{"shortened day off", wrap("2026", decree+","+ok2026+`, "shortened_days": ["2026-01-09"]`), `years["2026"].shortened_days`, "not a working day"},
		{"wrong type", wrap("2026", decree+","+strings.Replace(ok2026, "247", `"247"`, 1)), "", "not valid calendar JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseData("next-year.json", []byte(tc.data))
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v, want a DataError", err)
			}
			if de.File != "next-year.json" || de.Entry != tc.entry || !strings.Contains(de.Problem, tc.problem) {
				t.Errorf("got file %q entry %q problem %q; want entry %q problem ~%q", de.File, de.Entry, de.Problem, tc.entry, tc.problem)
			}
			if !strings.HasPrefix(err.Error(), "calendar data next-year.json: ") {
				t.Errorf("message %q must start with the file", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("no data accepted")
	}
	data, err := EmbeddedData()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(append(data, data[0])); err == nil {
		t.Error("a year given twice accepted")
	}
}

// FuzzParseData: any input is parsed or refused with a DataError, never a
// panic; whatever is accepted builds a calendar whose counts match.
func FuzzParseData(f *testing.F) {
	raw, err := os.ReadFile("data/ru-production-calendar.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"years": {"2027": {"decree": "от 01.09.2026 № 1", "transfers": [], "nonworking_weekdays": [], "working_weekends": [], "working_days": 0}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		years, err := ParseData("fuzz.json", data)
		if err != nil {
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("not a DataError: %v", err)
			}
			return
		}
		c, err := New(years)
		if err != nil {
			return // e.g. the same year as two keys that parse alike
		}
		for _, y := range years {
			n, err := c.WorkingDaysBetween(NewDate(y.Year, 1, 1)-1, NewDate(y.Year, 12, 31))
			if err != nil || n != y.WorkingDays {
				t.Fatalf("%d: %d working days, data says %d (%v)", y.Year, n, y.WorkingDays, err)
			}
		}
	})
}

// TestYear2027 checks the shipped 2027 against the published production
// calendar (Government decree of 17.09.2026 No. 1187): the working days of
// each month, the year's 247, its 1,972 hours at 40 hours a week (eight a
// day, one less on each shortened pre-holiday day, Labour Code art. 95).
func TestYear2027(t *testing.T) {
	c := MustEmbedded(t)
	y, err := c.Year(2027)
	if err != nil {
		t.Fatal(err)
	}
	if y.Provisional || y.Decree.Citation != "Постановление Правительства РФ от 17.09.2026 № 1187" ||
		y.Decree.Date != NewDate(2026, time.September, 17) || y.Decree.Number != "1187" {
		t.Fatalf("2027: provisional %v, decree %+v", y.Provisional, y.Decree)
	}
	days, err := c.Days(2027)
	if err != nil {
		t.Fatal(err)
	}
	want := [13]int{0, 15, 19, 22, 22, 19, 21, 22, 22, 22, 21, 20, 22}
	var got [13]int
	total, hours := 0, 0
	var shortened []string
	for _, d := range days {
		if !d.Working {
			continue
		}
		_, m, _ := d.Date.Civil()
		got[m]++
		total++
		hours += 8
		if d.Shortened != nil && *d.Shortened {
			hours--
			shortened = append(shortened, d.Date.String())
		}
	}
	if got != want || total != 247 || y.WorkingDays != 247 {
		t.Errorf("2027: months %v (want %v), total %d, year says %d, want 247", got[1:], want[1:], total, y.WorkingDays)
	}
	if hours != 1972 {
		t.Errorf("2027: %d hours at 40 hours a week, want 1972", hours)
	}
	if s := strings.Join(shortened, " "); s != "2027-02-20 2027-04-30 2027-06-11 2027-11-03" {
		t.Errorf("2027 shortened days: %s", s)
	}
}
