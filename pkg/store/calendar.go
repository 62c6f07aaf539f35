package store

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
)

// calendarChannel is the PostgreSQL channel on which an import of
// calendar years is announced to every srok process.
const calendarChannel = "srok_calendar"

type calendarYearRow struct {
	Year       int `gorm:"primaryKey;autoIncrement:false"`
	Data       string
	SHA256     string `gorm:"column:sha256"`
	Source     string
	ImportedAt time.Time `gorm:"autoCreateTime:false"`
	ImportedBy string
}

func (calendarYearRow) TableName() string { return "calendar_years" }

// Calendar keeps the production calendar's imported years, and tells every
// srok process on the database when an import changes them.
type Calendar struct{ *core }

var (
	_ calendars.Store            = (*Calendar)(nil)
	_ calendars.ProvisionalStore = (*Calendar)(nil)
)

// CalendarYears implements calendars.Store: the imported years, ascending.
func (s *Calendar) CalendarYears(ctx context.Context) ([]calendars.StoredYear, error) {
	var rows []calendarYearRow
	if err := s.db.WithContext(ctx).Order("year").Find(&rows).Error; err != nil {
		return nil, s.wrap("calendar years", err)
	}
	out := make([]calendars.StoredYear, 0, len(rows))
	for _, r := range rows {
		out = append(out, calendars.StoredYear{Year: r.Year, Data: []byte(r.Data), SHA256: r.SHA256, Source: r.Source,
			ImportedAt: r.ImportedAt.UTC(), ImportedBy: r.ImportedBy})
	}
	return out, nil
}

// PutCalendarYears implements calendars.Store: it stores the years
// (replacing a stored one) and the audit entry in one transaction and, on
// PostgreSQL, tells every listening process when it commits.
func (s *Calendar) PutCalendarYears(ctx context.Context, years []calendars.StoredYear, trail []*audit.Entry) error {
	if len(years) == 0 {
		return nil
	}
	rows := make([]calendarYearRow, 0, len(years))
	for _, y := range years {
		rows = append(rows, calendarYearRow{Year: y.Year, Data: string(y.Data), SHA256: y.SHA256, Source: y.Source,
			ImportedAt: utc(y.ImportedAt), ImportedBy: y.ImportedBy})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "year"}}, UpdateAll: true}).Create(&rows).Error; err != nil {
			return err
		}
		if err := appendAudit(tx, trail); err != nil {
			return err
		}
		return s.notify(tx, calendarChannel)
	})
	return s.wrap("put calendar years", err)
}

// ListenCalendarChanges implements calendars.Store: on PostgreSQL it
// listens, on a connection of its own, for imports of calendar years made
// by any srok process, until ctx ends: changed() for each (and once after
// each (re)connection, as an import may have been missed meanwhile). On
// SQLite it returns at once: the single process is the one importing.
func (s *Calendar) ListenCalendarChanges(ctx context.Context, changed func()) {
	// A change may have been missed while not listening: re-read on every
	// (re)connection.
	s.listen(ctx, calendarChannel, func(up bool) {
		if up {
			changed()
		}
	}, changed)
}

// ProvisionalYears implements calendars.ProvisionalStore: the years of the
// legal dates (and extended ones) of the open obligations of open requests
// that were counted provisionally, ascending. Few rows: only the terms that
// reach a year without decree data.
func (s *Calendar) ProvisionalYears(ctx context.Context) ([]int, error) {
	var rows []struct {
		DueDate         dbDate
		ExtendedDueDate *dbDate
	}
	err := s.db.WithContext(ctx).Raw(`SELECT o.due_date, o.extended_due_date FROM obligations o
		JOIN requests r ON r.id = o.request_id
		WHERE r.status IN ('new', 'in_progress') AND o.status = 'open' AND o.provisional`).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("provisional years", err)
	}
	seen := map[int]bool{}
	var years []int
	add := func(d calendar.Date) {
		if y := d.Year(); !seen[y] {
			seen[y] = true
			years = append(years, y)
		}
	}
	for _, r := range rows {
		add(calendar.Date(r.DueDate))
		if r.ExtendedDueDate != nil {
			add(calendar.Date(*r.ExtendedDueDate))
		}
	}
	slices.Sort(years)
	return years, nil
}
