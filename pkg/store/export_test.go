package store

import "context"

// MigrateDownTo rolls the schema back to version v, for tests of a
// migration's data changes.
func (s *Store) MigrateDownTo(ctx context.Context, v int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}

// SetQueueSplit makes QueueReminders split from n reminders on, so that
// tests with a few reminders take the path of a large register.
func (s *Store) SetQueueSplit(n int) { s.queueSplit = n }

// RepeatCheckSQL is the repeat check's query (repeatCheckSQL), for the
// tests of its plan.
func RepeatCheckSQL(d Dialect, email, phone, exclude bool) string {
	return repeatCheckSQL(d, email, phone, exclude)
}

// DueCountsSQL is the dashboard's count (dueCountsSQL), with ? for its
// parameters, for the tests of its plan.
func DueCountsSQL(d Dialect) string { return dueCountsSQL(d) }
