package remind

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Queuer queues the reminders due at now in the outbox (a *Scanner):
// idempotent, so that every instance may run it.
type Queuer interface {
	Scan(ctx context.Context, now time.Time) (queued int, err error)
}

// Scheduler is the background loop of reminders: every Interval it asks the
// Scanner to queue what is due, then delivers the outbox until nothing due
// is left. Its logs carry counts only, never an address or a name.
type Scheduler struct {
	Scanner   Queuer // nil: only deliver what others queued
	Deliverer *Deliverer
	// Inbox, when set, queues and sends the inbox notices after each
	// delivery, so that a digest due at the same hour goes first.
	Inbox    *InboxNotifier
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// Run loops until ctx ends; it returns once the round in progress is done
// (an email being sent is finished and marked, the rest of its batch given
// back).
func (s *Scheduler) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	warnedNoSMTP := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.round(ctx, now(), log, &warnedNoSMTP)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round is one scan and delivery, then the inbox notices.
func (s *Scheduler) round(ctx context.Context, now time.Time, log *slog.Logger, warnedNoSMTP *bool) {
	if s.Inbox != nil {
		defer func() {
			if ctx.Err() != nil {
				return
			}
			if err := s.Inbox.Round(ctx); err != nil && ctx.Err() == nil {
				log.Warn("inbox notices: round failed", "error", err.Error())
			}
		}()
	}
	if s.Scanner != nil {
		queued, err := s.Scanner.Scan(ctx, now)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("reminders: scan failed", "error", err.Error())
		case queued > 0:
			log.Info("reminders queued", "count", queued)
		}
	}
	if s.Deliverer == nil || ctx.Err() != nil {
		return
	}
	st, err := s.Deliverer.DeliverStats(ctx, now)
	switch {
	case errors.Is(err, ErrNoSMTP):
		if !*warnedNoSMTP {
			*warnedNoSMTP = true
			log.Warn("reminders are not sent: no SMTP server is configured (SROK_SMTP_HOST); they stay queued until one is")
		}
		return
	case errors.Is(err, ErrAuthRefused) && st == (Stats{}):
		// The Deliverer logged the refusal once, when it met it; until a
		// restart every round ends here without logging in.
		return
	case errors.Is(err, errConnection):
		// The error names the SMTP code or "connection", never an address.
		log.Warn("reminders: the SMTP server cannot be reached; retrying later", "error", err.Error())
	case err != nil && ctx.Err() == nil:
		log.Error("reminders: delivery failed", "error", err.Error())
	}
	if st != (Stats{}) {
		log.Info("reminders delivered", "sent", st.Sent, "retried", st.Retried, "failed", st.Failed, "cancelled", st.Cancelled)
	}
}
