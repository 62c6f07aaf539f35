package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
)

// throttleEnv is one database with the account service and the login
// throttle on it, sharing one clock.
type throttleEnv struct {
	accountsEnv
	th *account.Throttle
}

func forEachThrottle(t *testing.T, fn func(t *testing.T, e throttleEnv)) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		fn(t, throttleEnv{accountsEnv: e, th: account.NewThrottle(e.st, e.clock.Now)})
	})
}

// attempt is what a sign-in met: the delay it waited, and the code (and
// Retry-After) of its refusal; "" when it signed in.
type attempt struct {
	delay time.Duration
	code  srok.Code
	retry time.Duration
}

// signIn does what the sign-in page does: check, wait (here: note the
// delay), check the password, count the outcome.
func (e throttleEnv) signIn(t *testing.T, email, password, addr string) attempt {
	t.Helper()
	ctx := context.Background()
	delay, err := e.th.Check(ctx, email, addr)
	if err != nil {
		var se *srok.Error
		if !errors.As(err, &se) || se.Code != srok.ETOOMANY {
			t.Fatalf("check %s: %v", email, err)
		}
		return attempt{code: se.Code, retry: se.RetryAfter}
	}
	if _, err := e.acc.CheckPassword(ctx, email, password); err != nil {
		if srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Fatalf("check password %s: %v", email, err)
		}
		if err := e.th.Failure(ctx, email, addr); err != nil {
			t.Fatalf("failure %s: %v", email, err)
		}
		return attempt{delay: delay, code: srok.EUNAUTHENTICATED}
	}
	if err := e.th.Success(ctx, email); err != nil {
		t.Fatalf("success %s: %v", email, err)
	}
	return attempt{delay: delay}
}

func (e throttleEnv) advance(d time.Duration) { e.clock.Set(e.clock.Now().Add(d)) }

// A run of wrong passwords passes freely five times, is slowed by one more
// second each time, is locked at the tenth failure for 15 minutes, and is
// free again after; an unknown email meets exactly the same answers as a
// known one.
func TestThrottleSlowsThenLocks(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		mustUser(t, e.accountsEnv, "anna@example.ru", "Анна", srok.RoleOperator)
		runs := map[string][]attempt{}
		for i, email := range []string{"Anna@Example.ru", "nobody@example.ru"} {
			addr := fmt.Sprintf("192.0.2.%d", i+1)
			var got []attempt
			for range 10 {
				got = append(got, e.signIn(t, email, "wrong password, sorry", addr))
				e.advance(10 * time.Second)
			}
			// Locked: the right password too, for the rest of 15 minutes.
			got = append(got, e.signIn(t, email, goodPassword, addr))
			e.advance(15*time.Minute - 10*time.Second - time.Microsecond)
			got = append(got, e.signIn(t, email, goodPassword, addr))
			e.advance(time.Microsecond)
			got = append(got, e.signIn(t, email, "wrong password, sorry", addr))
			runs[email] = got
		}
		want := []attempt{
			{0, srok.EUNAUTHENTICATED, 0}, {0, srok.EUNAUTHENTICATED, 0}, {0, srok.EUNAUTHENTICATED, 0},
			{0, srok.EUNAUTHENTICATED, 0}, {0, srok.EUNAUTHENTICATED, 0},
			{time.Second, srok.EUNAUTHENTICATED, 0}, {2 * time.Second, srok.EUNAUTHENTICATED, 0},
			{3 * time.Second, srok.EUNAUTHENTICATED, 0}, {4 * time.Second, srok.EUNAUTHENTICATED, 0},
			{5 * time.Second, srok.EUNAUTHENTICATED, 0},
			// Locked at the 10th failure, 10 s ago.
			{0, srok.ETOOMANY, 15*time.Minute - 10*time.Second},
			{0, srok.ETOOMANY, time.Microsecond},
			// The lock is over, and so is its window: a fresh start.
			{0, srok.EUNAUTHENTICATED, 0},
		}
		for email, got := range runs {
			if len(got) != len(want) {
				t.Fatalf("%s: %d attempts", email, len(got))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s, attempt %d: %+v, want %+v", email, i+1, got[i], want[i])
				}
			}
		}
		// After the lock the right password works.
		if a := e.signIn(t, "anna@example.ru", goodPassword, "192.0.2.1"); a != (attempt{}) {
			t.Errorf("after the lock: %+v", a)
		}
	})
}

// A success clears the account's counter, not the address's.
func TestThrottleSuccessResets(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		mustUser(t, e.accountsEnv, "anna@example.ru", "Анна", srok.RoleOperator)
		for range 7 {
			e.signIn(t, "anna@example.ru", "wrong password, sorry", "192.0.2.1")
		}
		if a := e.signIn(t, "anna@example.ru", goodPassword, "192.0.2.1"); a != (attempt{delay: 3 * time.Second}) {
			t.Fatalf("the right password after 7 failures: %+v", a)
		}
		// The account is clear: from elsewhere, no delay.
		if d, err := e.th.Check(context.Background(), "ANNA@example.ru", "198.51.100.7"); d != 0 || err != nil {
			t.Errorf("account after a success: %v %v", d, err)
		}
		// The address keeps its count: 7 failures, 3 s, whatever the email.
		if d, err := e.th.Check(context.Background(), "boris@example.ru", "192.0.2.1"); d != 3*time.Second || err != nil {
			t.Errorf("address after a success: %v %v", d, err)
		}
	})
}

// A spray of one guess over many emails from one address locks the
// address; the same emails from another address are not locked.
func TestThrottleAddressSpray(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		mustUser(t, e.accountsEnv, "anna@example.ru", "Анна", srok.RoleOperator)
		for i := range account.ThrottleLockAt {
			a := e.signIn(t, fmt.Sprintf("user%d@example.ru", i), "Winter2026!", "2001:db8:1:2::10")
			if want := account.ThrottleDelay(i); a.delay != want || a.code != srok.EUNAUTHENTICATED {
				t.Fatalf("guess %d: %+v, want a delay of %v", i+1, a, want)
			}
		}
		// The address is locked, the right password of another account
		// too; and so is its /64 network.
		for _, addr := range []string{"2001:db8:1:2::10", "2001:db8:1:2:ffff::1"} {
			if a := e.signIn(t, "anna@example.ru", goodPassword, addr); a.code != srok.ETOOMANY || a.retry != account.ThrottleLock {
				t.Errorf("from %s: %+v, want locked for 15 minutes", addr, a)
			}
		}
		// Another network is not.
		if a := e.signIn(t, "anna@example.ru", goodPassword, "2001:db8:1:3::10"); a != (attempt{}) {
			t.Errorf("from another network: %+v", a)
		}
		if a := e.signIn(t, "user3@example.ru", "Winter2026!", "192.0.2.1"); a != (attempt{code: srok.EUNAUTHENTICATED}) {
			t.Errorf("a sprayed email from another address: %+v", a)
		}
	})
}

// Failures older than the window are forgotten; a lock is set once.
func TestThrottleWindow(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		for range 9 {
			e.signIn(t, "anna@example.ru", "wrong password, sorry", "192.0.2.1")
			e.advance(time.Minute)
		}
		// The window started 9 minutes ago: 6 more minutes, and it is over.
		e.advance(6 * time.Minute)
		if a := e.signIn(t, "anna@example.ru", "wrong password, sorry", "192.0.2.1"); a != (attempt{code: srok.EUNAUTHENTICATED}) {
			t.Fatalf("after the window: %+v", a)
		}
		if d, err := e.th.Check(context.Background(), "anna@example.ru", "192.0.2.1"); d != 0 || err != nil {
			t.Fatalf("one failure in a new window: %v %v", d, err)
		}
	})
}

// Servers counting the same key at once lose no failure.
func TestThrottleConcurrent(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		const n = 24
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- e.th.Failure(context.Background(), "anna@example.ru", fmt.Sprintf("192.0.2.%d", i+1))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var failures int
		if err := e.st.SQL().QueryRow(`SELECT max(failures) FROM login_throttle`).Scan(&failures); err != nil {
			t.Fatal(err)
		}
		if failures != n {
			t.Errorf("%d failures counted, want %d", failures, n)
		}
		_, err := e.th.Check(context.Background(), "anna@example.ru", "198.51.100.1")
		var se *srok.Error
		if !errors.As(err, &se) || se.Code != srok.ETOOMANY || se.Reason != "login_locked" || se.RetryAfter != account.ThrottleLock {
			t.Errorf("after %d failures: %v", n, err)
		}
	})
}

// The table keeps no email or address, and stale counters go.
func TestThrottleStorage(t *testing.T) {
	forEachThrottle(t, func(t *testing.T, e throttleEnv) {
		ctx := context.Background()
		fail := func(email, addr string) {
			t.Helper()
			if err := e.th.Failure(ctx, email, addr); err != nil {
				t.Fatal(err)
			}
		}
		t0 := e.clock.Now()
		fail("Anna@Example.ru", "192.0.2.1")
		var n int
		if err := e.st.SQL().QueryRow(`SELECT count(*) FROM login_throttle
			WHERE key LIKE '%anna%' OR key LIKE '%192.0.2%' OR key LIKE '%example%'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("keys naming the email or address: %d %v", n, err)
		}
		// Boris's window starts at t0, his lock at t0+5m runs to t0+20m.
		fail("boris@example.ru", "")
		e.clock.Set(t0.Add(5 * time.Minute))
		for range account.ThrottleLockAt - 1 {
			fail("boris@example.ru", "")
		}
		e.clock.Set(t0.Add(account.ThrottleWindow))
		fail("vera@example.ru", "")
		prune := func(want int64, why string) {
			t.Helper()
			now := e.clock.Now()
			if removed, err := e.st.PruneThrottle(ctx, now.Add(-account.ThrottleWindow), now); err != nil || removed != want {
				t.Errorf("pruned %d (%v), want %d: %s", removed, err, want, why)
			}
		}
		// Vera's failure pruned by the way (once a window): Anna's window
		// is over; Boris is locked still, Vera's is fresh.
		if err := e.st.SQL().QueryRow(`SELECT count(*) FROM login_throttle`).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d counters left (%v), want 2", n, err)
		}
		e.clock.Set(t0.Add(30 * time.Minute))
		prune(2, "boris's lock and vera's window are over")
		if cs, err := e.st.ThrottleCounters(ctx, nil); err != nil || cs != nil {
			t.Errorf("no keys: %v %v", cs, err)
		}

		// Migration 00005 goes down and up.
		if err := e.st.MigrateDownTo(ctx, 4); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SQL().Exec(`SELECT 1 FROM login_throttle`); err == nil {
			t.Error("login_throttle is still there")
		}
		if applied, err := e.st.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 5 {
			t.Fatalf("up again: %v %v", applied, err)
		}
	})
}
