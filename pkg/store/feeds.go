package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/srok"
)

// Feeds keeps the calendar feeds: one secret per user (its hash), and reads
// the terms of the requests the user sees; with Reminders.ReminderOfficers
// the Store implements feeds.Store.
type Feeds struct{ *core }

// PutCalendarFeed implements feeds.Store: one row per user, so a new feed
// replaces the earlier one's hash and the old address reads nothing.
func (s *Feeds) PutCalendarFeed(ctx context.Context, f feeds.Feed, hash string, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO calendar_feeds (user_id, hash, created_at, last_read_at) VALUES (?, ?, ?, NULL)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at, last_read_at = NULL`,
			f.UserID, hash, utc(f.CreatedAt)).Error; err != nil {
			return err
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("put calendar feed", err)
}

// DeleteCalendarFeed implements feeds.Store.
func (s *Feeds) DeleteCalendarFeed(ctx context.Context, userID string, trail []*audit.Entry) (bool, error) {
	var found bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM calendar_feeds WHERE user_id = ?`, userID)
		if res.Error != nil {
			return res.Error
		}
		if found = res.RowsAffected > 0; !found {
			return nil
		}
		return appendAudit(tx, trail)
	})
	return found, s.wrap("delete calendar feed", err)
}

// CalendarFeed implements feeds.Store.
func (s *Feeds) CalendarFeed(ctx context.Context, userID string) (feeds.Feed, error) {
	f := feeds.Feed{UserID: userID}
	var read sql.NullTime
	err := s.reads.QueryRowContext(ctx, `SELECT created_at, last_read_at FROM calendar_feeds WHERE user_id = $1`, userID).
		Scan(&f.CreatedAt, &read)
	if errors.Is(err, sql.ErrNoRows) {
		return feeds.Feed{}, srok.Errorf(srok.ENOTFOUND, "you have no calendar feed")
	}
	if err != nil {
		return feeds.Feed{}, s.wrap("get calendar feed", err)
	}
	f.CreatedAt, f.LastReadAt = f.CreatedAt.UTC(), nullTime(read)
	return f, nil
}

// CalendarFeedByHash implements feeds.Store: one indexed read
// (calendar_feeds.hash is UNIQUE) per fetch of a feed.
func (s *Feeds) CalendarFeedByHash(ctx context.Context, hash string) (feeds.Feed, feeds.Owner, error) {
	var (
		f    feeds.Feed
		o    feeds.Owner
		read sql.NullTime
		role string
	)
	err := s.reads.QueryRowContext(ctx, `SELECT f.user_id, f.created_at, f.last_read_at, u.role, u.active
		FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.hash = $1`, hash).
		Scan(&f.UserID, &f.CreatedAt, &read, &role, &o.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return feeds.Feed{}, feeds.Owner{}, srok.Errorf(srok.ENOTFOUND, "no such calendar feed")
	}
	if err != nil {
		return feeds.Feed{}, feeds.Owner{}, s.wrap("read calendar feed", err)
	}
	f.CreatedAt, f.LastReadAt = f.CreatedAt.UTC(), nullTime(read)
	o.UserID, o.Role = f.UserID, srok.Role(role)
	return f, o, nil
}

// TouchCalendarFeed implements feeds.Store: the condition makes concurrent
// fetches write once.
func (s *Feeds) TouchCalendarFeed(ctx context.Context, userID string, at, staleBefore time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE calendar_feeds SET last_read_at = ?
		WHERE user_id = ? AND (last_read_at IS NULL OR last_read_at <= ?)`, utc(at), userID, utc(staleBefore)).Error
	return s.wrap("touch calendar feed", err)
}

// CalendarFeedItems implements feeds.Store. The user's own requests come
// through requests_assignee_id; the unassigned ones are those whose
// assignee is no active user, the rule of ReminderCandidates, so that a
// feed lists what its owner is reminded of. Hand SQL: a join with a
// computed column, scanned into the domain's items.
func (s *Feeds) CalendarFeedItems(ctx context.Context, q feeds.ItemQuery) ([]feeds.Item, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = feeds.MaxItems
	}
	who := `r.assignee_id = $1`
	if q.Unassigned {
		who = `(r.assignee_id = $1 OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = r.assignee_id AND u.active))`
	}
	query := `SELECT r.id, r.number, r.type, r.time_zone, o.obligation_id, o.basis,
			(CASE WHEN o.extended AND o.extended_due_date IS NOT NULL THEN o.extended_due_date ELSE o.target_date END) AS target,
			` + effectiveLegal + `, o.effective_due_at
		FROM requests r JOIN obligations o ON o.request_id = r.id AND o.status = 'open'
		WHERE r.status IN ('new', 'in_progress') AND ` + who + `
		ORDER BY target, r.number, o.obligation_id
		LIMIT $2`
	rows, err := s.reads.QueryContext(ctx, query, q.UserID, limit)
	if err != nil {
		return nil, s.wrap("calendar feed items", err)
	}
	defer rows.Close()
	zones := map[string]*time.Location{}
	var out []feeds.Item
	for rows.Next() {
		var (
			it            feeds.Item
			typ, zone     string
			target, legal dbDate
		)
		if err := rows.Scan(&it.RequestID, &it.Number, &typ, &zone, &it.ObligationID, &it.Basis, &target, &legal, &it.DueAt); err != nil {
			return nil, s.wrap("calendar feed items", err)
		}
		loc, ok := zones[zone]
		if !ok {
			if loc, err = deadlines.LoadZone(zone); err != nil {
				loc = time.UTC // the register checked the zone when the request came in
			}
			zones[zone] = loc
		}
		it.Type, it.Location = deadlines.RequestType(typ), loc
		it.Target, it.Legal, it.DueAt = calendar.Date(target), calendar.Date(legal), it.DueAt.UTC()
		out = append(out, it)
	}
	return out, s.wrap("calendar feed items", rows.Err())
}

// nullTime is n as a UTC *time.Time, nil when NULL.
func nullTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}
