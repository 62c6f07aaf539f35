package organisation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/srok"
)

// TemplateVersion is one version of a kind's letter template. Version 0 is
// the built-in template in use while nothing was uploaded.
type TemplateVersion struct {
	Kind    letters.Kind
	Version int
	// Builtin is true when this version is the built-in template (nothing
	// uploaded, or a going back to it).
	Builtin bool
	SHA256  string
	Size    int
	// UploadedAt, UploadedBy (the actor id) and UploaderName: who made this
	// version current and when; zero for version 0.
	UploadedAt   time.Time
	UploadedBy   string
	UploaderName string
}

// Store keeps the details and the templates; the storage package implements
// it on PostgreSQL and SQLite.
type Store interface {
	// Organisation returns the details, Version 0 when never saved.
	Organisation(ctx context.Context) (Details, error)
	// PutOrganisation replaces the details and records (keeping their
	// order) with the audit entries in one transaction, if the stored
	// details are still d.Version-1 (none stored for 1); else ErrStale and
	// nothing written.
	PutOrganisation(ctx context.Context, d Details, trail []*audit.Entry) error
	// LetterTemplates returns the current version of each kind that has
	// one stored.
	LetterTemplates(ctx context.Context) ([]TemplateVersion, error)
	// LetterTemplate returns the current version of kind and its file (nil
	// for a built-in); ENOTFOUND when none is stored.
	LetterTemplate(ctx context.Context, kind letters.Kind) (TemplateVersion, []byte, error)
	// AddLetterTemplate stores a new version of v.Kind (the next number,
	// set in v) with the audit entries in one transaction; docx nil goes
	// back to the built-in template.
	AddLetterTemplate(ctx context.Context, v *TemplateVersion, docx []byte, trail []*audit.Entry) error
}

// Service reads and changes the details and templates, checking the actor
// and recording the changes.
type Service struct {
	store Store
	audit audit.Trail
	now   func() time.Time
}

// NewService returns the service on store; audit may be nil (no trail).
func NewService(store Store, audit audit.Trail, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, audit: audit, now: now}
}

func (s *Service) actor(ctx context.Context, manage bool, act audit.Action) (srok.Actor, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return a, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if manage && !a.Can(srok.ActOrganisationManage) {
		if s.audit != nil {
			_ = s.audit.Record(ctx, audit.Entry{Action: act, Outcome: audit.OutcomeDenied, Detail: "role " + string(a.Role)})
		}
		return a, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: change the operator's details and letter templates"}
	}
	return a, nil
}

func (s *Service) trail(ctx context.Context, e audit.Entry) ([]*audit.Entry, error) {
	if s.audit == nil {
		return nil, nil
	}
	e.Outcome = audit.OutcomeOK
	return s.audit.Prepare(ctx, e)
}

// Get returns the details: everyone signed in may read them (they are the
// operator's, not a subject's).
func (s *Service) Get(ctx context.Context) (Details, error) {
	if _, err := s.actor(ctx, false, ""); err != nil {
		return Details{}, err
	}
	return s.store.Organisation(ctx)
}

// Put replaces the details (an administrator's), after Validate; the
// change is in the audit trail with the names of the fields changed. A
// d.Version above 0 is the version the caller read: when the details were
// saved since (by anyone, even at the same moment), Put refuses with a
// conflict rather than overwrite that change.
func (s *Service) Put(ctx context.Context, d Details) (Details, error) {
	a, err := s.actor(ctx, true, audit.ActionOrganisationEdit)
	if err != nil {
		return Details{}, err
	}
	if err := d.Validate(); err != nil {
		return Details{}, err
	}
	old, err := s.store.Organisation(ctx)
	if err != nil {
		return Details{}, err
	}
	if d.Version > 0 && d.Version != old.Version {
		return Details{}, stale(old.Version)
	}
	d.Version = old.Version + 1
	d.UpdatedAt = s.now().UTC()
	d.UpdatedBy = a.ID
	trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionOrganisationEdit, Fields: changed(old, d)})
	if err != nil {
		return Details{}, err
	}
	if err := s.store.PutOrganisation(ctx, d, trail); err != nil {
		return Details{}, err
	}
	return s.store.Organisation(ctx)
}

// stale is the refusal of a change made on details saved since.
func stale(current int) error {
	return &srok.Error{Code: srok.ECONFLICT, Reason: "stale_version",
		Message: "the details were saved meanwhile (version " + strconv.Itoa(current) + "): read them again"}
}

// ErrStale is what a Store returns when the details it is to replace are
// no longer the version before the new one.
var ErrStale = &srok.Error{Code: srok.ECONFLICT, Reason: "stale_version",
	Message: "the details were saved meanwhile: read them again"}

// changed names the fields that differ between a and b, never their values.
func changed(a, b Details) []string {
	var out []string
	add := func(x, y, name string) {
		if x != y {
			out = append(out, name)
		}
	}
	add(a.Name, b.Name, "name")
	add(a.ShortName, b.ShortName, "short_name")
	add(a.INN, b.INN, "inn")
	add(a.OGRN, b.OGRN, "ogrn")
	add(a.KPP, b.KPP, "kpp")
	add(a.Address, b.Address, "address")
	add(a.Email, b.Email, "email")
	add(a.Phone, b.Phone, "phone")
	add(a.Responsible.Name, b.Responsible.Name, "responsible.name")
	add(a.Responsible.Position, b.Responsible.Position, "responsible.position")
	add(a.Responsible.Contact, b.Responsible.Contact, "responsible.contact")
	add(a.Signatory.Name, b.Signatory.Name, "signatory.name")
	add(a.Signatory.Position, b.Signatory.Position, "signatory.position")
	add(a.NumberFormat, b.NumberFormat, "number_format")
	add(a.AccessPersons, b.AccessPersons, "access_persons")
	add(a.RightsProcedure, b.RightsProcedure, "rights_procedure")
	add(a.Duties, b.Duties, "duties")
	add(a.Other, b.Other, "other_info")
	if len(a.Records) != len(b.Records) {
		out = append(out, "records")
	} else {
		for i := range a.Records {
			if a.Records[i] != b.Records[i] {
				out = append(out, "records")
				break
			}
		}
	}
	return out
}

// MaxTemplateSize bounds an uploaded template: a letter template with a
// logo is well under it.
const MaxTemplateSize = 5 << 20

// Templates lists, for every kind, the template version in use.
func (s *Service) Templates(ctx context.Context) ([]TemplateVersion, error) {
	if _, err := s.actor(ctx, false, ""); err != nil {
		return nil, err
	}
	stored, err := s.store.LetterTemplates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TemplateVersion, 0, len(letters.Kinds))
	for _, k := range letters.Kinds {
		v := TemplateVersion{Kind: k, Builtin: true}
		for _, x := range stored {
			if x.Kind == k {
				v = x
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Template returns the version of kind in use and its DOCX (the built-in
// one when nothing was uploaded, or when builtin is asked).
func (s *Service) Template(ctx context.Context, kind letters.Kind, builtin bool) (TemplateVersion, []byte, error) {
	if _, err := s.actor(ctx, false, ""); err != nil {
		return TemplateVersion{}, nil, err
	}
	return s.template(ctx, kind, builtin)
}

func (s *Service) template(ctx context.Context, kind letters.Kind, builtin bool) (TemplateVersion, []byte, error) {
	if !kind.Valid() {
		return TemplateVersion{}, nil, unknownKind(kind)
	}
	v := TemplateVersion{Kind: kind, Builtin: true}
	if !builtin {
		stored, docx, err := s.store.LetterTemplate(ctx, kind)
		switch {
		case srok.ErrorCode(err) == srok.ENOTFOUND:
		case err != nil:
			return v, nil, err
		case !stored.Builtin:
			return stored, docx, nil
		default:
			v = stored
		}
	}
	b := letters.Builtin(kind)
	v.Size, v.SHA256 = len(b), hash(b)
	return v, b, nil
}

func unknownKind(k letters.Kind) error {
	return &srok.Error{Code: srok.ENOTFOUND, Message: "no letter of kind " + quote(string(k)) + ": answer, extension, refusal or details_request",
		Fields: []srok.FieldError{{Field: "kind", Problem: "неизвестный вид письма: answer, extension, refusal или details_request"}}}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Upload makes docx the template of kind in use, as a new version, after
// letters.ParseTemplate accepted it: a file that is not a DOCX, a broken one,
// or one with a placeholder the kind does not know is refused and nothing
// is stored. builtin (docx ignored) goes back to the built-in template.
func (s *Service) Upload(ctx context.Context, kind letters.Kind, docx []byte, builtin bool) (TemplateVersion, error) {
	a, err := s.actor(ctx, true, audit.ActionLetterTemplate)
	if err != nil {
		return TemplateVersion{}, err
	}
	if !kind.Valid() {
		return TemplateVersion{}, unknownKind(kind)
	}
	v := TemplateVersion{Kind: kind, Builtin: builtin, UploadedAt: s.now().UTC(), UploadedBy: a.ID, UploaderName: a.Name}
	detail := string(kind) + ": built-in"
	if builtin {
		docx = nil
	} else {
		if len(docx) > MaxTemplateSize {
			return v, TooLarge()
		}
		if _, err := letters.ParseTemplate(kind, docx); err != nil {
			return v, err
		}
		v.Size, v.SHA256 = len(docx), hash(docx)
		detail = string(kind) + ": sha256 " + v.SHA256
	}
	trail, err := s.trail(ctx, audit.Entry{Action: audit.ActionLetterTemplate, Detail: detail})
	if err != nil {
		return v, err
	}
	if err := s.store.AddLetterTemplate(ctx, &v, docx, trail); err != nil {
		return v, err
	}
	if builtin {
		b := letters.Builtin(kind)
		v.Size, v.SHA256 = len(b), hash(b)
	}
	return v, nil
}

// TooLarge is the refusal of a template over MaxTemplateSize.
func TooLarge() error {
	msg := "файл шаблона больше 5 МБ: уменьшите изображения в документе"
	return &srok.Error{Code: srok.ETOOLARGE, Message: msg, Reason: "template_too_large",
		Fields: []srok.FieldError{{Field: "template", Problem: msg}}}
}
