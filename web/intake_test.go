package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
	"github.com/srok/srok/web"
)

// fakeEmails stands for the stored emails (intake.Service): it reads the
// headers of a message with net/mail, decoding windows-1251 words, and
// keeps each message once by its hash.
type fakeEmails struct {
	// st keeps each email read, as the real service does, so that the
	// register finds the email a request links to.
	st     *store.Store
	mu     sync.Mutex
	byHash map[[32]byte]*intake.Email
	byID   map[string]*intake.Email
}

func newFakeEmails(st *store.Store) *fakeEmails {
	return &fakeEmails{st: st, byHash: map[[32]byte]*intake.Email{}, byID: map[string]*intake.Email{}}
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	if strings.EqualFold(charset, "windows-1251") {
		return charmap.Windows1251.NewDecoder().Reader(r), nil
	}
	return nil, fmt.Errorf("charset %s", charset)
}}

func (f *fakeEmails) Ingest(ctx context.Context, a srok.Actor, raw []byte) (*intake.Email, bool, error) {
	if !a.Can(srok.ActRequestCreate) {
		return nil, false, srok.Errorf(srok.EFORBIDDEN, "no")
	}
	sum := sha256.Sum256(raw)
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.byHash[sum]; ok {
		return e, false, nil
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, false, srok.Invalid(srok.FieldError{Field: "raw", Problem: "not a message"})
	}
	e := &intake.Email{ID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", len(f.byID)+1), Size: int64(len(raw))}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if from, err := p.Parse(m.Header.Get("From")); err == nil {
		e.From = &intake.Address{Name: from.Name, Email: from.Address}
	} else {
		e.Warnings = append(e.Warnings, "no sender")
	}
	if d, err := m.Header.Date(); err == nil {
		e.Date = &d
	}
	e.Subject, _ = wordDecoder.DecodeHeader(m.Header.Get("Subject"))
	body, _ := io.ReadAll(m.Body)
	e.Text = string(body)
	if strings.Contains(strings.ToLower(e.Subject), "удал") {
		t := deadlines.TypeErasure
		e.SuggestedType = &t
	}
	e.Attachments = []intake.Attachment{{Filename: "паспорт.pdf", ContentType: "application/pdf", Size: 120 << 10}}
	e.StoredAt, e.StoredBy = time.Now(), a.ID
	if _, _, err := f.st.PutEmail(ctx, e, raw, intake.BodyHash(raw), nil); err != nil {
		return nil, false, err
	}
	f.byHash[sum], f.byID[e.ID] = e, e
	return e, true, nil
}

func (f *fakeEmails) Get(_ context.Context, _ srok.Actor, id string) (*intake.Email, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.byID[id]; ok {
		return e, nil
	}
	return nil, srok.Errorf(srok.ENOTFOUND, "no email")
}

// workEnv is env with every page of the work mounted: the register, the
// calendar, the emails and the administration.
type workEnv struct {
	*env
	reg    *register.Service
	emails *fakeEmails
	feeds  *feeds.Service
}

func forEachWork(t *testing.T, fn func(t *testing.T, w *workEnv)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newWorkEnv(t, d))
		})
	}
}

func newWorkEnv(t *testing.T, d store.Dialect) *workEnv { return newWorkEnvOf(t, d, false) }

// newWorkEnvOf is newWorkEnv, with the real intake (intake.Service asking
// the register who reads an email) when realEmails.
func newWorkEnvOf(t *testing.T, d store.Dialect, realEmails bool) *workEnv {
	t.Helper()
	st := storetest.MustOpen(t, d)
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
	trail := audit.NewService(st, clock.Now)
	acc := account.NewService(st, clock.Now, cheapHash, account.WithAudit(trail))
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	reg := register.NewService(st, cal, moscow, clock.Now, register.WithUsers(acc), register.WithAudit(trail))
	ss := storetest.Sessions(st)
	sm := httpx.NewSessions(httpx.SessionOptions{Store: ss, IdleTimeout: time.Hour, Lifetime: 12 * time.Hour})
	e := &env{st: st, acc: acc, clock: clock, sys: srok.WithActor(context.Background(), srok.System)}
	w := &workEnv{env: e, reg: reg, emails: newFakeEmails(st), feeds: feeds.NewService(st, trail, cal, feedBase, clock.Now)}
	var emails web.Emails = w.emails
	if realEmails {
		emails = intake.NewService(st, intake.WithClock(clock.Now), intake.WithAudit(trail), intake.WithReaders(reg))
	}
	srv := httpx.New(httpx.Options{Auth: acc, Sessions: sm, SessionIdle: time.Hour})
	web.Mount(srv, web.Config{Accounts: acc, Throttle: account.NewThrottle(st, clock.Now), Audit: trail, Sessions: sm,
		Now: clock.Now, Sleep: e.sleep, Register: reg, Emails: emails, Calendar: cal, UserAdmin: acc, Inbox: reg,
		Reminders: remind.NewSettingsService(st, trail, clock.Now), Feeds: w.feeds})
	e.h = srv
	return w
}

// signedIn returns a browser signed in as a new user with role.
func (w *workEnv) signedIn(t *testing.T, email string, role srok.Role) *browser {
	t.Helper()
	w.mustUser(t, email, "Пользователь "+string(role), role)
	b := w.browser()
	if r := b.do(t, "POST", "/login", loginForm(email, goodPassword)); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d", email, r.status)
	}
	return b
}

// ownScript is the one script a page may have: a file of this site,
// nothing inline.
var ownScript = regexp.MustCompile(`<script src="/static/[a-z.]+\.js(?:\?v=[0-9a-f]{12})?" defer></script>`)

// send is do for any request (multipart too), on a page that may load
// its own script file.
func (b *browser) send(t *testing.T, req *http.Request) response {
	t.Helper()
	req.RemoteAddr = b.addr + ":40000"
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: b.cookie})
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	r := response{status: res.StatusCode, header: res.Header, body: rec.Body.String()}
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie {
			r.session = c
			b.cookie = c.Value
		}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if m := inline.FindString(ownScript.ReplaceAllString(r.body, "")); m != "" {
			t.Errorf("%s %s: the page has %q, which the CSP forbids", req.Method, req.URL, m)
		}
	}
	return r
}

// upload posts #email-form: the textarea raw and the file eml (none when
// file is nil).
func (b *browser) upload(t *testing.T, raw string, file []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("raw", raw); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("eml", "письмо.eml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/intake", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(t, req)
}

// post sends a form as a browser does.
func (b *browser) post(t *testing.T, target string, form url.Values) response {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(t, req)
}

func (b *browser) get(t *testing.T, target string) response {
	t.Helper()
	return b.send(t, httptest.NewRequest("GET", target, nil))
}

// sampleEmail is a request for erasure from a sender whose name and
// subject are words in windows-1251, dated 13:30 UTC (16:30 in Moscow).
func sampleEmail(t *testing.T) string {
	return "From: " + win1251Word(t, "Иван Петров") + " <ivan.petrov@example.ru>\r\n" +
		"To: privacy@operator.example\r\n" +
		"Date: Tue, 24 Nov 2026 13:30:00 +0000\r\n" +
		"Subject: " + win1251Word(t, "Прошу удалить мои данные") + "\r\n" +
		"Message-ID: <1@example.ru>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Здравствуйте!\r\nПрошу удалить все мои персональные данные.\r\n\r\n> старая цитата\r\n"
}

// win1251Word is s as an RFC 2047 word in windows-1251.
func win1251Word(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	var q strings.Builder
	for _, c := range b {
		fmt.Fprintf(&q, "=%02X", c)
	}
	return "=?windows-1251?Q?" + q.String() + "?="
}

var hidden = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// formOf reads the values of #request-form from a page.
func formOf(t *testing.T, body string) url.Values {
	t.Helper()
	i := strings.Index(body, `<form id="request-form"`)
	if i < 0 {
		t.Fatalf("no #request-form:\n%s", body)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="[a-z-]+" name="([a-z_]+)"(?: id="[a-z_]+")? value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select name="([a-z_]+)".*?</select>`).FindAllStringSubmatch(body, -1) {
		sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[0])
		if sel != nil {
			v.Set(m[1], sel[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea name="([a-z_]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&#43;", "+").Replace(s)
}

// The intake page, signed in, shows both forms with a label on every
// input; anonymous browsers go to sign in, a viewer gets 403.
func TestIntakePage(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		if r := w.browser().get(t, "/intake"); r.status != http.StatusSeeOther || r.location() != "/login?next=%2Fintake" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		viewer := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)
		for _, r := range []response{viewer.get(t, "/intake"), viewer.post(t, "/requests", url.Values{"type": {"access"}})} {
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "<h1>Недостаточно прав</h1>") {
				t.Errorf("viewer: %d\n%s", r.status, r.body)
			}
		}
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		r := b.get(t, "/intake")
		for _, want := range []string{`<form id="email-form" method="post" action="/intake" enctype="multipart/form-data"`,
			`<textarea name="raw" id="raw"`, `<input type="file" name="eml" id="eml"`,
			`<form id="request-form" method="post" action="/requests"`, `<select name="type" id="type"`,
			`<input type="datetime-local" name="received_at"`, `<button type="submit" id="save">`,
			`<option value="Europe/Moscow" selected>`, `<option value="" selected>— выберите тип —</option>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("GET /intake lacks %q", want)
			}
		}
		// A label for every input, select and textarea.
		for _, m := range regexp.MustCompile(`<(?:input|select|textarea) [^>]*id="([^"]+)"`).FindAllStringSubmatch(r.body, -1) {
			if !strings.Contains(r.body, `<label for="`+m[1]+`"`) && !strings.Contains(r.body, `<label class="sr" for="`+m[1]+`"`) {
				t.Errorf("no label for #%s", m[1])
			}
		}
		m := regexp.MustCompile(`<script src="(/static/intake\.js\?v=[0-9a-f]{12})" defer>`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no intake.js")
		}
		js := b.get(t, m[1])
		if js.status != http.StatusOK || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") ||
			!strings.Contains(js.body, "DataTransfer") {
			t.Errorf("intake.js: %d %s", js.status, js.header.Get("Content-Type"))
		}
	})
}

// An uploaded .eml fills the request form: the sender decoded from
// windows-1251, the date in the operator's zone, the suggested type, the
// summary; saving it redirects to the new request, with its deadlines.
func TestIntakeUploadAndCreate(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		r := b.upload(t, "", []byte(sampleEmail(t)))
		if r.status != http.StatusOK {
			t.Fatalf("upload: %d\n%s", r.status, r.body)
		}
		f := formOf(t, r.body)
		want := map[string]string{"channel": "email", "type": "erasure", "received_at": "2026-11-24T16:30",
			"time_zone": "Europe/Moscow", "subject_name": "Иван Петров", "subject_email": "ivan.petrov@example.ru",
			"email_id": "0190a000-0000-7000-8000-000000000001"}
		for k, v := range want {
			if f.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, f.Get(k), v)
			}
		}
		if s := f.Get("summary"); !strings.HasPrefix(s, "Прошу удалить мои данные\n\nЗдравствуйте!") || strings.Contains(s, "цитата") {
			t.Errorf("summary %q", s)
		}
		for _, want := range []string{"Иван Петров &lt;ivan.petrov@example.ru&gt;", "24.11.2026 16:30", `<a href="/api/v1/emails/0190a000-0000-7000-8000-000000000001/attachments/0">паспорт.pdf</a> (120 КиБ)`,
			`href="/api/v1/emails/0190a000-0000-7000-8000-000000000001/raw"`,
			"Уничтожение данных"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the email panel lacks %q", want)
			}
		}

		f.Set("subject_phone", "+7 (912) 345-67-89")
		res := b.post(t, "/requests", f)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/requests/") {
			t.Fatalf("create: %d %s\n%s", res.status, res.location(), res.body)
		}
		id := strings.TrimPrefix(res.location(), "/requests/")
		req, err := w.reg.Get(srok.WithActor(context.Background(), srok.System), id)
		if err != nil {
			t.Fatal(err)
		}
		if req.Type != deadlines.TypeErasure || req.Channel != register.ChannelEmail || req.Subject.Name != "Иван Петров" ||
			!req.ReceivedAt.Equal(time.Date(2026, 11, 24, 13, 30, 0, 0, time.UTC)) || req.TimeZone != "Europe/Moscow" ||
			len(req.Obligations) == 0 || req.CreatedBy == "" {
			t.Errorf("request %+v", req)
		}
		if n := len(w.entries(t, audit.ActionRequestCreate)); n != 1 {
			t.Errorf("%d request.create entries", n)
		}

		// The same email again: read, and said to be known.
		r = b.upload(t, "", []byte(sampleEmail(t)))
		if r.status != http.StatusOK || !strings.Contains(r.body, "уже было сохранено") {
			t.Errorf("the same email again: %d", r.status)
		}
	})
}

// A pasted email works as a file does; nothing, or too much, is a
// message next to the field, not an error page.
func TestIntakePasteAndMistakes(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
		r := b.upload(t, sampleEmail(t), nil)
		if f := formOf(t, r.body); r.status != http.StatusOK || f.Get("subject_email") != "ivan.petrov@example.ru" {
			t.Fatalf("paste: %d %v", r.status, f)
		}

		r = b.upload(t, "  \r\n", nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="raw-error" role="alert">Вставьте исходный текст письма`) ||
			!strings.Contains(r.body, `<form id="request-form"`) {
			t.Errorf("empty: %d\n%s", r.status, r.body)
		}
		big := bytes.Repeat([]byte("x"), intake.MaxSize+1)
		r = b.upload(t, "", big)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="eml-error" role="alert">Письмо больше 25 МиБ`) {
			t.Errorf("too large a file: %d\n%.2000s", r.status, r.body)
		}
		r = b.upload(t, string(big), nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="raw-error" role="alert">Письмо больше 25 МиБ`) ||
			len(r.body) > 1<<20 {
			t.Errorf("too large a paste: %d, %d bytes", r.status, len(r.body))
		}
		r = b.upload(t, "no headers at all", nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="raw-error"`) ||
			!strings.Contains(r.body, ">no headers at all</textarea>") {
			t.Errorf("not an email: %d\n%s", r.status, r.body)
		}
		// Not multipart at all: the page of a form that cannot be read.
		if r := b.do(t, "POST", "/intake", url.Values{"raw": {"x"}}); r.status != http.StatusBadRequest {
			t.Errorf("urlencoded upload: %d", r.status)
		}
	})
}

// The manual form: mistakes are shown next to their fields and what was
// typed is kept; a double submit creates one request.
func TestCreateManual(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		page := b.get(t, "/intake")
		token := hidden.FindStringSubmatch(page.body)
		if token == nil {
			t.Fatal("no form token")
		}
		form := url.Values{"form_token": {token[1]}, "type": {""}, "channel": {"post"}, "received_at": {"2026-12-24T10:00"},
			"time_zone": {"Europe/Moscow"}, "subject_name": {"Мария <Сидорова>"}, "subject_email": {"not an email"},
			"subject_phone": {""}, "summary": {"Письмо по почте: просит сведения"}, "assignee": {""}, "email_id": {""}}
		r := b.post(t, "/requests", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid: %d\n%s", r.status, r.body)
		}
		for _, want := range []string{`id="type-error" role="alert">Выберите тип обращения.`,
			`id="received_at-error" role="alert">Дата получения ещё не наступила.`,
			`id="subject_email-error" role="alert">Нужен адрес электронной почты`,
			`value="Мария &lt;Сидорова&gt;"`, `value="not an email"`, `>Письмо по почте: просит сведения</textarea>`,
			`<option value="post" selected>`, `value="2026-12-24T10:00"`, `name="form_token" value="` + token[1] + `"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the re-rendered form lacks %q", want)
			}
		}
		if n := len(w.entries(t, audit.ActionRequestCreate)); n != 0 {
			t.Errorf("%d request.create entries after a refused form", n)
		}

		form.Set("type", "access")
		form.Set("received_at", "2026-11-23T10:00")
		form.Set("subject_email", "maria@example.ru")
		first := b.post(t, "/requests", form)
		second := b.post(t, "/requests", form)
		if first.status != http.StatusSeeOther || second.status != http.StatusSeeOther || first.location() != second.location() {
			t.Fatalf("double submit: %d %s, %d %s", first.status, first.location(), second.status, second.location())
		}
		page2, err := w.reg.List(srok.WithActor(context.Background(), srok.System), register.Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page2.Items) != 1 || page2.Items[0].Subject.Name != "Мария <Сидорова>" || page2.Items[0].Channel != register.ChannelPost {
			t.Errorf("requests after a double submit: %+v", page2.Items)
		}
		// The same token with other values: refused, not a second request
		// in disguise.
		form.Set("summary", "другое")
		if r := b.post(t, "/requests", form); r.status != http.StatusConflict || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("the token reused: %d", r.status)
		}
		// A bad assignee is named at its field.
		form.Set("form_token", "another")
		form.Set("assignee", "nobody@example.ru")
		if r := b.post(t, "/requests", form); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `id="assignee-error" role="alert">Нет активного пользователя`) {
			t.Errorf("bad assignee: %d", r.status)
		}
		// An operator may not give a request to someone else.
		w.mustUser(t, "colleague@example.ru", "Коллега", srok.RoleOperator)
		form.Set("assignee", "colleague@example.ru")
		if r := b.post(t, "/requests", form); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `id="assignee-error" role="alert">Оператор может назначить обращение только себе`) ||
			!strings.Contains(r.body, `value="colleague@example.ru"`) {
			t.Errorf("assigned to a colleague: %d", r.status)
		}
		form.Set("assignee", "op@example.ru")
		if r := b.post(t, "/requests", form); r.status != http.StatusSeeOther {
			t.Errorf("assigned to oneself: %d\n%s", r.status, r.body)
		}
	})
}

// Two submissions of one form at once (a double click) register one
// request, and both go to it.
func TestCreateDoubleClick(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		token := hidden.FindStringSubmatch(b.get(t, "/intake").body)
		if token == nil {
			t.Fatal("no form token")
		}
		form := url.Values{"form_token": {token[1]}, "type": {"withdrawal"}, "channel": {"in_person"},
			"received_at": {"2026-11-24T12:00"}, "time_zone": {"Europe/Moscow"}, "subject_name": {"Пётр Иванов"},
			"subject_phone": {"8 912 345 67 89"}}
		var wg sync.WaitGroup
		res := make([]response, 2)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = b.post(t, "/requests", form)
			}()
		}
		wg.Wait()
		for i, r := range res {
			if r.status != http.StatusSeeOther || r.location() != res[0].location() {
				t.Errorf("submission %d: %d %s (first: %s)\n%.500s", i, r.status, r.location(), res[0].location(), r.body)
			}
		}
		page, err := w.reg.List(srok.WithActor(context.Background(), srok.System), register.Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 {
			t.Errorf("%d requests after a double click", len(page.Items))
		}
	})
}

// An email with an address and no name («From: ivanov@mail.ru») is
// registered as it came: the address identifies the requester, the list
// shows it in place of a name, and the request's page says the name is a
// detail to ask for.
func TestIntakeAddressOnly(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		b := w.signedIn(t, "op@example.ru", srok.RoleOperator)
		eml := "From: ivanov@mail.ru\r\nTo: privacy@operator.example\r\nDate: Tue, 24 Nov 2026 13:30:00 +0000\r\n" +
			"Subject: =?utf-8?b?" + "0JfQsNC/0YDQvtGBINGB0LLQtdC00LXQvdC40Lk=" + "?=\r\nMessage-ID: <2@mail.ru>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\nПрошу сообщить, какие мои данные вы обрабатываете.\r\n"
		r := b.upload(t, "", []byte(eml))
		if r.status != http.StatusOK {
			t.Fatalf("upload: %d\n%s", r.status, r.body)
		}
		f := formOf(t, r.body)
		if f.Get("subject_name") != "" || f.Get("subject_email") != "ivanov@mail.ru" {
			t.Fatalf("the form: name %q, email %q", f.Get("subject_name"), f.Get("subject_email"))
		}
		if f.Get("type") == "" {
			f.Set("type", "access") // the stand-in for intake suggests no type
		}
		res := b.post(t, "/requests", f)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/requests/") {
			t.Fatalf("saving an address-only email: %d %s\n%s", res.status, res.location(), res.body)
		}
		page := b.get(t, res.location())
		if page.status != http.StatusOK || !strings.Contains(page.body, `id="name-missing"`) {
			t.Errorf("the request's page does not say the name is missing: %d", page.status)
		}
		list := b.get(t, "/requests")
		if !strings.Contains(list.body, `<td class="subject" data-label="Субъект">ivanov@mail.ru</td>`) {
			t.Errorf("the list does not show the address in place of the name")
		}
		for _, english := range []string{">Email<", "Email исполнителя", "«me»", "«none»"} {
			if strings.Contains(page.body+list.body, english) {
				t.Errorf("English left on the pages: %q", english)
			}
		}
	})
}
