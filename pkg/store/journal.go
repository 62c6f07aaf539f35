package store

import (
	"context"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

var _ register.JournalCounter = (*Store)(nil)

// CountRequests implements register.JournalCounter: the requests of a
// period that an actor may see, counted for the audit entry of a journal
// export before its rows are read (ListRequests by number, a batch at a
// time, reads them). The period is served by requests_received's range.
func (s *Store) CountRequests(ctx context.Context, f register.Filter) (int, error) {
	if len(f.Statuses) > 0 || len(f.Types) > 0 || f.Assignee != nil || f.DueAtOrBefore != nil || f.DueAfter != nil ||
		f.NotOverdueAt != nil || f.Q != "" || f.After != nil {
		return 0, srok.Errorf(srok.EINVALID, "store: count requests: only the visibility and the period of receipt filter a count")
	}
	q := s.db.WithContext(ctx).Model(&requestRow{})
	if v := f.Visible; v != nil {
		if v.CreatedBy != "" {
			q = q.Where("created_by = ?", v.CreatedBy)
		}
		if v.AssigneeID != "" {
			q = q.Where("(assignee_id = ? OR (assignee_id IS NULL AND assignee = ''))", v.AssigneeID)
		}
	}
	if f.ReceivedFrom != nil {
		q = q.Where("received_at >= ?", utc(*f.ReceivedFrom))
	}
	if f.ReceivedUntil != nil {
		q = q.Where("received_at < ?", utc(*f.ReceivedUntil))
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, s.wrap("count requests", err)
	}
	return int(n), nil
}
