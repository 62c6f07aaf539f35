package deadlines

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ParseTrigger parses the instant a term starts from, as typed by a person or
// sent by a system:
//
//   - RFC 3339 with an offset: 2026-04-30T10:00:00+03:00, 2026-04-30T07:00:00Z;
//   - a local date and time without offset, read in loc: 2026-04-30T10:00,
//     2026-04-30 10:00:00;
//   - a local date alone, read as 00:00 in loc: 2026-04-30. hasTime is false
//     then, and hour-based terms cannot be counted from it.
func ParseTrigger(s string, loc *time.Location) (t time.Time, hasTime bool, err error) {
	if loc == nil {
		return time.Time{}, false, errors.New("no time zone given")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, errors.New("empty time: give an RFC 3339 time such as 2026-04-30T10:00:00+03:00")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true, nil
		}
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a time: give RFC 3339 (2026-04-30T10:00:00+03:00), a local time (2026-04-30T10:00) or a date (2026-04-30)", s)
}

// LoadZone returns the IANA time zone named name (e.g. Europe/Moscow,
// Asia/Vladivostok). Russia spans eleven zones; the operator's zone decides
// the local date a term starts from.
func LoadZone(name string) (*time.Location, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("empty time zone: give an IANA name such as Europe/Moscow")
	}
	// time.LoadLocation accepts "Local" and "" meaning the machine's zone;
	// an operator's zone must be named.
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q: give an IANA name such as Europe/Moscow", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: give an IANA name such as Europe/Moscow or Asia/Vladivostok", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones memoises LoadZone: time.LoadLocation reads and parses the zone
// file on every call, and a register renders a zone for every request it
// lists. A *time.Location never changes once loaded.
var zones sync.Map
