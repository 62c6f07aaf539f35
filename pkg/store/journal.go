package store

import (
	"context"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

var _ register.JournalCounter = (*Store)(nil)

// JournalRequests implements register.JournalCounter: the next limit
// requests after the number after, by number (numbers are unique), of
// the period and visibility of f. It walks the unique index of number and
// filters the period on the rows it meets, so that each batch starts
// where the last one ended; on SQLite the unary plus keeps received_at
// off its index, which the planner would otherwise take for the range
// and then sort the rest of the period again for every batch.
func (s *Requests) JournalRequests(ctx context.Context, f register.Filter, after string, limit int) ([]*register.Request, error) {
	recv := "received_at"
	if s.dialect == SQLite {
		recv = "+received_at"
	}
	q := s.db.WithContext(ctx).Model(&requestRow{}).Where("number > ?", after)
	if v := f.Visible; v != nil {
		if v.CreatedBy != "" {
			q = q.Where("created_by = ?", v.CreatedBy)
		}
		if v.AssigneeID != "" {
			q = q.Where("(assignee_id = ? OR (assignee_id IS NULL AND assignee = ''))", v.AssigneeID)
		}
	}
	if f.ReceivedFrom != nil {
		q = q.Where(recv+" >= ?", utc(*f.ReceivedFrom))
	}
	if f.ReceivedUntil != nil {
		q = q.Where(recv+" < ?", utc(*f.ReceivedUntil))
	}
	var rows []requestRow
	if err := q.Order("number").Limit(limit).Find(&rows).Error; err != nil {
		return nil, s.wrap("journal requests", err)
	}
	return s.withObligations(ctx, rows)
}

// CountRequests implements register.JournalCounter: the requests of a
// period that an actor may see, counted for the audit entry of a journal
// export before its rows are read (ListRequests by number, a batch at a
// time, reads them). The period is served by requests_received's range.
func (s *Requests) CountRequests(ctx context.Context, f register.Filter) (int, error) {
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
