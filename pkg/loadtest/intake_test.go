package loadtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srok/srok/pkg/store/pgtest"
)

// goalIntakeRSS is the intake's memory goal: the server's peak RSS while
// 2,000 emails of 1 MiB are sent in by 8 clients. Reported, never asserted.
const goalIntakeRSS = 150 << 20

// TestIntakeMemory sends SROK_INTAKE_EMAILS distinct emails of about 1 MiB
// (a Russian text part and a 767,000-byte PDF, base64, as api's
// BenchmarkIngestEmail) to POST /api/v1/emails of the real srok binary,
// SROK_INTAKE_CLIENTS at a time, and reports the server's resident memory:
// before the load, its peak (VmHWM) and what it settled at 10 s after the
// last email, with the latency of the ingests and their rate:
//
//	SROK_LOAD=1 go test -run '^TestIntakeMemory$' -v -count=1 -timeout 30m ./pkg/loadtest/
//
// Settings, all optional: SROK_INTAKE_DATABASE (sqlite, the default, or
// postgres: pgtest's throwaway server), SROK_INTAKE_EMAILS (2000),
// SROK_INTAKE_CLIENTS (8). It skips unless SROK_LOAD=1, and fails only when
// the server answers wrongly (anything but 201).
func TestIntakeMemory(t *testing.T) {
	if os.Getenv("SROK_LOAD") != "1" {
		t.Skip("the intake memory test runs with SROK_LOAD=1")
	}
	emails, clients := envInt(t, "SROK_INTAKE_EMAILS", 2000), envInt(t, "SROK_INTAKE_CLIENTS", 8)
	if emails < 1 || clients < 1 {
		t.Fatal("SROK_INTAKE_EMAILS and SROK_INTAKE_CLIENTS must be positive")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	var dsn string
	switch d := os.Getenv("SROK_INTAKE_DATABASE"); d {
	case "", "sqlite":
		dsn = "sqlite:" + filepath.Join(tmp, "srok.db")
	case "postgres":
		srv, err := pgtest.Start(ctx)
		if err != nil {
			t.Fatalf("start PostgreSQL: %v", err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		if dsn, err = srv.CreateDatabase(ctx); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("SROK_INTAKE_DATABASE=%q: give sqlite or postgres", d)
	}
	root := moduleRoot(t)
	bin := filepath.Join(tmp, "srok")
	if out, err := goCommand("build", "-o", bin, "./cmd/srok").dir(root).run(); err != nil {
		t.Fatalf("go build ./cmd/srok: %v\n%s", err, out)
	}
	mig := exec.Command(bin, "migrate")
	mig.Env = childEnv(map[string]string{"DATABASE_URL": dsn})
	if out, err := mig.CombinedOutput(); err != nil {
		t.Fatalf("srok migrate: %v\n%s", err, out)
	}
	token := loadAccounts(t, bin, dsn)
	srv := startServe(t, bin, dsn, 20, tmp)
	defer srv.stop(t)

	pdf := intakePDF(767_000)
	url := srv.url + "/api/v1/emails"
	run := randomHex(4)
	post := func(c *http.Client, i int) (time.Duration, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(intakeEmail(run, i, pdf)))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "message/rfc822")
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return 0, fmt.Errorf("email %d: %d %s", i, res.StatusCode, truncate(string(body), 300))
		}
		return time.Since(t0), nil
	}
	// Warm-up: connections, the schema's caches, the parser.
	warm := &http.Client{Timeout: time.Minute}
	for i := range 10 {
		if _, err := post(warm, -1-i); err != nil {
			t.Fatal(err)
		}
	}
	before := srv.memory(t)

	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var failed []string
	var wg sync.WaitGroup
	t0 := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: time.Minute}
			for {
				i := int(next.Add(1))
				if i > emails {
					return
				}
				d, err := post(c, i)
				mu.Lock()
				if err != nil {
					failed = append(failed, err.Error())
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(t0)
	after := srv.memory(t)
	time.Sleep(10 * time.Second)
	settled := srv.memory(t)
	if len(failed) > 0 {
		t.Errorf("%d of %d emails not stored, first: %s", len(failed), emails, failed[0])
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[max(0, min(int(float64(len(lat))*p+0.5)-1, len(lat)-1))]
	}
	db := os.Getenv("SROK_INTAKE_DATABASE")
	if db == "" {
		db = "sqlite"
	}
	t.Logf("%s, %s: %d emails of %d bytes, %d clients, in %s (%.1f/s): latency p50 %s, p90 %s, p99 %s, max %s",
		commitOf(root), db, emails, len(intakeEmail(run, 0, pdf)), clients, took.Round(100*time.Millisecond),
		float64(len(lat))/took.Seconds(), ms(q(0.5)), ms(q(0.9)), ms(q(0.99)), ms(q(1)))
	t.Logf("srok RSS: %s before the load, peak %s (goal ≤ %s: %s), %s at its end, %s settled 10 s later",
		mib(before.RSS), mib(settled.HWM), mib(goalIntakeRSS), met(settled.HWM <= goalIntakeRSS), mib(after.RSS), mib(settled.RSS))
}

// intakeEmail is a message of about 1 MiB whose Message-ID and first line
// are made of run and i, so that each is a new email (api's bigEmail).
func intakeEmail(run string, i int, pdf string) []byte {
	return fmt.Appendf(nil, "From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>\r\n"+
		"To: privacy@example.com\r\nSubject: =?UTF-8?B?0J7RgtC30YvQsiDRgdC+0LPQu9Cw0YHQuNGP?=\r\n"+
		"Date: Tue, 24 Nov 2026 14:05:00 +0500\r\nMessage-ID: <load-%s-%d@example.ru>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Обращение %s-%d. Отзываю согласие на обработку моих персональных данных.\r\n--b\r\n"+
		"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''%%D0%%A1%%D0%%BA%%D0%%B0%%D0%%BD.pdf\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n", run, i, run, i, pdf)
}

// intakePDF is n bytes of a PDF-looking file, base64 in lines of 76.
func intakePDF(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	copy(b, "%PDF-1.4\n")
	for i := 9; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	s := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(s) > 76 {
		sb.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	sb.WriteString(s)
	return sb.String()
}
