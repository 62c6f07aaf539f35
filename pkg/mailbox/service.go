package mailbox

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Service is the mailboxes of one Srok instance: the configured sources,
// with their passwords in memory only, their rows in the store, and their
// fetchers. It is safe for concurrent use.
type Service struct {
	store   Store
	ingest  Ingester
	sources []Source
	tls     *tls.Config
	opts    Options
	// wake asks Run to look at the connected mailboxes now (a change made
	// on this instance); other instances see it at their next poll.
	wake chan struct{}
}

// Options tune the fetchers (see Fetcher).
type Options struct {
	DoneFolder string
	Interval   time.Duration
	Lease      time.Duration
	Timeout    time.Duration
	Now        func() time.Time
	// Sealer seals and opens the passwords of the mailboxes connected from
	// the page (SROK_SECRET_KEY_FILE); nil: none can be connected, and
	// those stored cannot be fetched.
	Sealer *Sealer
	// Trail records connections and disconnections (mailbox.connect,
	// mailbox.disconnect) in their own transactions.
	Trail audit.Trail
	// Poll is how often Run looks for mailboxes connected or disconnected
	// on any instance (5 seconds by default).
	Poll time.Duration
}

// NewService returns the mailboxes of sources on st, whose messages go to
// ing (the intake).
func NewService(st Store, ing Ingester, sources []Source, tlsCfg *tls.Config, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	return &Service{store: st, ingest: ing, sources: sources, tls: tlsCfg, opts: opts, wake: make(chan struct{}, 1)}
}

// kick wakes Run after a change on this instance.
func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Sources are the configured mailboxes.
func (s *Service) Sources() []Source { return s.sources }

// Sync makes the configured mailboxes rows (start-up of `srok serve`).
func (s *Service) Sync(ctx context.Context) error {
	return s.store.SyncMailboxes(ctx, s.sources, s.opts.Now())
}

// mayRead: the mailboxes are read by administrators and officers, those
// who read the audit trail (the people answerable for the processing,
// 152-FZ art. 22.1).
func mayRead(a srok.Actor) error {
	if a.ID == "" {
		return srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !a.Can(srok.ActAuditRead) {
		return &srok.Error{Code: srok.EFORBIDDEN, Message: "only administrators and officers may see the mailboxes"}
	}
	return nil
}

// List returns the mailboxes for a (administrators and officers).
func (s *Service) List(ctx context.Context, a srok.Actor) ([]Mailbox, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	return s.store.Mailboxes(ctx)
}

// States lists the mailboxes for /readyz, which shows their states
// without failing readiness: a mailbox down is not the service down.
func (s *Service) States(ctx context.Context) ([]Mailbox, error) { return s.store.Mailboxes(ctx) }

// Check tests the connection of the mailbox with id for a (Check): nil
// when it works, else an *Error; ENOTFOUND when neither this instance's
// configuration nor the connected mailboxes have that id.
func (s *Service) Check(ctx context.Context, a srok.Actor, id string) error {
	if err := mayRead(a); err != nil {
		return err
	}
	for _, src := range s.sources {
		if src.ID == id {
			return Check(ctx, src, s.tls, s.opts.Timeout)
		}
	}
	conns, err := s.opened(ctx)
	if err != nil {
		return err
	}
	for _, o := range conns {
		if o.src.ID == id {
			if o.err != nil {
				return o.err
			}
			return CheckFolders(ctx, o.src, o.done, s.tls, s.opts.Timeout)
		}
	}
	return srok.Errorf(srok.ENOTFOUND, "no configured mailbox has id %q", id)
}

// Run runs a fetcher per mailbox until ctx ends, holder naming this
// instance in their leases; it returns once all have stopped. The
// mailboxes of the configuration run from the start; those connected from
// the page are looked for every Poll (and at once after a change on this
// instance), so that a mailbox connected or disconnected on any instance is
// fetched, or let go, by every instance without a restart; the lease keeps
// one instance at a time on each.
func (s *Service) Run(ctx context.Context, holder string, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	start := func(ctx context.Context, src Source, done string) {
		f := &Fetcher{Source: src, Store: s.store, Ingest: s.ingest, Holder: holder, TLS: s.tls, DoneFolder: done,
			Interval: s.opts.Interval, Lease: s.opts.Lease, Timeout: s.opts.Timeout, Now: s.opts.Now, Log: log}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Run(ctx)
		}()
	}
	for _, src := range s.sources {
		start(ctx, src, s.opts.DoneFolder)
	}
	// running are the connected mailboxes fetched now, by id; a mailbox
	// whose password changed (disconnected and connected again) is
	// restarted.
	type run struct {
		sealed string
		cancel context.CancelFunc
	}
	running := map[string]run{}
	t := time.NewTicker(s.opts.Poll)
	defer t.Stop()
	for {
		conns, err := s.opened(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("mailbox: unable to list the connected mailboxes", "error", err.Error())
		}
		if err == nil {
			seen := map[string]bool{}
			for _, o := range conns {
				seen[o.src.ID] = true
				if r, ok := running[o.src.ID]; ok && r.sealed == o.sealed {
					continue
				} else if ok {
					r.cancel()
					delete(running, o.src.ID)
				}
				if o.err != nil {
					// Recorded once per change of the sealed password; the
					// page shows it.
					log.Warn("mailbox: a connected mailbox cannot be fetched", "mailbox", o.src.ID, "code", string(o.err.Code), "error", o.err.Detail)
					_ = s.store.SetMailboxStatus(ctx, o.src.ID, Status{State: StateFailing, Err: o.err}, s.opts.Now())
					running[o.src.ID] = run{sealed: o.sealed, cancel: func() {}}
					continue
				}
				rctx, cancel := context.WithCancel(ctx)
				running[o.src.ID] = run{sealed: o.sealed, cancel: cancel}
				start(rctx, o.src, o.done)
				log.Info("mailbox: fetching a connected mailbox", "mailbox", o.src.ID, "url", o.src.Redacted())
			}
			for id, r := range running {
				if !seen[id] {
					r.cancel()
					delete(running, id)
					log.Info("mailbox: a mailbox was disconnected; no longer fetched", "mailbox", id)
				}
			}
		}
		select {
		case <-ctx.Done():
			for _, r := range running {
				r.cancel()
			}
			wg.Wait()
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}
