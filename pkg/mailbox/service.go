package mailbox

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

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
}

// Options tune the fetchers (see Fetcher).
type Options struct {
	DoneFolder string
	Interval   time.Duration
	Lease      time.Duration
	Timeout    time.Duration
	Now        func() time.Time
}

// NewService returns the mailboxes of sources on st, whose messages go to
// ing (the intake).
func NewService(st Store, ing Ingester, sources []Source, tlsCfg *tls.Config, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: st, ingest: ing, sources: sources, tls: tlsCfg, opts: opts}
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

// Check tests the connection of the configured mailbox with id for a
// (Check): nil when it works, else an *Error; ENOTFOUND when no mailbox of
// this instance's configuration has that id.
func (s *Service) Check(ctx context.Context, a srok.Actor, id string) error {
	if err := mayRead(a); err != nil {
		return err
	}
	for _, src := range s.sources {
		if src.ID == id {
			return Check(ctx, src, s.tls, s.opts.Timeout)
		}
	}
	return srok.Errorf(srok.ENOTFOUND, "no configured mailbox has id %q", id)
}

// Run runs a fetcher per configured mailbox until ctx ends, holder naming
// this instance in their leases; it returns once all have stopped.
func (s *Service) Run(ctx context.Context, holder string, log *slog.Logger) {
	var wg sync.WaitGroup
	for _, src := range s.sources {
		f := &Fetcher{Source: src, Store: s.store, Ingest: s.ingest, Holder: holder, TLS: s.tls, DoneFolder: s.opts.DoneFolder,
			Interval: s.opts.Interval, Lease: s.opts.Lease, Timeout: s.opts.Timeout, Now: s.opts.Now, Log: log}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Run(ctx)
		}()
	}
	wg.Wait()
}
