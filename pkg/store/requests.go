package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Requests keeps the register: the requests, their obligations and
// timelines, the registration counters and the idempotency keys.
type Requests struct{ *core }

var (
	_ register.Store          = (*Requests)(nil)
	_ register.RecomputeStore = (*Requests)(nil)
)

// errReplay ends the create transaction when the idempotency key exists.
var errReplay = errors.New("idempotency key exists")

// CreateRequest implements register.Store.
func (s *Requests) CreateRequest(ctx context.Context, r *register.Request, year int, events []register.Event, key *register.IdempotencyKey, trail []*audit.Entry) (*register.Request, error) {
	select {
	case s.creates <- struct{}{}:
		defer func() { <-s.creates }()
	case <-ctx.Done():
		return nil, s.wrap("create request", ctx.Err())
	}
	if key == nil && s.dialect == Postgres && auditInOneStatement(trail) {
		if err := s.createInOneStatement(ctx, r, year, events, trail); err != nil {
			r.Number = ""
			return nil, s.wrap("create request", err)
		}
		return nil, nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if key != nil {
			// A second caller with the same key waits here on the unique
			// index until the first commits, then inserts nothing.
			res := tx.Exec(`INSERT INTO idempotency_keys (actor_id, key, body_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				r.CreatedBy, key.Key, key.BodyHash, utc(r.CreatedAt))
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return errReplay
			}
		}
		// The per-year counter row serialises creates so that the
		// numbering has no gaps; the rest of the transaction is short.
		var last int
		if err := tx.Raw(`INSERT INTO registration_counters (year, last) VALUES (?, 1)
			ON CONFLICT (year) DO UPDATE SET last = registration_counters.last + 1 RETURNING last`, year).Scan(&last).Error; err != nil {
			return err
		}
		r.Number = fmt.Sprintf("%d-%06d", year, last)
		row := toRequestRow(r)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if obls := toObligationRows(r); len(obls) > 0 {
			if err := tx.Create(&obls).Error; err != nil {
				return err
			}
		}
		if err := insertEvents(tx, events); err != nil {
			return err
		}
		if err := appendAudit(tx, trail); err != nil {
			return err
		}
		if key != nil {
			return tx.Exec(`UPDATE idempotency_keys SET request_id = ? WHERE actor_id = ? AND key = ?`, r.ID, r.CreatedBy, key.Key).Error
		}
		return nil
	})
	if errors.Is(err, errReplay) {
		return s.replay(ctx, r.CreatedBy, key)
	}
	if err != nil {
		r.Number = ""
		return nil, s.wrap("create request", err)
	}
	return nil, nil
}

// replay returns the request first created under key.
func (s *Requests) replay(ctx context.Context, actor string, key *register.IdempotencyKey) (*register.Request, error) {
	var k struct {
		BodyHash  string
		RequestID *string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT body_hash, request_id FROM idempotency_keys WHERE actor_id = ? AND key = ?`, actor, key.Key).Scan(&k).Error
	if err != nil {
		return nil, s.wrap("idempotency key", err)
	}
	if k.BodyHash != key.BodyHash {
		return nil, &srok.Error{Code: srok.ECONFLICT, Reason: "idempotency_key_reused",
			Message: "this Idempotency-Key was used with another body: use a new key for a new request"}
	}
	if k.RequestID == nil {
		return nil, &srok.Error{Code: srok.ECONFLICT, Reason: "idempotency_key_in_progress",
			Message: "a request with this Idempotency-Key is being registered: retry in a moment"}
	}
	return s.Request(ctx, *k.RequestID)
}

func insertEvents(tx *gorm.DB, events []register.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]eventRow, 0, len(events))
	for _, e := range events {
		row, err := toEventRow(e)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if err := tx.Create(&rows).Error; err != nil {
		return err
	}
	// The caller's events get the ids they were stored under (a note's
	// answer shows its id).
	for i := range rows {
		events[i].ID = rows[i].ID
	}
	return nil
}

// Request implements register.Store.
func (s *Requests) Request(ctx context.Context, id string) (*register.Request, error) {
	db := s.db.WithContext(ctx)
	var row requestRow
	if err := db.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, srok.Errorf(srok.ENOTFOUND, "no request with id %q", id)
		}
		return nil, s.wrap("get request", err)
	}
	var obls []obligationRow
	if err := db.Where("request_id = ?", id).Order("obligation_id").Find(&obls).Error; err != nil {
		return nil, s.wrap("get obligations", err)
	}
	return toRequest(&row, obls), nil
}

// UpdateRequest implements register.Store.
func (s *Requests) UpdateRequest(ctx context.Context, r *register.Request, version int, events []register.Event, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := updateRequest(tx, r, version, events); err != nil {
			return err
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("update request", err)
}

// updateRequest writes r and its obligations in tx if the stored version
// is still version (EPRECONDITION otherwise), and appends events: the
// change of UpdateRequest, for the parts that write one with more in its
// transaction (an issued letter).
func updateRequest(tx *gorm.DB, r *register.Request, version int, events []register.Event) error {
	row := toRequestRow(r)
	res := tx.Model(&requestRow{}).Where("id = ? AND version = ?", r.ID, version).
		Select("*").Omit("id", "number", "type", "created_at", "created_by").Updates(&row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		var cur []int
		if err := tx.Model(&requestRow{}).Where("id = ?", r.ID).Pluck("version", &cur).Error; err != nil {
			return err
		}
		if len(cur) == 0 {
			return srok.Errorf(srok.ENOTFOUND, "no request with id %q", r.ID)
		}
		return register.StaleVersion(cur[0], version)
	}
	if obls := toObligationRows(r); len(obls) > 0 {
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "request_id"}, {Name: "obligation_id"}},
			UpdateAll: true,
		}).Create(&obls).Error; err != nil {
			return err
		}
	}
	return insertEvents(tx, events)
}

// AppendEvents implements register.Store.
func (s *Requests) AppendEvents(ctx context.Context, events []register.Event, trail []*audit.Entry) error {
	if len(trail) == 0 {
		return s.wrap("append events", insertEvents(s.db.WithContext(ctx), events))
	}
	return s.wrap("append events", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertEvents(tx, events); err != nil {
			return err
		}
		return appendAudit(tx, trail)
	}))
}

// sortColumn maps a sort key to its column.
var sortColumn = map[register.SortKey]string{
	register.SortReceivedAt: "received_at",
	register.SortDue:        "next_due_at",
	register.SortNumber:     "number",
	register.SortUpdatedAt:  "updated_at",
}

// likeEscaper escapes LIKE's wildcards in q.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListRequests implements register.Store.
func (s *Requests) ListRequests(ctx context.Context, f register.Filter) ([]*register.Request, error) {
	col, ok := sortColumn[f.Sort.Key]
	if !ok {
		return nil, srok.Invalid(srok.FieldError{Field: "sort", Problem: fmt.Sprintf("cannot sort by %q", f.Sort.Key)})
	}
	q := s.db.WithContext(ctx).Model(&requestRow{})
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if len(f.Types) > 0 {
		q = q.Where("type IN ?", f.Types)
	}
	if f.Assignee != nil {
		q = q.Where("assignee = ?", *f.Assignee)
	}
	if v := f.Visible; v != nil {
		if v.CreatedBy != "" {
			q = q.Where("created_by = ?", v.CreatedBy)
		}
		if v.AssigneeID != "" {
			q = q.Where("(assignee_id = ? OR (assignee_id IS NULL AND assignee = ''))", v.AssigneeID)
		}
	}
	if f.DueAtOrBefore != nil {
		q = q.Where("next_due_at <= ?", utc(*f.DueAtOrBefore))
	}
	if f.DueAfter != nil {
		q = q.Where("next_due_at > ? AND next_due_at < ?", utc(*f.DueAfter), noDue)
	}
	if f.NotOverdueAt != nil {
		q = q.Where("next_due_at > ?", utc(*f.NotOverdueAt))
	}
	if f.ReceivedFrom != nil {
		q = q.Where("received_at >= ?", utc(*f.ReceivedFrom))
	}
	if f.ReceivedUntil != nil {
		q = q.Where("received_at < ?", utc(*f.ReceivedUntil))
	}
	if qs := strings.TrimSpace(f.Q); qs != "" {
		col := "search"
		if f.QClearOnly {
			col = "search_clear" // trigram-indexed on PostgreSQL like search
		}
		q = q.Where(col+` LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(qs))+"%")
	}
	dir, cmp := "ASC", ">"
	if f.Sort.Desc {
		dir, cmp = "DESC", "<"
	}
	if c := f.After; c != nil {
		var v any = c.Value
		if col != "number" {
			t := noDue
			if c.Value != "" {
				p, err := time.Parse(time.RFC3339Nano, c.Value)
				if err != nil {
					return nil, srok.Invalid(srok.FieldError{Field: "cursor", Problem: "is not a cursor of this list"})
				}
				t = utc(p)
			}
			v = t
		}
		q = q.Where(fmt.Sprintf("(%s, id) %s (?, ?)", col, cmp), v, c.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = register.DefaultLimit
	}
	var rows []requestRow
	if err := q.Order(col + " " + dir).Order("id " + dir).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, s.wrap("list requests", err)
	}
	return s.withObligations(ctx, rows)
}

// withObligations loads the obligations of rows in one query.
func (s *Requests) withObligations(ctx context.Context, rows []requestRow) ([]*register.Request, error) {
	out := make([]*register.Request, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var obls []obligationRow
	if err := s.db.WithContext(ctx).Where("request_id IN ?", ids).Order("request_id, obligation_id").Find(&obls).Error; err != nil {
		return nil, s.wrap("list obligations", err)
	}
	by := make(map[string][]obligationRow, len(rows))
	for _, o := range obls {
		by[o.RequestID] = append(by[o.RequestID], o)
	}
	for i := range rows {
		out = append(out, toRequest(&rows[i], by[rows[i].ID]))
	}
	return out, nil
}

// RecomputeCandidates implements register.RecomputeStore: the open
// requests whose open terms an import of calendar years from the date from
// on may move, by id after afterID.
func (s *Requests) RecomputeCandidates(ctx context.Context, from calendar.Date, afterID string, limit int) ([]string, error) {
	var ids []string
	q := `SELECT DISTINCT r.id FROM requests r JOIN obligations o ON o.request_id = r.id
		WHERE r.status IN ('new', 'in_progress') AND o.status = 'open'
		  AND (o.provisional OR o.due_date >= ? OR o.extended_due_date >= ?)`
	args := []any{dbDate(from), dbDate(from)}
	if afterID != "" {
		q += ` AND r.id > ?`
		args = append(args, afterID)
	}
	err := s.db.WithContext(ctx).Raw(q+` ORDER BY r.id LIMIT ?`, append(args, limit)...).Scan(&ids).Error
	if err != nil {
		return nil, s.wrap("recompute candidates", err)
	}
	return ids, nil
}

// Timeline implements register.Store.
func (s *Requests) Timeline(ctx context.Context, requestID string, afterID int64, limit int) ([]register.Event, error) {
	var rows []eventRow
	if err := s.db.WithContext(ctx).Where("request_id = ? AND id > ?", requestID, afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, s.wrap("timeline", err)
	}
	out := make([]register.Event, len(rows))
	for i, r := range rows {
		out[i] = toEvent(r)
	}
	return out, nil
}

// LatestAccess implements register.Store. It runs on every create of an
// access request, so it is plain SQL reading two columns, on the read pool
// (package doc, rule 3): its parameters are numbered, each window's used by
// every branch.
func (s *Requests) LatestAccess(ctx context.Context, email, phone string, from, to time.Time, excludeID string) (*register.Request, error) {
	email = strings.ToLower(email)
	if email == "" && phone == "" {
		return nil, nil
	}
	args := []any{utc(from), utc(to)}
	for _, v := range []string{email, phone, excludeID} {
		if v != "" {
			args = append(args, v)
		}
	}
	var r register.Request
	err := s.reads.QueryRowContext(ctx, repeatCheckSQL(s.dialect, email != "", phone != "", excludeID != ""), args...).Scan(&r.ID, &r.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("repeat check", err)
	}
	return &r, nil
}

// repeatCheckSQL is the repeat check's query: the latest access request not
// cancelled received in [$1, $2) from the email or the phone, not the
// excluded one; the email, phone and excluded id, those asked for, are the
// next parameters in this order. Each contact is its own branch that states
// the condition of its partial index (requests_email, requests_phone: the
// contact is not empty): neither planner proves that "x = $3" implies
// that x is not empty for a bind parameter, and SQLite does not plan an OR of the two
// as two index searches. Without that, every create read all the access
// requests of the last 30 days through requests_type_received: 52 creates/s
// at 16,000 of them against 354/s on an empty register (docs/BENCHMARKS.md).
func repeatCheckSQL(d Dialect, email, phone, exclude bool) string {
	n := 2
	next := func() string {
		n++
		return ph(d, n)
	}
	var cols []string
	if email {
		cols = append(cols, "subject_email_lower = "+next()+" AND subject_email_lower <> ''")
	}
	if phone {
		cols = append(cols, "subject_phone_norm = "+next()+" AND subject_phone_norm <> ''")
	}
	window := " AND type = 'access' AND status <> 'cancelled' AND received_at >= " + ph(d, 1) + " AND received_at < " + ph(d, 2)
	if exclude {
		window += " AND id <> " + next()
	}
	branches := make([]string, len(cols))
	for i, c := range cols {
		branches[i] = fmt.Sprintf("SELECT id, number, received_at FROM (SELECT id, number, received_at FROM requests WHERE %s%s ORDER BY received_at DESC LIMIT 1) AS b%d", c, window, i)
	}
	return "SELECT id, number FROM (" + strings.Join(branches, " UNION ALL ") + ") AS c ORDER BY received_at DESC LIMIT 1"
}

// dueCountsSQL is the dashboard's count of open terms by assignee and type.
// On SQLite the group's first term is "+assignee": grouped by the bare
// column, SQLite reads the whole register in requests_assignee_due's order
// to spare itself a sort of the few open requests, instead of the range of
// requests_next_due (which holds assignee and type, so the count reads the
// index alone). PostgreSQL has no unary plus for text, nor the need.
func dueCountsSQL(d Dialect) string {
	group := "assignee, type"
	if d == SQLite {
		group = "+assignee, type"
	}
	return `SELECT assignee, type,
		SUM(CASE WHEN next_due_at <= ? THEN 1 ELSE 0 END) AS overdue,
		SUM(CASE WHEN next_due_at > ? AND next_due_at <= ? THEN 1 ELSE 0 END) AS due_today,
		SUM(CASE WHEN next_due_at > ? THEN 1 ELSE 0 END) AS due_soon
		FROM requests WHERE next_due_at <= ? GROUP BY ` + group
}

// DueCounts implements register.Store.
func (s *Requests) DueCounts(ctx context.Context, now, todayEnd, soonEnd time.Time) ([]register.DueCount, error) {
	now, todayEnd, soonEnd = utc(now), utc(todayEnd), utc(soonEnd)
	var rows []struct {
		Assignee string
		Type     string
		Overdue  int
		DueToday int
		DueSoon  int
	}
	err := s.db.WithContext(ctx).Raw(dueCountsSQL(s.dialect),
		now, now, todayEnd, todayEnd, soonEnd).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("due counts", err)
	}
	out := make([]register.DueCount, len(rows))
	for i, r := range rows {
		out[i] = register.DueCount{Assignee: r.Assignee, Type: deadlines.RequestType(r.Type), Overdue: r.Overdue, DueToday: r.DueToday, DueSoon: r.DueSoon}
	}
	return out, nil
}
