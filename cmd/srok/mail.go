package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/store"
)

// runMail is `srok mail test --to ADDRESS`: it sends a test message through
// the configured SMTP server and says in one line, in Russian for the staff
// who run it, how the server answered. The message says when it was sent in
// the operator's zone (SROK_TIME_ZONE).
func runMail(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "check" {
		return runMailCheck(ctx, args[1:], e)
	}
	if len(args) == 0 || args[0] != "test" {
		return usagef("используйте: srok mail test --to АДРЕС или srok mail check")
	}
	fs := newFlagSet("mail test", "--to ADDRESS")
	to := fs.String("to", "", "the address the test message goes to")
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	if *to == "" {
		return usagef("нужен --to: адрес, на который отправить проверочное письмо")
	}
	addr, err := mail.ParseAddress(*to)
	if err != nil {
		return usagef("--to %q — не адрес электронной почты", *to)
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	if cfg.SMTPHost == "" {
		return usagef("почтовый сервер не настроен: задайте SROK_SMTP_HOST и SROK_SMTP_FROM (см. srok config)")
	}
	s, err := mailer.New(cfg.SMTP())
	if err != nil {
		return usagef("%v", err)
	}
	resp, err := s.Test(ctx, addr.Address, e.now(), cfg.Zone())
	if err != nil {
		code := ""
		if c := mailer.CodeOf(err); c != 0 {
			code = " (SMTP " + strconv.Itoa(c) + ")"
		}
		return fmt.Errorf("test: не отправлено на %s через %s%s: %v", addr.Address, s.Describe(), code, mailOneLine(err.Error()))
	}
	fmt.Fprintf(e.stdout, "отправлено на %s через %s: %s\n", addr.Address, s.Describe(), mailOneLine(resp))
	return nil
}

func mailOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// startReminders starts the reminders scheduler of `srok serve`, unless
// SROK_SCHEDULER=off, and returns the function that stops it and waits for
// its round in progress. base is the address links point at.
func startReminders(ctx context.Context, cfg config.Config, st *store.Store, cal calendar.Source, log *slog.Logger, e env,
	base string, scanner remind.Queuer, lateEmails func(recipientID string) int) func() {
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
		Composer: &remind.Composer{BaseURL: base, Calendar: cal, Domain: domain, LateEmails: lateEmails,
			InDigest: func(id string, date calendar.Date) {
				ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if err := st.InboxNoticeInDigest(ctx, id, date, e.now()); err != nil {
					log.Warn("inbox notices: the digest's line not recorded", "error", err.Error())
				}
			}}})
	// The inbox notices run after each delivery of the reminders, so that
	// a digest that carries the line goes first and spares the notice.
	inbox := &remind.InboxNotifier{Store: st, Sender: sender, Now: e.now, Calendar: cal, Zone: cfg.Zone(), BaseURL: base,
		Domain: domain, LateEmails: lateEmails, Lease: cfg.ReminderLease, Log: log}
	sch := &remind.Scheduler{Scanner: scanner, Deliverer: d, Inbox: inbox, Interval: cfg.SchedulerInterval, Now: e.now, Log: log}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sch.Run(rctx)
	}()
	ackDone := make(chan struct{})
	if cfg.AckEmails == "on" {
		ack := &remind.Acknowledger{Store: st, Sender: sender, Now: e.now, Zone: cfg.Zone(), Domain: domain,
			Lease: cfg.ReminderLease, Log: log}
		go func() {
			defer close(ackDone)
			runRounds(rctx, ack, "acknowledgements", cfg.SchedulerInterval, log)
		}()
	} else {
		close(ackDone)
	}
	// Letters issued by email wait in their outbox until an SMTP server is
	// set; they are sent whatever SROK_ACK_EMAILS says.
	lettersDone := make(chan struct{})
	out := &remind.LetterSender{Store: st, Sender: sender, Now: e.now, Domain: domain, Lease: cfg.ReminderLease, Log: log}
	go func() {
		defer close(lettersDone)
		runRounds(rctx, out, "letters", cfg.SchedulerInterval, log)
	}()
	log.Info("reminders scheduler started", "interval", cfg.SchedulerInterval.String(), "smtp", sender != nil)
	return func() { cancel(); <-done; <-ackDone; <-lettersDone }
}

// runRounds runs a round of r (the acknowledgements, the letters' outbox)
// every interval until ctx ends.
func runRounds(ctx context.Context, r interface{ Round(context.Context) error }, what string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Round(ctx); err != nil && ctx.Err() == nil {
			log.Warn(what+": round failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
