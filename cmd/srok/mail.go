package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strconv"
	"strings"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/store"
)

// runMail is `srok mail test --to ADDRESS`: it sends a test message through
// the configured SMTP server and says in one line how the server answered.
func runMail(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "test" {
		return usagef("use: srok mail test --to ADDRESS")
	}
	fs := newFlagSet("mail test", "--to ADDRESS")
	to := fs.String("to", "", "the address the test message goes to")
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	if *to == "" {
		return usagef("--to is required: the address the test message goes to")
	}
	addr, err := mail.ParseAddress(*to)
	if err != nil {
		return usagef("--to %q is not an email address", *to)
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	if cfg.SMTPHost == "" {
		return usagef("no SMTP server configured: set SROK_SMTP_HOST and SROK_SMTP_FROM (see 'srok config')")
	}
	s, err := mailer.New(cfg.SMTP())
	if err != nil {
		return usagef("%v", err)
	}
	resp, err := s.Test(ctx, addr.Address, e.now())
	if err != nil {
		code := ""
		if c := mailer.CodeOf(err); c != 0 {
			code = " (SMTP " + strconv.Itoa(c) + ")"
		}
		return fmt.Errorf("test: not sent to %s via %s%s: %v", addr.Address, s.Describe(), code, mailOneLine(err.Error()))
	}
	fmt.Fprintf(e.stdout, "sent to %s via %s: %s\n", addr.Address, s.Describe(), mailOneLine(resp))
	return nil
}

func mailOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// startReminders starts the reminders scheduler of `srok serve`, unless
// SROK_SCHEDULER=off, and returns the function that stops it and waits for
// its round in progress. base is the address links point at.
func startReminders(ctx context.Context, cfg config.Config, st *store.Store, cal calendar.Source, log *slog.Logger, e env,
	base string, scanner remind.Queuer) func() {
	if cfg.Scheduler == "off" {
		log.Info("reminders scheduler off (SROK_SCHEDULER=off): this instance serves HTTP only")
		return func() {}
	}
	var sender *mailer.Sender
	if cfg.SMTPHost != "" {
		var err error
		if sender, err = mailer.New(cfg.SMTP()); err != nil {
			log.Error("reminders: SMTP settings", "error", err.Error())
		}
	}
	domain := "srok.invalid"
	if sender != nil {
		if _, d, ok := strings.Cut(sender.From(), "@"); ok {
			domain = d
		}
	}
	host, _ := os.Hostname()
	d := remind.NewDeliverer(remind.DelivererConfig{Store: st, Sender: sender, Now: e.now,
		Instance: host + ":" + strconv.Itoa(os.Getpid()), Lease: cfg.ReminderLease, Log: log,
		Composer: &remind.Composer{BaseURL: base, Calendar: cal, Domain: domain}})
	sch := &remind.Scheduler{Scanner: scanner, Deliverer: d, Interval: cfg.SchedulerInterval, Now: e.now, Log: log}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sch.Run(rctx)
	}()
	log.Info("reminders scheduler started", "interval", cfg.SchedulerInterval.String(), "smtp", sender != nil)
	return func() { cancel(); <-done }
}
