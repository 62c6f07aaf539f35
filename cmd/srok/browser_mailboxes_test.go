package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/mailbox/imaptest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestBrowserMailboxes drives /admin/mailboxes in Chromium against a real
// Dovecot: without SROK_SECRET_KEY_FILE the page says how to make the key;
// with it, a wrong password comes back in Russian next to the password,
// the form as typed and nothing stored; the right one connects the
// mailbox, which the running server then fetches (a message delivered to
// it waits in the list); «Отключить» makes it inactive.
func TestBrowserMailboxes(t *testing.T) {
	chrome := needChrome(t)
	browser := startBrowser(t, chrome)
	srv := imaptest.MustStart(t)
	msg := []byte("From: Ivan Petrov <ivan@example.ru>\r\nTo: privacy@example.ru\r\nSubject: request\r\n" +
		"Message-ID: <browser-mb@example.ru>\r\n\r\nПрошу удалить мои данные.\r\n")
	admin := func(t *testing.T, s *browserSrok) {
		t.Helper()
		ctx := srok.WithActor(context.Background(), srok.System)
		if _, err := s.accounts.CreateUser(ctx, account.UserInput{Email: browserAdmin.email, Name: browserAdmin.name,
			Role: srok.RoleAdmin, Password: browserAdmin.password}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("without the key", func(t *testing.T) {
		s := startBrowserSrok(t, store.SQLite)
		admin(t, s)
		b := newBrowserTab(t, browser, s.base, filepath.Join(browserOut, "mailboxes-nokey"))
		b.login(t, browserAdmin)
		b.open(t, "/admin/mailboxes")
		b.waitLoad(t, "the page", `!!document.querySelector("#connect-heading")`)
		txt, ok := b.text(t, "#key-needed")
		if !ok || !strings.Contains(txt, "SROK_SECRET_KEY_FILE") || !strings.Contains(txt, "head -c 32 /dev/urandom | base64") {
			t.Errorf("without the key: %q", txt)
		}
		if _, form := b.text(t, "#connect-form"); form {
			t.Error("the connection form is shown without the key")
		}
	})

	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "secret.key")
			if err := os.WriteFile(key, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := startBrowserSrokWith(t, d, map[string]string{"SROK_SECRET_KEY_FILE": key, "SROK_IMAP_CA_FILE": srv.CAFile(),
				"SROK_IMAP_INTERVAL": "1s"})
			admin(t, s)
			out := filepath.Join(browserOut, "mailboxes-"+string(d))
			_ = os.RemoveAll(out)
			b := newBrowserTab(t, browser, s.base, out)
			b.login(t, browserAdmin)
			b.open(t, "/admin/mailboxes")
			b.waitLoad(t, "the connection form", `!!document.querySelector("#connect-form")`)
			typed := map[string]string{"address": "srok", "password": "wrong-password", "host": "127.0.0.1",
				"port": fmt.Sprint(srv.TLS), "tls": "imaps", "folder": "INBOX"}
			b.fill(t, "#connect-form", typed)
			b.submit(t, "#connect-form")
			b.waitLoad(t, "the password's problem", `!!document.querySelector("#mb-password-error")`)
			if txt, _ := b.text(t, "#mb-password-error"); !strings.Contains(txt, "отклонил логин или пароль") {
				t.Errorf("the password's problem: %q", txt)
			}
			if got := b.value(t, "#mb-host"); got != "127.0.0.1" {
				t.Errorf("the host typed is lost: %q", got)
			}
			if got := b.value(t, "#mb-password"); got != "" {
				t.Errorf("the password is sent back to the page: %q", got)
			}
			if _, listed := b.text(t, "#mailboxes"); listed {
				t.Error("a mailbox is listed after a failed connection")
			}
			b.shot(t, "mailbox-wrong-password")

			typed["password"] = "app-password"
			b.fill(t, "#connect-form", typed)
			b.submit(t, "#connect-form")
			b.waitLoad(t, "the mailbox connected", `!!document.querySelector("#notice") && !!document.querySelector("#mailboxes")`)
			srv.MustAppend(t, "INBOX", msg, time.Now())
			deadline := time.Now().Add(30 * time.Second)
			for {
				b.open(t, "/admin/mailboxes")
				b.waitLoad(t, "the list", `!!document.querySelector("#mailboxes")`)
				row := evalJS[string](t, b, `(function(){ const r = document.querySelector("#mailboxes tbody tr");
					return r.cells[2].innerText + "|" + r.cells[4].innerText })()`)
				if row == "работает|1" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the delivered message is not fetched: %q", row)
				}
				time.Sleep(300 * time.Millisecond)
			}
			if strings.Contains(b.bodyText(), "app-password") {
				t.Error("the page shows the password")
			}
			b.shot(t, "mailbox-connected")

			b.mark(t)
			b.do(t, "disconnect", chromedp.Click(chromedp.CSS(`button[aria-label^="Отключить ящик"]`)))
			b.waitLoad(t, "the mailbox disconnected", `!!document.querySelector("#notice")`)
			if row, _ := b.text(t, "#mailboxes tbody tr"); !strings.Contains(row, "отключён") {
				t.Errorf("after disconnecting: %q", row)
			}
		})
	}
}
