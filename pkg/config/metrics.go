package config

import (
	"net"
	"strings"
	"unicode"
)

// minMetricsToken is the shortest SROK_METRICS_TOKEN: one that can be
// guessed is no protection.
const minMetricsToken = 16

// checkMetrics checks SROK_METRICS_ADDR and SROK_METRICS_TOKEN.
func (c Config) checkMetrics() error {
	if a := c.MetricsAddr; a != "" {
		// Port 0 (any free port, in tests) may be given to both.
		_, port, err := net.SplitHostPort(a)
		if err != nil || (a == c.Addr && port != "0") {
			return badValue("SROK_METRICS_ADDR", a, "")
		}
	}
	if t := c.MetricsToken; t != "" {
		if len(t) < minMetricsToken || strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
			return badValue("SROK_METRICS_TOKEN", t, "")
		}
	}
	return nil
}

// Metrics reports whether metrics are kept: served on a listener of their
// own, or on the main one with a token.
func (c Config) Metrics() bool { return c.MetricsAddr != "" || c.MetricsToken != "" }
