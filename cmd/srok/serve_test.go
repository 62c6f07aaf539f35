package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/migrations"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeRefusesSchemaBehind(t *testing.T) {
	vars := map[string]string{"SROK_DATA_DIR": t.TempDir(), "SROK_ADDR": "127.0.0.1:0"}
	r := runSrok(t, vars, fixedNow, "serve")
	if r.code != 1 || !strings.Contains(r.stderr, "schema is behind") || !strings.Contains(r.stderr, "srok migrate") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	// Every migration of the binary is applied once, by its number (a
	// branch may number its migration ahead of others not yet merged).
	files, err := fs.Glob(migrations.SQLite(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	versions := make([]string, len(files))
	for i, f := range files {
		n, err := strconv.Atoi(strings.SplitN(f, "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		versions[i] = strconv.Itoa(n)
	}
	r = runSrok(t, vars, fixedNow, "migrate")
	if want := "applied migrations [" + strings.Join(versions, " ") + "]"; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("migrate: exit %d, %q %q, want %q", r.code, r.stdout, r.stderr, want)
	}
	r = runSrok(t, vars, fixedNow, "migrate")
	if want := fmt.Sprintf("schema is current (version %s)", versions[len(versions)-1]); r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("second migrate: exit %d, %q, want %q", r.code, r.stdout, want)
	}
}

func TestServeAndDrain(t *testing.T) {
	vars := map[string]string{"SROK_DATA_DIR": t.TempDir(), "SROK_ADDR": "127.0.0.1:0", "SROK_SHUTDOWN_TIMEOUT": "5s"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--migrate"}, env{
			getenv: func(k string) string { return vars[k] },
			stdout: &out, stderr: &errb, now: time.Now,
		})
	}()
	urlRe := regexp.MustCompile(`serving on (http://\S+)`)
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
	}
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz %d", res.StatusCode)
	}
	// The first start offers the setup of the first administrator.
	if !strings.Contains(out.String(), "/setup?token=srok_setup_") {
		t.Fatalf("no setup link on an empty database: %q", out.String())
	}
	if r := runWithStdin(t, vars, "a long enough password\n", false, "user", "create", "--email", "admin@example.ru", "--name", "Админ", "--role", "admin"); r.code != 0 {
		t.Fatalf("user create: %d %q", r.code, r.stderr)
	}
	tok := runSrok(t, vars, time.Now(), "token", "create", "--user", "admin@example.ru", "--name", "drain")
	if tok.code != 0 {
		t.Fatalf("token create: %d %q", tok.code, tok.stderr)
	}
	token := strings.TrimSpace(tok.stdout)
	body := `{"type":"access","channel":"email","received_at":"2026-11-20","subject":{"name":"Лог Проверкин","email":"log@example.ru"}}`
	post, _ := http.NewRequest("POST", base+"/api/v1/requests", strings.NewReader(body))
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("create %d %s", res.StatusCode, b)
	}
	// A request in flight when SIGTERM comes is served to the end: send
	// half of its body, stop the server, then send the rest.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	second := strings.Replace(body, "Лог Проверкин", "Второй Запрос", 1)
	fmt.Fprintf(conn, "POST /api/v1/requests HTTP/1.1\r\nHost: srok\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		token, len(second), second[:20])
	time.Sleep(200 * time.Millisecond)
	cancel() // SIGTERM
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(conn, second[20:]); err != nil {
		t.Fatal(err)
	}
	inflight, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	inflight.Body.Close()
	if inflight.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request: status %d", inflight.StatusCode)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("a new connection was accepted after SIGTERM")
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := errb.String()
	for _, want := range []string{`"msg":"migrated"`, `"msg":"serving"`, `"msg":"shutting down"`, `"msg":"stopped"`, `"route":"/api/v1/requests"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "Проверкин") || strings.Contains(logs, "log@example.ru") {
		t.Errorf("personal data in the logs:\n%s", logs)
	}
}

func TestConfigCommand(t *testing.T) {
	r := runSrok(t, map[string]string{"DATABASE_URL": "postgres://srok:s3cret@db.internal:5432/srok?sslmode=require"}, fixedNow, "config")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"SROK_ADDR=127.0.0.1:8080", "DATABASE_URL=postgres://srok:xxxxx@db.internal:5432/srok?sslmode=require",
		"SROK_TIME_ZONE=Europe/Moscow", "SROK_DATA_DIR=data", "SROK_SHUTDOWN_TIMEOUT=15s"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "s3cret") {
		t.Errorf("password printed:\n%s", r.stdout)
	}
	for name, vars := range map[string]map[string]string{
		"zone":     {"SROK_TIME_ZONE": "Moscow"},
		"addr":     {"SROK_ADDR": "8080"},
		"duration": {"SROK_SHUTDOWN_TIMEOUT": "soon"},
		"level":    {"SROK_LOG_LEVEL": "loud"},
		"database": {"DATABASE_URL": "mysql://x"},
		"conns":    {"SROK_DB_MAX_CONNS": "0"},
	} {
		r := runSrok(t, vars, fixedNow, "config")
		if r.code != 2 || r.stderr == "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", name, r.code, r.stderr)
		}
	}
}
