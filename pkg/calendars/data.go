package calendars

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/srok/srok/deadlines/calendar"
)

// Problem is one thing wrong with a file to import: where (the entry, such
// as years["2027"].nonworking_weekdays) and what.
type Problem struct {
	Entry   string
	Problem string
}

func (p Problem) String() string {
	if p.Entry == "" {
		return p.Problem
	}
	return p.Entry + ": " + p.Problem
}

// ParseFile reads a file of one or more years in the shipped data format
// (see calendar.ParseData) and checks every year on its own, so that each
// year with a mistake is reported, not only the first. It returns the
// years, in order, when there is no problem.
func ParseFile(name string, data []byte) ([]calendar.Year, []Problem) {
	var f struct {
		Description string                     `json:"description"`
		Years       map[string]json.RawMessage `json:"years"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, []Problem{{Problem: fmt.Sprintf("not valid calendar JSON: %v (expected {\"years\": {\"2027\": {...}}})", err)}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, []Problem{{Problem: "unexpected data after the JSON object"}}
	}
	if len(f.Years) == 0 {
		return nil, []Problem{{Entry: "years", Problem: "no years in the file"}}
	}
	keys := make([]string, 0, len(f.Years))
	for k := range f.Years {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var (
		years    []calendar.Year
		problems []Problem
	)
	for _, k := range keys {
		one, err := json.Marshal(map[string]any{"years": map[string]json.RawMessage{k: f.Years[k]}})
		if err != nil {
			problems = append(problems, Problem{Entry: fmt.Sprintf("years[%q]", k), Problem: err.Error()})
			continue
		}
		ys, err := calendar.ParseData(name, one)
		if err != nil {
			var de *calendar.DataError
			if errors.As(err, &de) {
				problems = append(problems, Problem{Entry: de.Entry, Problem: de.Problem})
			} else {
				problems = append(problems, Problem{Entry: fmt.Sprintf("years[%q]", k), Problem: err.Error()})
			}
			continue
		}
		years = append(years, ys...)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return years, nil
}

// Canonical returns y as a file of one year in the shipped data format,
// its lists sorted (calendar.Canonical), so that the same decree data gives
// the same bytes and hash however the file that brought it was written.
func Canonical(y calendar.Year) []byte { return calendar.Canonical(y) }

// Hash is the hex SHA-256 of b.
func Hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
