package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

type ackTemplateRow struct {
	Version   int     `gorm:"primaryKey;autoIncrement:false"`
	Subject   *string // NULL with Body: the built-in template
	Body      *string
	SavedAt   time.Time `gorm:"autoCreateTime:false"`
	SavedBy   string
	SaverName string
}

func (ackTemplateRow) TableName() string { return "ack_templates" }

// AckTemplate implements remind.AckTemplateStore: the latest version.
func (s *Operator) AckTemplate(ctx context.Context) (remind.AckTemplate, error) {
	var row ackTemplateRow
	err := s.db.WithContext(ctx).Order("version DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return remind.AckTemplate{}, srok.Errorf(srok.ENOTFOUND, "no acknowledgement template saved")
	}
	if err != nil {
		return remind.AckTemplate{}, s.wrap("acknowledgement template", err)
	}
	t := remind.AckTemplate{Version: row.Version, Builtin: row.Body == nil, SavedAt: row.SavedAt.UTC(),
		SavedBy: row.SavedBy, SaverName: row.SaverName}
	if row.Body != nil && row.Subject != nil {
		t.Subject, t.Text = *row.Subject, *row.Body
	}
	return t, nil
}

// AddAckTemplate implements remind.AckTemplateStore: the next version and
// the audit entry in one transaction. Two saves at once: one wins the
// version number, the other is a conflict (the primary key).
func (s *Operator) AddAckTemplate(ctx context.Context, t *remind.AckTemplate, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last int
		if err := tx.Raw("SELECT COALESCE(max(version), 0) FROM ack_templates").Scan(&last).Error; err != nil {
			return err
		}
		row := ackTemplateRow{Version: last + 1, SavedAt: utc(t.SavedAt), SavedBy: t.SavedBy, SaverName: t.SaverName}
		if !t.Builtin {
			subject, body := t.Subject, t.Text
			row.Subject, row.Body = &subject, &body
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		t.Version = row.Version
		return appendAudit(tx, trail)
	})
	return s.wrap("add acknowledgement template", err)
}

// OperatorName implements remind.AckStore: the short name in the details,
// else the full name.
func (s *Operator) OperatorName(ctx context.Context) (string, error) {
	var names []struct{ Name, ShortName string }
	if err := s.db.WithContext(ctx).Raw("SELECT name, short_name FROM organisation WHERE id = 1").Scan(&names).Error; err != nil {
		return "", s.wrap("operator name", err)
	}
	if len(names) == 0 {
		return "", nil
	}
	if names[0].ShortName != "" {
		return names[0].ShortName, nil
	}
	return names[0].Name, nil
}
