package web

import (
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/ru"
)

// zoneText names the zone the times of a page are in (the operator's,
// loc) and, when it is another, the request's own zone (name), the one its
// terms run in, as pkg/ru words them: «Москва, UTC+3», never the IANA name.
func zoneText(name string, loc *time.Location, at time.Time) string {
	own, err := deadlines.LoadZone(name)
	if err != nil || name == "" {
		own = nil
	}
	return ru.ZoneAndTerms(loc, own, at)
}
