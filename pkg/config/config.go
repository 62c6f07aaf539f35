// Package config reads Srok's configuration from the environment: typed,
// with defaults, checked once at start-up, and printable with its secrets
// masked (`srok config`).
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/dsn"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/mailer"
)

// Config is the whole configuration of `srok serve` and `srok migrate`.
type Config struct {
	// Addr is where the HTTP server listens.
	Addr string `env:"SROK_ADDR" envDefault:"127.0.0.1:8080"`
	// DatabaseURL is the PostgreSQL URL (postgres://user:password@host/db),
	// or sqlite:/path/to/srok.db; empty: the embedded SQLite in DataDir.
	DatabaseURL string `env:"DATABASE_URL"`
	// MigrateDatabaseURL, when set, is the PostgreSQL URL of the role that
	// owns the schema: `srok migrate` and `serve --migrate` migrate through
	// it, then grant DatabaseURL's role only what serving needs, so that
	// the serving role cannot change or erase the audit trail and the
	// timeline (README, "Database roles"). Empty: DatabaseURL migrates too.
	MigrateDatabaseURL string `env:"SROK_MIGRATE_DATABASE_URL"`
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
	// RateLimit is the sustained requests per second one client (an API
	// token, a browser session, else an address) may send; RateBurst how
	// many at once. 0 turns the limit off.
	RateLimit float64 `env:"SROK_RATE_LIMIT" envDefault:"50"`
	RateBurst int     `env:"SROK_RATE_BURST" envDefault:"100"`
	// MaxInFlight bounds the requests served at once: past it, 503 with
	// Retry-After instead of memory growing without end.
	MaxInFlight int `env:"SROK_MAX_IN_FLIGHT" envDefault:"512"`
	// TrustedProxies lists the networks (CIDR) of reverse proxies whose
	// X-Forwarded-For names the client.
	TrustedProxies []string `env:"SROK_TRUSTED_PROXIES" envSeparator:","`
	// PublicURL is the address users open Srok at (links in the console and
	// in emails); an https URL makes the session cookie Secure. Empty: the
	// listen address over http.
	PublicURL string `env:"SROK_PUBLIC_URL"`
	// SessionIdle ends a browser session unused for that long;
	// SessionLifetime ends any session that long after sign-in.
	SessionIdle     time.Duration `env:"SROK_SESSION_IDLE_TIMEOUT" envDefault:"30m"`
	SessionLifetime time.Duration `env:"SROK_SESSION_LIFETIME" envDefault:"12h"`
	// MetricsAddr is a listener of its own for Prometheus' /metrics, with
	// no authentication (keep it on a private address); MetricsToken, when
	// set, serves /metrics on the main listener to "Authorization: Bearer
	// <token>". With neither, no metrics are kept.
	MetricsAddr  string `env:"SROK_METRICS_ADDR"`
	MetricsToken string `env:"SROK_METRICS_TOKEN"`
	// SMTP is the server reminders are sent through; without SMTPHost they
	// stay queued, unsent. SMTPPort 0: 25, 587 or 465 by SMTPTLS (none,
	// starttls, tls).
	SMTPHost     string        `env:"SROK_SMTP_HOST"`
	SMTPPort     int           `env:"SROK_SMTP_PORT"`
	SMTPTLS      string        `env:"SROK_SMTP_TLS" envDefault:"starttls"`
	SMTPUsername string        `env:"SROK_SMTP_USERNAME"`
	SMTPPassword string        `env:"SROK_SMTP_PASSWORD"`
	SMTPFrom     string        `env:"SROK_SMTP_FROM"`
	SMTPTimeout  time.Duration `env:"SROK_SMTP_TIMEOUT" envDefault:"30s"`
	// SMTPHELO is the name Srok gives in EHLO; empty: the host of
	// PublicURL, else the machine's host name. Servers that check it
	// (against the sender's DNS) want the public name.
	SMTPHELO string `env:"SROK_SMTP_HELO"`
	// Scheduler (on, off) runs the reminders loop in this instance: off
	// makes it serve HTTP only. SchedulerInterval is the time between its
	// rounds; ReminderLease how long a round holds the reminders it sends.
	Scheduler         string        `env:"SROK_SCHEDULER" envDefault:"on"`
	SchedulerInterval time.Duration `env:"SROK_SCHEDULER_INTERVAL" envDefault:"1m"`
	ReminderLease     time.Duration `env:"SROK_REMINDER_LEASE" envDefault:"2m"`
	// IMAPURL lists the mailboxes Srok fetches requests from (pkg/mailbox),
	// space-separated: imaps://USER:PASSWORD@HOST[:PORT]/FOLDER,
	// imap://…?tls=starttls, or imap://…?tls=none on a loopback host.
	// IMAPCAFile is a private CA (PEM) their certificates are checked
	// against instead of the system's; IMAPInterval the pause between polls
	// of a server without IDLE; IMAPDoneFolder, when set, where fetched
	// messages are moved (else they are flagged \Seen and stay).
	IMAPURL        string        `env:"SROK_IMAP_URL"`
	IMAPCAFile     string        `env:"SROK_IMAP_CA_FILE"`
	IMAPInterval   time.Duration `env:"SROK_IMAP_INTERVAL" envDefault:"1m"`
	IMAPDoneFolder string        `env:"SROK_IMAP_DONE_FOLDER"`
	// SecretKeyFile is a file holding the secret key (32 random bytes in
	// base64) that seals the passwords of the mailboxes connected from the
	// page (mailbox.Sealer); empty: none can be connected there. Only the
	// path is printed, never the key.
	SecretKeyFile string `env:"SROK_SECRET_KEY_FILE"`
	// AckEmails (on, off): a subject whose request is registered from an
	// email gets an acknowledgement with its number and the date the
	// answer is due, sent once by the scheduler through SROK_SMTP_HOST.
	AckEmails string `env:"SROK_ACK_EMAILS" envDefault:"off"`
}

// descriptions are printed by Print.
var descriptions = map[string]string{
	"SROK_ADDR":                 "HTTP listen address (host:port)",
	"DATABASE_URL":              "postgres:// URL or sqlite:PATH; empty: embedded SQLite in SROK_DATA_DIR",
	"SROK_MIGRATE_DATABASE_URL": "postgres:// URL of the schema's owner, for migrate; empty: DATABASE_URL owns the schema",
	"SROK_DATA_DIR":             "folder of the embedded SQLite database",
	"SROK_TIME_ZONE":            "the operator's IANA time zone",
	"SROK_CALENDAR_PATH":        "extra production-calendar files or folders, ':'-separated",
	"SROK_LOG_LEVEL":            "debug, info, warn or error",
	"SROK_SHUTDOWN_TIMEOUT":     "how long SIGTERM waits for in-flight requests",
	"SROK_DB_MAX_CONNS":         "PostgreSQL connection pool size",
	"SROK_RATE_LIMIT":           "requests per second one client may send; 0: no limit",
	"SROK_RATE_BURST":           "requests one client may send at once",
	"SROK_MAX_IN_FLIGHT":        "requests served at once; past it, 503 with Retry-After",
	"SROK_TRUSTED_PROXIES":      "reverse proxies (CIDR, ','-separated) whose X-Forwarded-For is trusted",
	"SROK_PUBLIC_URL":           "the address users open Srok at; https makes the session cookie Secure",
	"SROK_SESSION_IDLE_TIMEOUT": "a browser session unused this long ends",
	"SROK_SESSION_LIFETIME":     "any browser session ends this long after sign-in",
	"SROK_METRICS_ADDR":         "a listener of its own for Prometheus' /metrics, without authentication (host:port)",
	"SROK_METRICS_TOKEN":        "serves /metrics on SROK_ADDR to Authorization: Bearer <this token>",
	"SROK_SMTP_HOST":            "SMTP server of the reminders; empty: reminders stay queued, unsent",
	"SROK_SMTP_PORT":            "SMTP port; 0: 25 (none), 587 (starttls) or 465 (tls)",
	"SROK_SMTP_TLS":             "none, starttls or tls (implicit, port 465)",
	"SROK_SMTP_HELO":            "the name given in EHLO; empty: the host of SROK_PUBLIC_URL, else the machine's host name",
	"SROK_SMTP_USERNAME":        "SMTP login; empty: no authentication",
	"SROK_SMTP_PASSWORD":        "SMTP password",
	"SROK_SMTP_FROM":            "sender of the reminders, such as Srok <srok@example.ru>",
	"SROK_SMTP_TIMEOUT":         "bound of the SMTP connection and of each command",
	"SROK_SCHEDULER":            "on: this instance queues and sends reminders; off: HTTP only",
	"SROK_SCHEDULER_INTERVAL":   "time between the rounds of the reminders scheduler",
	"SROK_REMINDER_LEASE":       "how long a round holds the reminders it sends before another instance may take them",
	"SROK_IMAP_URL":             "mailboxes to fetch requests from, space-separated imaps://USER:PASSWORD@HOST/FOLDER URLs",
	"SROK_IMAP_CA_FILE":         "a private CA (PEM) the IMAP servers' certificates are checked against",
	"SROK_IMAP_INTERVAL":        "pause between polls of a mailbox whose server offers no IDLE",
	"SROK_IMAP_DONE_FOLDER":     "folder fetched messages are moved to; empty: flagged \\Seen and left in place",
	"SROK_SECRET_KEY_FILE":      "file with the key (32 random bytes, base64) that encrypts the passwords of mailboxes connected from the page",
	"SROK_ACK_EMAILS":           "on: a request registered from an email is acknowledged to its subject by email; off: not",
}

// hints say what to give instead of a bad value, per variable.
var hints = map[string]string{
	"SROK_ADDR":                 "give host:port, such as 127.0.0.1:8080 or :8080",
	"DATABASE_URL":              "give postgres://user:password@host:5432/db or sqlite:/path/to/srok.db",
	"SROK_MIGRATE_DATABASE_URL": "give the owner's postgres://user:password@host:5432/db, the database of DATABASE_URL",
	"SROK_DATA_DIR":             "give the folder of the embedded database",
	"SROK_TIME_ZONE":            "give an IANA time zone such as Europe/Moscow or Asia/Vladivostok",
	"SROK_CALENDAR_PATH":        "give production-calendar files or folders, ':'-separated",
	"SROK_LOG_LEVEL":            "give debug, info, warn or error",
	"SROK_SHUTDOWN_TIMEOUT":     "give a duration such as 15s or 1m30s",
	"SROK_DB_MAX_CONNS":         "give a whole number from 1 to 1000",
	"SROK_RATE_LIMIT":           "give requests per second, such as 50 (0: no limit)",
	"SROK_RATE_BURST":           "give a whole number from 1 to 100000",
	"SROK_MAX_IN_FLIGHT":        "give a whole number from 1 to 100000",
	"SROK_TRUSTED_PROXIES":      "give networks in CIDR form, such as 10.0.0.0/8,192.168.1.10/32",
	"SROK_PUBLIC_URL":           "give the http:// or https:// address users open, such as https://srok.example.ru",
	"SROK_SESSION_IDLE_TIMEOUT": "give a positive duration such as 30m",
	"SROK_SESSION_LIFETIME":     "give a positive duration such as 12h",
	"SROK_METRICS_ADDR":         "give host:port other than SROK_ADDR's, such as 127.0.0.1:9090",
	"SROK_METRICS_TOKEN":        "give at least 16 characters without spaces, such as the output of openssl rand -hex 24",
	"SROK_SMTP_HOST":            "give the SMTP server's host name, such as smtp.example.ru",
	"SROK_SMTP_PORT":            "give a port from 1 to 65535, or 0 for the TLS mode's usual port",
	"SROK_SMTP_TLS":             "give none, starttls or tls",
	"SROK_SMTP_USERNAME":        "give the SMTP login",
	"SROK_SMTP_PASSWORD":        "give the SMTP password",
	"SROK_SMTP_FROM":            "give the sender's address, such as Srok <srok@example.ru>",
	"SROK_SMTP_TIMEOUT":         "give a positive duration such as 30s",
	"SROK_SMTP_HELO":            "give a host name such as srok.example.ru, or an address in brackets such as [192.0.2.10]",
	"SROK_SCHEDULER":            "give on or off",
	"SROK_SCHEDULER_INTERVAL":   "give a duration from 100ms to 24h, such as 1m",
	"SROK_REMINDER_LEASE":       "give a duration from 1s to 24h, such as 2m",
	"SROK_IMAP_URL":             "give imaps://USER:PASSWORD@imap.example.ru/INBOX (user and password URL-escaped), imap://…?tls=starttls, or imap://…?tls=none on a loopback host; several separated by spaces",
	"SROK_IMAP_CA_FILE":         "give the path of a readable PEM file with the CA certificate",
	"SROK_IMAP_INTERVAL":        "give a duration from 1s to 24h, such as 1m",
	"SROK_IMAP_DONE_FOLDER":     "give a folder name such as Srok or INBOX/Done",
	"SROK_SECRET_KEY_FILE":      "give the path of a readable file holding 32 random bytes in base64, made with: head -c 32 /dev/urandom | base64 > srok.key",
	"SROK_ACK_EMAILS":           "give on or off",
}

// secrets are masked by Print and in errors.
var secrets = map[string]func(string) string{
	"DATABASE_URL":              dsn.Redact,
	"SROK_MIGRATE_DATABASE_URL": dsn.Redact,
	"SROK_METRICS_TOKEN":        func(string) string { return "xxxxx" },
	"SROK_SMTP_PASSWORD":        func(string) string { return "********" },
	"SROK_IMAP_URL":             maskIMAP,
}

// maskIMAP masks the passwords of mailbox URLs; a URL it cannot read is
// masked whole.
func maskIMAP(v string) string {
	f := strings.Fields(v)
	for i, u := range f {
		if src, err := mailbox.ParseURL(u); err == nil {
			f[i] = src.Masked()
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.User == nil {
			f[i] = "********"
			continue
		}
		p.User = url.UserPassword(p.User.Username(), "********")
		f[i] = p.String()
	}
	return strings.Join(f, " ")
}

// Load reads the configuration through getenv and checks it. Its errors are
// one line each and name the variable, its value (secrets masked) and what to
// give instead, e.g. SROK_SHUTDOWN_TIMEOUT="abc": give a duration such as
// 15s or 1m30s.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	params, err := env.GetFieldParams(&c)
	if err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	vars := map[string]string{}
	for _, p := range params {
		if v := getenv(p.Key); v != "" {
			vars[p.Key] = v
		}
	}
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return c, parseError(err, vars)
	}
	return c, c.check(vars)
}

// parseError turns the errors of env.Parse, which name the fields of Config,
// into errors that name the variables.
func parseError(err error, vars map[string]string) error {
	errs := []error{err}
	var agg env.AggregateError
	if errors.As(err, &agg) {
		errs = agg.Errors
	}
	keys := fieldKeys()
	msgs := make([]string, 0, len(errs))
	for _, err := range errs {
		var pe env.ParseError
		if errors.As(err, &pe) && keys[pe.Name] != "" {
			key := keys[pe.Name]
			msgs = append(msgs, badValue(key, vars[key], "").Error())
			continue
		}
		// A fault of Config's tags rather than of a value: no value in it.
		msgs = append(msgs, "configuration: "+strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// fieldKeys maps the names of Config's fields to their variables.
func fieldKeys() map[string]string {
	t := reflect.TypeFor[Config]()
	keys := make(map[string]string, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if key, _, _ := strings.Cut(f.Tag.Get("env"), ","); key != "" {
			keys[f.Name] = key
		}
	}
	return keys
}

// badValue is the error for variable key set to value: it names the
// variable, shows the value (masked if a secret) and says what to give
// instead, hint or else the variable's usual hint.
func badValue(key, value, hint string) error {
	if mask := secrets[key]; mask != nil {
		value = mask(value)
	}
	if hint == "" {
		hint = hints[key]
	}
	return fmt.Errorf("%s=%q: %s", key, value, hint)
}

// check checks the parsed values; vars are the variables that were set.
func (c Config) check(vars map[string]string) error {
	// value is what key was set to, or else its default value.
	value := func(key, def string) string {
		if v, ok := vars[key]; ok {
			return v
		}
		return def
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return badValue("SROK_ADDR", c.Addr, "")
	}
	if _, err := deadlines.LoadZone(c.TimeZone); err != nil {
		return badValue("SROK_TIME_ZONE", c.TimeZone, "")
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.ShutdownTimeout <= 0 {
		return badValue("SROK_SHUTDOWN_TIMEOUT", value("SROK_SHUTDOWN_TIMEOUT", c.ShutdownTimeout.String()),
			"give a positive duration such as 15s or 1m30s")
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		return badValue("SROK_DB_MAX_CONNS", value("SROK_DB_MAX_CONNS", fmt.Sprint(c.DBMaxConns)), "")
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return badValue("SROK_DATA_DIR", c.DataDir, "")
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return badValue("SROK_RATE_LIMIT", value("SROK_RATE_LIMIT", fmt.Sprint(c.RateLimit)), "")
	}
	if c.RateBurst < 1 || c.RateBurst > 100000 {
		return badValue("SROK_RATE_BURST", value("SROK_RATE_BURST", fmt.Sprint(c.RateBurst)), "")
	}
	if c.MaxInFlight < 1 || c.MaxInFlight > 100000 {
		return badValue("SROK_MAX_IN_FLIGHT", value("SROK_MAX_IN_FLIGHT", fmt.Sprint(c.MaxInFlight)), "")
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if u := c.PublicURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			return badValue("SROK_PUBLIC_URL", u, "")
		}
	}
	if c.SessionIdle <= 0 {
		return badValue("SROK_SESSION_IDLE_TIMEOUT", value("SROK_SESSION_IDLE_TIMEOUT", c.SessionIdle.String()), "")
	}
	if c.SessionLifetime <= 0 || c.SessionLifetime < c.SessionIdle {
		return badValue("SROK_SESSION_LIFETIME", value("SROK_SESSION_LIFETIME", c.SessionLifetime.String()),
			"give a positive duration such as 12h, not shorter than SROK_SESSION_IDLE_TIMEOUT")
	}
	if err := c.checkMetrics(); err != nil {
		return err
	}
	if err := c.checkSMTP(value); err != nil {
		return err
	}
	if err := c.checkIMAP(value); err != nil {
		return err
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return err
	}
	return c.checkMigrateURL()
}

// checkMigrateURL checks SROK_MIGRATE_DATABASE_URL: empty, or a PostgreSQL
// URL beside a PostgreSQL DATABASE_URL (SQLite has no roles).
func (c Config) checkMigrateURL() error {
	u := c.MigrateDatabaseURL
	if u == "" {
		return nil
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return badValue("SROK_MIGRATE_DATABASE_URL", u, "")
	}
	if p, err := url.Parse(u); err != nil || (p.User == nil && strings.Contains(u, "@")) || p.User.Username() == "" {
		return badValue("SROK_MIGRATE_DATABASE_URL", u, "give a URL with the owner's user, such as postgres://srok_owner:password@host:5432/db, "+
			"with the special characters of the password percent-encoded")
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return badValue("SROK_MIGRATE_DATABASE_URL", u, "it needs a PostgreSQL DATABASE_URL (the serving role); SQLite has no roles: leave it empty")
	}
	owner, _ := url.Parse(u)
	switch role := c.ServingRole(); {
	case role == "":
		return badValue("DATABASE_URL", c.DatabaseURL, "name the serving role's user in it, such as postgres://srok_app:password@host:5432/db: "+
			"SROK_MIGRATE_DATABASE_URL's owner grants that role what serving needs")
	case role == owner.User.Username():
		return badValue("SROK_MIGRATE_DATABASE_URL", u, "give the owner's role, not DATABASE_URL's: the serving role must not own the tables")
	}
	return nil
}

// ServingRole is the PostgreSQL role Srok serves as: DATABASE_URL's user
// ("" when the URL names none, or for SQLite). With
// SROK_MIGRATE_DATABASE_URL, the owner grants it what serving needs.
func (c Config) ServingRole() string {
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return ""
	}
	p, err := url.Parse(c.DatabaseURL)
	if err != nil || p.User == nil {
		return ""
	}
	return p.User.Username()
}

// AuditProtected reports whether the configuration keeps the audit trail
// out of the serving role's reach: PostgreSQL with a separate owner role
// (SROK_MIGRATE_DATABASE_URL). Otherwise the serving role owns the tables
// and could disable their triggers; the hash chain still shows a change
// (`srok audit verify`), but cannot prevent it. The reason says so.
func (c Config) AuditProtected() (bool, string) {
	switch {
	case c.MigrateDatabaseURL != "":
		return true, "protected: served without the right to change or delete it; migrated by the owner (SROK_MIGRATE_DATABASE_URL)"
	case strings.HasPrefix(c.DatabaseURL, "postgres"):
		return false, "not protected: DATABASE_URL's role owns the tables and could erase it; set SROK_MIGRATE_DATABASE_URL (README, Database roles)"
	}
	return false, "not protected: whoever can write the SQLite file can change it; srok audit verify shows a change"
}

// checkIMAP checks the mailboxes' settings.
func (c Config) checkIMAP(value func(key, def string) string) error {
	if _, err := mailbox.ParseURLs(c.IMAPURL); err != nil {
		return badValue("SROK_IMAP_URL", c.IMAPURL, err.Error())
	}
	if c.IMAPCAFile != "" {
		if _, err := mailbox.TLSConfig(c.IMAPCAFile); err != nil {
			return badValue("SROK_IMAP_CA_FILE", c.IMAPCAFile, err.Error()+": "+hints["SROK_IMAP_CA_FILE"])
		}
	}
	if c.IMAPInterval < time.Second || c.IMAPInterval > 24*time.Hour {
		return badValue("SROK_IMAP_INTERVAL", value("SROK_IMAP_INTERVAL", c.IMAPInterval.String()), "")
	}
	if strings.ContainsAny(c.IMAPDoneFolder, "\r\n\x00*%") {
		return badValue("SROK_IMAP_DONE_FOLDER", c.IMAPDoneFolder, "")
	}
	if c.SecretKeyFile != "" {
		// The error names the file's problem, never its content.
		if _, err := mailbox.ReadKeyFile(c.SecretKeyFile); err != nil {
			return badValue("SROK_SECRET_KEY_FILE", c.SecretKeyFile, err.Error()+": "+hints["SROK_SECRET_KEY_FILE"])
		}
	}
	return nil
}

// Mailboxes are the mailboxes of SROK_IMAP_URL (checked by Load).
func (c Config) Mailboxes() []mailbox.Source {
	srcs, _ := mailbox.ParseURLs(c.IMAPURL)
	return srcs
}

// checkSMTP checks the reminders' SMTP and scheduler settings.
func (c Config) checkSMTP(value func(key, def string) string) error {
	if c.SMTPTLS != "none" && c.SMTPTLS != "starttls" && c.SMTPTLS != "tls" {
		return badValue("SROK_SMTP_TLS", c.SMTPTLS, "")
	}
	if c.SMTPPort < 0 || c.SMTPPort > 65535 {
		return badValue("SROK_SMTP_PORT", value("SROK_SMTP_PORT", fmt.Sprint(c.SMTPPort)), "")
	}
	if c.SMTPTimeout <= 0 {
		return badValue("SROK_SMTP_TIMEOUT", value("SROK_SMTP_TIMEOUT", c.SMTPTimeout.String()), "")
	}
	if c.SMTPHELO != "" && !validHELO(c.SMTPHELO) {
		return badValue("SROK_SMTP_HELO", c.SMTPHELO, "")
	}
	if c.SMTPHost != "" {
		if strings.ContainsAny(c.SMTPHost, " /:@") {
			return badValue("SROK_SMTP_HOST", c.SMTPHost, "give a host name without scheme or port, such as smtp.example.ru (the port goes in SROK_SMTP_PORT)")
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			return badValue("SROK_SMTP_FROM", c.SMTPFrom, "give the sender's address, such as Srok <srok@example.ru> (needed with SROK_SMTP_HOST)")
		}
	}
	if c.Scheduler != "on" && c.Scheduler != "off" {
		return badValue("SROK_SCHEDULER", c.Scheduler, "")
	}
	if c.AckEmails != "on" && c.AckEmails != "off" {
		return badValue("SROK_ACK_EMAILS", c.AckEmails, "")
	}
	if c.SchedulerInterval < 100*time.Millisecond || c.SchedulerInterval > 24*time.Hour {
		return badValue("SROK_SCHEDULER_INTERVAL", value("SROK_SCHEDULER_INTERVAL", c.SchedulerInterval.String()), "")
	}
	if c.ReminderLease < time.Second || c.ReminderLease > 24*time.Hour {
		return badValue("SROK_REMINDER_LEASE", value("SROK_REMINDER_LEASE", c.ReminderLease.String()), "")
	}
	return nil
}

// SMTP is the mailer's configuration of the reminders and `srok mail test`.
func (c Config) SMTP() mailer.Config {
	return mailer.Config{Host: c.SMTPHost, Port: c.SMTPPort, TLS: mailer.TLSMode(c.SMTPTLS), Username: c.SMTPUsername,
		Password: c.SMTPPassword, From: c.SMTPFrom, Timeout: c.SMTPTimeout, HELO: c.HELO()}
}

// HELO is the name given in EHLO: SROK_SMTP_HELO, else the host of
// SROK_PUBLIC_URL (an address in the brackets RFC 5321 section 4.1.3 asks
// for), else "" (the mailer gives the machine's host name).
func (c Config) HELO() string {
	if c.SMTPHELO != "" {
		return c.SMTPHELO
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	h := u.Hostname()
	if ip, err := netip.ParseAddr(h); err == nil {
		if ip.Is4() {
			return "[" + h + "]"
		}
		return "[IPv6:" + h + "]"
	}
	return h
}

// heloName is a domain name (RFC 5321 section 4.1.2).
var heloName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// validHELO reports whether h may follow EHLO: a domain name, or an
// address literal [192.0.2.10] or [IPv6:2001:db8::1].
func validHELO(h string) bool {
	if lit, ok := strings.CutPrefix(h, "["); ok {
		lit, ok = strings.CutSuffix(lit, "]")
		if !ok {
			return false
		}
		if v6, ok := strings.CutPrefix(lit, "IPv6:"); ok {
			ip, err := netip.ParseAddr(v6)
			return err == nil && ip.Is6()
		}
		ip, err := netip.ParseAddr(lit)
		return err == nil && ip.Is4()
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return false // an address goes in brackets
	}
	return len(h) <= 253 && heloName.MatchString(h)
}

// Proxies returns the trusted proxies' networks; a single address is a
// network of one.
func (c Config) Proxies() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil {
				if ip.To4() != nil {
					p += "/32"
				} else {
					p += "/128"
				}
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, badValue("SROK_TRUSTED_PROXIES", strings.Join(c.TrustedProxies, ","), "")
		}
		out = append(out, n)
	}
	return out, nil
}

// checkDatabaseURL checks DATABASE_URL: empty, sqlite:PATH or a postgres URL
// that parses.
func checkDatabaseURL(u string) error {
	switch {
	case u == "", strings.HasPrefix(u, "sqlite:"):
		return nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		// An "@" outside the user info means a password with an unencoded
		// "/", "?" or "#": its end would be taken for the host or database.
		// (url.Parse's error would quote the URL, password and all.)
		if p, err := url.Parse(u); err != nil || (p.User == nil && strings.Contains(u, "@")) {
			return badValue("DATABASE_URL", u, "give a URL such as postgres://user:password@host:5432/db, "+
				"with the special characters of the password percent-encoded (@ as %40, / as %2F, space as %20)")
		}
		return nil
	case !strings.Contains(u, "://") && strings.Contains(u, "="):
		return badValue("DATABASE_URL", u, "give a URL rather than keyword=value settings: "+
			"postgres://user:password@host:5432/db or sqlite:/path/to/srok.db")
	}
	return badValue("DATABASE_URL", u, "")
}

// BaseURL is where users open Srok: SROK_PUBLIC_URL, else the listen
// address over http (addr is the address actually listened on).
func (c Config) BaseURL(addr string) string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + addr
}

// SecureCookies reports whether the session cookie is Secure: Srok is
// reached over https.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

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
		return 0, badValue("SROK_LOG_LEVEL", c.LogLevel, "")
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
		"SROK_RATE_LIMIT": fmt.Sprint(c.RateLimit), "SROK_RATE_BURST": fmt.Sprint(c.RateBurst),
		"SROK_MAX_IN_FLIGHT": fmt.Sprint(c.MaxInFlight), "SROK_TRUSTED_PROXIES": strings.Join(c.TrustedProxies, ","),
		"SROK_PUBLIC_URL": c.PublicURL, "SROK_SESSION_IDLE_TIMEOUT": c.SessionIdle.String(),
		"SROK_SESSION_LIFETIME": c.SessionLifetime.String(),
	}
	values["SROK_METRICS_ADDR"], values["SROK_METRICS_TOKEN"] = c.MetricsAddr, c.MetricsToken
	for k, v := range map[string]string{
		"SROK_SMTP_HOST": c.SMTPHost, "SROK_SMTP_PORT": fmt.Sprint(c.SMTPPort), "SROK_SMTP_TLS": c.SMTPTLS,
		"SROK_SMTP_USERNAME": c.SMTPUsername, "SROK_SMTP_PASSWORD": c.SMTPPassword, "SROK_SMTP_FROM": c.SMTPFrom,
		"SROK_SMTP_TIMEOUT": c.SMTPTimeout.String(), "SROK_SMTP_HELO": c.SMTPHELO, "SROK_SCHEDULER": c.Scheduler,
		"SROK_SCHEDULER_INTERVAL": c.SchedulerInterval.String(), "SROK_REMINDER_LEASE": c.ReminderLease.String(),
		"SROK_IMAP_URL": c.IMAPURL, "SROK_IMAP_CA_FILE": c.IMAPCAFile, "SROK_IMAP_INTERVAL": c.IMAPInterval.String(),
		"SROK_IMAP_DONE_FOLDER": c.IMAPDoneFolder, "SROK_SECRET_KEY_FILE": c.SecretKeyFile,
		"SROK_ACK_EMAILS": c.AckEmails,
	} {
		values[k] = v
	}
	values["SROK_MIGRATE_DATABASE_URL"] = c.MigrateDatabaseURL
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
	if err := tw.Flush(); err != nil {
		return err
	}
	_, why := c.AuditProtected()
	_, err = fmt.Fprintf(w, "# audit trail: %s\n", why)
	return err
}
