package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/google/uuid"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/store"
)

// newMailboxes is the mailboxes of SROK_IMAP_URL (checked by config.Load)
// and those connected from the page (their passwords sealed with the key
// of SROK_SECRET_KEY_FILE), their messages going through emails.
func newMailboxes(cfg config.Config, st *store.Store, emails *intake.Service, trail audit.Trail, e env) (*mailbox.Service, error) {
	tlsCfg, err := mailbox.TLSConfig(cfg.IMAPCAFile)
	if err != nil {
		return nil, usagef("SROK_IMAP_CA_FILE=%q: %v", cfg.IMAPCAFile, err)
	}
	var sealer *mailbox.Sealer
	if cfg.SecretKeyFile != "" {
		if sealer, err = mailbox.LoadSealer(cfg.SecretKeyFile); err != nil {
			return nil, usagef("SROK_SECRET_KEY_FILE=%q: %v", cfg.SecretKeyFile, err)
		}
	}
	return mailbox.NewService(st, emails, cfg.Mailboxes(), tlsCfg, mailbox.Options{DoneFolder: cfg.IMAPDoneFolder,
		Interval: cfg.IMAPInterval, Now: e.now, Sealer: sealer, Trail: trail}), nil
}

// startMailboxes syncs the configured mailboxes into the database and runs
// their fetchers in the background; stop ends them and waits. A mailbox
// that fails never stops the server: its state shows it (/readyz, the
// page, GET /api/v1/mailboxes).
func startMailboxes(ctx context.Context, mb *mailbox.Service, log *slog.Logger) (stop func(), err error) {
	if err := mb.Sync(ctx); err != nil {
		return nil, fmt.Errorf("mailboxes: %w", err)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		mb.Run(runCtx, holder, log)
	}()
	log.Info("mailboxes: fetching", "configured", len(mb.Sources()), "connecting_from_page", mb.CanConnect())
	return func() { cancel(); <-done }, nil
}
