package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// organisationPath is the page of the operator's details.
const organisationPath = "/admin/organisation"

// maxOrganisationForm bounds the details' form: a hundred records of long
// texts, URL-encoded Cyrillic (six bytes a letter), fit.
const maxOrganisationForm = 2 << 20

// orgPages are the operator's details (/admin/organisation) and the letter
// templates (/admin/letter-templates): everyone signed in reads them, an
// administrator changes them.
type orgPages struct {
	*server
	org *organisation.Service
	// ack is the acknowledgement's template; nil: no section.
	ack *remind.AckTemplates
}

func mountOrganisation(e *echo.Echo, s *server, cfg Config) {
	if cfg.Organisation == nil {
		return
	}
	p := &orgPages{server: s, org: cfg.Organisation, ack: cfg.AckTemplates}
	httpx.Get(e, organisationPath, p.details)
	e.POST(organisationPath, p.saveDetails)
	httpx.Get(e, templatesPath, p.templates)
	e.POST(templatesPath, p.uploadTemplate)
	e.POST(templatesPath+"/reset", p.resetTemplate)
	if p.ack != nil {
		e.POST(ackTemplatePath, p.saveAck)
		e.POST(ackTemplatePath+"/reset", p.resetAck)
	}
}

// orgRecordView is a processing record's fieldset.
type orgRecordView struct {
	Index  int
	Record organisation.Record
	// New is the empty fieldset a new record is typed in.
	New bool
}

// orgPage is the details' page.
type orgPage struct {
	page
	WorkCSS string
	D       organisation.Details
	Records []orgRecordView
	// CanEdit: the user is an administrator; the others read.
	CanEdit bool
	Errors  map[string]string
	Notice  string
	Alert   string
	Updated string
}

func (p *orgPages) orgPage(d organisation.Details, canEdit bool) orgPage {
	v := orgPage{page: newPage("Реквизиты оператора"), WorkCSS: workCSSURL, D: d, CanEdit: canEdit, Errors: map[string]string{}}
	for i, r := range d.Records {
		v.Records = append(v.Records, orgRecordView{Index: i, Record: r})
	}
	if canEdit {
		v.Records = append(v.Records, orgRecordView{Index: len(d.Records), New: true})
	}
	if d.Version > 0 {
		v.Updated = ru.DateTime(d.UpdatedAt, p.zone())
	}
	return v
}

func (p *orgPages) details(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActDashboardRead, "")
	if !ok {
		return err
	}
	d, err := p.org.Get(c.Request().Context())
	if err != nil {
		return p.fail(c, err)
	}
	v := p.orgPage(d, a.Can(srok.ActOrganisationManage))
	if c.QueryParam("done") == "saved" {
		v.Notice = "Реквизиты сохранены."
	}
	return p.render(c, http.StatusOK, "admin_organisation", v)
}

// readLongForm reads a URL-encoded form of at most limit bytes.
func readLongForm(c echo.Context, limit int64) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationForm || c.Request().ContentLength > limit {
		return nil, errForm
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	if err != nil {
		return nil, errForm
	}
	return httpx.ParseFormText(string(b))
}

// detailsOf reads the details from the form: records[i].field, a record
// marked records[i].delete left out, the new one kept when it has a purpose.
func detailsOf(f url.Values) organisation.Details {
	d := organisation.Details{Name: f.Get("name"), ShortName: f.Get("short_name"), INN: f.Get("inn"), OGRN: f.Get("ogrn"),
		KPP: f.Get("kpp"), Address: f.Get("address"), Email: f.Get("email"), Phone: f.Get("phone"),
		Responsible:  organisation.Person{Name: f.Get("responsible.name"), Position: f.Get("responsible.position"), Contact: f.Get("responsible.contact")},
		Signatory:    organisation.Person{Name: f.Get("signatory.name"), Position: f.Get("signatory.position")},
		NumberFormat: f.Get("number_format"), AccessPersons: f.Get("access_persons"), RightsProcedure: f.Get("rights_procedure"),
		Duties: f.Get("duties"), Other: f.Get("other_info")}
	d.Version, _ = strconv.Atoi(f.Get("version"))
	for i := 0; i <= organisation.MaxRecords; i++ {
		p := "records[" + strconv.Itoa(i) + "]."
		if _, ok := f[p+"purpose"]; !ok {
			break
		}
		if f.Get(p+"delete") != "" {
			continue
		}
		r := organisation.Record{ID: f.Get(p + "id"), Purpose: f.Get(p + "purpose"), LegalBasis: f.Get(p + "legal_basis"),
			Data: f.Get(p + "data"), Source: f.Get(p + "source"), Subjects: f.Get(p + "subjects"), Methods: f.Get(p + "methods"),
			ProcessingTerm: f.Get(p + "processing_term"), StorageTerm: f.Get(p + "storage_term"), Recipients: f.Get(p + "recipients"),
			CrossBorder: f.Get(p + "cross_border"), Processors: f.Get(p + "processors")}
		if r.ID == "" && strings.TrimSpace(r.Purpose+r.LegalBasis+r.Data+r.Source+r.Subjects+r.Methods+r.ProcessingTerm+
			r.StorageTerm+r.Recipients+r.CrossBorder+r.Processors) == "" {
			continue // the new record's fieldset left empty
		}
		d.Records = append(d.Records, r)
	}
	return d
}

func (p *orgPages) saveDetails(c echo.Context) error {
	_, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionOrganisationEdit)
	if !ok {
		return err
	}
	form, err := readLongForm(c, maxOrganisationForm)
	if err != nil {
		return p.badForm(c, organisationPath)
	}
	d := detailsOf(form)
	_, perr := p.org.Put(c.Request().Context(), d)
	var se *srok.Error
	switch {
	case perr == nil:
		return c.Redirect(http.StatusSeeOther, organisationPath+"?done=saved")
	case srok.ErrorCode(perr) == srok.EINVALID && errors.As(perr, &se):
		// The form as typed (the records' ids kept), with each problem.
		v := p.orgPage(d, true)
		for _, f := range se.Fields {
			v.Errors[f.Field] = ru.Capitalize(f.Problem) + "."
		}
		v.Alert = "Реквизиты не сохранены: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "admin_organisation", v)
	case srok.ErrorCode(perr) == srok.EFORBIDDEN:
		return p.noRights(c)
	case srok.ErrorCode(perr) == srok.ECONFLICT:
		// Saved by someone else meanwhile: the form as typed, on their version.
		cur, err := p.org.Get(c.Request().Context())
		if err != nil {
			return p.fail(c, err)
		}
		d.Version = cur.Version
		v := p.orgPage(d, true)
		v.Alert = "Реквизиты не сохранены: их только что изменил другой пользователь. Проверьте поля и сохраните ещё раз."
		return p.render(c, http.StatusConflict, "admin_organisation", v)
	default:
		return p.fail(c, perr)
	}
}

// orgField is one field of the details' form.
type orgField struct {
	Name, ID, Label, Value, Error string
	Multiline, Edit               bool
}

func newOrgField(name, id, label, value, err string, multiline, edit bool) orgField {
	return orgField{Name: name, ID: id, Label: label, Value: value, Error: err, Multiline: multiline, Edit: edit}
}
