package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/srok"
)

// Organisation is the JSON of the operator's details
// (GET/PUT /api/v1/organisation).
type Organisation struct {
	Name            string             `json:"name"`
	ShortName       string             `json:"short_name"`
	INN             string             `json:"inn"`
	OGRN            string             `json:"ogrn"`
	KPP             string             `json:"kpp"`
	Address         string             `json:"address"`
	Email           string             `json:"email"`
	Phone           string             `json:"phone"`
	Responsible     OrganisationPerson `json:"responsible"`
	Signatory       OrganisationPerson `json:"signatory"`
	NumberFormat    string             `json:"number_format"`
	AccessPersons   string             `json:"access_persons"`
	RightsProcedure string             `json:"rights_procedure"`
	Duties          string             `json:"duties"`
	OtherInfo       string             `json:"other_info"`
	Records         []ProcessingRecord `json:"records"`
	// Version, UpdatedAt and UpdatedBy are read-only: a PUT may send the
	// version it read (a stale one is a 409) and the others back.
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updated_at" nullable:"true"`
	UpdatedBy *string    `json:"updated_by" nullable:"true"`
}

// OrganisationPerson is a person the details name.
type OrganisationPerson struct {
	Name     string `json:"name"`
	Position string `json:"position"`
	Contact  string `json:"contact,omitempty"`
}

// ProcessingRecord is one processing record (one per purpose).
type ProcessingRecord struct {
	ID             string `json:"id"`
	Purpose        string `json:"purpose"`
	LegalBasis     string `json:"legal_basis"`
	Data           string `json:"data"`
	Source         string `json:"source"`
	Subjects       string `json:"subjects"`
	Methods        string `json:"methods"`
	ProcessingTerm string `json:"processing_term"`
	StorageTerm    string `json:"storage_term"`
	Recipients     string `json:"recipients"`
	CrossBorder    string `json:"cross_border"`
	Processors     string `json:"processors"`
}

// NewOrganisation is the JSON of d.
func NewOrganisation(d organisation.Details) Organisation {
	out := Organisation{Name: d.Name, ShortName: d.ShortName, INN: d.INN, OGRN: d.OGRN, KPP: d.KPP, Address: d.Address,
		Email: d.Email, Phone: d.Phone,
		Responsible:  OrganisationPerson{Name: d.Responsible.Name, Position: d.Responsible.Position, Contact: d.Responsible.Contact},
		Signatory:    OrganisationPerson{Name: d.Signatory.Name, Position: d.Signatory.Position},
		NumberFormat: d.NumberFormat, AccessPersons: d.AccessPersons, RightsProcedure: d.RightsProcedure, Duties: d.Duties,
		OtherInfo: d.Other, Version: d.Version, Records: []ProcessingRecord{}}
	if d.Version > 0 {
		at, by := d.UpdatedAt.UTC(), d.UpdatedBy
		out.UpdatedAt, out.UpdatedBy = &at, &by
	}
	for _, r := range d.Records {
		out.Records = append(out.Records, ProcessingRecord{ID: r.ID, Purpose: r.Purpose, LegalBasis: r.LegalBasis, Data: r.Data,
			Source: r.Source, Subjects: r.Subjects, Methods: r.Methods, ProcessingTerm: r.ProcessingTerm,
			StorageTerm: r.StorageTerm, Recipients: r.Recipients, CrossBorder: r.CrossBorder, Processors: r.Processors})
	}
	return out
}

// Details is the domain value of o.
func (o Organisation) Details() organisation.Details {
	d := organisation.Details{Name: o.Name, ShortName: o.ShortName, INN: o.INN, OGRN: o.OGRN, KPP: o.KPP, Address: o.Address,
		Email: o.Email, Phone: o.Phone,
		Responsible:  organisation.Person{Name: o.Responsible.Name, Position: o.Responsible.Position, Contact: o.Responsible.Contact},
		Signatory:    organisation.Person{Name: o.Signatory.Name, Position: o.Signatory.Position},
		NumberFormat: o.NumberFormat, AccessPersons: o.AccessPersons, RightsProcedure: o.RightsProcedure, Duties: o.Duties,
		Other: o.OtherInfo, Version: o.Version}
	for _, r := range o.Records {
		d.Records = append(d.Records, organisation.Record{ID: r.ID, Purpose: r.Purpose, LegalBasis: r.LegalBasis, Data: r.Data,
			Source: r.Source, Subjects: r.Subjects, Methods: r.Methods, ProcessingTerm: r.ProcessingTerm,
			StorageTerm: r.StorageTerm, Recipients: r.Recipients, CrossBorder: r.CrossBorder, Processors: r.Processors})
	}
	return d
}

// LetterTemplate is the JSON of a letter template's version in use.
type LetterTemplate struct {
	Kind         string              `json:"kind"`
	Version      int                 `json:"version"`
	Builtin      bool                `json:"builtin"`
	SHA256       string              `json:"sha256"`
	Size         int                 `json:"size"`
	UploadedAt   *time.Time          `json:"uploaded_at"`
	UploadedBy   *string             `json:"uploaded_by"`
	UploaderName *string             `json:"uploader_name"`
	Placeholders []LetterPlaceholder `json:"placeholders"`
}

// LetterPlaceholder is a placeholder a template of a kind may use.
type LetterPlaceholder struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	List        bool   `json:"list"`
	Flag        bool   `json:"flag"`
	In          string `json:"in,omitempty"`
}

// NewLetterTemplate is the JSON of v.
func NewLetterTemplate(v organisation.TemplateVersion) LetterTemplate {
	out := LetterTemplate{Kind: string(v.Kind), Version: v.Version, Builtin: v.Builtin, SHA256: v.SHA256, Size: v.Size,
		Placeholders: []LetterPlaceholder{}}
	if v.Version > 0 {
		at, by, name := v.UploadedAt.UTC(), v.UploadedBy, v.UploaderName
		out.UploadedAt, out.UploadedBy, out.UploaderName = &at, &by, &name
	}
	for _, p := range letters.Placeholders(v.Kind) {
		out.Placeholders = append(out.Placeholders, LetterPlaceholder{Name: p.Name, Description: p.Description, List: p.List, Flag: p.Flag, In: p.In})
	}
	return out
}

// mediaDOCX is the media type of a Word document.
const mediaDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// templateBody is the body of PUT /api/v1/letter-templates/{kind}: the DOCX.
var templateBody = httpx.Body{MediaTypes: []string{mediaDOCX, "application/octet-stream"}, Limit: organisation.MaxTemplateSize}

// mountOrganisation adds the operator's details and the letter templates;
// without a service they answer 503.
func mountOrganisation(v1 *echo.Group, svc *organisation.Service) {
	get := func(c echo.Context) (*organisation.Service, error) {
		if svc == nil {
			return nil, srok.Errorf(srok.EUNAVAILABLE, "the operator's details are not available on this server")
		}
		return svc, nil
	}
	httpx.Get(v1, "/organisation", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		svc, err := get(c)
		if err != nil {
			return err
		}
		d, err := svc.Get(c.Request().Context())
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewOrganisation(d))
	}, httpx.Require)
	v1.PUT("/organisation", func(c echo.Context) error {
		svc, err := get(c)
		if err != nil {
			return err
		}
		var in Organisation
		if err := httpx.JSON.Decode(c, &in); err != nil {
			return err
		}
		ctx := c.Request().Context()
		d, err := svc.Put(ctx, in.Details())
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewOrganisation(d))
	}, httpx.Require)

	httpx.Get(v1, "/letter-templates", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		svc, err := get(c)
		if err != nil {
			return err
		}
		list, err := svc.Templates(c.Request().Context())
		if err != nil {
			return err
		}
		out := struct {
			Items []LetterTemplate `json:"items"`
		}{Items: []LetterTemplate{}}
		for _, v := range list {
			out.Items = append(out.Items, NewLetterTemplate(v))
		}
		return httpx.WriteJSON(c, http.StatusOK, out)
	}, httpx.Require)
	httpx.Get(v1, "/letter-templates/:file", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), []string{"builtin"}); err != nil {
			return err
		}
		builtin := false
		switch c.QueryParam("builtin") {
		case "", "0", "false":
		case "1", "true":
			builtin = true
		default:
			return httpx.BadParam("builtin", "must be 1 (the built-in template) or 0")
		}
		svc, err := get(c)
		if err != nil {
			return err
		}
		kind, ok := strings.CutSuffix(c.Param("file"), ".docx")
		if !ok {
			return srok.Errorf(srok.ENOTFOUND, "a template is downloaded as {kind}.docx")
		}
		v, docx, err := svc.Template(c.Request().Context(), letters.Kind(kind), builtin)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Srok-Template-Version", itoa(v.Version))
		return sendFile(c, mediaDOCX, kind+".docx", true, docx)
	}, httpx.Require)
	v1.PUT("/letter-templates/:file", func(c echo.Context) error {
		svc, err := get(c)
		if err != nil {
			return err
		}
		kind := letters.Kind(strings.TrimSuffix(c.Param("file"), ".docx"))
		if !kind.Valid() {
			return srok.Errorf(srok.ENOTFOUND, "no letter of kind %q: answer, extension, refusal or details_request", string(kind))
		}
		// A body announced larger than the limit is refused before a byte
		// of it is read.
		if c.Request().ContentLength > organisation.MaxTemplateSize {
			c.Response().Header().Set("Connection", "close")
			return organisation.TooLarge()
		}
		docx, err := templateBody.Read(c)
		if err != nil {
			if srok.ErrorCode(err) == srok.ETOOLARGE {
				return organisation.TooLarge()
			}
			return err
		}
		v, err := svc.Upload(c.Request().Context(), kind, docx, false)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewLetterTemplate(v))
	}, httpx.Require)
	v1.DELETE("/letter-templates/:file", func(c echo.Context) error {
		svc, err := get(c)
		if err != nil {
			return err
		}
		kind := letters.Kind(strings.TrimSuffix(c.Param("file"), ".docx"))
		if !kind.Valid() {
			return srok.Errorf(srok.ENOTFOUND, "no letter of kind %q: answer, extension, refusal or details_request", string(kind))
		}
		v, err := svc.Upload(c.Request().Context(), kind, nil, true)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewLetterTemplate(v))
	}, httpx.Require)
}
