package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// The login throttling policy. Failed sign-ins are counted per account (the
// email as typed, whether or not a user has it) and per client address, in
// a window of ThrottleWindow from the first failure:
//
//   - up to ThrottleFree failures pass freely: a person mistyping a
//     password is not punished;
//   - past them, every attempt is slowed by ThrottleStep more than the one
//     before (1 s after the 5th failure, 2 s after the 6th, …), at most
//     ThrottleMaxDelay;
//   - at ThrottleLockAt failures the key is locked for ThrottleLock: every
//     sign-in under it is refused, the right password too, until then.
//
// A success clears the account's counter, not the address's: an attacker
// who signs in with an account of their own does not reset the count of
// the guesses made from their address. The policy guards the passwords that
// protect access to personal data (152-FZ art. 19 part 2 item 8; FSTEC
// Order no. 21 of 18.02.2013, measure УПД.6: ограничение неуспешных
// попыток входа).
const (
	// ThrottleWindow is how long failures are counted from the first one.
	ThrottleWindow = 15 * time.Minute
	// ThrottleFree is how many failures in a window pass without delay.
	ThrottleFree = 5
	// ThrottleStep is how much each failure past ThrottleFree adds to the
	// delay of the next attempt.
	ThrottleStep = time.Second
	// ThrottleMaxDelay bounds the delay: a longer one would hold the
	// server's connections more than it slows an attacker, whom the lock
	// stops anyway.
	ThrottleMaxDelay = 5 * time.Second
	// ThrottleLockAt is the count of failures in a window that locks the
	// key.
	ThrottleLockAt = 10
	// ThrottleLock is how long a locked key stays locked.
	ThrottleLock = 15 * time.Minute
)

// ThrottleDelay is how long an attempt waits, under the policy, after
// failures failures in the window: nothing up to ThrottleFree-1, then
// ThrottleStep, 2 × ThrottleStep, … up to ThrottleMaxDelay.
func ThrottleDelay(failures int) time.Duration {
	if failures < ThrottleFree {
		return 0
	}
	return min(time.Duration(failures-ThrottleFree+1)*ThrottleStep, ThrottleMaxDelay)
}

// ThrottleCounter is the count of failed sign-ins kept under one key.
type ThrottleCounter struct {
	Key string
	// Failures are counted since WindowStart.
	Failures    int
	WindowStart time.Time
	// LockedUntil is when the key's lock ends; zero when it was never
	// locked.
	LockedUntil time.Time
}

// ThrottleFailure is one failed sign-in for ThrottleStore.AddThrottleFailure,
// with the policy it is counted under.
type ThrottleFailure struct {
	// At is when the sign-in failed.
	At time.Time
	// WindowFrom is the start of the oldest window still open: a counter
	// whose window started at or before it is over, and the failure starts
	// a new window at At with a count of 1.
	WindowFrom time.Time
	// LockAt is the count that locks the key until LockUntil, unless a
	// lock is running already.
	LockAt    int
	LockUntil time.Time
}

// ThrottleStore keeps the counters of Throttle. The storage package
// implements it on PostgreSQL and SQLite; many servers may share it, so
// each change is one atomic statement.
type ThrottleStore interface {
	// ThrottleCounters returns the counters kept under keys; a key with no
	// counter is missing from the result.
	ThrottleCounters(ctx context.Context, keys []string) ([]ThrottleCounter, error)
	// AddThrottleFailure counts f under key atomically: it creates the
	// counter (1 failure, window at f.At) or adds one to it (starting a new
	// window when the old one started at or before f.WindowFrom), and sets
	// the lock when the count reaches f.LockAt and no lock runs at f.At.
	AddThrottleFailure(ctx context.Context, key string, f ThrottleFailure) error
	// ResetThrottle removes the counter of key, if any.
	ResetThrottle(ctx context.Context, key string) error
	// PruneThrottle removes the counters whose window started at or before
	// windowFrom and whose lock, if any, ended at or before now, and
	// returns how many it removed.
	PruneThrottle(ctx context.Context, windowFrom, now time.Time) (int64, error)
}

// Throttle slows down and then locks the guessing of passwords, under the
// policy above. The sign-in asks Check before checking the password, waits
// the delay it returns, and tells Failure or Success after. Its answers do
// not depend on whether a user has the email: the counters are kept for any
// email typed. It is safe for concurrent use.
type Throttle struct {
	store ThrottleStore
	now   func() time.Time

	mu sync.Mutex
	// pruned is when this Throttle last removed stale counters.
	pruned time.Time
}

// NewThrottle returns a Throttle keeping its counters in store, with now as
// the clock.
func NewThrottle(store ThrottleStore, now func() time.Time) *Throttle {
	return &Throttle{store: store, now: now}
}

func (t *Throttle) clock() time.Time { return t.now().UTC().Truncate(time.Microsecond) }

// accountKey is the counter key of an email as typed, in any letter case.
func accountKey(email string) string { return "account:" + digest(lower(email)) }

// addressKey is the counter key of a client address, "" when there is none
// (the command line). An IPv6 client is counted by its /64 network: one
// subscriber usually holds a whole /64, and could otherwise rotate through
// its 2^64 addresses.
func addressKey(addr string) string {
	if addr == "" {
		return ""
	}
	if a, err := netip.ParseAddr(addr); err == nil {
		a = a.Unmap().WithZone("")
		if a.Is6() {
			p, _ := a.Prefix(64)
			addr = p.String()
		} else {
			addr = a.String()
		}
	}
	return "address:" + digest(addr)
}

// digest keeps a counter key free of the email or address it stands for:
// the table must not become a list of who tried to sign in.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func keys(email, addr string) []string {
	k := []string{accountKey(email)}
	if a := addressKey(addr); a != "" {
		k = append(k, a)
	}
	return k
}

// Check says whether a sign-in with email from addr may go on now, and how
// long it must wait first: nothing, or up to ThrottleMaxDelay past
// ThrottleFree failures of the account or the address. While either is
// locked it returns ETOOMANY (reason "login_locked") with RetryAfter set to
// the end of the lock.
func (t *Throttle) Check(ctx context.Context, email, addr string) (time.Duration, error) {
	now := t.clock()
	counters, err := t.store.ThrottleCounters(ctx, keys(email, addr))
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	var until time.Time
	for _, c := range counters {
		if c.LockedUntil.After(now) {
			if c.LockedUntil.After(until) {
				until = c.LockedUntil
			}
			continue
		}
		if c.WindowStart.After(now.Add(-ThrottleWindow)) {
			wait = max(wait, ThrottleDelay(c.Failures))
		}
	}
	if !until.IsZero() {
		retry := until.Sub(now)
		return 0, &srok.Error{Code: srok.ETOOMANY, Reason: "login_locked", RetryAfter: retry,
			Message: fmt.Sprintf("too many failed sign-ins: try again in %d minutes", int((retry+time.Minute-1)/time.Minute))}
	}
	return wait, nil
}

// Failure counts a failed sign-in with email from addr, for the account and
// for the address. Once in a window it also removes the counters that are
// over, so that a spray over many emails does not leave rows for ever.
func (t *Throttle) Failure(ctx context.Context, email, addr string) error {
	now := t.clock()
	f := ThrottleFailure{At: now, WindowFrom: now.Add(-ThrottleWindow), LockAt: ThrottleLockAt, LockUntil: now.Add(ThrottleLock)}
	for _, k := range keys(email, addr) {
		if err := t.store.AddThrottleFailure(ctx, k, f); err != nil {
			return err
		}
	}
	t.prune(ctx, now)
	return nil
}

// prune removes the stale counters at most once a window per Throttle.
// It is housekeeping: a failure is left for the next time.
func (t *Throttle) prune(ctx context.Context, now time.Time) {
	t.mu.Lock()
	due := now.Sub(t.pruned) >= ThrottleWindow
	if due {
		t.pruned = now
	}
	t.mu.Unlock()
	if !due {
		return
	}
	if _, err := t.store.PruneThrottle(ctx, now.Add(-ThrottleWindow), now); err != nil {
		t.mu.Lock()
		t.pruned = time.Time{}
		t.mu.Unlock()
	}
}

// Success clears the account's counter after a sign-in with email
// succeeded, and with it any delay. The address's counter stays. An
// administrator may call it to lift an account's lock early.
func (t *Throttle) Success(ctx context.Context, email string) error {
	return t.store.ResetThrottle(ctx, accountKey(email))
}
