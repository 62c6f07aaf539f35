package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// ackTemplatePath is where the acknowledgement's form posts; the section
// is on the letter templates' page.
const ackTemplatePath = templatesPath + "/ack"

// ackView is the acknowledgement's section of the letter templates' page.
type ackView struct {
	Version       int
	Builtin       bool
	Saved, Saver  string
	Subject, Text string
	Placeholders  [][2]string
	// Errors are the problems by field ("subject", "text"), in Russian.
	Errors map[string]string
}

func (p *orgPages) ackSection(c echo.Context, v *templatesPage) error {
	if p.ack == nil {
		return nil
	}
	t, err := p.ack.Get(c.Request().Context())
	if err != nil {
		return err
	}
	a := &ackView{Version: t.Version, Builtin: t.Builtin, Saver: t.SaverName, Subject: t.Subject, Text: t.Text,
		Placeholders: ru.AckPlaceholders(), Errors: map[string]string{}}
	if t.Version > 0 {
		a.Saved = ru.DateTime(t.SavedAt, p.zone())
	}
	v.Ack = a
	return nil
}

func (p *orgPages) saveAck(c echo.Context) error {
	if _, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionLetterTemplate); !ok {
		return err
	}
	// The text is a textarea's: its line breaks are kept; 10 000 Cyrillic
	// characters URL-encoded are 60 000 bytes.
	form, err := readLongForm(c, 256<<10)
	if err != nil {
		return p.badForm(c, templatesPath)
	}
	subject, text := form.Get("subject"), form.Get("text")
	_, err = p.ack.Put(c.Request().Context(), subject, text, false)
	var se *srok.Error
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, templatesPath+"?done=ack#ack-template")
	case srok.ErrorCode(err) == srok.EFORBIDDEN:
		return p.noRights(c)
	case !errors.As(err, &se) || se.Code != srok.EINVALID:
		return p.fail(c, err)
	}
	v, err := p.templatesPage(c)
	if err != nil {
		return p.fail(c, err)
	}
	// What was typed stays in the form, next to what is wrong with it.
	v.Ack.Subject, v.Ack.Text = subject, text
	for _, f := range se.Fields {
		v.Ack.Errors[f.Field] = ru.Capitalize(f.Problem)
	}
	v.Alert = "Шаблон подтверждения не сохранён, прежний остаётся в работе: исправьте отмеченные поля."
	return p.render(c, http.StatusUnprocessableEntity, "admin_letter_templates", v)
}

func (p *orgPages) resetAck(c echo.Context) error {
	if _, ok, err := p.actorFor(c, srok.ActOrganisationManage, audit.ActionLetterTemplate); !ok {
		return err
	}
	if _, err := readForm(c); err != nil {
		return p.badForm(c, templatesPath)
	}
	if _, err := p.ack.Put(c.Request().Context(), "", "", true); err != nil {
		if srok.ErrorCode(err) == srok.EFORBIDDEN {
			return p.noRights(c)
		}
		return p.fail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, templatesPath+"?done=ack-reset#ack-template")
}
