// Package config reads Srok's configuration from the environment: typed,
// with defaults, checked once at start-up, and printable with its secrets
// masked (`srok config`).
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/store"
)

// Config is the whole configuration of `srok serve` and `srok migrate`.
type Config struct {
	// Addr is where the HTTP server listens.
	Addr string `env:"SROK_ADDR" envDefault:"127.0.0.1:8080"`
	// DatabaseURL is the PostgreSQL URL (postgres://user:password@host/db),
	// or sqlite:/path/to/srok.db; empty: the embedded SQLite in DataDir.
	DatabaseURL string `env:"DATABASE_URL"`
	// DataDir holds the embedded SQLite file when DatabaseURL is empty.
	DataDir string `env:"SROK_DATA_DIR" envDefault:"data"`
	// TimeZone is the operator's IANA time zone: it decides the local
	// dates of the terms and the dashboard's "today".
	TimeZone string `env:"SROK_TIME_ZONE" envDefault:"Europe/Moscow"`
	// CalendarPath lists extra production-calendar files or folders.
	CalendarPath []string `env:"SROK_CALENDAR_PATH" envSeparator:":"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"SROK_LOG_LEVEL" envDefault:"info"`
	// ShutdownTimeout bounds the draining of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration `env:"SROK_SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// DBMaxConns bounds the PostgreSQL connection pool.
	DBMaxConns int `env:"SROK_DB_MAX_CONNS" envDefault:"10"`
}

// descriptions are printed by Print.
var descriptions = map[string]string{
	"SROK_ADDR":             "HTTP listen address (host:port)",
	"DATABASE_URL":          "postgres:// URL or sqlite:PATH; empty: embedded SQLite in SROK_DATA_DIR",
	"SROK_DATA_DIR":         "folder of the embedded SQLite database",
	"SROK_TIME_ZONE":        "the operator's IANA time zone",
	"SROK_CALENDAR_PATH":    "extra production-calendar files or folders, ':'-separated",
	"SROK_LOG_LEVEL":        "debug, info, warn or error",
	"SROK_SHUTDOWN_TIMEOUT": "how long SIGTERM waits for in-flight requests",
	"SROK_DB_MAX_CONNS":     "PostgreSQL connection pool size",
}

// secrets are masked by Print.
var secrets = map[string]func(string) string{
	"DATABASE_URL": store.Redact,
}

// Load reads the configuration through getenv and checks it.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	params, err := env.GetFieldParams(&c)
	if err != nil {
		return c, err
	}
	vars := map[string]string{}
	for _, p := range params {
		if v := getenv(p.Key); v != "" {
			vars[p.Key] = v
		}
	}
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, c.check()
}

func (c Config) check() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("SROK_ADDR=%q: give host:port, such as 127.0.0.1:8080 or :8080", c.Addr)
	}
	if _, err := deadlines.LoadZone(c.TimeZone); err != nil {
		return fmt.Errorf("SROK_TIME_ZONE: %v", err)
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("SROK_SHUTDOWN_TIMEOUT=%s: give a positive duration, such as 15s", c.ShutdownTimeout)
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		return fmt.Errorf("SROK_DB_MAX_CONNS=%d: give 1 to 1000", c.DBMaxConns)
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("SROK_DATA_DIR is empty: give the folder of the embedded database")
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
		return fmt.Errorf("DATABASE_URL=%q: use postgres://user:password@host:5432/db or sqlite:/path/to/srok.db", store.Redact(u))
	}
	return nil
}

// Zone returns the operator's time zone.
func (c Config) Zone() *time.Location {
	loc, err := deadlines.LoadZone(c.TimeZone)
	if err != nil {
		return time.UTC // checked by Load
	}
	return loc
}

// Level returns the log level.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("SROK_LOG_LEVEL=%q: give debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Print writes every variable with its value, secrets masked.
func (c Config) Print(w io.Writer) error {
	params, err := env.GetFieldParams(&c)
	if err != nil {
		return err
	}
	values := map[string]string{
		"SROK_ADDR": c.Addr, "DATABASE_URL": c.DatabaseURL, "SROK_DATA_DIR": c.DataDir, "SROK_TIME_ZONE": c.TimeZone,
		"SROK_CALENDAR_PATH": strings.Join(c.CalendarPath, ":"), "SROK_LOG_LEVEL": c.LogLevel,
		"SROK_SHUTDOWN_TIMEOUT": c.ShutdownTimeout.String(), "SROK_DB_MAX_CONNS": fmt.Sprint(c.DBMaxConns),
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range params {
		v, ok := values[p.Key]
		if !ok {
			return fmt.Errorf("config: %s has no printed value", p.Key)
		}
		if mask := secrets[p.Key]; mask != nil && v != "" {
			v = mask(v)
		}
		fmt.Fprintf(tw, "%s=%s\t# %s\n", p.Key, v, descriptions[p.Key])
	}
	return tw.Flush()
}
