package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Supported years. Dates outside [MinYear, MaxYear] are refused: before 2013
// Labour Code art. 112 listed other holidays, and a term of 152-FZ never
// reaches the next century.
const (
	MinYear = 2000
	MaxYear = 2100
)

// Year is the production calendar (производственный календарь) of one year for
// the five-day week: the days off that fall on weekdays, the weekend days that
// are working days, and the moves of days off made by the Government's yearly
// decree (Labour Code art. 112 part 5).
type Year struct {
	Year int
	// Decree is the Government decree that moved the days off of the year. It
	// is zero for a provisional year.
	Decree Decree
	// Transfers are the decree's moves: the day off From (a weekend day or a
	// holiday falling on a weekend) is moved to To.
	Transfers []Transfer
	// NonworkingWeekdays are all Monday-Friday days off, ascending.
	NonworkingWeekdays []Date
	// WorkingWeekends are the Saturdays and Sundays that are working days.
	WorkingWeekends []Date
	// ShortenedDays are the pre-holiday days shortened by one hour (Labour
	// Code art. 95), when the data lists them; nil when it does not.
	ShortenedDays []Date
	// WorkingDays is the number of working days in the year.
	WorkingDays int
	// Provisional is true when no decree is known for the year and the
	// calendar applies Labour Code arts. 111-112 alone.
	Provisional bool
}

// Decree identifies a Government decree (постановление Правительства РФ).
type Decree struct {
	// Citation is the decree as cited, e.g.
	// "Постановление Правительства РФ от 24.09.2025 № 1466".
	Citation string
	// Date is the date the decree was signed.
	Date Date
	// Number is the decree's number.
	Number string
}

// Transfer is a day off moved by decree from one day to another.
type Transfer struct {
	From Date
	To   Date
}

// DataError reports a problem in calendar data: the file, the entry inside it
// and what is wrong.
type DataError struct {
	File    string
	Entry   string
	Problem string
}

func (e *DataError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("calendar data %s: %s", e.File, e.Problem)
	}
	return fmt.Sprintf("calendar data %s: %s: %s", e.File, e.Entry, e.Problem)
}

// fileJSON is the data format: the format of the project's verified
// calendar, one entry per year under "years".
type fileJSON struct {
	Description string              `json:"description"`
	Years       map[string]yearJSON `json:"years"`
}

type yearJSON struct {
	Decree             string         `json:"decree"`
	Transfers          []transferJSON `json:"transfers"`
	NonworkingWeekdays []string       `json:"nonworking_weekdays"`
	WorkingWeekends    []string       `json:"working_weekends"`
	ShortenedDays      []string       `json:"shortened_days,omitempty"`
	WorkingDays        int            `json:"working_days"`
}

type transferJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Canonical returns y as a file of one year in this data format, its lists
// sorted, so that the same decree data gives the same bytes (and hash)
// however the file that brought it was written: how imported years are
// stored and compared.
func Canonical(y Year) []byte {
	strs := func(ds []Date) []string {
		out := make([]string, 0, len(ds))
		for _, d := range ds {
			out = append(out, d.String())
		}
		slices.Sort(out)
		return out
	}
	in := yearJSON{
		Decree:             y.Decree.Citation,
		NonworkingWeekdays: strs(y.NonworkingWeekdays),
		WorkingWeekends:    strs(y.WorkingWeekends),
		WorkingDays:        y.WorkingDays,
		Transfers:          []transferJSON{},
	}
	if y.ShortenedDays != nil {
		in.ShortenedDays = strs(y.ShortenedDays)
	}
	for _, t := range y.Transfers {
		in.Transfers = append(in.Transfers, transferJSON{From: t.From.String(), To: t.To.String()})
	}
	slices.SortFunc(in.Transfers, func(a, b transferJSON) int { return strings.Compare(a.From, b.From) })
	b, err := json.Marshal(map[string]any{"years": map[string]yearJSON{strconv.Itoa(y.Year): in}})
	if err != nil {
		panic(err) // strings and ints only
	}
	return b
}

// decreeRE finds the date and number in a decree citation
// ("... от 24.09.2025 № 1466").
var decreeRE = regexp.MustCompile(`от\s+(\d{2})\.(\d{2})\.(\d{4})\s*(?:г\.\s*)?№\s*(\S+)`)

// ParseData parses and validates calendar data in the project's format. name
// is used in error messages only. Every year is checked for consistency: the
// dates belong to the year, days off listed as weekdays are weekdays, every
// holiday of Labour Code art. 112 that falls on a weekday is a day off, every
// working weekend day comes from a decree transfer, and working_days equals the
// count the entries give.
func ParseData(name string, data []byte) ([]Year, error) {
	fail := func(entry, format string, args ...any) error {
		return &DataError{File: name, Entry: entry, Problem: fmt.Sprintf(format, args...)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fail("", "not valid calendar JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail("", "unexpected data after the JSON object")
	}
	if len(f.Years) == 0 {
		return nil, fail("years", "no years in the file")
	}
	keys := make([]string, 0, len(f.Years))
	for k := range f.Years {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	years := make([]Year, 0, len(keys))
	for _, k := range keys {
		y, err := parseYear(k, f.Years[k])
		if err != nil {
			var de *DataError
			if errors.As(err, &de) {
				de.File = name
			}
			return nil, err
		}
		years = append(years, y)
	}
	return years, nil
}

func parseYear(key string, in yearJSON) (Year, error) {
	entry := fmt.Sprintf("years[%q]", key)
	fail := func(field, format string, args ...any) error {
		e := entry
		if field != "" {
			e += "." + field
		}
		return &DataError{Entry: e, Problem: fmt.Sprintf(format, args...)}
	}
	year, err := strconv.Atoi(key)
	if err != nil || strconv.Itoa(year) != key {
		return Year{}, fail("", "the key must be a year such as \"2027\"")
	}
	if year < MinYear || year > MaxYear {
		return Year{}, fail("", "year out of the supported range %d-%d", MinYear, MaxYear)
	}
	y := Year{Year: year}

	y.Decree.Citation = strings.TrimSpace(in.Decree)
	m := decreeRE.FindStringSubmatch(y.Decree.Citation)
	if m == nil {
		return Year{}, fail("decree", "%q does not cite a decree with its date and number (\"... от DD.MM.YYYY № N\")", in.Decree)
	}
	if y.Decree.Date, err = ParseDate(m[3] + "-" + m[2] + "-" + m[1]); err != nil {
		return Year{}, fail("decree", "the decree date %s.%s.%s is not a valid date", m[1], m[2], m[3])
	}
	y.Decree.Number = m[4]

	// dates parses a list of dates of this year, sorted, without duplicates.
	dates := func(field string, in []string) ([]Date, error) {
		out := make([]Date, 0, len(in))
		for i, s := range in {
			d, err := ParseDate(s)
			if err != nil {
				return nil, fail(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			}
			if d.Year() != year {
				return nil, fail(fmt.Sprintf("%s[%d]", field, i), "%s is not in %d", d, year)
			}
			out = append(out, d)
		}
		sortDates(out)
		for i := 1; i < len(out); i++ {
			if out[i] == out[i-1] {
				return nil, fail(field, "%s is listed twice", out[i])
			}
		}
		return out, nil
	}
	if y.NonworkingWeekdays, err = dates("nonworking_weekdays", in.NonworkingWeekdays); err != nil {
		return Year{}, err
	}
	for _, d := range y.NonworkingWeekdays {
		if d.IsWeekend() {
			return Year{}, fail("nonworking_weekdays", "%s is a %s, not a weekday", d, d.Weekday())
		}
	}
	if y.WorkingWeekends, err = dates("working_weekends", in.WorkingWeekends); err != nil {
		return Year{}, err
	}
	for _, d := range y.WorkingWeekends {
		if !d.IsWeekend() {
			return Year{}, fail("working_weekends", "%s is a %s, not a Saturday or Sunday", d, d.Weekday())
		}
		if h, ok := statutoryHolidayOn(d); ok {
			return Year{}, fail("working_weekends", "%s is a holiday (%s, Labour Code art. 112) and cannot be a working day", d, h.name)
		}
	}
	for _, h := range statutoryHolidays {
		d := NewDate(year, h.month, h.day)
		if !d.IsWeekend() && !containsDate(y.NonworkingWeekdays, d) {
			return Year{}, fail("nonworking_weekdays", "%s (%s, Labour Code art. 112) falls on a %s but is not listed as a day off", d, h.name, d.Weekday())
		}
	}

	seenFrom, seenTo := map[Date]bool{}, map[Date]bool{}
	for i, t := range in.Transfers {
		field := fmt.Sprintf("transfers[%d]", i)
		from, err := ParseDate(t.From)
		if err != nil {
			return Year{}, fail(field+".from", "%v", err)
		}
		to, err := ParseDate(t.To)
		if err != nil {
			return Year{}, fail(field+".to", "%v", err)
		}
		switch {
		case from.Year() != year || to.Year() != year:
			return Year{}, fail(field, "a transfer %s -> %s must stay within %d", from, to, year)
		case !from.IsWeekend():
			return Year{}, fail(field+".from", "%s is a %s: only a weekend day off can be moved", from, from.Weekday())
		case !containsDate(y.NonworkingWeekdays, to):
			return Year{}, fail(field+".to", "%s is not listed in nonworking_weekdays", to)
		case seenFrom[from] || seenTo[to]:
			return Year{}, fail(field, "a second transfer from %s or to %s", from, to)
		}
		if _, holiday := statutoryHolidayOn(from); !holiday && !containsDate(y.WorkingWeekends, from) {
			return Year{}, fail(field+".from", "%s is a plain weekend day moved away, so it must be listed in working_weekends", from)
		}
		seenFrom[from], seenTo[to] = true, true
		y.Transfers = append(y.Transfers, Transfer{From: from, To: to})
	}
	for _, d := range y.WorkingWeekends {
		if !seenFrom[d] {
			return Year{}, fail("working_weekends", "%s is a working weekend day that no transfer moves away", d)
		}
	}

	if in.ShortenedDays != nil {
		if y.ShortenedDays, err = dates("shortened_days", in.ShortenedDays); err != nil {
			return Year{}, err
		}
		for _, d := range y.ShortenedDays {
			if !y.isWorking(d) {
				return Year{}, fail("shortened_days", "%s is not a working day", d)
			}
		}
	}

	y.WorkingDays = y.countWorkingDays()
	if in.WorkingDays != y.WorkingDays {
		return Year{}, fail("working_days", "is %d, but the listed days give %d working days", in.WorkingDays, y.WorkingDays)
	}
	return y, nil
}

// isWorking reports whether d, a date of the year, is a working day.
func (y *Year) isWorking(d Date) bool {
	if d.IsWeekend() {
		return containsDate(y.WorkingWeekends, d)
	}
	return !containsDate(y.NonworkingWeekdays, d)
}

func (y *Year) countWorkingDays() int {
	n := 0
	for d, end := NewDate(y.Year, 1, 1), NewDate(y.Year+1, 1, 1); d < end; d++ {
		if !d.IsWeekend() {
			n++
		}
	}
	return n - len(y.NonworkingWeekdays) + len(y.WorkingWeekends)
}

func containsDate(sorted []Date, d Date) bool {
	_, ok := slices.BinarySearch(sorted, d)
	return ok
}

func sortDates(ds []Date) { slices.Sort(ds) }
