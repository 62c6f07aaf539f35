package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/ru"
)

// runMailCheck is `srok mail check`: it connects to every mailbox of
// SROK_IMAP_URL (TLS, login, the folder) and says in one Russian line each
// whether it works, and what failed; exit 1 when one failed. It needs no
// database.
func runMailCheck(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("mail check", "")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	srcs := cfg.Mailboxes()
	if len(srcs) == 0 {
		return usagef("почтовые ящики не настроены: задайте SROK_IMAP_URL, например imaps://privacy%%40example.ru:ПАРОЛЬ@imap.example.ru/INBOX")
	}
	tlsCfg, err := mailbox.TLSConfig(cfg.IMAPCAFile)
	if err != nil {
		return usagef("SROK_IMAP_CA_FILE=%q: %v", cfg.IMAPCAFile, err)
	}
	failed := 0
	for _, src := range srcs {
		err := mailbox.Check(ctx, src, tlsCfg, 0)
		if err == nil {
			fmt.Fprintf(e.stdout, "%s (%s): подключение работает — соединение защищено, вход выполнен, папка %s открыта\n",
				src.Address(), src.Redacted(), src.Folder)
			continue
		}
		failed++
		var me *mailbox.Error
		detail := err.Error()
		if errors.As(err, &me) {
			detail = me.Detail
		}
		fmt.Fprintf(e.stdout, "%s (%s): не работает — %s (%s)\n", src.Address(), src.Redacted(), ru.MailboxError(mailbox.CodeOf(err)), detail)
	}
	if failed > 0 {
		return fmt.Errorf("mail check: не работает ящиков: %d из %d", failed, len(srcs))
	}
	return nil
}
