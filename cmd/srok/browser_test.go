package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
	"github.com/srok/srok/pkg/store/storetest"
)

// The browser tests drive the pages of `srok serve` in a real headless
// Chromium, on the embedded SQLite and on PostgreSQL: the first
// administrator's setup, signing in and out, two emails in old Russian
// charsets dropped on the intake page and saved as requests, the register
// with their types and legal dates, an extension, the overview with an
// overdue request, and what a viewer may not do. Every page visited is
// saved as a full-page PNG under testdata/browser-out/<database>/.

// browserOut is where the screenshots go (ignored by git); `make
// screenshots` copies those of the README to docs/screenshots.
const browserOut = "testdata/browser-out"

// chromeCandidates are where Debian and other systems put Chromium.
var chromeCandidates = []string{
	"/usr/bin/chromium-headless-shell",
	"/usr/lib/chromium/chromium-headless-shell",
	"/usr/bin/chromium",
	"/usr/lib/chromium/chromium",
	"/usr/bin/chromium-browser",
	"/usr/bin/google-chrome-stable",
	"/usr/bin/google-chrome",
	"/opt/google/chrome/chrome",
}

// findChrome returns the browser to drive: SROK_CHROME, else the first of
// chromeCandidates that exists, else chromium-headless-shell or chromium on
// PATH; "" when there is none.
func findChrome(getenv func(string) string) string {
	if p := getenv("SROK_CHROME"); p != "" {
		return p
	}
	for _, p := range chromeCandidates {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChrome returns the browser, or ends the test: skipped on a
// developer's machine without Chromium, failed in CI (CI set, as
// .ci/run does), which must run the browser tests.
func needChrome(t *testing.T) string {
	t.Helper()
	p := findChrome(os.Getenv)
	if p == "" {
		msg := "no Chromium for the browser tests: install it (Debian: apt-get install chromium-headless-shell fonts-dejavu-core) " +
			"or set SROK_CHROME to the browser's path"
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatal(msg + " (CI is set: the browser tests must run)")
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("SROK_CHROME=%s: %v", p, err)
	}
	return p
}

// startBrowser starts one headless Chromium for the whole test, with a
// fresh profile.
func startBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "ru-RU"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp's own errors are kept and logged once the browser is
	// closed: they may come from its goroutines at any time.
	var errs lockedBuffer
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		fmt.Fprintf(&errs, format+"\n", args...)
	}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if e := errs.String(); e != "" {
			t.Logf("chromedp: %s", e)
		}
	})
	// The first action starts the browser, on ctx itself: the end of the
	// context of that first action would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// The scenario's clock: Friday 27 November 2026, 11:00 in Moscow.
var browserNow = time.Date(2026, 11, 27, 11, 0, 0, 0, mskOffset)

// browserUser is one of the people of the scenario.
type browserUser struct {
	email, name, password string
	role                  srok.Role
}

var (
	browserAdmin    = browserUser{"admin@operator.example.ru", "Анна Админова", "admin password 2026", srok.RoleAdmin}
	browserOperator = browserUser{"operator@operator.example.ru", "Олег Операторов", "operator password 2026", srok.RoleOperator}
	browserViewer   = browserUser{"viewer@operator.example.ru", "Вера Смотрящая", "viewer password 2026", srok.RoleViewer}
)

// browserSrok is `srok serve --migrate` run in-process on a fresh database,
// with the scenario's clock, and the services the test seeds and checks it
// with, on the same database.
type browserSrok struct {
	base     string // http://127.0.0.1:port
	setupURL string // the one-time link of the first administrator
	out, log *lockedBuffer
	accounts *account.Service
	register *register.Service
	engine   *deadlines.Engine
	zone     *time.Location
	// store is the server's database, opened beside it.
	store *store.Store
}

func startBrowserSrok(t *testing.T, d store.Dialect) *browserSrok {
	return startBrowserSrokWith(t, d, nil)
}

// startBrowserSrokWith is startBrowserSrok with the variables of extra
// set as well (an SMTP server and the scheduler on, for what is sent).
func startBrowserSrokWith(t *testing.T, d store.Dialect, extra map[string]string) *browserSrok {
	t.Helper()
	vars := map[string]string{
		"SROK_ADDR": "127.0.0.1:0", "SROK_SHUTDOWN_TIMEOUT": "5s", "SROK_RATE_LIMIT": "0",
		"SROK_SCHEDULER": "off", "SROK_TIME_ZONE": "Europe/Moscow",
	}
	maps.Copy(vars, extra)
	switch d {
	case store.SQLite:
		vars["SROK_DATA_DIR"] = t.TempDir()
	case store.Postgres:
		vars["DATABASE_URL"] = pgtest.MustDatabase(t)
	}
	now := func() time.Time { return browserNow }
	ctx, cancel := context.WithCancel(context.Background())
	s := &browserSrok{out: &lockedBuffer{}, log: &lockedBuffer{}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--migrate"}, env{getenv: func(k string) string { return vars[k] },
			stdout: s.out, stderr: s.log, now: now, accountOptions: cheapHashes})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("srok serve exited %d: %s", code, s.log.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("srok serve did not stop")
		}
	})
	urlRe := regexp.MustCompile(`serving on (http://\S+)`)
	setupRe := regexp.MustCompile(`(http://\S+/setup\?token=srok_setup_\S+)`)
	for i := 0; i < 600 && s.setupURL == ""; i++ {
		select {
		case code := <-done:
			t.Fatalf("srok serve exited %d: %s %s", code, s.out.String(), s.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		out := s.out.String()
		if m := urlRe.FindStringSubmatch(out); m != nil {
			s.base = m[1]
		}
		if m := setupRe.FindStringSubmatch(out); m != nil {
			s.setupURL = m[1]
		}
	}
	if s.base == "" || s.setupURL == "" {
		t.Fatalf("srok serve printed no address or no setup link: %q %s", s.out.String(), s.log.String())
	}

	st, err := store.Open(ctx, vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s.store = st
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	s.zone, err = deadlines.LoadZone("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.NewService(st, now)
	s.accounts = account.NewService(st, now, append([]account.Option{account.WithAudit(trail)}, cheapHashes...)...)
	s.register = register.NewService(st, cal, s.zone, now, register.WithUsers(s.accounts), register.WithAudit(trail))
	s.engine = deadlines.New(cal)
	return s
}

// as is ctx acting as the user p.
func (s *browserSrok) as(t *testing.T, p browserUser) context.Context {
	t.Helper()
	u, err := s.accounts.UserByEmail(context.Background(), p.email)
	if err != nil {
		t.Fatalf("%s: %v", p.email, err)
	}
	return srok.WithActor(context.Background(), s.accounts.ActorOf(u))
}

// browserSeed are the requests the overview shows, registered before the
// scenario.
type browserSeed struct {
	overdue, today, soon *register.Request
}

// seed creates the operator and the viewer (as the administrator) and, as
// the operator, three requests: one received on 19 October, overdue on
// 27 November; one whose term ends that day; one whose term ends on
// 1 December, within the next three working days. The days of receipt
// are found with the engine.
func (s *browserSrok) seed(t *testing.T) browserSeed {
	t.Helper()
	ctx := s.as(t, browserAdmin)
	for _, p := range []browserUser{browserOperator, browserViewer} {
		if _, err := s.accounts.CreateUser(ctx, account.UserInput{Email: p.email, Name: p.name, Role: p.role, Password: p.password}); err != nil {
			t.Fatalf("create %s: %v", p.email, err)
		}
	}
	ctx = s.as(t, browserOperator)
	create := func(in register.Input) *register.Request {
		r, _, err := s.register.Create(ctx, in, nil)
		if err != nil {
			t.Fatalf("seed %s: %v", in.Type, err)
		}
		return r
	}
	var sd browserSeed
	sd.overdue = create(register.Input{Type: "access", Channel: "post", ReceivedAt: "2026-10-19T10:00:00+03:00",
		Subject:  register.SubjectInput{Name: "Сидоров Павел Андреевич", PostalAddress: "Москва, ул. Лесная, д. 5, кв. 12"},
		Summary:  "Просит сообщить, какие его данные обрабатываются",
		Assignee: browserOperator.email})
	sd.today = create(register.Input{Type: "access", Channel: "email",
		ReceivedAt: s.receivedFor(t, deadlines.TypeAccess, calendar.DateOf(browserNow.In(s.zone))),
		Subject:    register.SubjectInput{Name: "Кузнецова Ольга Викторовна", Email: "o.kuznetsova@example.ru"},
		Summary:    "Просит сообщить, кому передавались её данные"})
	sd.soon = create(register.Input{Type: "stop", Channel: "email",
		ReceivedAt: s.receivedFor(t, deadlines.TypeStop, calendar.NewDate(2026, time.December, 1)),
		Subject:    register.SubjectInput{Name: "Николаев Дмитрий Сергеевич", Email: "d.nikolaev@example.ru"},
		Summary:    "Требует прекратить рассылку и обработку данных", Assignee: browserOperator.email})
	if !sd.overdue.Overdue(browserNow) || sd.today.Overdue(browserNow) || sd.soon.Overdue(browserNow) {
		t.Fatalf("the seed is not as the scenario needs")
	}
	return sd
}

// receivedFor is the latest day before the scenario's now whose 10:00
// receipt makes the engine end the term of a request of type typ on due.
func (s *browserSrok) receivedFor(t *testing.T, typ deadlines.RequestType, due calendar.Date) string {
	t.Helper()
	now := browserNow.In(s.zone)
	for back := 0; back < 120; back++ {
		day := now.AddDate(0, 0, -back)
		at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, s.zone)
		if at.After(now) {
			continue
		}
		ds, err := s.engine.ForRequest(typ, at, s.zone)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Due == due {
			return at.Format(time.RFC3339)
		}
	}
	t.Fatalf("no receipt makes a %s request due on %s", typ, due)
	return ""
}

// expectedDue is the legal date the engine gives a request of type typ
// received at received, as the register shows it (dd.mm.yyyy), and the
// date after an extension ("" when the term cannot be extended). The
// earliest obligation's date is the request's.
func (s *browserSrok) expectedDue(t *testing.T, typ deadlines.RequestType, received time.Time) (due, extended string) {
	t.Helper()
	ds, err := s.engine.ForRequest(typ, received, s.zone)
	if err != nil || len(ds) == 0 {
		t.Fatalf("engine: %v %v", ds, err)
	}
	first := ds[0]
	for _, d := range ds[1:] {
		if d.DueAt.Before(first.DueAt) {
			first = d
		}
	}
	if first.HasExtension() {
		extended = pageDate(first.ExtendedDue)
	}
	return pageDate(first.Due), extended
}

// pageDateRe finds a date as the pages show it.
var pageDateRe = regexp.MustCompile(`\b\d{2}\.\d{2}\.\d{4}\b`)

// pageDate is a date as the pages show it: 18.05.2026.
func pageDate(d calendar.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d.%02d.%04d", day, int(m), y)
}

// browserTab is the browser tab of one database's scenario.
type browserTab struct {
	ctx  context.Context
	base string
	out  string // the folder of its screenshots
}

func newBrowserTab(t *testing.T, browser context.Context, base, out string) *browserTab {
	t.Helper()
	// A browser context of its own: no cookie of another scenario.
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	// Dates and times in the form fields as a Russian user sees them.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "ru_RU"})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return &browserTab{ctx: ctx, base: base, out: out}
}

// browserStepTimeout bounds each browser action.
const browserStepTimeout = 20 * time.Second

func (b *browserTab) timed() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, browserStepTimeout)
}

// open navigates to path (or a whole URL) and returns the status of the
// page's response.
func (b *browserTab) open(t *testing.T, path string) int64 {
	t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	ctx, cancel := b.timed()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if res == nil {
		t.Fatalf("open %s: no response", path)
	}
	return res.Status
}

// do runs actions.
func (b *browserTab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v (page %s)", what, err, b.path(t))
	}
}

// evalJS evaluates expression in the page.
func evalJS[T any](t *testing.T, b *browserTab, expression string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// waitFor waits until expression is true in the page (across page loads).
func (b *browserTab) waitFor(t *testing.T, what, expression string) {
	t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("!!(function(){ try { return %s } catch (e) { return false } })()", expression)))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			b.shot(t, "failed-"+strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
			t.Fatalf("waited %s for %s (%s); page %s: %.600s", browserStepTimeout, what, expression, b.path(t), b.bodyText())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// path is the page's path and query.
func (b *browserTab) path(t *testing.T) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname + location.search"))
	if err != nil {
		return "?"
	}
	return p
}

// bodyText is the page's text, for failure messages.
func (b *browserTab) bodyText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	return s
}

// text is the innerText of the first element matching sel, and whether
// there is one.
func (b *browserTab) text(t *testing.T, sel string) (string, bool) {
	t.Helper()
	q, _ := json.Marshal(sel)
	v := evalJS[*string](t, b, fmt.Sprintf("(function(){ const e = document.querySelector(%s); return e ? e.innerText : null })()", q))
	if v == nil {
		return "", false
	}
	return strings.TrimSpace(*v), true
}

// value is the value of the form field sel.
func (b *browserTab) value(t *testing.T, sel string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	v := evalJS[*string](t, b, fmt.Sprintf("(function(){ const e = document.querySelector(%s); return e ? e.value : null })()", q))
	if v == nil {
		t.Fatalf("no field %s on %s", sel, b.path(t))
	}
	return *v
}

// submit submits the form sel as pressing its button would (its submit
// event fires, so a script of the page may handle it).
func (b *browserTab) submit(t *testing.T, sel string) {
	t.Helper()
	q, _ := json.Marshal(sel)
	b.mark(t)
	if !evalJS[bool](t, b, fmt.Sprintf("(function(){ const f = document.querySelector(%s); if (!f) return false; f.requestSubmit(); return true })()", q)) {
		t.Fatalf("no form %s on %s", sel, b.path(t))
	}
}

// mark marks the page shown, so that waitLoad waits for the next one: the
// page a form posts to may look like the page it was posted from.
func (b *browserTab) mark(t *testing.T) {
	t.Helper()
	evalJS[bool](t, b, "(window.__srokOld = true)")
}

// waitLoad waits for a page after the one marked (mark, submit) to be
// loaded and expression to be true in it.
func (b *browserTab) waitLoad(t *testing.T, what, expression string) {
	t.Helper()
	b.waitFor(t, what, fmt.Sprintf(`window.__srokOld === undefined && document.readyState === "complete" && (%s)`, expression))
}

// fill sets the fields of form sel by name: inputs, selects, textareas and
// radio groups alike. A date typed into a datetime-local field gets 10:00.
func (b *browserTab) fill(t *testing.T, sel string, fields map[string]string) {
	t.Helper()
	q, _ := json.Marshal(sel)
	f, _ := json.Marshal(fields)
	missing := evalJS[string](t, b, fmt.Sprintf(`(function(){
		const f = document.querySelector(%s); if (!f) return "the form";
		const v = %s; const missing = [];
		for (const [name, value] of Object.entries(v)) {
			const el = f.elements[name];
			if (!el) { missing.push(name); continue; }
			el.value = (el.type === "datetime-local" && value.length === 10) ? value + "T10:00" : value;
			if (el.value === "" && value !== "") missing.push(name + "=" + value);
			for (const e of ["input", "change"]) { (el.dispatchEvent ? el : el[0]).dispatchEvent(new Event(e, {bubbles: true})); }
		}
		return missing.join(", ");
	})()`, q, f))
	if missing != "" {
		t.Fatalf("form %s on %s: cannot fill %s", sel, b.path(t), missing)
	}
}

// viewport emulates a screen of w×h CSS pixels (a phone's below 500), or
// the window's own size again with 0×0.
func (b *browserTab) viewport(t *testing.T, w, h int64) {
	t.Helper()
	b.do(t, "the screen size", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if w == 0 {
			_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: w, Height: h, DeviceScaleFactor: 1, Mobile: w < 500})
		return err
	}))
}

// shot saves the whole page as name.png.
func (b *browserTab) shot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.out, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// dropFile drags the file at path over the middle of the page and drops
// it there, as a file manager does.
func (b *browserTab) dropFile(t *testing.T, path string) {
	t.Helper()
	data := &input.DragData{Items: []*input.DragDataItem{}, Files: []string{path}, DragOperationsMask: 1}
	b.do(t, "drop "+filepath.Base(path), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter,
			input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
			if _, err := cdp.Call(ctx, tg, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: 640, Y: 300, Data: data}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// login signs p in on the sign-in page and waits to leave it.
func (b *browserTab) login(t *testing.T, p browserUser) {
	t.Helper()
	if st := b.open(t, "/login"); st != 200 {
		t.Fatalf("GET /login: %d", st)
	}
	b.do(t, "type the credentials",
		chromedp.SendKeys(chromedp.CSS("#email"), p.email),
		chromedp.SendKeys(chromedp.CSS("#password"), p.password))
	b.submit(t, `form[action="/login"]`)
	b.waitLoad(t, "the sign-in to end", `location.pathname !== "/login"`)
}

// logout presses the page's sign-out button and checks that the session
// is over: a page now sends to the sign-in.
func (b *browserTab) logout(t *testing.T) {
	t.Helper()
	b.submit(t, `form[action="/logout"]`)
	b.waitLoad(t, "the sign-in page", `location.pathname === "/login" && !!document.querySelector("#password")`)
	b.open(t, "/")
	if p := b.path(t); !strings.HasPrefix(p, "/login") {
		t.Fatalf("signed out, / shows %s", p)
	}
}

// h1 is the page's heading.
func (b *browserTab) h1(t *testing.T) string {
	t.Helper()
	h, ok := b.text(t, "h1")
	if !ok {
		t.Fatalf("no h1 on %s: %.400s", b.path(t), b.bodyText())
	}
	return h
}

// intakenRequest is a request registered from a dropped email.
type intakenRequest struct {
	fixture emlFixture
	req     *register.Request
}

func TestBrowser(t *testing.T) {
	chrome := needChrome(t)
	browser := startBrowser(t, chrome)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			s := startBrowserSrok(t, d)
			out := filepath.Join(browserOut, string(d))
			_ = os.RemoveAll(out)
			b := newBrowserTab(t, browser, s.base, out)
			browserScenario(t, s, b)
		})
	}
}

// browserScenario is the scenario of one database. Its steps are subtests
// run in order in one tab; a step that later ones need stops the scenario
// when it fails.
func browserScenario(t *testing.T, s *browserSrok, b *browserTab) {
	// The first administrator, by the link `srok serve` printed.
	if !t.Run("setup", func(t *testing.T) {
		if st := b.open(t, s.setupURL); st != 200 {
			t.Fatalf("GET the setup link: %d", st)
		}
		if h := b.h1(t); h != "Первый администратор" {
			t.Fatalf("setup page h1 %q", h)
		}
		b.shot(t, "setup")
		// A mistake is shown next to its field and keeps what was typed.
		b.do(t, "type a short password",
			chromedp.SendKeys(chromedp.CSS("#email"), browserAdmin.email),
			chromedp.SendKeys(chromedp.CSS("#name"), browserAdmin.name),
			chromedp.SendKeys(chromedp.CSS("#password"), "short"),
			chromedp.SendKeys(chromedp.CSS("#password2"), "short"))
		b.submit(t, `form[action="/setup"]`)
		b.waitLoad(t, "the password's problem", `!!document.querySelector("#password-problem")`)
		if got := b.value(t, "#email"); got != browserAdmin.email {
			t.Errorf("the email typed is lost: %q", got)
		}
		b.shot(t, "setup-error")
		b.fill(t, `form[action="/setup"]`, map[string]string{"password": browserAdmin.password, "password2": browserAdmin.password})
		b.submit(t, `form[action="/setup"]`)
		b.waitLoad(t, "the home page", `location.pathname === "/"`)
		u, err := s.accounts.UserByEmail(context.Background(), browserAdmin.email)
		if err != nil || u.Role != srok.RoleAdmin || u.Name != browserAdmin.name {
			t.Fatalf("the administrator: %+v %v", u, err)
		}
		// The link is spent.
		if st := b.open(t, s.setupURL); st != 410 {
			t.Errorf("the setup link again: %d, want 410", st)
		}
	}) {
		t.FailNow()
	}
	sd := s.seed(t)

	t.Run("admin pages", func(t *testing.T) {
		if st := b.open(t, "/admin/users"); st != 200 {
			t.Fatalf("GET /admin/users: %d", st)
		}
		b.shot(t, "admin-users")
		page := b.bodyText()
		for _, p := range []browserUser{browserAdmin, browserOperator, browserViewer} {
			if !strings.Contains(page, p.email) {
				t.Errorf("/admin/users does not list %s", p.email)
			}
		}
		if st := b.open(t, "/admin/tokens"); st != 200 {
			t.Fatalf("GET /admin/tokens: %d", st)
		}
		b.shot(t, "admin-tokens")
	})

	if !t.Run("logout", func(t *testing.T) {
		b.open(t, "/")
		b.logout(t)
	}) {
		t.FailNow()
	}

	t.Run("anonymous", func(t *testing.T) {
		// A page asked for without a session sends to the sign-in.
		for _, path := range []string{"/", "/requests", "/intake"} {
			b.open(t, path)
			if p := b.path(t); !strings.HasPrefix(p, "/login") {
				t.Errorf("anonymous %s went to %s", path, p)
			}
		}
	})

	if !t.Run("login", func(t *testing.T) {
		b.open(t, "/login")
		b.shot(t, "login")
		b.do(t, "type a wrong password",
			chromedp.SendKeys(chromedp.CSS("#email"), browserOperator.email),
			chromedp.SendKeys(chromedp.CSS("#password"), "not the password"))
		b.submit(t, `form[action="/login"]`)
		b.waitLoad(t, "the refusal", `!!document.querySelector("[role=alert]")`)
		if msg, _ := b.text(t, "[role=alert]"); msg != "Неверный адрес или пароль." {
			t.Errorf("wrong password: %q", msg)
		}
		b.shot(t, "login-error")
		b.login(t, browserOperator)
		if p := b.path(t); p != "/" {
			t.Fatalf("signed in, at %s", p)
		}
	}) {
		t.FailNow()
	}

	var got []intakenRequest
	for _, f := range emlFixtures {
		t.Run("intake "+f.file, func(t *testing.T) {
			// The first is chosen in the file input, the second dropped
			// on the page.
			got = append(got, intakenRequest{f, intakeEmail(t, s, b, f, f.transfer == "base64")})
		})
	}

	t.Run("requests", func(t *testing.T) {
		if st := b.open(t, "/requests"); st != 200 {
			t.Fatalf("GET /requests: %d", st)
		}
		b.waitFor(t, "the register", `!!document.querySelector("#requests")`)
		b.shot(t, "requests")
		for _, in := range got {
			row := fmt.Sprintf(`#requests tr[data-number=%q]`, in.req.Number)
			typ, ok := b.text(t, row+" td.type")
			if !ok {
				t.Errorf("no row %s", row)
				continue
			}
			if !typeNamed(deadlines.RequestType(in.fixture.requestType), typ) {
				t.Errorf("%s: type %q, want the Russian name of %s", in.req.Number, typ, in.fixture.requestType)
			}
			want, _ := s.expectedDue(t, deadlines.RequestType(in.fixture.requestType), in.fixture.date)
			// The cell may say more (the working days left): its date is
			// the first one in it.
			if due, _ := b.text(t, row+" td.due"); pageDateRe.FindString(due) != want {
				t.Errorf("%s: due %q, want %s", in.req.Number, due, want)
			}
		}
		for _, r := range []*register.Request{sd.overdue, sd.today, sd.soon} {
			if _, ok := b.text(t, fmt.Sprintf(`#requests tr[data-number=%q]`, r.Number)); !ok {
				t.Errorf("the register lacks %s", r.Number)
			}
		}
		// Filtered to withdrawals of consent: the windows-1251 one only,
		// and the CSV export of the same query says so too.
		b.fill(t, "#filters", map[string]string{"type": "withdrawal"})
		b.submit(t, "#filters")
		b.waitLoad(t, "the filtered register", `!!document.querySelector("#requests")`)
		b.shot(t, "requests-filtered")
		if !strings.Contains(b.path(t), "type=withdrawal") {
			t.Errorf("the filter is not in the address: %s", b.path(t))
		}
		rows := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#requests tr[data-number]"), r => r.dataset.number)`)
		csv := evalJS[string](t, b, `(function(){ const a = document.querySelector("a#export-csv"); if (!a) return "no a#export-csv";
			return fetch(a.href).then(r => r.text()) })()`, chromedp.EvalAwaitPromise)
		for _, in := range got {
			want := in.fixture.requestType == "withdrawal"
			if slices.Contains(rows, in.req.Number) != want {
				t.Errorf("withdrawals shown %v: %s (%s) in it: %v", rows, in.req.Number, in.fixture.requestType, !want)
			}
			if strings.Contains(csv, in.req.Number) != want {
				t.Errorf("the CSV of withdrawals has %s (%s): %v\n%.400s", in.req.Number, in.fixture.requestType, !want, csv)
			}
		}
	})

	t.Run("journal", func(t *testing.T) { browserJournal(t, b, sd.overdue, sd.today, sd.soon) })

	var access *register.Request
	for _, in := range got {
		if in.fixture.requestType == "access" {
			access = in.req
		}
	}
	t.Run("extend", func(t *testing.T) {
		if access == nil {
			t.Skip("no access request was registered from the KOI8-R email")
		}
		if st := b.open(t, "/requests/"+access.ID); st != 200 {
			t.Fatalf("GET the request: %d", st)
		}
		if h := b.h1(t); !strings.Contains(h, access.Number) {
			t.Errorf("h1 %q lacks %s", h, access.Number)
		}
		b.waitFor(t, "the extension form", `!!document.querySelector("form#extend")`)
		b.shot(t, "detail")
		_, extended := s.expectedDue(t, deadlines.TypeAccess, emlFixtures[1].date)
		// Without reasons the notice is refused next to the field, and
		// what was typed stays.
		b.fill(t, "form#extend", map[string]string{"notice_sent_at": "2026-11-27", "reasons": "", "channel": "email"})
		b.submit(t, "form#extend")
		b.waitLoad(t, "the refusal of a notice without reasons", `!!document.querySelector("form#extend .field-error, form#extend [role=alert]")`)
		b.shot(t, "detail-extend-error")
		if got := b.value(t, "form#extend [name=notice_sent_at]"); !strings.HasPrefix(got, "2026-11-27") {
			t.Errorf("the notice's date typed is lost: %q", got)
		}
		if r, err := s.register.Get(s.as(t, browserOperator), access.ID); err != nil || r.Extension != nil {
			t.Fatalf("a notice without reasons extended the term: %+v %v", r, err)
		}
		b.fill(t, "form#extend", map[string]string{"notice_sent_at": "2026-11-27",
			"reasons": "Сведения хранятся в архиве филиала, на их подбор нужно время", "channel": "email"})
		b.submit(t, "form#extend")
		b.waitLoad(t, "the request's page again", `!!document.querySelector("#obligations")`)
		// The first date of the obligations is the legal date, now the
		// extended one.
		if obl, _ := b.text(t, "#obligations"); pageDateRe.FindString(obl) != extended {
			t.Errorf("#obligations after the extension, want %s first: %.600s", extended, obl)
		}
		b.shot(t, "detail-extended")
		if tl, _ := b.text(t, "#timeline"); !strings.Contains(strings.ToLower(tl), "продл") {
			t.Errorf("#timeline says nothing of the extension: %.600s", tl)
		}
		r, err := s.register.Get(s.as(t, browserOperator), access.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Extension == nil || !r.Obligations[0].Extended || pageDate(r.Obligations[0].EffectiveDue()) != extended {
			t.Errorf("the register: extension %+v, obligations %+v", r.Extension, r.Obligations)
		}
	})

	t.Run("overview", func(t *testing.T) {
		if st := b.open(t, "/"); st != 200 {
			t.Fatalf("GET /: %d", st)
		}
		b.waitFor(t, "the overdue section", `!!document.querySelector("#overdue")`)
		b.shot(t, "overview")
		one := regexp.MustCompile(`(^|\D)1(\D|$)`)
		for _, sec := range []struct {
			id string
			r  *register.Request
		}{{"#overdue", sd.overdue}, {"#due-today", sd.today}, {"#due-soon", sd.soon}} {
			if _, ok := b.text(t, fmt.Sprintf(`%s tr[data-number=%q]`, sec.id, sec.r.Number)); !ok {
				t.Errorf("%s lacks %s: %.600s", sec.id, sec.r.Number, b.bodyText())
			}
			if n, _ := b.text(t, sec.id+" .count"); !one.MatchString(n) {
				t.Errorf("%s .count %q, want 1", sec.id, n)
			}
			for _, in := range got {
				if _, ok := b.text(t, fmt.Sprintf(`%s tr[data-number=%q]`, sec.id, in.req.Number)); ok {
					t.Errorf("%s is in %s", in.req.Number, sec.id)
				}
			}
		}
		if _, ok := b.text(t, "#by-assignee"); !ok {
			t.Error("no #by-assignee")
		}
	})

	t.Run("calendar", func(t *testing.T) {
		if st := b.open(t, "/calendar?year=2026"); st != 200 {
			t.Fatalf("GET /calendar: %d", st)
		}
		b.shot(t, "calendar")
		page := strings.ToLower(b.bodyText())
		for _, want := range []string{"2026", "январ", "декабр"} {
			if !strings.Contains(page, want) {
				t.Errorf("the calendar of 2026 does not say %q", want)
			}
		}
	})

	t.Run("reminder settings", func(t *testing.T) {
		b.open(t, "/")
		b.mark(t)
		b.do(t, "open «Мои напоминания»", chromedp.Click(chromedp.CSS("#my-reminders")))
		b.waitLoad(t, "the reminder settings", `!!document.querySelector("#reminders-form")`)
		if p := b.path(t); p != "/settings/reminders" {
			t.Fatalf("the link leads to %s", p)
		}
		if !evalJS[bool](t, b, `document.querySelector("#digest-each").checked`) {
			t.Error("one email per reminder is not the default")
		}
		b.do(t, "choose the daily digest", chromedp.Click(chromedp.CSS("#digest-daily")))
		b.submit(t, "#reminders-form")
		b.waitLoad(t, "the settings saved", `!!document.querySelector("#notice")`)
		b.shot(t, "reminder-settings")
		if st := b.open(t, "/settings/reminders"); st != 200 {
			t.Fatalf("GET /settings/reminders: %d", st)
		}
		if !evalJS[bool](t, b, `document.querySelector("#digest-daily").checked`) {
			t.Error("the daily digest is not kept")
		}
	})

	t.Run("calendar feed", func(t *testing.T) {
		// From the reminder settings to «Подписаться в календаре»: the
		// address shown once is a feed a calendar app reads; «Отозвать»
		// ends it.
		if st := b.open(t, "/settings/reminders"); st != 200 {
			t.Fatalf("GET /settings/reminders: %d", st)
		}
		b.mark(t)
		b.do(t, "open the calendar feed", chromedp.Click(chromedp.CSS("#calendar-feed-link")))
		b.waitLoad(t, "the calendar feed page", `!!document.querySelector("#feed-create")`)
		b.mark(t)
		b.do(t, "subscribe", chromedp.Click(chromedp.CSS("#feed-create")))
		b.waitLoad(t, "the address", `!!document.querySelector("#feed-url")`)
		b.shot(t, "calendar-feed")
		addr := b.value(t, "#feed-url")
		if !strings.HasPrefix(addr, s.base+"/feeds/srokcal_") || !strings.HasSuffix(addr, ".ics") {
			t.Fatalf("the address shown: %q", addr)
		}
		fetch := func() (int, string) {
			res, err := http.Get(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(body)
		}
		if code, body := fetch(); code != http.StatusOK || !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") {
			t.Errorf("GET the feed: %d %.300s", code, body)
		}
		b.mark(t)
		b.do(t, "revoke", chromedp.Click(chromedp.CSS("#feed-revoke")))
		b.waitLoad(t, "revoked", `!!document.querySelector("#notice")`)
		if code, _ := fetch(); code != http.StatusNotFound {
			t.Errorf("GET the revoked feed: %d, want 404", code)
		}
	})
	t.Run("inbox", func(t *testing.T) { browserInbox(t, b) })

	t.Run("screen sizes", func(t *testing.T) {
		// At a laptop's 1366×768 and a phone's 390×844, no page is wider
		// than the screen: wide tables scroll inside their own box.
		pages := []struct{ name, path string }{{"overview", "/"}, {"requests", "/requests"}, {"intake", "/intake"},
			{"detail", "/requests/" + sd.overdue.ID}, {"calendar", "/calendar?year=2026"}, {"settings", "/settings/reminders"}, {"inbox", "/inbox"}}
		defer b.viewport(t, 0, 0)
		for _, size := range []struct{ w, h int64 }{{1366, 768}, {390, 844}} {
			b.viewport(t, size.w, size.h)
			for _, p := range pages {
				if st := b.open(t, p.path); st != 200 {
					t.Fatalf("GET %s: %d", p.path, st)
				}
				b.waitFor(t, "the page", `document.readyState === "complete" && !!document.querySelector("main")`)
				if size.w < 500 {
					b.shot(t, fmt.Sprintf("%s-%d", p.name, size.w))
				}
				width := evalJS[int64](t, b, `document.documentElement.scrollWidth`)
				if width > size.w {
					t.Errorf("%s at %d×%d is %d pixels wide: the page scrolls sideways", p.path, size.w, size.h, width)
				}
			}
		}
	})

	if !t.Run("logout operator", func(t *testing.T) {
		b.open(t, "/")
		b.logout(t)
	}) {
		t.FailNow()
	}

	t.Run("viewer", func(t *testing.T) {
		b.login(t, browserViewer)
		target := sd.overdue
		if access != nil {
			target = access
		}
		if st := b.open(t, "/requests/"+target.ID); st != 200 {
			t.Fatalf("GET the request as a viewer: %d", st)
		}
		if h := b.h1(t); !strings.Contains(h, target.Number) {
			t.Errorf("h1 %q lacks %s", h, target.Number)
		}
		b.waitFor(t, "the obligations", `!!document.querySelector("#obligations")`)
		b.shot(t, "detail-viewer")
		for _, form := range []string{"form#extend", "form#assign", "form#answer", "form#close"} {
			if _, ok := b.text(t, form); ok {
				t.Errorf("a viewer is offered %s", form)
			}
		}
		if st := b.open(t, "/intake"); st != 403 {
			t.Errorf("GET /intake as a viewer: %d, want 403", st)
		}
		if h := b.h1(t); h != "Недостаточно прав" {
			t.Errorf("forbidden page h1 %q", h)
		}
		b.shot(t, "forbidden")
	})
}

// intakeEmail drops the email of f on the intake page, checks the form it
// fills in, saves it and returns the request registered.
func intakeEmail(t *testing.T, s *browserSrok, b *browserTab, f emlFixture, drop bool) *register.Request {
	t.Helper()
	name := strings.TrimSuffix(f.file, ".eml")
	if st := b.open(t, "/intake"); st != 200 {
		t.Fatalf("GET /intake: %d", st)
	}
	b.waitFor(t, "the email form", `!!document.querySelector("#email-form") && !!document.querySelector("#eml")`)
	if f.requestType == "withdrawal" {
		b.shot(t, "intake")
	}
	path, err := filepath.Abs(emlPath(f.file))
	if err != nil {
		t.Fatal(err)
	}
	if drop {
		// Dropped on the page, as from a file manager: the page's script
		// puts it in #eml and submits #email-form.
		b.mark(t)
		b.dropFile(t, path)
	} else {
		b.do(t, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#eml"), []string{path}))
		b.submit(t, "#email-form")
	}
	b.waitLoad(t, "the form filled from the email",
		`(document.querySelector("#request-form [name=email_id]") || {}).value !== undefined && document.querySelector("#request-form [name=email_id]").value !== ""`)
	if f.requestType == "withdrawal" {
		b.shot(t, "intake-filled")
	} else {
		b.shot(t, "intake-filled-"+name)
	}
	for field, want := range map[string]string{"subject_name": f.fromName, "subject_email": f.fromEmail, "type": f.requestType} {
		if got := b.value(t, fmt.Sprintf("#request-form [name=%s]", field)); got != want {
			t.Errorf("%s: %s = %q, want %q", f.file, field, got, want)
		}
	}
	if got, want := b.value(t, "#request-form [name=received_at]"), f.date.In(s.zone).Format("2006-01-02T15:04"); !strings.HasPrefix(got, want) {
		t.Errorf("%s: received_at = %q, want %s", f.file, got, want)
	}
	b.mark(t)
	b.do(t, "save", chromedp.Click(chromedp.CSS("#save")))
	b.waitLoad(t, "the new request's page", `/^\/requests\/[^\/]+$/.test(location.pathname) && !!document.querySelector("h1")`)
	id := strings.TrimPrefix(b.path(t), "/requests/")
	r, err := s.register.Get(s.as(t, browserOperator), id)
	if err != nil {
		t.Fatalf("the request %s: %v", id, err)
	}
	if h := b.h1(t); !strings.Contains(h, r.Number) {
		t.Errorf("h1 %q lacks %s", h, r.Number)
	}
	if string(r.Type) != f.requestType || r.Subject.Name != f.fromName || r.Subject.Email != f.fromEmail || !r.ReceivedAt.Equal(f.date) {
		t.Errorf("registered %s %q <%s> at %s, want %s %q <%s> at %s", r.Type, r.Subject.Name, r.Subject.Email, r.ReceivedAt,
			f.requestType, f.fromName, f.fromEmail, f.date)
	}
	b.shot(t, "detail-"+name)
	// The request's page shows the email it came from, read in its
	// charset, and links to its bytes as received.
	if mail, ok := b.text(t, "#email"); !ok || !strings.Contains(mail, f.subject) {
		t.Errorf("#email does not show the subject %q: %.400s", f.subject, mail)
	}
	href, _ := json.Marshal(`#email a[href^="/api/v1/emails/"][href$="/raw"]`)
	size := evalJS[int](t, b, fmt.Sprintf(`(function(){ const a = document.querySelector(%s); if (!a) return -1;
		return fetch(a.href).then(r => r.ok ? r.arrayBuffer().then(b => b.byteLength) : -r.status) })()`, href), chromedp.EvalAwaitPromise)
	raw, err := os.ReadFile(emlPath(f.file))
	if err != nil {
		t.Fatal(err)
	}
	if size != len(raw) {
		t.Errorf("the raw email linked from #email: %d bytes (negative: no link, or an HTTP status), want the %d of %s", size, len(raw), f.file)
	}
	return r
}

// typeNamed reports whether the Russian name shown of a request type is
// that of typ (pkg/ru).
func typeNamed(typ deadlines.RequestType, shown string) bool {
	name, ok := map[deadlines.RequestType]string{
		deadlines.TypeWithdrawal: "отзыв согласия",
		deadlines.TypeAccess:     "запрос сведений",
	}[typ]
	return ok && strings.Contains(strings.ToLower(shown), name)
}
