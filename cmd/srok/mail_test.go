package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/srok/srok/pkg/mailer/mailertest"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
)

func TestMailTestCommand(t *testing.T) {
	sink := mailertest.Start(t)
	vars := map[string]string{"SROK_SMTP_HOST": sink.Host(), "SROK_SMTP_PORT": strconv.Itoa(sink.Port()),
		"SROK_SMTP_TLS": "none", "SROK_SMTP_FROM": "Srok <srok@example.ru>", "SROK_SMTP_TIMEOUT": "5s"}
	r := runSrok(t, vars, fixedNow, "mail", "test", "--to", "admin@example.ru")
	want := "отправлено на admin@example.ru через " + sink.Addr() + " (no TLS): 250 "
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
		t.Errorf("mail test: exit %d, stdout %q (want %q…), stderr %q", r.code, r.stdout, want, r.stderr)
	}
	if sink.Count() != 1 {
		t.Fatalf("the sink got %d messages", sink.Count())
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(sink.Mail()[0].Raw))
	if err != nil || env.GetHeader("Subject") != "[Srok] Проверка отправки почты" {
		t.Errorf("test message: %v, subject %q", err, env.GetHeader("Subject"))
	}
	// fixedNow is 09:00 UTC: the operator (SROK_TIME_ZONE, Moscow by
	// default) reads 12:00.
	if env != nil && !strings.Contains(env.Text, "Отправлено 25.11.2026 12:00 (Москва, UTC+3) через ") {
		t.Errorf("the test message does not say the time in the operator's zone:\n%s", env.Text)
	}

	// The EHLO name: SROK_SMTP_HELO, else SROK_PUBLIC_URL's host.
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"SROK_SMTP_HELO": "mx.example.ru", "SROK_PUBLIC_URL": "https://srok.example.ru"}, "mx.example.ru"},
		{map[string]string{"SROK_PUBLIC_URL": "https://srok.example.ru:8443"}, "srok.example.ru"},
	} {
		for k, v := range vars {
			c.vars[k] = v
		}
		if r := runSrok(t, c.vars, fixedNow, "mail", "test", "--to", "admin@example.ru"); r.code != 0 {
			t.Fatalf("mail test: exit %d, stderr %q", r.code, r.stderr)
		}
		if m := sink.Mail(); m[len(m)-1].HELO != c.want {
			t.Errorf("%v: the server saw EHLO %q, want %q", c.vars, m[len(m)-1].HELO, c.want)
		}
	}
	r = runSrok(t, map[string]string{"SROK_SMTP_HELO": "srok example", "SROK_SMTP_HOST": "smtp.example.ru", "SROK_SMTP_FROM": "srok@example.ru"},
		fixedNow, "mail", "test", "--to", "admin@example.ru")
	if r.code != 2 || !strings.Contains(r.stderr, `SROK_SMTP_HELO="srok example": give a host name`) {
		t.Errorf("a bad SROK_SMTP_HELO: exit %d, stderr %q", r.code, r.stderr)
	}

	sink.Reject("nobody@example.ru")
	r = runSrok(t, vars, fixedNow, "mail", "test", "--to", "nobody@example.ru")
	if r.code != 1 || !strings.Contains(r.stderr, "не отправлено на nobody@example.ru через "+sink.Addr()+" (no TLS) (SMTP 550)") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("rejected: exit %d, stderr %q", r.code, r.stderr)
	}
	sink.Stop()
	r = runSrok(t, vars, fixedNow, "mail", "test", "--to", "admin@example.ru")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "srok mail: test: не отправлено на admin@example.ru через ") {
		t.Errorf("server down: exit %d, stderr %q", r.code, r.stderr)
	}

	for _, c := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{vars, []string{"mail"}, "используйте: srok mail test --to АДРЕС"},
		{vars, []string{"mail", "test"}, "нужен --to"},
		{vars, []string{"mail", "test", "--to", "not-an-address"}, `--to "not-an-address" — не адрес электронной почты`},
		{map[string]string{}, []string{"mail", "test", "--to", "a@b.ru"}, "почтовый сервер не настроен: задайте SROK_SMTP_HOST"},
	} {
		r := runSrok(t, c.vars, fixedNow, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// srokProcess is a `srok serve` process.
type srokProcess struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

func startServe(t *testing.T, bin string, vars map[string]string) *srokProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "SROK_ADDR=127.0.0.1:0", "SROK_LOG_LEVEL=info"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &srokProcess{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &lockedBuffer{}, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// stop ends the process with SIGTERM and checks that it exits cleanly.
func (p *srokProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("srok serve did not stop cleanly: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("srok serve did not stop on SIGTERM\n%s", p.stderr.String())
	}
}

func waitCount(t *testing.T, sink *mailertest.Sink, n int, within time.Duration, logs ...*srokProcess) {
	t.Helper()
	deadline := time.Now().Add(within)
	for sink.Count() < n {
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, p := range logs {
				b.WriteString(p.stderr.String())
			}
			t.Fatalf("the sink got %d emails within %s, want %d\n%s", sink.Count(), within, n, b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantEachOnce checks that the sink got each of n reminders exactly once.
func wantEachOnce(t *testing.T, sink *mailertest.Sink, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range sink.Mail() {
		env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("not MIME: %v", err)
		}
		// The EHLO name defaults to SROK_PUBLIC_URL's host (smtpVars).
		if m.HELO != "srok.example.ru" {
			t.Fatalf("the server saw EHLO %q, want srok.example.ru", m.HELO)
		}
		for _, id := range strings.Split(env.GetHeader("X-Srok-Reminders"), ",") {
			seen[id]++
		}
	}
	dup := 0
	for _, c := range seen {
		if c > 1 {
			dup++
		}
	}
	if len(seen) != n || dup > 0 || sink.Count() != n {
		t.Errorf("the sink got %d emails for %d distinct reminders (%d more than once); want %d, each once", sink.Count(), len(seen), dup, n)
	}
}

// srokBinary builds the srok binary into the test's folder.
func srokBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "srok")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// openSeeded opens the database of vars, migrates it and seeds n
// reminders due now.
func openSeeded(t *testing.T, vars map[string]string, n int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := dt.MustUser(t, st, "alice@example.ru", srok.RoleOperator)
	dt.Many(t, st, n, time.Now().Add(-time.Minute), u, "alice@example.ru")
	return st
}

func smtpVars(sink *mailertest.Sink, vars map[string]string) map[string]string {
	for k, v := range map[string]string{"SROK_SMTP_HOST": sink.Host(), "SROK_SMTP_PORT": strconv.Itoa(sink.Port()),
		"SROK_SMTP_TLS": "none", "SROK_SMTP_FROM": "Srok <srok@example.ru>", "SROK_SCHEDULER_INTERVAL": "200ms",
		"SROK_PUBLIC_URL": "https://srok.example.ru"} {
		vars[k] = v
	}
	return vars
}

// TestRemindersSurviveSIGKILL kills `srok serve` with SIGKILL in the middle
// of a batch (while the SMTP server holds the 20th email's RCPT TO), then
// starts it again: every reminder arrives, none twice.
func TestRemindersSurviveSIGKILL(t *testing.T) {
	bin := srokBinary(t)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			const n, killAt = 60, 20
			vars := map[string]string{"SROK_DATA_DIR": t.TempDir()}
			if d == store.Postgres {
				vars = map[string]string{"DATABASE_URL": pgtest.MustDatabase(t)}
			}
			st := openSeeded(t, vars, n)
			sink := mailertest.Start(t)
			vars = smtpVars(sink, vars)
			vars["SROK_REMINDER_LEASE"] = "2s"
			// The email in flight at the kill is held for the longest send
			// (SROK_SMTP_TIMEOUT × 5), the rest of the batch for the lease.
			vars["SROK_SMTP_TIMEOUT"] = "2s"

			reached, killed := make(chan struct{}), make(chan struct{})
			sink.OnRcpt(func(i int) {
				if i == killAt {
					close(reached)
					<-killed
				}
			})
			p := startServe(t, bin, vars)
			select {
			case <-reached:
			case <-time.After(30 * time.Second):
				t.Fatalf("no email reached the sink\n%s", p.stderr.String())
			}
			if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			err := <-p.done
			p.done <- err
			close(killed)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("srok serve ended with %v, want killed", err)
			}
			if got := sink.Count(); got != killAt-1 {
				t.Fatalf("before the kill the sink got %d emails, want %d", got, killAt-1)
			}
			if got := dt.Statuses(t, st); got["sent"] != killAt-1 || got["pending"] != n-killAt+1 {
				t.Fatalf("after the kill: %v; want %d sent, the rest pending", got, killAt-1)
			}

			p = startServe(t, bin, vars)
			waitCount(t, sink, n, 30*time.Second, p)
			time.Sleep(500 * time.Millisecond) // a double would arrive now
			p.stop(t)
			wantEachOnce(t, sink, n)
			if got := dt.Statuses(t, st); got["sent"] != n {
				t.Errorf("statuses %v, want all %d sent", got, n)
			}
			if logs := p.stderr.String(); strings.Contains(logs, "alice@example.ru") || !strings.Contains(logs, `"msg":"reminders delivered"`) {
				t.Errorf("the log names a recipient, or no delivery:\n%s", logs)
			}
		})
	}
}

// TestTwoServesOnePostgres runs two `srok serve` processes on one
// PostgreSQL database: each reminder is sent once, counted at the sink.
func TestTwoServesOnePostgres(t *testing.T) {
	bin := srokBinary(t)
	const n = 300
	vars := map[string]string{"DATABASE_URL": pgtest.MustDatabase(t)}
	st := openSeeded(t, vars, n)
	sink := mailertest.Start(t)
	sink.SetDelay(time.Millisecond)
	vars = smtpVars(sink, vars)
	a, b := startServe(t, bin, vars), startServe(t, bin, vars)
	waitCount(t, sink, n, 40*time.Second, a, b)
	time.Sleep(time.Second) // a double would arrive now
	a.stop(t)
	b.stop(t)
	wantEachOnce(t, sink, n)
	if got := dt.Statuses(t, st); got["sent"] != n {
		t.Errorf("statuses %v, want all %d sent", got, n)
	}
	instances := dt.Count(t, st, `SELECT COUNT(DISTINCT instance) FROM reminder_attempts WHERE outcome = 'sent'`)
	t.Logf("sent by %d instance(s)", instances)
}

// TestSchedulerOff: SROK_SCHEDULER=off serves HTTP only; the reminders stay
// pending.
func TestSchedulerOff(t *testing.T) {
	bin := srokBinary(t)
	vars := map[string]string{"SROK_DATA_DIR": t.TempDir()}
	st := openSeeded(t, vars, 3)
	sink := mailertest.Start(t)
	vars = smtpVars(sink, vars)
	vars["SROK_SCHEDULER"] = "off"
	p := startServe(t, bin, vars)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.stderr.String(), "reminders scheduler off") {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up log\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond) // three intervals
	p.stop(t)
	if sink.Count() != 0 || dt.Statuses(t, st)["pending"] != 3 {
		t.Errorf("with the scheduler off: %d emails, statuses %v", sink.Count(), dt.Statuses(t, st))
	}
}
