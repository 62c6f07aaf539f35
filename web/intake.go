package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Register is what the intake page asks of the register
// (register.Service).
type Register interface {
	// Create registers a request; with key, a retry of the same form gives
	// the first request and replayed=true.
	Create(ctx context.Context, in register.Input, key *register.IdempotencyKey) (*register.Request, bool, error)
	// Zone is the operator's time zone: the one the form's times are in
	// unless another is chosen.
	Zone() *time.Location
}

// Emails is what the intake page asks of the stored emails
// (intake.Service).
type Emails interface {
	// Ingest stores a raw message exactly as received and reads it;
	// created is false when the same message was stored before.
	Ingest(ctx context.Context, a srok.Actor, raw []byte) (e *intake.Email, created bool, err error)
	// Get returns what was read of a stored email.
	Get(ctx context.Context, a srok.Actor, id string) (*intake.Email, error)
}

//go:embed static/intake.js static/intake.css
var intakeAssets embed.FS

// The intake page's script and the stylesheet of the working pages
// (intake, calendar, administration), each under a URL with a digest of
// its content, like the main stylesheet.
const (
	intakeJSPath   = "/static/intake.js"
	workCSSPath    = "/static/intake.css"
	intakeFormSize = 256 << 10
)

var intakeJS, intakeJSURL = digestAsset("static/intake.js", intakeJSPath)
var workCSS, workCSSURL = digestAsset("static/intake.css", workCSSPath)

func digestAsset(name, path string) ([]byte, string) {
	b, err := intakeAssets.ReadFile(name)
	if err != nil {
		panic(err) // embedded: it exists
	}
	sum := sha256.Sum256(b)
	return b, path + "?v=" + hex.EncodeToString(sum[:6])
}

// intakePages are the intake page (/intake) and the creation of requests
// from the browser (POST /requests).
type intakePages struct {
	*server
	reg    Register
	emails Emails
}

// mountIntake adds the intake page and POST /requests when the register
// is given, the calendar page when the calendar is, and the assets of the
// working pages.
func mountIntake(e *echo.Echo, s *server, cfg Config) {
	httpx.Get(e, intakeJSPath, func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", intakeJS)
	})
	httpx.Get(e, workCSSPath, func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		return c.Blob(http.StatusOK, "text/css; charset=utf-8", workCSS)
	})
	mountCalendar(e, s, cfg)
	if cfg.Register == nil {
		return
	}
	p := &intakePages{server: s, reg: cfg.Register, emails: cfg.Emails}
	httpx.Get(e, "/intake", p.intakeForm)
	e.POST("/intake", p.readEmail)
	e.POST("/requests", p.createRequest)
}

// signInFirst sends an anonymous browser to sign in, and back here after.
func (s *server) signInFirst(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
}

// noRights is the page of what the user's role does not allow.
func (s *server) noRights(c echo.Context) error {
	return s.showMessage(c, http.StatusForbidden, message{
		Heading: "Недостаточно прав",
		Text:    "Ваша роль не позволяет открыть эту страницу или выполнить это действие. Если это нужно для работы, обратитесь к администратору Срока.",
		Link:    "/", LinkText: "На главную",
	})
}

// actorFor returns the signed-in actor allowed to do act; ok false when
// the answer (a redirect to sign in, or the 403 page) is written already.
// A refused change (denied not "") is recorded in the audit trail, as the
// services record the refusals they make.
func (s *server) actorFor(c echo.Context, act srok.Action, denied audit.Action) (srok.Actor, bool, error) {
	ctx := c.Request().Context()
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return a, false, s.signInFirst(c)
	}
	if !a.Can(act) {
		if denied != "" {
			s.record(ctx, audit.Entry{Action: denied, Outcome: audit.OutcomeDenied, Detail: "refused by the page: the role may not " + string(act)})
		}
		return a, false, s.noRights(c)
	}
	return a, true, nil
}

// intakeForm shows the intake page: the email to read, and the request
// form empty, for a request that came by post, in person or by phone.
func (p *intakePages) intakeForm(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActRequestCreate, "")
	if !ok {
		return err
	}
	v := p.newIntakePage()
	if id := c.QueryParam("email"); id != "" && p.emails != nil {
		// From the inbox: the stored email's form, received when it arrived.
		em, err := p.emails.Get(c.Request().Context(), a, id)
		switch srok.ErrorCode(err) {
		case "":
		case srok.ENOTFOUND, srok.EFORBIDDEN:
			return p.showMessage(c, http.StatusNotFound, message{Heading: "Письмо не найдено",
				Text: "Такого письма нет или оно вам недоступно.", Link: inboxPath, LinkText: "Во входящие"})
		default:
			return p.fail(c, err)
		}
		v.Email = newEmailView(em, p.reg.Zone())
		v.Form = formFromEmail(em, p.reg.Zone())
		v.Form.ReceivedAt = em.StoredAt.In(p.reg.Zone()).Format("2006-01-02T15:04")
	}
	return p.render(c, http.StatusOK, "intake", v)
}

// readEmail stores the email pasted or dropped, and shows the request
// form filled in from it.
func (p *intakePages) readEmail(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActRequestCreate, audit.ActionRequestCreate)
	if !ok {
		return err
	}
	v := p.newIntakePage()
	if p.emails == nil {
		v.EmailErrors["raw"] = "Чтение писем не подключено: заполните форму обращения вручную."
		return p.render(c, http.StatusUnprocessableEntity, "intake", v)
	}
	raw, field, problem := readUpload(c)
	if problem != "" {
		if field == "" {
			return p.badForm(c, "/intake")
		}
		v.EmailErrors[field] = problem
		if field == "raw" && len(raw) <= intake.MaxSize {
			v.Raw = string(raw)
		}
		return p.render(c, http.StatusUnprocessableEntity, "intake", v)
	}
	ctx := c.Request().Context()
	em, created, err := p.emails.Ingest(ctx, a, raw)
	switch srok.ErrorCode(err) {
	case "":
	case srok.EINVALID, srok.EMALFORMED, srok.ETOOLARGE:
		v.EmailErrors[field] = "Это не похоже на письмо: нужен исходный текст письма с заголовками (From, Date, Subject) или файл .eml."
		if field == "raw" {
			v.Raw = string(raw)
		}
		return p.render(c, http.StatusUnprocessableEntity, "intake", v)
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	v.Email = newEmailView(em, p.reg.Zone())
	v.EmailKnown = !created
	v.Form = formFromEmail(em, p.reg.Zone())
	return p.render(c, http.StatusOK, "intake", v)
}

// readUpload reads the email of a multipart form: the file eml when one is
// chosen, the textarea raw otherwise. It returns the field the email came
// from and, when the email cannot be taken, the problem to show next to
// it (field "" when the body is no form at all). A part larger than
// intake.MaxSize is not read further.
func readUpload(c echo.Context) (raw []byte, field, problem string) {
	mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return nil, "", "not a multipart form"
	}
	mr := multipart.NewReader(c.Request().Body, params["boundary"])
	var text, file []byte
	var textBig, fileBig bool
	// Nothing after a part too large is needed: reading stops there.
	for !textBig && !fileBig {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", "the form cannot be read"
		}
		name := part.FormName()
		limit := int64(1 << 10) // other fields: read past, unused
		if name == "raw" || name == "eml" {
			limit = intake.MaxSize + 1
		}
		b, err := io.ReadAll(io.LimitReader(part, limit))
		_ = part.Close()
		if err != nil {
			return nil, "", "the form cannot be read"
		}
		switch name {
		case "eml":
			file, fileBig = b, len(b) > intake.MaxSize
		case "raw":
			text, textBig = b, len(b) > intake.MaxSize
		}
	}
	tooBig := "Письмо больше 25 МиБ: столько почтовые серверы не принимают. Сохраните его вложения отдельно и загрузите письмо без них."
	switch {
	case fileBig:
		return nil, "eml", tooBig
	case len(file) > 0:
		return file, "eml", ""
	case textBig:
		return nil, "raw", tooBig
	case len(strings.TrimSpace(string(text))) == 0:
		return text, "raw", "Вставьте исходный текст письма или выберите файл .eml."
	case !utf8.Valid(text):
		return nil, "raw", "Вставленный текст не читается как UTF-8: сохраните письмо как файл .eml и загрузите его."
	}
	// A browser sends a textarea's line ends as CRLF, as a message has
	// them: the text is the message as it was.
	return text, "raw", ""
}

// newFormToken returns the hidden token of one request form: the key that
// makes a second press of «Сохранить» give the same request.
func newFormToken() string { return rand.Text() }
