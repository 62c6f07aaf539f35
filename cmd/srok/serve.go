package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/store"
)

// openStore reads the configuration and opens the database it names.
func openStore(ctx context.Context, e env) (config.Config, *store.Store, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return cfg, nil, usagef("%v", err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.Options{MaxOpenConns: cfg.DBMaxConns})
	if err != nil {
		return cfg, nil, err
	}
	return cfg, st, nil
}

func runMigrate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("migrate", "")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := migrate(ctx, cfg, st)
	if err != nil {
		return err
	}
	cur, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "%s: schema is current (version %d)\n", st.Where(), cur)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: applied migrations %v; schema at version %d\n", st.Where(), applied, cur)
	return nil
}

// migrate applies the pending migrations to the database of st. With
// SROK_MIGRATE_DATABASE_URL it migrates as that owner role, then grants the
// serving role (DATABASE_URL's user) what serving needs and no more: the
// serving role may only read and append to the audit trail and the
// timeline (README, "Database roles"). The grants are made after every
// migration, so that new tables are covered.
func migrate(ctx context.Context, cfg config.Config, st *store.Store) ([]int64, error) {
	if cfg.MigrateDatabaseURL == "" {
		applied, err := st.Migrate(ctx)
		if err != nil {
			return applied, fmt.Errorf("%s: %w", st.Where(), err)
		}
		return applied, nil
	}
	owner, err := store.Open(ctx, cfg.MigrateDatabaseURL, "", store.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	applied, err := owner.Migrate(ctx)
	if err != nil {
		return applied, fmt.Errorf("%s: %w", owner.Where(), err)
	}
	if err := owner.GrantServing(ctx, cfg.ServingRole()); err != nil {
		return applied, fmt.Errorf("%s: %w", owner.Where(), err)
	}
	return applied, nil
}

func runConfig(_ context.Context, args []string, e env) error {
	fs := newFlagSet("config", "")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	return cfg.Print(e.stdout)
}

// calendarReread is how often a server re-reads the imported calendar
// years, in case it missed the announcement of an import.
const calendarReread = 5 * time.Minute

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("serve", "[--migrate]")
	migrateFirst := fs.Bool("migrate", false, "apply pending database migrations before serving")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	// The live heap of a server is small (tens of MiB): collecting at 5×
	// it instead of 2× saves CPU on every request, and the soft limit keeps
	// the process well inside a small container. GOGC and GOMEMLIMIT, when
	// set, win.
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if e.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
	level, _ := cfg.Level()
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	// cfg.CalendarPath is SROK_CALENDAR_PATH already read: the paths are
	// given once, not also through loadCalendar, which reads the variable
	// itself (each year would then come from two files and be refused).
	cal, err := calendar.Load(cfg.CalendarPath...)
	if err != nil {
		return err
	}
	if *migrateFirst {
		applied, err := migrate(ctx, cfg, st)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("migrated", "database", string(st.Dialect()), "versions", applied)
		}
	}
	if err := st.CheckSchema(ctx); err != nil {
		return fmt.Errorf("%s: %w", st.Where(), err)
	}
	if protected, err := st.AuditProtected(ctx); err == nil && !protected {
		_, why := cfg.AuditProtected()
		if cfg.MigrateDatabaseURL != "" {
			why = "DATABASE_URL's role may still change it: run srok migrate with SROK_MIGRATE_DATABASE_URL, which grants it only what serving needs"
		}
		log.Warn("the audit trail is not protected from the role srok serves as", "audit", why)
	}

	trail := audit.NewService(st, e.now)
	accounts := account.NewService(st, e.now, append([]account.Option{account.WithAudit(trail)}, e.accountOptions...)...)
	// The calendar in use: the shipped data overlaid with the years
	// imported into the database, replaced while serving when a year is
	// imported here or by another srok process (pkg/calendars).
	live := calendar.NewLive(cal)
	reg := register.NewService(st, cal, cfg.Zone(), e.now, register.WithUsers(accounts), register.WithAudit(trail),
		register.WithCalendar(live))
	cals, err := calendars.NewService(st, cal, e.now, calendars.WithLive(live), calendars.WithRecomputer(reg),
		calendars.WithAudit(trail))
	if err != nil {
		return err
	}
	if _, err := cals.Load(ctx); err != nil {
		return fmt.Errorf("%s: reading the imported calendar years: %w", st.Where(), err)
	}
	// Terms stored as provisional over a year this release (or a calendar
	// file) now has decree data for are counted again, once; a failure is
	// logged, and the next start finishes it.
	if years, rec, err := cals.RecomputeDecreed(ctx); err != nil {
		log.Error("calendar: unable to recompute the provisional terms on the new decree data", "error", err)
	} else if len(years) > 0 {
		log.Info("calendar: provisional terms recomputed on decree data", "years", years, "examined", rec.Examined,
			"requests", rec.Requests, "obligations", rec.Obligations)
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		cals.Watch(watchCtx, calendarReread, log)
	}()
	defer func() { stopWatching(); <-watching }()
	// On PostgreSQL the audit entries are written unsealed and chained
	// here, about once a second (migration 12).
	sealCtx, stopSealing := context.WithCancel(ctx)
	sealing := make(chan struct{})
	go func() {
		defer close(sealing)
		audit.Seal(sealCtx, st, audit.SealEvery, log)
	}()
	defer func() { stopSealing(); <-sealing }()
	sstore, stopCleanup := sessionStore(st)
	defer stopCleanup()
	// On PostgreSQL, authentications are cached while every change that
	// may end one (revocations, disabled users) is heard from the database,
	// whichever srok process made it; on SQLite nothing is cached.
	listenCtx, stopListening := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		st.ListenAuthChanges(listenCtx, accounts.HearingAuthChanges, accounts.AuthChanged)
	}()
	defer func() { stopListening(); <-listening }()
	sessions := httpx.NewSessions(httpx.SessionOptions{Store: sstore, IdleTimeout: cfg.SessionIdle,
		Lifetime: cfg.SessionLifetime, Secure: cfg.SecureCookies()})
	proxies, _ := cfg.Proxies() // checked by config.Load
	m := newMetrics(cfg, st, e.now, log)
	emails := newEmails(st, e.now, trail, reg)
	mailboxes, err := newMailboxes(cfg, st, emails, trail, e)
	if err != nil {
		return err
	}
	// Listening comes first: without SROK_PUBLIC_URL the address listened
	// on is the base of the calendar feeds' addresses.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("unable to listen on %s: %w", cfg.Addr, err)
	}
	h := compose(deps{emails: emails, mailboxes: mailboxes, store: st, register: reg, accounts: accounts, audit: trail,
		sessions: sessions, calendar: cal, calendars: cals, log: log, now: e.now, proxies: proxies, sessionIdle: cfg.SessionIdle,
		limits:  httpx.Limits{Rate: cfg.RateLimit, Burst: cfg.RateBurst, InFlight: cfg.MaxInFlight},
		metrics: m, metricsToken: cfg.MetricsToken, baseURL: cfg.BaseURL(displayAddr(ln.Addr()))})
	srv := &http.Server{Handler: h, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	httpx.Timeouts(srv)
	url := "http://" + displayAddr(ln.Addr())
	log.Info("serving", "url", url, "database", string(st.Dialect()), "time_zone", cfg.TimeZone)
	fmt.Fprintf(e.stdout, "srok: serving on %s (database: %s); stop with Ctrl-C\n", url, st.Where())
	if err := offerSetup(ctx, e, accounts, cfg.BaseURL(displayAddr(ln.Addr()))); err != nil {
		_ = ln.Close()
		return err
	}
	stopMetrics, err := serveMetrics(cfg.MetricsAddr, m, log, e)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()

	// Reminders are queued and sent in the background (SROK_SCHEDULER=off:
	// not by this instance); stopped once the HTTP server has drained.
	stopReminders := startReminders(ctx, cfg, st, live, log, e, cfg.BaseURL(displayAddr(ln.Addr())), remind.NewScanner(st, live),
		lateEmailsOf(ctx, accounts, reg))
	defer stopReminders()
	// The mailboxes are fetched in the background (SROK_IMAP_URL, and those
	// connected from the page); stopped once the HTTP server has drained.
	stopMailboxes, err := startMailboxes(ctx, mailboxes, log)
	if err != nil {
		return err
	}
	defer stopMailboxes()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Drain: stop accepting, let in-flight requests finish.
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// offerSetup prints, while no user exists, a one-time link (valid 1 hour,
// single use) where the first administrator signs up. Only the console of
// the server shows it: whoever sees it runs the server. It goes to stdout,
// never to the log.
func offerSetup(ctx context.Context, e env, accounts *account.Service, base string) error {
	has, err := accounts.HasUsers(ctx)
	if err != nil || has {
		return err
	}
	secret, _, err := accounts.CreateSetupToken(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "srok: no user yet. Create the first administrator within an hour, once, at:\n\n    %s/setup?token=%s\n\n"+
		"      or on the command line: srok user create --email EMAIL --name NAME --role admin\n", base, secret)
	return nil
}

// displayAddr turns a wildcard listen address into one a browser opens.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
