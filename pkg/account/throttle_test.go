package account

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

func TestThrottleDelay(t *testing.T) {
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {1, 0}, {4, 0},
		// Five failures passed freely; the 6th attempt waits 1 s, …
		{5, time.Second}, {6, 2 * time.Second}, {8, 4 * time.Second},
		// … the 10th 5 s, and no attempt more than that.
		{9, 5 * time.Second}, {10, 5 * time.Second}, {1000, 5 * time.Second},
	} {
		if got := ThrottleDelay(c.failures); got != c.want {
			t.Errorf("ThrottleDelay(%d) = %v, want %v", c.failures, got, c.want)
		}
	}
}

func TestThrottleKeys(t *testing.T) {
	same := [][]string{
		{accountKey("Anna@Example.ru"), accountKey(" anna@example.RU ")},
		{addressKey("192.0.2.1"), addressKey("::ffff:192.0.2.1")},
		// One /64 is one subscriber.
		{addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), addressKey("2001:db8:1:2::1%eth0")},
	}
	for _, keys := range same {
		for _, k := range keys[1:] {
			if k != keys[0] {
				t.Errorf("%v: should be one key", keys)
			}
		}
	}
	differ := []string{accountKey("anna@example.ru"), accountKey("anna@example.com"), addressKey("192.0.2.1"),
		addressKey("192.0.2.2"), addressKey("2001:db8:1:3::1"), addressKey("2001:db8:1:2::1"), addressKey("not an address")}
	seen := map[string]bool{}
	for _, k := range differ {
		if seen[k] {
			t.Errorf("%s repeats", k)
		}
		seen[k] = true
		if strings.Contains(k, "anna") || strings.Contains(k, "192.0") || strings.Contains(k, "2001") {
			t.Errorf("%s names what it counts", k)
		}
	}
	if addressKey("") != "" || len(keys("anna@example.ru", "")) != 1 {
		t.Error("no address: only the account is counted")
	}
}

// memThrottle is ThrottleStore in memory, as the storage package does it
// in SQL.
type memThrottle struct {
	mu     sync.Mutex
	c      map[string]ThrottleCounter
	prunes int
}

func (m *memThrottle) ThrottleCounters(_ context.Context, keys []string) ([]ThrottleCounter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ThrottleCounter
	for _, k := range keys {
		if c, ok := m.c[k]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memThrottle) AddThrottleFailure(_ context.Context, key string, f ThrottleFailure) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.c[key]
	if !ok || !c.WindowStart.After(f.WindowFrom) {
		c.Key, c.Failures, c.WindowStart = key, 0, f.At
	}
	c.Failures++
	if !c.LockedUntil.After(f.At) && c.Failures >= f.LockAt {
		c.LockedUntil = f.LockUntil
	}
	m.c[key] = c
	return nil
}

func (m *memThrottle) ResetThrottle(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.c, key)
	return nil
}

func (m *memThrottle) PruneThrottle(_ context.Context, windowFrom, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prunes++
	var n int64
	for k, c := range m.c {
		if !c.WindowStart.After(windowFrom) && !c.LockedUntil.After(now) {
			delete(m.c, k)
			n++
		}
	}
	return n, nil
}

func TestThrottleCheck(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	st := &memThrottle{c: map[string]ThrottleCounter{}}
	th := NewThrottle(st, func() time.Time { return now })
	check := func(email, addr string) (time.Duration, *srok.Error) {
		t.Helper()
		d, err := th.Check(ctx, email, addr)
		var se *srok.Error
		if err != nil && !errors.As(err, &se) {
			t.Fatal(err)
		}
		return d, se
	}
	for range 7 {
		if err := th.Failure(ctx, "anna@example.ru", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	// The larger delay of the two keys.
	if d, err := check("anna@example.ru", "198.51.100.1"); d != 3*time.Second || err != nil {
		t.Errorf("account: %v %v", d, err)
	}
	if d, err := check("boris@example.ru", "192.0.2.1"); d != 3*time.Second || err != nil {
		t.Errorf("address: %v %v", d, err)
	}
	for range 3 {
		_ = th.Failure(ctx, "boris@example.ru", "192.0.2.1")
	}
	// The address is locked; the account of Anna, elsewhere, is not.
	d, err := check("anna@example.ru", "192.0.2.1")
	if d != 0 || err == nil || err.Code != srok.ETOOMANY || err.RetryAfter != ThrottleLock || !strings.Contains(err.Message, "15 minutes") {
		t.Errorf("locked: %v %+v", d, err)
	}
	if d, err := check("anna@example.ru", "198.51.100.1"); d != 3*time.Second || err != nil {
		t.Errorf("account elsewhere: %v %v", d, err)
	}
	// A window that is over counts nothing; a lock that is over locks
	// nothing.
	now = now.Add(ThrottleLock)
	if d, err := check("anna@example.ru", "192.0.2.1"); d != 0 || err != nil {
		t.Errorf("after the lock: %v %v", d, err)
	}
	if st.prunes != 1 {
		t.Errorf("%d prunes in one window, want 1", st.prunes)
	}
	_ = th.Failure(ctx, "vera@example.ru", "")
	if st.prunes != 2 || len(st.c) != 1 {
		t.Errorf("after a window: %d prunes, %d counters left", st.prunes, len(st.c))
	}
}
