package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// createTypeNames are the request types as the form offers them, in the
// engine's order.
var createTypeNames = map[deadlines.RequestType]string{
	deadlines.TypeAccess:        "Запрос сведений (ст. 14)",
	deadlines.TypeRectification: "Уточнение данных (ст. 20, 21)",
	deadlines.TypeErasure:       "Уничтожение данных (ст. 20)",
	deadlines.TypeWithdrawal:    "Отзыв согласия (ст. 21 ч. 5)",
	deadlines.TypeStop:          "Прекращение обработки (ст. 21 ч. 5.1)",
	deadlines.TypeUnlawful:      "Неправомерная обработка (ст. 21 ч. 3)",
	deadlines.TypePurpose:       "Достижение цели обработки (ст. 21 ч. 4)",
	deadlines.TypeIncident:      "Инцидент: утечка данных (ст. 21 ч. 3.1)",
	deadlines.TypeAuthority:     "Запрос Роскомнадзора (ст. 20 ч. 4)",
	deadlines.TypeDissemination: "Прекращение распространения (ст. 10.1)",
	deadlines.TypeAutomated:     "Возражение против автоматизированного решения (ст. 16)",
}

// createChannelNames are the channels as the form offers them.
var createChannelNames = map[register.Channel]string{
	register.ChannelEmail:     "Электронная почта",
	register.ChannelPost:      "Почта (бумажное письмо)",
	register.ChannelInPerson:  "Лично",
	register.ChannelWebForm:   "Форма на сайте",
	register.ChannelPhone:     "Телефон",
	register.ChannelAuthority: "От органа власти",
	register.ChannelOther:     "Другое",
}

// createZones are the time zones of Russia, west to east, that the form
// offers; the operator's own comes first when it is another.
var createZones = []string{"Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
	"Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka"}

// requestForm is the request form as typed: its field names are those of
// the API's create fields, flattened.
type requestForm struct {
	Type, Channel, ReceivedAt, TimeZone     string
	SubjectName, SubjectEmail, SubjectPhone string
	SubjectPostalAddress, Summary, Assignee string
	EmailID                                 string
	// Token is the hidden key of this form: a second submission of it
	// gives the request the first one created.
	Token string
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// intakePage is the intake page: the email to read (#email-form) and the
// request form (#request-form), with what was read of the email beside it.
type intakePage struct {
	page
	WorkCSS, Script string
	// HasEmails is false when reading emails is not available: only the
	// manual form is shown.
	HasEmails bool
	// Raw is the pasted text, kept after a mistake.
	Raw         string
	EmailErrors map[string]string
	// Email is the email read, nil for a manual entry; EmailKnown says it
	// was stored before.
	Email      *emailView
	EmailKnown bool
	MaxSizeMiB int

	Form requestForm
	// Errors are the request form's problems by field name; Alert the one
	// above it.
	Errors map[string]string
	Alert  string
	// now is the page's time: the zones are named by their offset then.
	now time.Time
}

// navSection marks «Зарегистрировать» current in the navigation, also
// when the form comes back from POST /requests with its mistakes.
func (p intakePage) navSection() string { return "intake" }

// problem is one line of the summary of mistakes: what is wrong, and the
// field it leads to (Href "" when there is no field to go to).
type problem struct{ Href, Msg string }

// intakeFields are the fields of the email and request forms in the order
// the page shows them; each field's element id is its name.
var intakeFields = []string{"type", "channel", "received_at", "time_zone", "subject_name", "subject_email",
	"subject_phone", "subject_postal_address", "summary", "assignee"}

// Problems is the summary of the page's mistakes, in the order of the
// fields on the page (GOV.UK's error summary): the email's, then the
// request form's. Nil when there are none.
func (p intakePage) Problems() []problem {
	var out []problem
	for _, f := range []string{"eml", "raw"} {
		if msg := p.EmailErrors[f]; msg != "" {
			out = append(out, problem{Href: "#" + f, Msg: msg})
		}
	}
	if msg := p.Errors["email_id"]; msg != "" {
		out = append(out, problem{Msg: msg})
	}
	seen := map[string]bool{"email_id": true}
	for _, f := range intakeFields {
		seen[f] = true
		if msg := p.Errors[f]; msg != "" {
			out = append(out, problem{Href: "#" + f, Msg: msg})
		}
	}
	var rest []string
	for f, msg := range p.Errors {
		if !seen[f] && msg != "" {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		out = append(out, problem{Msg: p.Errors[f]})
	}
	return out
}

// HasProblems reports whether the page comes back with a mistake: of a
// field, or of none (the form saved before with other values), when the
// summary is its title alone.
func (p intakePage) HasProblems() bool { return p.Alert != "" || len(p.Problems()) > 0 }

// SummaryTitle heads the summary of mistakes.
func (p intakePage) SummaryTitle() string {
	switch {
	case p.Alert != "":
		return p.Alert
	case len(p.EmailErrors) > 0:
		return "Письмо не прочитано: исправьте отмеченное."
	}
	return "Обращение не сохранено: исправьте отмеченные поля."
}

// Options of the selects.
func (p intakePage) TypeOptions() []option {
	var out []option
	for _, t := range deadlines.RequestTypes() {
		out = append(out, option{Value: string(t), Label: createTypeNames[t], Selected: string(t) == p.Form.Type})
	}
	return out
}

func (p intakePage) ChannelOptions() []option {
	var out []option
	for _, ch := range register.Channels() {
		out = append(out, option{Value: string(ch), Label: createChannelNames[ch], Selected: string(ch) == p.Form.Channel})
	}
	return out
}

func (p intakePage) ZoneOptions() []option {
	zones := createZones
	found := false
	for _, z := range zones {
		found = found || z == p.Form.TimeZone
	}
	if !found && p.Form.TimeZone != "" {
		zones = append([]string{p.Form.TimeZone}, zones...)
	}
	var out []option
	for _, z := range zones {
		label := z
		if loc, err := deadlines.LoadZone(z); err == nil {
			label = ru.Zone(loc, p.now)
		}
		out = append(out, option{Value: z, Label: label, Selected: z == p.Form.TimeZone})
	}
	return out
}

// emailView is what the page shows of an email read.
type emailView struct {
	ID, From, Date, Subject string
	// RawURL is where the message is, exactly as received.
	RawURL      string
	Attachments []attachmentView
	Warnings    []string
	Suggested   string
}

// attachmentView is an attachment as listed: its name, size and link.
type attachmentView struct {
	Name, Size, URL string
}

func newEmailView(e *intake.Email, zone *time.Location) *emailView {
	if e == nil {
		return nil
	}
	base := "/api/v1/emails/" + url.PathEscape(e.ID)
	v := &emailView{ID: e.ID, Subject: e.Subject, Warnings: e.Warnings, RawURL: base + "/raw"}
	if e.From != nil {
		v.From = e.From.Email
		if e.From.Name != "" {
			v.From = e.From.Name + " <" + e.From.Email + ">"
		}
	}
	if e.Date != nil {
		v.Date = ru.DateTime(*e.Date, zone)
	}
	for i, a := range e.Attachments {
		name := a.Filename
		if name == "" {
			name = "без имени"
		}
		v.Attachments = append(v.Attachments, attachmentView{Name: name, Size: byteSize(a.Size),
			URL: base + "/attachments/" + strconv.Itoa(i)})
	}
	if e.SuggestedType != nil {
		v.Suggested = createTypeNames[*e.SuggestedType]
	}
	return v
}

// byteSize says a size in Russian units.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f МиБ", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d КиБ", (n+1<<10-1)>>10)
	}
	return fmt.Sprintf("%d байт", n)
}

func (p *intakePages) newIntakePage() intakePage {
	return intakePage{page: newPage("Новое обращение"), WorkCSS: workCSSURL, Script: intakeJSURL, HasEmails: p.emails != nil,
		EmailErrors: map[string]string{}, Errors: map[string]string{}, MaxSizeMiB: intake.MaxSize >> 20, now: p.now(),
		Form: requestForm{TimeZone: p.reg.Zone().String(), Token: newFormToken()}}
}

// summaryLines is how much of an email's text the summary takes.
const summaryLines, summaryChars = 8, 1500

// formFromEmail fills the request form from an email: the channel, the
// suggested type, the date in the operator's zone, the sender, and a
// summary of the subject and the first lines of the text.
func formFromEmail(e *intake.Email, zone *time.Location) requestForm {
	f := requestForm{Channel: string(register.ChannelEmail), TimeZone: zone.String(), EmailID: e.ID, Token: newFormToken()}
	if e.SuggestedType != nil {
		f.Type = string(*e.SuggestedType)
	}
	// A fetched email was received when the operator's mail server got it
	// (its INTERNALDATE), whatever its Date header says.
	switch {
	case e.ReceivedAt != nil:
		f.ReceivedAt = e.ReceivedAt.In(zone).Format("2006-01-02T15:04")
	case e.Date != nil:
		f.ReceivedAt = e.Date.In(zone).Format("2006-01-02T15:04")
	}
	if e.From != nil {
		f.SubjectName, f.SubjectEmail = e.From.Name, e.From.Email
	}
	var b strings.Builder
	if s := strings.TrimSpace(e.Subject); s != "" {
		b.WriteString(s)
		b.WriteString("\n\n")
	}
	n := 0
	for _, line := range strings.Split(strings.ReplaceAll(e.Text, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		if n >= summaryLines || strings.HasPrefix(line, ">") {
			break
		}
		if line == "" && n == 0 {
			continue
		}
		b.WriteString(line)
		b.WriteString("\n")
		n++
	}
	f.Summary = strings.TrimSpace(b.String())
	if r := []rune(f.Summary); len(r) > summaryChars {
		f.Summary = string(r[:summaryChars]) + "…"
	}
	return f
}

// readRequestForm reads the posted request form, as strictly as readForm,
// with room for a long summary.
func readRequestForm(c echo.Context) (requestForm, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationForm {
		return requestForm{}, errForm
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, intakeFormSize))
	if err != nil {
		return requestForm{}, errForm
	}
	v, err := parseMultiline(string(b))
	if err != nil {
		return requestForm{}, errForm
	}
	return requestFormOf(v), nil
}

// parseMultiline parses a form body as strictly as the API's queries
// (httpx.ParseFormText): any problem is the form's one error.
func parseMultiline(raw string) (url.Values, error) {
	v, err := httpx.ParseFormText(raw)
	if err != nil {
		return nil, errForm
	}
	return v, nil
}

func requestFormOf(v url.Values) requestForm {
	return requestForm{Type: v.Get("type"), Channel: v.Get("channel"), ReceivedAt: v.Get("received_at"),
		TimeZone: v.Get("time_zone"), SubjectName: v.Get("subject_name"), SubjectEmail: v.Get("subject_email"),
		SubjectPhone: v.Get("subject_phone"), SubjectPostalAddress: v.Get("subject_postal_address"),
		Summary: v.Get("summary"), Assignee: v.Get("assignee"), EmailID: v.Get("email_id"), Token: v.Get("form_token")}
}

// input is the form as the register's input.
func (f requestForm) input() register.Input {
	in := register.Input{Type: f.Type, Channel: f.Channel, ReceivedAt: f.ReceivedAt, TimeZone: f.TimeZone,
		Subject: register.SubjectInput{Name: f.SubjectName, Email: f.SubjectEmail, Phone: f.SubjectPhone,
			PostalAddress: f.SubjectPostalAddress},
		Summary: f.Summary, Assignee: f.Assignee, EmailID: strings.TrimSpace(f.EmailID)}
	return in
}

// createRequest registers the request of the form and goes to its page,
// or shows the form again with its problems next to the fields.
func (p *intakePages) createRequest(c echo.Context) error {
	a, ok, err := p.actorFor(c, srok.ActRequestCreate, audit.ActionRequestCreate)
	if !ok {
		return err
	}
	f, err := readRequestForm(c)
	if err != nil {
		return p.badForm(c, "/intake")
	}
	ctx := c.Request().Context()
	in := f.input()
	var key *register.IdempotencyKey
	if tok := strings.TrimSpace(f.Token); tok != "" && len(tok) <= 64 && httpx.TextProblem(tok) == "" {
		canon, _ := json.Marshal(in)
		sum := sha256.Sum256(canon)
		key = &register.IdempotencyKey{Key: "web:" + tok, BodyHash: hex.EncodeToString(sum[:])}
	}
	r, err := p.create(ctx, in, key)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/requests/"+url.PathEscape(r.ID))
	}

	v := p.newIntakePage()
	v.Form = f
	if v.Form.Token == "" {
		v.Form.Token = newFormToken()
	}
	if f.EmailID != "" && p.emails != nil {
		if em, err := p.emails.Get(ctx, a, f.EmailID); err == nil {
			v.Email = newEmailView(em, p.reg.Zone())
		}
	}
	var se *srok.Error
	errors.As(err, &se)
	switch srok.ErrorCode(err) {
	case srok.EINVALID:
		for _, fe := range se.Fields {
			name, msg := createProblem(fe)
			if _, seen := v.Errors[name]; !seen {
				v.Errors[name] = msg
			}
		}
		v.Alert = "Обращение не сохранено: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "intake", v)
	case srok.ECONFLICT:
		// The form's key was used with other values: the first submission
		// was saved, then the form changed in the browser and was sent
		// again. A new key makes the next submission a new request.
		v.Form.Token = newFormToken()
		v.Alert = "Эта форма уже была сохранена с другими значениями. Проверьте список обращений; если нужно ещё одно обращение, сохраните форму снова."
		return p.render(c, http.StatusConflict, "intake", v)
	case srok.EFORBIDDEN:
		if strings.TrimSpace(f.Assignee) == "" {
			return p.noRights(c)
		}
		// The role may register requests (checked above), so what it may
		// not do is give this one to someone else.
		v.Errors["assignee"] = "Оператор может назначить обращение только себе: укажите свой адрес или оставьте поле пустым."
		v.Alert = "Обращение не сохранено: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "intake", v)
	}
	return p.fail(c, err)
}

// create registers in; while a first submission of the same form is
// still being registered (a double click), it waits for that one's
// request rather than show an error.
func (p *intakePages) create(ctx context.Context, in register.Input, key *register.IdempotencyKey) (*register.Request, error) {
	for try := 0; ; try++ {
		r, _, err := p.reg.Create(ctx, in, key)
		var se *srok.Error
		if try == 5 || !errors.As(err, &se) || se.Reason != "idempotency_key_in_progress" {
			return r, err
		}
		if err := p.sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// createProblem maps a field the register refused to the form's field and
// says in Russian what it wants.
func createProblem(fe srok.FieldError) (field, msg string) {
	future := strings.Contains(fe.Problem, "in the future")
	required := strings.HasPrefix(fe.Problem, "is required")
	switch fe.Field {
	case "type":
		return "type", "Выберите тип обращения."
	case "channel":
		return "channel", "Выберите, как поступило обращение."
	case "received_at":
		switch {
		case required:
			return "received_at", "Укажите дату и время получения."
		case future:
			return "received_at", "Дата получения ещё не наступила."
		case strings.Contains(fe.Problem, "time of day"):
			return "received_at", "Укажите и время: сроки этого обращения считаются в часах."
		case strings.Contains(fe.Problem, "before 2000"):
			return "received_at", "Дата получения раньше 2000 года."
		}
		return "received_at", "Укажите дату и время получения, например 18.05.2026 10:30."
	case "time_zone":
		return "time_zone", "Выберите часовой пояс из списка."
	case "subject.name":
		if required {
			return "subject_name", "Укажите, от кого обращение: фамилию, имя, отчество или название."
		}
		return "subject_name", "Имя до 300 знаков, без управляющих символов."
	case "subject":
		return "subject_email", "Нужен хотя бы один контакт для ответа: электронная почта, телефон или почтовый адрес."
	case "subject.email":
		return "subject_email", "Нужен адрес электронной почты вида name@example.ru."
	case "subject.phone":
		return "subject_phone", "Нужен номер телефона: от 7 до 15 цифр, допустимы + ( ) - и пробелы."
	case "subject.postal_address":
		return "subject_postal_address", "Адрес до 1000 знаков, без управляющих символов."
	case "summary":
		return "summary", "Краткое содержание до 20 000 знаков, без управляющих символов."
	case "assignee":
		return "assignee", "Нет активного пользователя с таким адресом, которому можно поручить обращение."
	case "email_id":
		return "email_id", "Письмо не найдено: загрузите его заново."
	}
	return fe.Field, "Проверьте это поле."
}
