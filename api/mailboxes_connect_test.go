package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/mailbox/imaptest"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// connectEnv is the API with the mailboxes of a running Run, over a real
// Dovecot.
type connectEnv struct {
	h      *harness
	srv    *imaptest.Server
	sealer *mailbox.Sealer
}

func newConnectEnv(t *testing.T, h *harness, withKey bool) connectEnv {
	t.Helper()
	srv := imaptest.MustStart(t)
	var sealer *mailbox.Sealer
	if withKey {
		key := make([]byte, mailbox.KeySize)
		_, _ = rand.Read(key)
		var err error
		if sealer, err = mailbox.NewSealer(key); err != nil {
			t.Fatal(err)
		}
	}
	emails := intake.NewService(h.st, intake.WithClock(h.clock.Now), intake.WithAudit(h.audit))
	tlsCfg, err := mailbox.TLSConfig(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	mb := mailbox.NewService(h.st, emails, nil, tlsCfg, mailbox.Options{Interval: 200 * time.Millisecond, Lease: 3 * time.Second,
		Timeout: 10 * time.Second, Poll: 100 * time.Millisecond, Sealer: sealer, Trail: h.audit})
	reg := register.NewService(h.st, testCal, moscow, h.clock.Now, register.WithUsers(h.accounts), register.WithAudit(h.audit))
	h.h = newRouter(Config{Register: reg, Calendar: testCal, Accounts: h.accounts, Audit: h.audit, Health: h.st,
		Log: slog.New(slog.DiscardHandler), Now: h.clock.Now, Emails: emails, Mailboxes: mb})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mb.Run(ctx, "instance-a", nil) }()
	t.Cleanup(func() { cancel(); <-done })
	return connectEnv{h: h, srv: srv, sealer: sealer}
}

// body is a connection of the test server's mailbox over STARTTLS.
func (e connectEnv) body(password string) map[string]any {
	return map[string]any{"address": "srok", "password": password, "host": "127.0.0.1", "port": e.srv.Plain, "tls": "starttls",
		"folder": "INBOX"}
}

func (e connectEnv) list(t *testing.T) []mailboxJSON {
	t.Helper()
	r := e.h.exchange(t, true, http.MethodGet, "/api/v1/mailboxes", nil, as(e.h.token))
	wantStatus(t, r, http.StatusOK)
	var out struct{ Items []mailboxJSON }
	r.decode(t, &out)
	return out.Items
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

func mailMsg(n int) []byte {
	return []byte(fmt.Sprintf("From: Ivan Petrov <ivan%d@example.ru>\r\nTo: privacy@example.ru\r\nSubject: request %d\r\n"+
		"Date: Mon, 18 May 2026 10:00:00 +0300\r\nMessage-ID: <connect-%d@example.ru>\r\n\r\nПрошу удалить мои данные. %d\r\n", n, n, n, n))
}

// An administrator connects a mailbox through the API: a wrong password is
// a 422 naming the password and stores nothing; the right one is stored
// sealed, never in clear, and the running fetchers take a message
// delivered to it without a restart; disconnected, it is fetched no more
// and its emails stay. Both are in the audit trail, without the password.
func TestConnectMailboxThroughTheAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		e := newConnectEnv(t, h, true)
		ctx := t.Context()

		// A wrong password: 422 naming the password, nothing stored.
		r := h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", e.body("wrong-password"), as(h.token))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		p := r.problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "password" || p.Type != "urn:srok:problem:invalid:mailbox_auth_failed" {
			t.Errorf("wrong password: %+v", p)
		}
		if strings.Contains(string(r.Body), "wrong-password") {
			t.Errorf("the answer shows the password: %s", r.Body)
		}
		if got := e.list(t); len(got) != 0 {
			t.Fatalf("a failed connection stored %+v", got)
		}
		// A missing folder: 422 naming the folder.
		b := e.body("app-password")
		b["folder"] = "Nowhere"
		r = h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", b, as(h.token))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "folder" {
			t.Errorf("missing folder: %+v", p)
		}
		// tls=none to a host that is not loopback: 422 naming tls, nothing tried.
		b = e.body("app-password")
		b["tls"], b["host"] = "none", "imap.example.ru"
		r = h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", b, as(h.token))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "tls" {
			t.Errorf("tls=none off loopback: %+v", p)
		}
		// Officers see the mailboxes but do not connect them.
		officer := h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull)
		wantStatus(t, h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", e.body("app-password"), as(officer)), http.StatusForbidden)

		r = h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", e.body("app-password"), as(h.token))
		wantStatus(t, r, http.StatusCreated)
		var m mailboxJSON
		r.decode(t, &m)
		if m.Source != mailbox.SourcePage || m.Address != "srok" || m.Folder != "INBOX" || r.Header.Get("Location") != "/api/v1/mailboxes/"+m.ID {
			t.Errorf("connected: %s (Location %q)", r.Body, r.Header.Get("Location"))
		}
		if strings.Contains(string(r.Body), "app-password") {
			t.Errorf("the answer shows the password: %s", r.Body)
		}
		// The same mailbox again: a conflict.
		wantStatus(t, h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", e.body("app-password"), as(h.token)), http.StatusConflict)

		// Stored sealed: not the password, and it opens with the key for
		// this mailbox only.
		var sealed string
		if err := h.st.SQL().QueryRowContext(ctx, `SELECT password_sealed FROM mailboxes WHERE id = `+placeholder(h), m.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || strings.Contains(sealed, "app-password") || !strings.HasPrefix(sealed, "v1:") {
			t.Errorf("stored password %q", sealed)
		}
		if pw, err := e.sealer.Open(m.ID, sealed); err != nil || pw != "app-password" {
			t.Errorf("opened: %q, %v", pw, err)
		}
		if _, err := e.sealer.Open("00000000-0000-0000-0000-000000000000", sealed); err == nil {
			t.Error("the sealed password opens for another mailbox")
		}

		// Fetched without a restart.
		e.srv.MustAppend(t, "INBOX", mailMsg(1), time.Now())
		waitUntil(t, "the delivered message is fetched", func() bool {
			l := e.list(t)
			return len(l) == 1 && l[0].Waiting == 1 && l[0].State == "ok"
		})

		// Disconnected: inactive, its email kept, nothing fetched any more.
		wantStatus(t, h.exchange(t, true, http.MethodDelete, "/api/v1/mailboxes/"+m.ID, nil, as(officer)), http.StatusForbidden)
		wantStatus(t, h.exchange(t, true, http.MethodDelete, "/api/v1/mailboxes/"+m.ID, nil, as(h.token)), http.StatusNoContent)
		wantStatus(t, h.exchange(t, true, http.MethodDelete, "/api/v1/mailboxes/"+m.ID, nil, as(h.token)), http.StatusNotFound)
		wantStatus(t, h.exchange(t, true, http.MethodDelete, "/api/v1/mailboxes/not-an-id", nil, as(h.token)), http.StatusNotFound)
		if l := e.list(t); len(l) != 1 || l[0].State != "inactive" || l[0].Waiting != 1 {
			t.Fatalf("after disconnecting: %+v", l)
		}
		var left *string
		if err := h.st.SQL().QueryRowContext(ctx, `SELECT password_sealed FROM mailboxes WHERE id = `+placeholder(h), m.ID).Scan(&left); err != nil || left != nil {
			t.Errorf("the sealed password stays after disconnecting: %v, %v", left, err)
		}
		e.srv.MustAppend(t, "INBOX", mailMsg(2), time.Now())
		time.Sleep(2 * time.Second) // twenty polls of the connected mailboxes, ten of the folder
		if total, seen, err := e.srv.Status("INBOX"); err != nil || total != 2 || seen != 1 {
			t.Errorf("INBOX after disconnecting: %d messages, %d seen, %v; want 2, 1 (the new one not fetched)", total, seen, err)
		}
		if l := e.list(t); l[0].Waiting != 1 {
			t.Errorf("after disconnecting, %d emails wait, want 1", l[0].Waiting)
		}

		// Both in the audit trail, with neither password.
		entries, err := h.st.ListAudit(ctx, audit.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var connects, disconnects int
		for _, en := range entries {
			switch en.Action {
			case audit.ActionMailboxConnect:
				connects++
			case audit.ActionMailboxDisconnect:
				disconnects++
			}
			if strings.Contains(en.Detail, "app-password") || strings.Contains(en.Detail, "wrong-password") {
				t.Errorf("an audit entry holds the password: %+v", en)
			}
		}
		if connects != 1 || disconnects != 1 {
			t.Errorf("audit: %d mailbox.connect, %d mailbox.disconnect; want 1 and 1", connects, disconnects)
		}
	})
}

// Without SROK_SECRET_KEY_FILE a mailbox cannot be connected: 409 naming
// the variable, nothing tried nor stored.
func TestConnectMailboxNeedsTheKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		e := newConnectEnv(t, h, false)
		r := h.exchange(t, true, http.MethodPost, "/api/v1/mailboxes", e.body("app-password"), as(h.token))
		wantStatus(t, r, http.StatusConflict)
		p := r.problem(t)
		if p.Type != "urn:srok:problem:conflict:secret_key_missing" || len(p.Errors) != 1 || p.Errors[0].Field != "SROK_SECRET_KEY_FILE" {
			t.Errorf("without the key: %+v", p)
		}
		if got := e.list(t); len(got) != 0 {
			t.Errorf("stored without the key: %+v", got)
		}
	})
}

// placeholder is the first parameter of a statement in h's dialect.
func placeholder(h *harness) string {
	if h.st.Dialect() == store.Postgres {
		return "$1"
	}
	return "?"
}
