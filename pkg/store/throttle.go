package store

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/account"
)

// Throttle keeps the counters of failed sign-ins that slow down password
// guessing across every srok process on the database.
type Throttle struct{ *core }

var _ account.ThrottleStore = (*Throttle)(nil)

type throttleRow struct {
	Key         string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

func toThrottleCounter(row throttleRow) account.ThrottleCounter {
	c := account.ThrottleCounter{Key: row.Key, Failures: row.Failures, WindowStart: row.WindowStart.UTC()}
	if row.LockedUntil != nil {
		c.LockedUntil = row.LockedUntil.UTC()
	}
	return c
}

// ThrottleCounters implements account.ThrottleStore.
func (s *Throttle) ThrottleCounters(ctx context.Context, keys []string) ([]account.ThrottleCounter, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var rows []throttleRow
	if err := s.db.WithContext(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return nil, s.wrap("read login throttle", err)
	}
	out := make([]account.ThrottleCounter, 0, len(rows))
	for _, r := range rows {
		out = append(out, toThrottleCounter(r))
	}
	return out, nil
}

// addThrottleFailure is one statement on both dialects, so that servers
// counting the same key at once neither lose a failure nor both start a
// window. In the DO UPDATE branch every column reads the row as it was
// (PostgreSQL and SQLite alike), hence the repeated window test. The
// parameters compare with the columns, which gives them their types on
// PostgreSQL; on SQLite both sides are UTC text of one form (utc).
const addThrottleFailure = `INSERT INTO login_throttle (key, failures, window_start, locked_until)
VALUES (@key, 1, @at, @first_lock)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_throttle.window_start <= @window_from THEN 1
        ELSE login_throttle.failures + 1 END,
    window_start = CASE WHEN login_throttle.window_start <= @window_from THEN @at
        ELSE login_throttle.window_start END,
    locked_until = CASE
        WHEN login_throttle.locked_until IS NOT NULL AND login_throttle.locked_until > @at
            THEN login_throttle.locked_until
        WHEN (CASE WHEN login_throttle.window_start <= @window_from THEN 1
                ELSE login_throttle.failures + 1 END) >= @lock_at
            THEN @lock_until
        ELSE login_throttle.locked_until END`

// AddThrottleFailure implements account.ThrottleStore.
func (s *Throttle) AddThrottleFailure(ctx context.Context, key string, f account.ThrottleFailure) error {
	var firstLock *time.Time // a policy that locks at the first failure
	if f.LockAt <= 1 {
		firstLock = utcPtr(&f.LockUntil)
	}
	err := s.db.WithContext(ctx).Exec(addThrottleFailure, map[string]any{
		"key":         key,
		"at":          utc(f.At),
		"first_lock":  firstLock,
		"window_from": utc(f.WindowFrom),
		"lock_at":     f.LockAt,
		"lock_until":  utc(f.LockUntil),
	}).Error
	return s.wrap("count a failed sign-in", err)
}

// ResetThrottle implements account.ThrottleStore.
func (s *Throttle) ResetThrottle(ctx context.Context, key string) error {
	err := s.db.WithContext(ctx).Where("key = ?", key).Delete(&throttleRow{}).Error
	return s.wrap("reset login throttle", err)
}

// PruneThrottle implements account.ThrottleStore.
func (s *Throttle) PruneThrottle(ctx context.Context, windowFrom, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).
		Where("window_start <= ? AND (locked_until IS NULL OR locked_until <= ?)", utc(windowFrom), utc(now)).
		Delete(&throttleRow{})
	if res.Error != nil {
		return 0, s.wrap("prune login throttle", res.Error)
	}
	return res.RowsAffected, nil
}
