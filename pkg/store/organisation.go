package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/organisation"
)

type organisationRow struct {
	ID                  int `gorm:"primaryKey;autoIncrement:false"`
	Name                string
	ShortName           string
	INN                 string `gorm:"column:inn"`
	OGRN                string `gorm:"column:ogrn"`
	KPP                 string `gorm:"column:kpp"`
	Address             string
	Email               string
	Phone               string
	ResponsibleName     string
	ResponsiblePosition string
	ResponsibleContact  string
	SignatoryName       string
	SignatoryPosition   string
	NumberFormat        string
	AccessPersons       string
	RightsProcedure     string
	Duties              string
	OtherInfo           string
	Version             int
	UpdatedAt           time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy           string
}

func (organisationRow) TableName() string { return "organisation" }

type processingRecordRow struct {
	ID             string `gorm:"primaryKey"`
	Position       int
	Purpose        string
	LegalBasis     string
	Data           string
	Source         string
	Subjects       string
	Methods        string
	ProcessingTerm string
	StorageTerm    string
	Recipients     string
	CrossBorder    string
	Processors     string
}

func (processingRecordRow) TableName() string { return "processing_records" }

// Operator keeps what Srok knows of the operator itself: its details and
// processing records (the organisation row) and the versions of its letter
// templates. (Not named Organisation: the part's name would hide its method.)
type Operator struct{ *core }

// Organisation implements organisation.Store: the details and records,
// Version 0 (and the default number format) before the first save.
func (s *Operator) Organisation(ctx context.Context) (organisation.Details, error) {
	var row organisationRow
	err := s.db.WithContext(ctx).Where("id = 1").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return organisation.Details{NumberFormat: organisation.DefaultNumberFormat}, nil
	}
	if err != nil {
		return organisation.Details{}, s.wrap("organisation", err)
	}
	var recs []processingRecordRow
	if err := s.db.WithContext(ctx).Order("position").Find(&recs).Error; err != nil {
		return organisation.Details{}, s.wrap("processing records", err)
	}
	d := organisation.Details{Name: row.Name, ShortName: row.ShortName, INN: row.INN, OGRN: row.OGRN, KPP: row.KPP,
		Address: row.Address, Email: row.Email, Phone: row.Phone,
		Responsible:  organisation.Person{Name: row.ResponsibleName, Position: row.ResponsiblePosition, Contact: row.ResponsibleContact},
		Signatory:    organisation.Person{Name: row.SignatoryName, Position: row.SignatoryPosition},
		NumberFormat: row.NumberFormat, AccessPersons: row.AccessPersons, RightsProcedure: row.RightsProcedure,
		Duties: row.Duties, Other: row.OtherInfo, Version: row.Version, UpdatedAt: row.UpdatedAt.UTC(), UpdatedBy: row.UpdatedBy,
		Records: make([]organisation.Record, 0, len(recs))}
	for _, r := range recs {
		d.Records = append(d.Records, organisation.Record{ID: r.ID, Purpose: r.Purpose, LegalBasis: r.LegalBasis,
			Data: r.Data, Source: r.Source, Subjects: r.Subjects, Methods: r.Methods, ProcessingTerm: r.ProcessingTerm,
			StorageTerm: r.StorageTerm, Recipients: r.Recipients, CrossBorder: r.CrossBorder, Processors: r.Processors})
	}
	return d, nil
}

// PutOrganisation implements organisation.Store: the details row is
// replaced, the records replaced whole (kept ids stay), and the audit entry
// written, in one transaction.
func (s *Operator) PutOrganisation(ctx context.Context, d organisation.Details, trail []*audit.Entry) error {
	row := organisationRow{ID: 1, Name: d.Name, ShortName: d.ShortName, INN: d.INN, OGRN: d.OGRN, KPP: d.KPP,
		Address: d.Address, Email: d.Email, Phone: d.Phone, ResponsibleName: d.Responsible.Name,
		ResponsiblePosition: d.Responsible.Position, ResponsibleContact: d.Responsible.Contact,
		SignatoryName: d.Signatory.Name, SignatoryPosition: d.Signatory.Position, NumberFormat: d.NumberFormat,
		AccessPersons: d.AccessPersons, RightsProcedure: d.RightsProcedure, Duties: d.Duties, OtherInfo: d.Other,
		Version: d.Version, UpdatedAt: utc(d.UpdatedAt), UpdatedBy: d.UpdatedBy}
	recs := make([]processingRecordRow, 0, len(d.Records))
	for i, r := range d.Records {
		recs = append(recs, processingRecordRow{ID: r.ID, Position: i, Purpose: r.Purpose, LegalBasis: r.LegalBasis,
			Data: r.Data, Source: r.Source, Subjects: r.Subjects, Methods: r.Methods, ProcessingTerm: r.ProcessingTerm,
			StorageTerm: r.StorageTerm, Recipients: r.Recipients, CrossBorder: r.CrossBorder, Processors: r.Processors})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Optimistic: the row must still be the version before this one, so
		// that of two saves made on the same version one fails.
		var res *gorm.DB
		if d.Version == 1 {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		} else {
			res = tx.Model(&organisationRow{}).Where("id = 1 AND version = ?", d.Version-1).Select("*").Updates(row)
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return organisation.ErrStale
		}
		if err := tx.Exec("DELETE FROM processing_records").Error; err != nil {
			return err
		}
		if len(recs) > 0 {
			if err := tx.Create(&recs).Error; err != nil {
				return err
			}
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("put organisation", err)
}
