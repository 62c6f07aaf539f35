package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// issuedView is one issued letter on a request's page.
type issuedView struct {
	ID, Name, Number, Date string
	// Delivery and State say how it went and where it is now.
	Delivery, State string
	// Failed marks an email refused for good.
	Failed bool
	// PDF and DOCX are its files as issued.
	PDF, DOCX string
	// Post is the form of a letter on paper's post (its date and tracking
	// number), for who may issue it.
	Post             bool
	PostedOn, Track  string
	PostURL, FormTag string
}

// issuedOf lists the letters issued for r, nil without an issuer.
func (s *server) issuedOf(ctx context.Context, a srok.Actor, r *register.Request) ([]issuedView, error) {
	if s.issuer == nil {
		return nil, nil
	}
	list, err := s.issuer.ListOf(ctx, r)
	if err != nil {
		return nil, err
	}
	loc := s.reg.Zone()
	out := make([]issuedView, 0, len(list))
	for _, l := range list {
		base := "/api/v1/requests/" + r.ID + "/issued-letters/" + l.ID
		v := issuedView{ID: l.ID, Name: ru.LetterKind(l.Kind), Number: l.Number, Date: ru.Date(l.IssuedOn),
			PDF: base + ".pdf", DOCX: base + ".docx", Track: l.Tracking}
		switch l.Delivery {
		case organisation.DeliveryEmail:
			v.Delivery = ru.DeliveryEmail
			switch l.Email.Status {
			case organisation.EmailSent:
				v.State = ru.LetterSent
				if l.Email.SentAt != nil {
					v.State += " " + ru.DateTime(*l.Email.SentAt, loc)
				}
			case organisation.EmailFailed:
				v.State, v.Failed = ru.LetterFailed, true
				if a.Can(srok.ActPersonalData) && l.Email.LastError != "" {
					v.State += ": " + l.Email.LastError
				}
			default:
				v.State = ru.LetterQueued
			}
		case organisation.DeliveryPaper:
			v.Delivery = ru.DeliveryPaper
			v.State = ru.LetterToPost
			if l.PostedOn != nil {
				v.State = ru.LetterPosted + " " + ru.Date(*l.PostedOn)
				v.PostedOn = l.PostedOn.String()
			}
			if l.Tracking != "" {
				v.State += ", почтовый идентификатор " + l.Tracking
			}
			v.Post = organisation.MayIssue(a, l.Kind)
			v.PostURL = "/requests/" + r.ID + "/issued-letters/" + l.ID
		}
		out = append(out, v)
	}
	return out, nil
}

// issueLetter issues a letter from the form of a request's page and goes
// back to the page, which tells its number; a refusal is a page saying why.
func (s *server) issueLetter(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	back := "/requests/" + url.PathEscape(id)
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, back)
	}
	in := organisation.IssueInput{Delivery: form.Get("delivery"), Outcome: form.Get("outcome"),
		LetterOptions: organisation.LetterOptions{Reasons: form.Get("reasons"), Ground: form.Get("ground")}}
	if in.Delivery == string(organisation.DeliveryPaper) {
		in.PostedOn, in.Tracking = form.Get("posted_on"), form.Get("tracking")
	}
	for _, line := range strings.Split(form.Get("missing"), ";") {
		if line = strings.TrimSpace(line); line != "" {
			in.Missing = append(in.Missing, line)
		}
	}
	if form.Get("confirm") != "1" {
		return s.showMessage(c, http.StatusUnprocessableEntity, message{Heading: "Письмо не выпущено",
			Text: "Подтвердите выпуск письма: ему будет присвоен следующий исходящий номер.", Link: back + "#letters", LinkText: "Вернуться к обращению"})
	}
	l, err := s.issuer.Issue(ctx, id, letters.Kind(c.Param("kind")), in)
	if err != nil {
		return s.issueRefused(c, err, back)
	}
	s.sessions.Put(ctx, flashKey, "Письмо «"+ru.LetterKind(l.Kind)+"» выпущено: исх. № "+l.Number+" от "+ru.Date(l.IssuedOn)+".")
	return c.Redirect(http.StatusSeeOther, back+"#issued-letters")
}

// postLetter records the post of a letter on paper.
func (s *server) postLetter(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	back := "/requests/" + url.PathEscape(id)
	form, err := readForm(c)
	if err != nil {
		return s.badForm(c, back)
	}
	posted, tracking := form.Get("posted_on"), form.Get("tracking")
	l, err := s.issuer.Post(ctx, id, c.Param("letter"), organisation.PostInput{PostedOn: &posted, Tracking: &tracking})
	if err != nil {
		return s.issueRefused(c, err, back)
	}
	s.sessions.Put(ctx, flashKey, "Почтовые сведения письма исх. № "+l.Number+" сохранены.")
	return c.Redirect(http.StatusSeeOther, back+"#issued-letters")
}

// issueRefused is the page of an issue the register or the letter refused,
// saying why in words.
func (s *server) issueRefused(c echo.Context, err error, back string) error {
	e := asError(err)
	switch {
	case e == nil:
		return s.fail(c, err)
	case e.Code == srok.EINVALID:
		var why []string
		for _, f := range e.Fields {
			why = append(why, f.Problem)
		}
		text := "Проверьте форму."
		if len(why) > 0 {
			text = strings.Join(why, "; ") + "."
		}
		return s.showMessage(c, http.StatusUnprocessableEntity, message{Heading: "Письмо не выпущено", Text: text,
			Link: back + "#letters", LinkText: "Вернуться к обращению"})
	case e.Code == srok.ECONFLICT || e.Code == srok.EPRECONDITION:
		return s.showMessage(c, http.StatusConflict, message{Heading: "Письмо не выпущено",
			Text: "Обращение в таком состоянии, что это письмо к нему не применимо: его действие уже недоступно. Откройте обращение заново.",
			Link: back, LinkText: "Вернуться к обращению"})
	}
	return s.pageError(c, err)
}
