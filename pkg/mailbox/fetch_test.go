package mailbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/mailbox/imaptest"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// msg is a small request email, different for each n.
func msg(n int) []byte {
	return []byte(fmt.Sprintf("From: Ivan Petrov <ivan%d@example.ru>\r\nTo: privacy@example.ru\r\nSubject: =?UTF-8?B?0JfQsNC/0YDQvtGB?= %d\r\n"+
		"Date: Mon, 18 May 2026 10:00:00 +0300\r\nMessage-ID: <req-%d@example.ru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Прошу предоставить сведения об обработке моих персональных данных. %d\r\n", n, n, n, n))
}

// env is a store, an intake and a mailbox row for src.
type env struct {
	st  *store.Store
	in  *intake.Service
	src mailbox.Source
}

func newEnv(t *testing.T, st *store.Store, url string) env { return newEnvTB(t, st, url) }

func newEnvTB(t testing.TB, st *store.Store, url string) env {
	t.Helper()
	src, err := mailbox.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SyncMailboxes(context.Background(), []mailbox.Source{src}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return env{st: st, in: intake.NewService(st), src: src}
}

func (e env) fetcher(holder string) *mailbox.Fetcher {
	return &mailbox.Fetcher{Source: e.src, Store: e.st, Ingest: e.in, Holder: holder, Interval: 200 * time.Millisecond,
		Lease: 3 * time.Second, Timeout: 10 * time.Second, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
}

// run runs f until the returned stop is called (or the test ends).
func run(t *testing.T, f *mailbox.Fetcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Error("the fetcher did not stop within 20 s of its context's end")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// mb returns the mailbox's row.
func (e env) mb(t *testing.T) mailbox.Mailbox {
	t.Helper()
	list, err := e.st.Mailboxes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ID == e.src.ID {
			return m
		}
	}
	t.Fatalf("no mailbox %s", e.src.ID)
	return mailbox.Mailbox{}
}

// waitFor polls cond until it holds, or fails the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
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

// waitWaiting waits until the mailbox has n emails, then checks it stays at
// n for a moment (no late duplicate).
func (e env) waitWaiting(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d emails are stored", n), func() bool { return e.mb(t).Waiting >= n })
	time.Sleep(300 * time.Millisecond)
	if got := e.mb(t).Waiting; got != n {
		t.Fatalf("%d emails stored from the mailbox, want %d", got, n)
	}
}

func TestFetchOnceAcrossRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := imaptest.MustStart(t)
		e := newEnv(t, st, srv.URL("srok", "app-password", "INBOX"))
		arrived := time.Date(2026, 5, 18, 11, 5, 0, 0, time.UTC)
		srv.MustAppend(t, "INBOX", msg(1), arrived)
		srv.MustAppend(t, "INBOX", []byte("this is no email at all\r\n\r\n\x00\xff"), arrived.Add(time.Minute))
		stop := run(t, e.fetcher("a"))
		e.waitWaiting(t, 2)
		m := e.mb(t)
		if m.State != mailbox.StateOK || m.LastError != "" || m.LastFetchAt == nil {
			t.Errorf("after a fetch: state %s, error %q, last fetch %v", m.State, m.LastError, m.LastFetchAt)
		}
		// The arrival is the INTERNALDATE, and it is the email's date for a request.
		keys, err := st.EmailsWithMessageID(context.Background(), "req-1@example.ru")
		if err != nil || len(keys) != 1 {
			t.Fatalf("emails with the Message-ID: %v, %v", keys, err)
		}
		em, err := st.Email(context.Background(), keys[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if em.ReceivedAt == nil || !em.ReceivedAt.Equal(arrived) || em.MailboxID != e.src.ID {
			t.Errorf("received at %v from %q, want %v from %s", em.ReceivedAt, em.MailboxID, arrived, e.src.ID)
		}
		if d, err := st.EmailDate(context.Background(), em.ID); err != nil || d == nil || !d.Equal(arrived) {
			t.Errorf("the date a request takes from the email: %v, %v; want %v", d, err, arrived)
		}
		if total, seen, err := srv.Status("INBOX"); err != nil || total != 2 || seen != 2 {
			t.Errorf("INBOX: %d messages, %d seen, %v; want 2 and 2", total, seen, err)
		}
		// The fetcher restarts: nothing again; a new message once.
		stop()
		srv.MustAppend(t, "INBOX", msg(2), arrived)
		stop = run(t, e.fetcher("a"))
		e.waitWaiting(t, 3)
		// Dovecot restarts under the fetcher: it reconnects, takes the new one once.
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the mailbox shows the outage", func() bool { return e.mb(t).State == mailbox.StateFailing })
		if m := e.mb(t); m.LastError != mailbox.CodeConnect {
			t.Errorf("server down: last error %q, want %q", m.LastError, mailbox.CodeConnect)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		srv.MustAppend(t, "INBOX", msg(3), arrived)
		e.waitWaiting(t, 4)
		waitFor(t, "the mailbox is ok again", func() bool { return e.mb(t).State == mailbox.StateOK })
		stop()
	})
}

func TestFetchPollingWithoutIdle(t *testing.T) {
	srv := imaptest.MustStart(t, imaptest.WithoutIdle())
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), srv.URL("srok", "app-password", "INBOX"))
	run(t, e.fetcher("a"))
	waitFor(t, "the first fetch", func() bool { return e.mb(t).LastFetchAt != nil })
	for i := range 3 {
		srv.MustAppend(t, "INBOX", msg(i), time.Now())
	}
	e.waitWaiting(t, 3)
}

func TestFetchMovesToDoneFolder(t *testing.T) {
	srv := imaptest.MustStart(t)
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), srv.URL("srok", "app-password", "INBOX"))
	c, err := srv.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Create("Srok")
	_ = c.Logout()
	srv.MustAppend(t, "INBOX", msg(1), time.Now())
	srv.MustAppend(t, "INBOX", msg(2), time.Now())
	f := e.fetcher("a")
	f.DoneFolder = "Srok"
	run(t, f)
	e.waitWaiting(t, 2)
	waitFor(t, "both are moved", func() bool {
		inbox, _, _ := srv.Status("INBOX")
		done, seen, _ := srv.Status("Srok")
		return inbox == 0 && done == 2 && seen == 2
	})
}

func TestFetchNewUIDValidityMakesNoDuplicate(t *testing.T) {
	srv := imaptest.MustStart(t)
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), srv.URL("srok", "app-password", "Requests"))
	srv.MustAppend(t, "Requests", msg(1), time.Now())
	srv.MustAppend(t, "Requests", msg(2), time.Now())
	stop := run(t, e.fetcher("a"))
	e.waitWaiting(t, 2)
	stop()
	before, err := e.st.MailboxCursor(context.Background(), e.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Recreate("Requests"); err != nil {
		t.Fatal(err)
	}
	// The same two again (a restore of the folder), and a new one.
	srv.MustAppend(t, "Requests", msg(1), time.Now())
	srv.MustAppend(t, "Requests", msg(2), time.Now())
	srv.MustAppend(t, "Requests", msg(3), time.Now())
	run(t, e.fetcher("a"))
	e.waitWaiting(t, 3)
	after, err := e.st.MailboxCursor(context.Background(), e.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity {
		t.Errorf("UIDVALIDITY %d kept after the folder was recreated", after.UIDValidity)
	}
	waitFor(t, "all three are seen", func() bool { _, seen, _ := srv.Status("Requests"); return seen == 3 })
}

func TestFetchBadPasswordThenRecovery(t *testing.T) {
	srv := imaptest.MustStart(t)
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), srv.URL("srok", "app-password", "INBOX"))
	if err := srv.SetPassword("srok", "changed"); err != nil {
		t.Fatal(err)
	}
	srv.MustAppendAs(t, "changed", "INBOX", msg(1), time.Now())
	run(t, e.fetcher("a"))
	waitFor(t, "the refusal shows", func() bool { m := e.mb(t); return m.State == mailbox.StateFailing && m.LastError == mailbox.CodeAuth })
	if d := e.mb(t).ErrorDetail; strings.Contains(d, "app-password") {
		t.Errorf("the error shows the password: %s", d)
	}
	if err := srv.SetPassword("srok", "app-password"); err != nil {
		t.Fatal(err)
	}
	e.waitWaiting(t, 1)
	waitFor(t, "the mailbox is ok", func() bool { m := e.mb(t); return m.State == mailbox.StateOK && m.LastError == "" })
}

func TestCheckTLS(t *testing.T) {
	srv := imaptest.MustStart(t)
	ctx := context.Background()
	withCA, err := mailbox.TLSConfig(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	system, err := mailbox.TLSConfig("")
	if err != nil {
		t.Fatal(err)
	}
	implicit, err := mailbox.ParseURL(fmt.Sprintf("imaps://srok:app-password@%s/INBOX", srv.TLSAddr()))
	if err != nil {
		t.Fatal(err)
	}
	starttls, err := mailbox.ParseURL(fmt.Sprintf("imap://srok:app-password@%s/INBOX?tls=starttls", srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	wrongPort, _ := mailbox.ParseURL(fmt.Sprintf("imaps://srok:app-password@%s/INBOX", srv.Addr()))
	noFolder, _ := mailbox.ParseURL(fmt.Sprintf("imaps://srok:app-password@%s/Nowhere", srv.TLSAddr()))
	badPass, _ := mailbox.ParseURL(fmt.Sprintf("imaps://srok:wrong@%s/INBOX", srv.TLSAddr()))
	for _, tc := range []struct {
		name string
		src  mailbox.Source
		cfg  any
		want mailbox.Code
	}{
		{"implicit TLS, private CA", implicit, withCA, ""},
		{"STARTTLS, private CA", starttls, withCA, ""},
		{"implicit TLS, system roots", implicit, system, mailbox.CodeTLS},
		{"STARTTLS, system roots", starttls, system, mailbox.CodeTLS},
		{"TLS to the plain port", wrongPort, withCA, mailbox.CodeTLS},
		{"no such folder", noFolder, withCA, mailbox.CodeFolder},
		{"wrong password", badPass, withCA, mailbox.CodeAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := withCA
			if tc.cfg == system {
				cfg = system
			}
			err := mailbox.Check(ctx, tc.src, cfg, 10*time.Second)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("check: %v", err)
			case tc.want != "" && mailbox.CodeOf(err) != tc.want:
				t.Fatalf("check: %v, want code %s", err, tc.want)
			}
		})
	}
	// Nothing listens: a connection error, not a hang.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	down, _ := mailbox.ParseURL("imap://srok:x@" + addr + "/INBOX?tls=none")
	if err := mailbox.Check(ctx, down, withCA, 5*time.Second); mailbox.CodeOf(err) != mailbox.CodeConnect {
		t.Errorf("nothing listening: %v", err)
	}
}

func TestFetchLargeMessageLeftInPlace(t *testing.T) {
	srv := imaptest.MustStart(t)
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), srv.URL("srok", "app-password", "INBOX"))
	big := append(append([]byte{}, msg(1)...), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), intake.MaxSize/64+10)...)
	srv.MustAppend(t, "INBOX", big, time.Now())
	srv.MustAppend(t, "INBOX", msg(2), time.Now())
	run(t, e.fetcher("a"))
	e.waitWaiting(t, 1)
	waitFor(t, "the notice shows", func() bool { return e.mb(t).LastError == mailbox.CodeTooLarge })
	if m := e.mb(t); m.State != mailbox.StateOK {
		t.Errorf("state %s after passing a large message over, want ok", m.State)
	}
	if total, seen, _ := srv.Status("INBOX"); total != 2 || seen != 1 {
		t.Errorf("INBOX: %d messages, %d seen; want the large one left unread", total, seen)
	}
}

// cutter is a TCP proxy to target that cuts every connection once `after`
// bytes have gone to the client, for the first `cuts` connections.
type cutter struct {
	ln     net.Listener
	target string
	after  int64
	cuts   atomic.Int32
	cut    atomic.Int32
}

func newCutter(t *testing.T, target string, after int64, cuts int32) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: target, after: after}
	c.cuts.Store(cuts)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(in)
		}
	}()
	return c
}

func (c *cutter) serve(in net.Conn) {
	defer in.Close()
	out, err := net.Dial("tcp", c.target)
	if err != nil {
		return
	}
	defer out.Close()
	go func() { _, _ = io.Copy(out, in); out.Close() }()
	if c.cuts.Add(-1) >= 0 {
		_, _ = io.CopyN(in, out, c.after)
		c.cut.Add(1)
		return
	}
	_, _ = io.Copy(in, out)
}

func TestFetchConnectionCutMidFetch(t *testing.T) {
	srv := imaptest.MustStart(t)
	for i := range 20 {
		m := append(append([]byte{}, msg(i)...), bytes.Repeat([]byte("padding line of a longer request text\r\n"), 100)...)
		srv.MustAppend(t, "INBOX", m, time.Now())
	}
	// Each message is about 4 KB: the first connections break in the
	// middle of the fetch.
	cut := newCutter(t, srv.Addr(), 30_000, 3)
	e := newEnv(t, storetest.MustOpen(t, store.SQLite), fmt.Sprintf("imap://srok:app-password@%s/INBOX?tls=none", cut.ln.Addr()))
	run(t, e.fetcher("a"))
	e.waitWaiting(t, 20)
	if cut.cut.Load() < 2 {
		t.Fatalf("only %d connections were cut", cut.cut.Load())
	}
	waitFor(t, "all are seen", func() bool { _, seen, _ := srv.Status("INBOX"); return seen == 20 })
}

func TestTwoFetchersOnePostgres(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres)
	srv := imaptest.MustStart(t)
	e := newEnv(t, st, srv.URL("srok", "app-password", "INBOX"))
	// A second instance: its own connection pool on the same database.
	stopA := run(t, e.fetcher("instance-a"))
	run(t, e.fetcher("instance-b"))
	for i := range 15 {
		srv.MustAppend(t, "INBOX", msg(i), time.Now())
	}
	e.waitWaiting(t, 15)
	// The holder stops; the other takes over within a lease.
	stopA()
	for i := 15; i < 25; i++ {
		srv.MustAppend(t, "INBOX", msg(i), time.Now())
	}
	e.waitWaiting(t, 25)
}
