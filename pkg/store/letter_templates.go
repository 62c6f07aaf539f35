package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/srok"
)

type letterTemplateRow struct {
	Kind         string `gorm:"primaryKey"`
	Version      int    `gorm:"primaryKey;autoIncrement:false"`
	DOCX         []byte `gorm:"column:docx"`
	SHA256       string `gorm:"column:sha256"`
	Size         int
	UploadedAt   time.Time `gorm:"autoCreateTime:false"`
	UploadedBy   string
	UploaderName string
}

func (letterTemplateRow) TableName() string { return "letter_templates" }

func (r letterTemplateRow) version() organisation.TemplateVersion {
	return organisation.TemplateVersion{Kind: letters.Kind(r.Kind), Version: r.Version, Builtin: r.DOCX == nil,
		SHA256: r.SHA256, Size: r.Size, UploadedAt: r.UploadedAt.UTC(), UploadedBy: r.UploadedBy, UploaderName: r.UploaderName}
}

// LetterTemplates implements organisation.Store: the latest version of each
// kind stored, without the files.
func (s *Operator) LetterTemplates(ctx context.Context) ([]organisation.TemplateVersion, error) {
	var rows []letterTemplateRow
	err := s.db.WithContext(ctx).Select("kind, version, sha256, size, uploaded_at, uploaded_by, uploader_name").
		Where("version = (SELECT max(version) FROM letter_templates t WHERE t.kind = letter_templates.kind)").
		Order("kind").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("letter templates", err)
	}
	// Builtin is read apart: the files are not loaded for a list.
	var builtin []struct {
		Kind    string
		Version int
	}
	if err := s.db.WithContext(ctx).Raw("SELECT kind, version FROM letter_templates WHERE docx IS NULL").Scan(&builtin).Error; err != nil {
		return nil, s.wrap("letter templates", err)
	}
	out := make([]organisation.TemplateVersion, 0, len(rows))
	for _, r := range rows {
		v := r.version()
		v.Builtin = false
		for _, b := range builtin {
			if b.Kind == r.Kind && b.Version == r.Version {
				v.Builtin = true
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// LetterTemplate implements organisation.Store: the latest version of kind
// with its file.
func (s *Operator) LetterTemplate(ctx context.Context, kind letters.Kind) (organisation.TemplateVersion, []byte, error) {
	var row letterTemplateRow
	err := s.db.WithContext(ctx).Where("kind = ?", string(kind)).Order("version DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return organisation.TemplateVersion{}, nil, srok.Errorf(srok.ENOTFOUND, "no stored template of kind %s", kind)
	}
	if err != nil {
		return organisation.TemplateVersion{}, nil, s.wrap("letter template", err)
	}
	return row.version(), row.DOCX, nil
}

// AddLetterTemplate implements organisation.Store: the next version of the
// kind and the audit entry in one transaction. Two uploads at once: one
// wins the version number, the other is a conflict (the primary key).
func (s *Operator) AddLetterTemplate(ctx context.Context, v *organisation.TemplateVersion, docx []byte, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last int
		if err := tx.Raw("SELECT COALESCE(max(version), 0) FROM letter_templates WHERE kind = ?", string(v.Kind)).Scan(&last).Error; err != nil {
			return err
		}
		row := letterTemplateRow{Kind: string(v.Kind), Version: last + 1, DOCX: docx, SHA256: v.SHA256, Size: v.Size,
			UploadedAt: utc(v.UploadedAt), UploadedBy: v.UploadedBy, UploaderName: v.UploaderName}
		q := tx
		if docx == nil {
			q = q.Omit("docx") // NULL: the built-in template (a nil slice is an empty BLOB on SQLite)
		}
		if err := q.Create(&row).Error; err != nil {
			return err
		}
		v.Version = row.Version
		return appendAudit(tx, trail)
	})
	return s.wrap("add letter template", err)
}
