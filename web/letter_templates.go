package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// templatesPath is the page of the letter templates.
const templatesPath = "/admin/letter-templates"

// templateView is one kind's template as the page lists it.
type templateView struct {
	Kind, Name string
	Version    int
	Builtin    bool
	Uploaded   string
	Uploader   string
	// Download is the template in use, BuiltinURL the built-in one.
	Download, BuiltinURL string
	Placeholders         []letters.Placeholder
	Error                string
}

// templatesPage lists the kinds with their templates and placeholders.
type templatesPage struct {
	page
	WorkCSS   string
	Templates []templateView
	CanEdit   bool
	Notice    string
	Alert     string
	// Ack is the acknowledgement's section; nil: none.
	Ack *ackView
}

func (p *orgPages) templatesPage(c echo.Context) (templatesPage, error) {
	a, _ := srok.ActorFrom(c.Request().Context())
	v := templatesPage{page: newPage("Шаблоны писем"), WorkCSS: workCSSURL, CanEdit: a.Can(srok.ActOrganisationManage)}
	list, err := p.org.Templates(c.Request().Context())
	if err != nil {
		return v, err
	}
	for _, t := range list {
		tv := templateView{Kind: string(t.Kind), Name: ru.LetterKind(t.Kind), Version: t.Version, Builtin: t.Builtin,
			Uploader: t.UploaderName, Download: "/api/v1/letter-templates/" + string(t.Kind) + ".docx",
			BuiltinURL: "/api/v1/letter-templates/" + string(t.Kind) + ".docx?builtin=1", Placeholders: letters.Placeholders(t.Kind)}
		if t.Version > 0 {
			tv.Uploaded = ru.DateTime(t.UploadedAt, p.zone())
		}
		v.Templates = append(v.Templates, tv)
	}
	return v, p.ackSection(c, &v)
}

func (p *orgPages) templates(c echo.Context) error {
	if _, ok, err := p.actorFor(c, srok.ActDashboardRead, ""); !ok {
		return err
	}
	v, err := p.templatesPage(c)
	if err != nil {
		return p.fail(c, err)
	}
	switch c.QueryParam("done") {
	case "uploaded":
		v.Notice = "Шаблон загружен: письма теперь формируются по нему."
	case "reset":
		v.Notice = "Восстановлен встроенный шаблон."
	case "ack":
		v.Notice = "Шаблон подтверждения сохранён: следующие подтверждения отправляются по нему."
	case "ack-reset":
		v.Notice = "Восстановлен встроенный шаблон подтверждения."
	}
	return p.render(c, http.StatusOK, "admin_letter_templates", v)
}

// readTemplateUpload reads the kind and the file of the upload form,
// refusing a body announced larger than a template may be before reading
// it, and reading at most one byte past the limit of the file.
func readTemplateUpload(c echo.Context) (kind letters.Kind, docx []byte, problem string) {
	tooBig := "Файл больше 5 МБ: уменьшите изображения в документе и загрузите его снова."
	if c.Request().ContentLength > organisation.MaxTemplateSize+64<<10 {
		return "", nil, tooBig
	}
	mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return "", nil, "Форма не прочитана: выберите файл и отправьте её снова."
	}
	mr := multipart.NewReader(c.Request().Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return kind, nil, "Форма не прочитана: выберите файл и отправьте её снова."
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			kind = letters.Kind(b)
		case "file":
			b, err := io.ReadAll(io.LimitReader(part, organisation.MaxTemplateSize+1))
			if err != nil {
				return kind, nil, "Файл не прочитан: отправьте его снова."
			}
			if len(b) > organisation.MaxTemplateSize {
				return kind, nil, tooBig
			}
			docx = b
		}
		_ = part.Close()
	}
	if len(docx) == 0 {
		return kind, nil, "Выберите файл шаблона (.docx)."
	}
	return kind, docx, ""
}

func (p *orgPages) uploadTemplate(c echo.Context) error {
	if _, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionLetterTemplate); !ok {
		return err
	}
	kind, docx, problem := readTemplateUpload(c)
	status := http.StatusUnprocessableEntity
	if problem == "" {
		_, err := p.org.Upload(c.Request().Context(), kind, docx, false)
		var se *srok.Error
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, templatesPath+"?done=uploaded")
		case srok.ErrorCode(err) == srok.EFORBIDDEN:
			return p.noRights(c)
		case errors.As(err, &se) && (se.Code == srok.EINVALID || se.Code == srok.ENOTFOUND || se.Code == srok.ETOOLARGE):
			problem = ru.Capitalize(se.Message)
			if len(se.Fields) > 0 {
				problem = ru.Capitalize(se.Fields[0].Problem)
			}
		default:
			return p.fail(c, err)
		}
	} else if c.Request().ContentLength > organisation.MaxTemplateSize {
		status = http.StatusRequestEntityTooLarge
		c.Response().Header().Set("Connection", "close")
	}
	v, err := p.templatesPage(c)
	if err != nil {
		return p.fail(c, err)
	}
	v.Alert = "Шаблон не загружен, прежний остаётся в работе: " + problem
	for i := range v.Templates {
		if v.Templates[i].Kind == string(kind) {
			v.Templates[i].Error = problem
		}
	}
	return p.render(c, status, "admin_letter_templates", v)
}

func (p *orgPages) resetTemplate(c echo.Context) error {
	if _, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionLetterTemplate); !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, templatesPath)
	}
	if _, err := p.org.Upload(c.Request().Context(), letters.Kind(form.Get("kind")), nil, true); err != nil {
		if srok.ErrorCode(err) == srok.ENOTFOUND {
			return p.badForm(c, templatesPath)
		}
		return p.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, templatesPath+"?done=reset")
}

// placeholderSyntax is how a placeholder is written in a template.
func placeholderSyntax(ph letters.Placeholder) string {
	switch {
	case ph.List || ph.Flag:
		return "{#" + ph.Name + "}…{/" + ph.Name + "}"
	}
	return "{" + ph.Name + "}"
}
