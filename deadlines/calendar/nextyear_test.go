package calendar

import "testing"

// year2028 is a made-up 2028 with a decree (the shape of the shipped data).
const year2028 = `{"years": {"2028": {
  "decree": "Постановление Правительства РФ от 01.10.2027 № 9999",
  "transfers": [{"from": "2028-01-01", "to": "2028-01-10"}, {"from": "2028-01-02", "to": "2028-05-02"}],
  "nonworking_weekdays": ["2028-01-03", "2028-01-04", "2028-01-05", "2028-01-06", "2028-01-07", "2028-01-10",
    "2028-02-23", "2028-03-08", "2028-05-01", "2028-05-02", "2028-05-09", "2028-06-12", "2028-11-06"],
  "working_weekends": [], "working_days": 247}}}`

func TestUndecreedNextYear(t *testing.T) {
	shipped := MustEmbedded(t)
	data, err := EmbeddedData()
	if err != nil {
		t.Fatal(err)
	}
	y2028, err := ParseData("2028.json", []byte(year2028))
	if err != nil {
		t.Fatal(err)
	}
	with2028, err := New(append(data, y2028...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		c     *Calendar
		today string
		want  int
	}{
		{"30 September, 2028 without a decree", shipped, "2027-09-30", 0},
		{"1 October, 2028 without a decree", shipped, "2027-10-01", 2028},
		{"31 December, 2028 without a decree", shipped, "2027-12-31", 2028},
		{"1 October, 2028 with its decree", with2028, "2027-10-01", 0},
		{"1 October 2026, 2027 shipped", shipped, "2026-10-01", 0},
		{"January: the year itself is not next", shipped, "2028-01-15", 0},
		{"1 October 2028, 2029 without a decree", with2028, "2028-10-01", 2029},
		{"the calendar's last year", shipped, "2100-12-01", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := UndecreedNextYear(mustDate(t, tc.today), tc.c.Year); got != tc.want {
				t.Errorf("UndecreedNextYear(%s) = %d, want %d", tc.today, got, tc.want)
			}
		})
	}
}
