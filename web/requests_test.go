package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
	"github.com/srok/srok/web"
)

var regCal = storetest.Calendar

// regNow is the clock of the register's pages: Wednesday 25.11.2026,
// 09:00 in Moscow, a working day.
var regNow = storetest.Start

// regEnv is the pages with the register mounted, on one database, with the
// users of each role signed in in a browser of their own.
type regEnv struct {
	*env
	reg                              *register.Service
	officer, operator, viewer, admin *browser
	officerU, operatorU              account.User
}

// regOptions change the pages of one test.
type regOptions struct {
	emails  *stubEmails
	emailOf func(*register.Request) string
	// mailboxes mounts the mailboxes of the store (none configured).
	mailboxes bool
}

// forEachReg runs fn on SQLite and PostgreSQL with the register's pages.
func forEachReg(t *testing.T, o regOptions, fn func(t *testing.T, e *regEnv)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newRegEnv(t, d, o))
		})
	}
}

func newRegEnv(t *testing.T, d store.Dialect, o regOptions) *regEnv {
	t.Helper()
	st := storetest.MustOpen(t, d)
	clock := storetest.NewClock(regNow)
	trail := audit.NewService(st, clock.Now)
	acc := account.NewService(st, clock.Now, cheapHash, account.WithAudit(trail))
	reg := register.NewService(st, regCal, moscow, clock.Now, register.WithUsers(acc), register.WithAudit(trail))
	ss := storetest.Sessions(st)
	sm := httpx.NewSessions(httpx.SessionOptions{Store: ss, IdleTimeout: time.Hour, Lifetime: 12 * time.Hour})
	srv := httpx.New(httpx.Options{Auth: acc, Sessions: sm, SessionIdle: time.Hour})
	base := &env{st: st, acc: acc, clock: clock, sys: srok.WithActor(context.Background(), srok.System)}
	cfg := web.Config{Accounts: acc, Throttle: account.NewThrottle(st, clock.Now), Audit: trail, Sessions: sm,
		Now: clock.Now, Sleep: base.sleep, Register: reg, Calendar: regCal, EmailOf: o.emailOf,
		FailedReminders: st, ReminderRecipients: st,
		Evidence: &evidence.Packer{Register: reg, Audit: trail, Entries: st, Now: clock.Now}}
	cfg.Organisation = organisation.NewService(st, trail, clock.Now)
	cfg.Letters = organisation.NewLetters(cfg.Organisation, reg)
	cfg.Issuer = organisation.NewIssuer(cfg.Letters, reg, st)
	cfg.AckTemplates = remind.NewAckTemplates(st, trail, clock.Now)
	if o.emails != nil {
		cfg.Emails = o.emails
	}
	if o.mailboxes {
		cfg.Mailboxes = mailbox.NewService(st, intake.NewService(st), nil, nil, mailbox.Options{Now: clock.Now})
	}
	web.Mount(srv, cfg)
	base.h = srv
	e := &regEnv{env: base, reg: reg}
	e.officerU = e.mustUser(t, "officer@example.ru", "Ольга Ответственная", srok.RoleOfficer)
	e.operatorU = e.mustUser(t, "oper@example.ru", "Олег Оператор", srok.RoleOperator)
	e.mustUser(t, "viewer@example.ru", "Вера Наблюдатель", srok.RoleViewer)
	e.mustUser(t, "admin@example.ru", "Анна Админ", srok.RoleAdmin)
	e.officer, e.operator = e.signIn(t, "officer@example.ru"), e.signIn(t, "oper@example.ru")
	e.viewer, e.admin = e.signIn(t, "viewer@example.ru"), e.signIn(t, "admin@example.ru")
	return e
}

func (e *regEnv) signIn(t *testing.T, email string) *browser {
	t.Helper()
	b := e.browser()
	if r := b.do(t, "POST", "/login", loginForm(email, goodPassword)); r.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, r.status)
	}
	return b
}

// receivedFor is the latest receipt, at 10:00 Moscow time, of an access
// request whose legal term ends on due.
func receivedFor(t *testing.T, due calendar.Date) time.Time {
	t.Helper()
	eng := deadlines.New(regCal)
	for d := due; d > due-60; d-- {
		at := d.Start(moscow).Add(10 * time.Hour)
		ds, err := eng.ForRequest(deadlines.TypeAccess, at, moscow)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Due == due {
			return at
		}
	}
	t.Fatalf("no receipt gives the due date %s", due)
	return time.Time{}
}

// seed registers an access request as Srok itself.
func (e *regEnv) seed(t *testing.T, name, email string, received time.Time, assignee string) *register.Request {
	t.Helper()
	r, _, err := e.reg.Create(e.sys, register.Input{Type: string(deadlines.TypeAccess), Channel: "email",
		ReceivedAt: received.Format(time.RFC3339), Subject: register.SubjectInput{Name: name, Email: email},
		Summary: "Прошу предоставить сведения об обработке моих данных", Assignee: assignee}, nil)
	if err != nil {
		t.Fatalf("seed %s: %v", name, err)
	}
	if assignee != "" {
		// Assigned, it is in progress.
		if r, err = e.reg.Assign(e.sys, r.ID, register.AnyVersion, assignee); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// fixture is the register of the tests: two overdue requests, one due
// today, one due within three working days, one due later.
type fixture struct {
	overdueOwn, overdueFree, today, soon, later *register.Request
}

func (e *regEnv) fixture(t *testing.T) fixture {
	t.Helper()
	today := calendar.DateOf(regNow)
	next, err := regCal.NthWorkingDayAfter(today, 1)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	// The unassigned one is the more overdue: by due time it comes first.
	f.overdueFree = e.seed(t, "Пётр Свободный", "petr@example.ru", receivedFor(t, today-6), "")
	f.overdueOwn = e.seed(t, "Иван Просроченный", "ivan@example.ru", receivedFor(t, today-2), "oper@example.ru")
	f.today = e.seed(t, "Мария Сегодняшняя", "maria@example.ru", receivedFor(t, today), "officer@example.ru")
	f.soon = e.seed(t, "Сергей Скорый", "sergey@example.ru", receivedFor(t, next), "oper@example.ru")
	f.later = e.seed(t, "Лена Поздняя", "lena@example.org", regNow.Add(-time.Hour), "")
	return f
}

// section is the element of a page with id, up to its closing tag (no
// element of the same tag is nested in the ones the tests read).
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s in\n%s", id, body)
	}
	start := strings.LastIndex(body[:i], "<")
	tag := strings.Fields(body[start+1 : i])[0]
	rest := body[start:]
	if j := strings.Index(rest, "</"+tag+">"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

var (
	numberRe = regexp.MustCompile(`<tr data-number="([^"]+)"`)
	countRe  = regexp.MustCompile(`<span class="count">(\d+)</span>`)
)

// numbers are the registration numbers of the rows of s, in order.
func numbers(s string) []string {
	var out []string
	for _, m := range numberRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func count(t *testing.T, s string) int {
	t.Helper()
	m := countRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no .count in\n%s", s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// The overview counts each bucket over the whole register and lists what
// the user may see, their own first.
func TestOverview(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		r := e.officer.do(t, "GET", "/", nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET /: %d\n%s", r.status, r.body)
		}
		for _, want := range []string{`href="/requests"`, `href="/intake"`, `href="/calendar"`, "Ольга Ответственная",
			`action="/logout"`, "Обзор на 25.11.2026"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the overview lacks %q", want)
			}
		}
		if strings.Contains(r.body, `href="/admin/users"`) {
			t.Error("an officer is offered the users' admin")
		}
		for _, c := range []struct {
			id   string
			n    int
			rows []string
		}{
			{"overdue", 2, []string{f.overdueFree.Number, f.overdueOwn.Number}},
			{"due-today", 1, []string{f.today.Number}},
			{"due-soon", 1, []string{f.soon.Number}},
		} {
			s := section(t, r.body, c.id)
			if got := count(t, s); got != c.n {
				t.Errorf("#%s count %d, want %d", c.id, got, c.n)
			}
			if got := numbers(s); !slices.Equal(got, c.rows) {
				t.Errorf("#%s rows %v, want %v", c.id, got, c.rows)
			}
		}
		if strings.Contains(r.body, f.later.Number) {
			t.Error("a request due in two weeks is on the overview")
		}
		overdue := section(t, r.body, "overdue")
		for _, want := range []string{"Запрос сведений", "Иван Просроченный", "oper@example.ru", "Предоставить сведения",
			"просрочено на 2 дня", "просрочено на 6 дней"} {
			if !strings.Contains(overdue, want) {
				t.Errorf("#overdue lacks %q:\n%s", want, overdue)
			}
		}
		soon := section(t, r.body, "due-soon")
		if !strings.Contains(soon, "осталось 1 рабочий день") {
			t.Errorf("#due-soon does not say the working days left:\n%s", soon)
		}
		if !strings.Contains(section(t, r.body, "due-today"), "последний день — сегодня") {
			t.Error("#due-today does not say it is the last day")
		}
		// The per-assignee table.
		by := section(t, r.body, "by-assignee")
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`oper@example\.ru</a>.*?</th>\s*<td class="num overdue">1</td>\s*<td class="num">0</td>\s*<td class="num">1</td>`),
			regexp.MustCompile(`не назначено</a>.*?</th>\s*<td class="num overdue">1</td>\s*<td class="num">0</td>\s*<td class="num">0</td>`),
			regexp.MustCompile(`officer@example\.ru</a>.*?</th>\s*<td class="num">0</td>\s*<td class="num today">1</td>\s*<td class="num">0</td>`),
		} {
			if !want.MatchString(by) {
				t.Errorf("#by-assignee does not match %s:\n%s", want, by)
			}
		}

		// An operator sees their own first, and not the others' requests;
		// the counts are the register's.
		r = e.operator.do(t, "GET", "/", nil)
		overdue = section(t, r.body, "overdue")
		if got := numbers(overdue); !slices.Equal(got, []string{f.overdueOwn.Number, f.overdueFree.Number}) {
			t.Errorf("operator's #overdue rows %v: own first", got)
		}
		if got := count(t, section(t, r.body, "due-today")); got != 1 {
			t.Errorf("operator's #due-today count %d", got)
		}
		if got := numbers(section(t, r.body, "due-today")); len(got) != 0 {
			t.Errorf("the operator sees another's request %v", got)
		}
		by = section(t, r.body, "by-assignee")
		if i, j := strings.Index(by, "oper@example.ru"), strings.Index(by, "не назначено"); i < 0 || j < 0 || i > j {
			t.Errorf("the operator's row is not first:\n%s", by)
		}
		// What was shown is in the audit trail.
		var shown bool
		for _, en := range e.entries(t, audit.ActionRequestList) {
			if en.Detail == "dashboard" && slices.Contains(en.RequestIDs, f.overdueOwn.ID) {
				shown = true
			}
		}
		if !shown {
			t.Error("the overview's read is not in the audit trail")
		}
		// An admin is offered the admin's pages.
		r = e.admin.do(t, "GET", "/", nil)
		if !strings.Contains(r.body, `href="/admin/users"`) || !strings.Contains(r.body, `href="/admin/tokens"`) {
			t.Error("an admin is not offered the admin's pages")
		}
	})
}

// Anonymous pages send to sign in, and back after it.
func TestRequestPagesNeedSignIn(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		anon := e.browser()
		events := len(e.timeline(t, f.today.ID))
		for target, next := range map[string]string{
			"/":                                    "/",
			"/requests?status=new":                 "/requests?status=new",
			"/requests.csv":                        "/requests.csv",
			"/requests/" + f.today.ID:              "/requests/" + f.today.ID,
			"/requests?q=%D0%98%D0%B2%D0%B0%D0%BD": "/requests?q=%D0%98%D0%B2%D0%B0%D0%BD",
		} {
			r := anon.do(t, "GET", target, nil)
			if r.status != http.StatusSeeOther || r.location() != "/login?next="+url.QueryEscape(next) {
				t.Errorf("GET %s: %d %s", target, r.status, r.location())
			}
		}
		r := anon.do(t, "POST", "/requests/"+f.today.ID+"/note", url.Values{"version": {"1"}, "text": {"x"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
			t.Errorf("anonymous POST: %d %s", r.status, r.location())
		}
		if evs := e.timeline(t, f.today.ID); len(evs) != events {
			t.Errorf("an anonymous post changed the timeline: %d events", len(evs))
		}
	})
}

func (e *regEnv) timeline(t *testing.T, id string) []register.Event {
	t.Helper()
	_, evs, err := e.reg.Timeline(e.sys, id, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (e *regEnv) get(t *testing.T, id string) *register.Request {
	t.Helper()
	r, err := e.reg.Get(e.sys, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// listed is the numbers of the #requests table of a list page.
func listed(t *testing.T, r response) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("list: %d\n%s", r.status, r.body)
	}
	return numbers(section(t, r.body, "requests"))
}

// The list filters, searches, sorts and pages.
func TestRequestList(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		b := e.officer
		all := listed(t, b.do(t, "GET", "/requests", nil))
		// By due time first: the most overdue on top; every one listed.
		want := []string{f.overdueFree.Number, f.overdueOwn.Number, f.today.Number, f.soon.Number, f.later.Number}
		if !slices.Equal(all, want) {
			t.Errorf("the list %v, want %v", all, want)
		}
		r := b.do(t, "GET", "/requests", nil)
		row := regexp.MustCompile(`(?s)<tr data-number="` + regexp.QuoteMeta(f.today.Number) + `".*?</tr>`).FindString(r.body)
		if !strings.Contains(row, `<td class="type" data-label="Тип">Запрос сведений</td>`) ||
			!strings.Contains(row, `<td class="due" data-label="Срок по закону">25.11.2026</td>`) || !strings.Contains(row, `<td class="left" data-label="Осталось">последний день — сегодня</td>`) {
			t.Errorf("the row of %s:\n%s", f.today.Number, row)
		}
		for _, want := range []string{`<form id="filters"`, `name="status"`, `name="type"`, `name="assignee"`,
			`name="overdue" type="checkbox" value="1"`, `name="received_from" type="date"`, `name="received_to" type="date"`,
			`name="q"`, `name="sort"`, `id="export-csv" href="/requests.csv"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the list page lacks %q", want)
			}
		}
		for q, want := range map[string][]string{
			"overdue=1":                                       {f.overdueFree.Number, f.overdueOwn.Number},
			"assignee=oper%40example.ru":                      {f.overdueOwn.Number, f.soon.Number},
			"assignee=none":                                   {f.overdueFree.Number, f.later.Number},
			"status=in_progress":                              {f.overdueOwn.Number, f.today.Number, f.soon.Number},
			"status=new":                                      {f.overdueFree.Number, f.later.Number},
			"type=access&q=%D0%98%D0%B2%D0%B0%D0%BD":          {f.overdueOwn.Number}, // «Иван»
			"q=lena%40example":                                {f.later.Number},
			"q=" + url.QueryEscape(f.today.Number):            {f.today.Number},
			"type=incident":                                   nil,
			"received_from=2026-11-25&received_to=2026-11-25": {f.later.Number},
			"received_from=25.11.2026":                        {f.later.Number},
			"sort=-received_at":                               {f.later.Number, f.soon.Number, f.today.Number, f.overdueOwn.Number, f.overdueFree.Number},
			"overdue=1&sort=number":                           {f.overdueFree.Number, f.overdueOwn.Number},
			"overdue=1&sort=-number":                          {f.overdueOwn.Number, f.overdueFree.Number},
		} {
			if got := listed(t, b.do(t, "GET", "/requests?"+q, nil)); !slices.Equal(got, want) {
				t.Errorf("?%s: %v, want %v", q, got, want)
			}
		}
		// The filters are kept in the form.
		r = b.do(t, "GET", "/requests?status=in_progress&q=%D0%98%D0%B2%D0%B0%D0%BD&overdue=1", nil)
		for _, want := range []string{`<option value="in_progress" selected>`, `value="Иван"`, `value="1" checked`,
			`href="/requests.csv?status=in_progress&amp;q=%D0%98%D0%B2%D0%B0%D0%BD&amp;overdue=1"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the filtered page lacks %q", want)
			}
		}
		// Mistakes are named next to their fields, with what was typed.
		r = b.do(t, "GET", "/requests?received_from=вчера&status=lost&sort=shoe-size", nil)
		if r.status != http.StatusBadRequest || strings.Count(r.body, `class="field-error problem" role="alert" id=`) != 3 ||
			!strings.Contains(r.body, `value="вчера"`) || !strings.Contains(r.body, "Введите дату, например 18.05.2026.") {
			t.Errorf("bad filters: %d\n%s", r.status, r.body)
		}
		r = b.do(t, "GET", "/requests?received_from=2026-11-25&received_to=2026-11-01", nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Конец периода раньше его начала.") {
			t.Errorf("a period that ends before it starts: %d", r.status)
		}

		// Pages of two, forward and back.
		nextRe := regexp.MustCompile(`<a rel="next" href="([^"]+)"`)
		prevRe := regexp.MustCompile(`<a rel="prev" href="([^"]+)"`)
		var pages [][]string
		var prevs []string
		target := "/requests?limit=2"
		for range 5 {
			r := b.do(t, "GET", target, nil)
			pages = append(pages, listed(t, r))
			if m := prevRe.FindStringSubmatch(r.body); m != nil {
				prevs = append(prevs, html.UnescapeString(m[1]))
			} else {
				prevs = append(prevs, "")
			}
			m := nextRe.FindStringSubmatch(r.body)
			if m == nil {
				break
			}
			target = html.UnescapeString(m[1])
		}
		if len(pages) != 3 || !slices.Equal(slices.Concat(pages...), want) || prevs[0] != "" {
			t.Fatalf("pages %v (prev links %q), want %v in pages of 2", pages, prevs, want)
		}
		for i := 1; i < len(pages); i++ {
			if got := listed(t, b.do(t, "GET", prevs[i], nil)); !slices.Equal(got, pages[i-1]) {
				t.Errorf("prev of page %d: %v, want %v", i+1, got, pages[i-1])
			}
		}

		// An operator lists only theirs and the unassigned.
		if got := listed(t, e.operator.do(t, "GET", "/requests", nil)); slices.Contains(got, f.today.Number) || len(got) != 4 {
			t.Errorf("operator's list: %v", got)
		}
	})
}

// The CSV is the view's rows, for Excel: a BOM, «;», Cyrillic; the export
// is in the audit trail.
func TestRequestsCSV(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		// A subject whose name a spreadsheet would run as a formula.
		e.seed(t, "=HYPERLINK(\"http://evil.example\")", "x@example.ru", regNow.Add(-2*time.Hour), "")
		for _, q := range []string{"", "overdue=1", "assignee=oper%40example.ru&sort=-received_at", "status=new"} {
			view := listed(t, e.officer.do(t, "GET", "/requests?"+q+"&limit=200", nil))
			r := e.officer.do(t, "GET", "/requests.csv?"+q, nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename="srok-requests-2026-11-25.csv"`) {
				t.Fatalf("?%s: %d %v", q, r.status, r.header)
			}
			if !strings.HasPrefix(r.body, "\ufeffНомер;Тип;Статус;") {
				t.Fatalf("?%s: no BOM and Russian header: %q", q, r.body[:min(len(r.body), 60)])
			}
			rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
			rd.Comma = ';'
			recs, err := rd.ReadAll()
			if err != nil {
				t.Fatalf("?%s: %v", q, err)
			}
			var got []string
			for _, rec := range recs[1:] {
				got = append(got, rec[0])
			}
			if !slices.Equal(got, view) {
				t.Errorf("?%s: CSV rows %v, the view's %v", q, got, view)
			}
			if q == "" {
				for _, rec := range recs[1:] {
					if rec[0] == f.overdueOwn.Number && (rec[1] != "Запрос сведений" || rec[4] != "Иван Просроченный" ||
						rec[10] != "просрочено на 2 дня") {
						t.Errorf("the row of %s: %q", rec[0], rec)
					}
					if strings.HasPrefix(rec[4], "=") {
						t.Errorf("a formula in the CSV: %q", rec[4])
					}
				}
			}
		}
		exports := e.entries(t, audit.ActionRequestExport)
		if len(exports) != 4 {
			t.Fatalf("%d request.export entries, want 4", len(exports))
		}
		if ex := exports[0]; ex.ActorID != e.officerU.ID || ex.Outcome != audit.OutcomeOK || len(ex.RequestIDs) != 3 {
			t.Errorf("the last export's entry: %+v", ex)
		}
		if ex := exports[3]; len(ex.RequestIDs) != 6 || !slices.Contains(ex.RequestIDs, f.later.ID) {
			t.Errorf("the first export's entry: %+v", ex)
		}
	})
}

var formRe = regexp.MustCompile(`<form id="([a-z]+)" method="post" action="/requests/[^/]+/([a-z]+)"`)

// forms are the action forms of a request's page.
func forms(body string) []string {
	var out []string
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		if m[1] == m[2] {
			out = append(out, m[1])
		}
	}
	return out
}

// A request's page shows what the role may see and offers what it may do.
func TestRequestDetail(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		page := "/requests/" + f.overdueOwn.ID
		r := e.officer.do(t, "GET", page, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", page, r.status, r.body)
		}
		for _, want := range []string{"<h1>Обращение № " + f.overdueOwn.Number + "</h1>", `id="obligations"`, `id="timeline"`,
			`id="email"`, "Иван Просроченный", "ivan@example.ru", "Предоставить сведения", "просрочено на 2 дня",
			"Зарегистрировано", "Проверка личности"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if got := forms(r.body); !slices.Equal(got, []string{"assign", "answer", "refuse", "extend", "cancel", "note"}) {
			t.Errorf("officer's forms: %v", got)
		}
		if !strings.Contains(r.body, `name="version" value="`+strconv.Itoa(f.overdueOwn.Version)+`"`) {
			t.Error("no version in the forms")
		}
		reads := e.entries(t, audit.ActionRequestRead)
		if len(reads) == 0 || reads[0].RequestID != f.overdueOwn.ID || reads[0].ActorID != e.officerU.ID {
			t.Errorf("the read is not in the audit trail: %+v", reads)
		}
		// A viewer reads it masked, with no forms.
		r = e.viewer.do(t, "GET", page, nil)
		if r.status != http.StatusOK || len(forms(r.body)) != 0 || strings.Contains(r.body, "<form id=") ||
			strings.Contains(r.body, "ivan@example.ru") || !strings.Contains(r.body, "i•••@example.ru") {
			t.Errorf("viewer's page: %d, forms %v", r.status, forms(r.body))
		}
		// … and a viewer's post is refused with the 403 page.
		for _, a := range []string{"assign", "extend", "answer", "refuse", "close", "cancel", "note"} {
			r = e.viewer.do(t, "POST", page+"/"+a, url.Values{"version": {"1"}, "text": {"x"}, "assignee": {"viewer@example.ru"}})
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "<h1>Недостаточно прав</h1>") {
				t.Errorf("viewer's %s: %d\n%s", a, r.status, r.body)
			}
		}
		if got := e.get(t, f.overdueOwn.ID); got.Version != f.overdueOwn.Version {
			t.Errorf("a viewer's posts changed the request to version %d", got.Version)
		}
		// An operator does not see another's request: 404, not 403.
		r = e.operator.do(t, "GET", "/requests/"+f.today.ID, nil)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, "<h1>Не найдено</h1>") {
			t.Errorf("operator on another's request: %d", r.status)
		}
		for _, bad := range []string{"/requests/not-an-id", "/requests/01900000-0000-7000-8000-000000000000", "/requests/x/y/z"} {
			if r := e.officer.do(t, "GET", bad, nil); r.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", bad, r.status)
			}
		}
	})
}

// action posts form to action of request id as b.
func (e *regEnv) action(t *testing.T, b *browser, id, action string, form url.Values) response {
	t.Helper()
	return b.do(t, "POST", "/requests/"+id+"/"+action, form)
}

func withVersion(r *register.Request, kv ...string) url.Values {
	v := url.Values{"version": {strconv.Itoa(r.Version)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Each action is done and goes back to the request's page.
func TestRequestActions(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		id := f.later.ID
		back := "/requests/" + id
		steps := []struct {
			action string
			form   func(r *register.Request) url.Values
			status register.Status
			flash  string
		}{
			{"assign", func(r *register.Request) url.Values { return withVersion(r, "assignee", "oper@example.ru") },
				register.StatusInProgress, "Исполнитель назначен."},
			{"extend", func(r *register.Request) url.Values {
				return withVersion(r, "notice_sent_at", "2026-11-25", "reasons", "Нужны сведения из архива", "channel", "email")
			}, register.StatusInProgress, "Срок продлён."},
			{"note", func(r *register.Request) url.Values {
				return withVersion(r, "text", "Позвонили субъекту")
			},
				register.StatusInProgress, "Заметка добавлена."},
			{"answer", func(r *register.Request) url.Values {
				return withVersion(r, "outcome", "fulfilled", "date", "25.11.2026", "text", "Сведения направлены")
			}, register.StatusAnswered, "Ответ записан."},
			{"close", func(r *register.Request) url.Values { return withVersion(r, "note", "Готово") },
				register.StatusClosed, "Обращение закрыто."},
		}
		for _, s := range steps {
			before := e.get(t, id)
			r := e.action(t, e.officer, id, s.action, s.form(before))
			if r.status != http.StatusSeeOther || r.location() != back {
				t.Fatalf("%s: %d %s\n%s", s.action, r.status, r.location(), r.body)
			}
			after := e.get(t, id)
			if after.Status != s.status {
				t.Errorf("after %s: status %s, want %s", s.action, after.Status, s.status)
			}
			page := e.officer.do(t, "GET", back, nil)
			if !strings.Contains(page.body, s.flash) {
				t.Errorf("after %s the page does not say %q", s.action, s.flash)
			}
			if again := e.officer.do(t, "GET", back, nil); strings.Contains(again.body, s.flash) {
				t.Errorf("the message of %s is shown twice", s.action)
			}
		}
		got := e.get(t, id)
		if got.Extension == nil || got.Extension.Reasons != "Нужны сведения из архива" || !got.Obligations[0].Extended ||
			got.Answer == nil || got.Answer.Date != calendar.DateOf(regNow) || got.Assignee != "oper@example.ru" {
			t.Errorf("the request after the actions: %+v", got)
		}
		page := e.officer.do(t, "GET", back, nil)
		for _, want := range []string{"Назначен исполнитель", "Срок продлён", "Позвонили субъекту", "Дан ответ", "Закрыто",
			"статус: закрыто"} {
			if !strings.Contains(section(t, page.body, "timeline"), want) {
				t.Errorf("the timeline lacks %q", want)
			}
		}
		if got := forms(page.body); !slices.Equal(got, []string{"note"}) {
			t.Errorf("a closed request offers %v", got)
		}

		// Refuse and cancel, on requests of their own.
		r := e.action(t, e.officer, f.soon.ID, "refuse", withVersion(f.soon, "text", "Субъект не подтвердил личность", "number", "И-17"))
		if r.status != http.StatusSeeOther || e.get(t, f.soon.ID).Status != register.StatusRefused {
			t.Errorf("refuse: %d\n%s", r.status, r.body)
		}
		r = e.action(t, e.officer, f.today.ID, "cancel", withVersion(f.today, "reason", "duplicate", "note", "Дубль"))
		if c := e.get(t, f.today.ID); r.status != http.StatusSeeOther || c.Status != register.StatusCancelled || c.CancelNote != "Дубль" {
			t.Errorf("cancel: %d %s", r.status, c.Status)
		}
		// An operator takes the unassigned request, but may not give it away.
		r = e.action(t, e.operator, f.overdueFree.ID, "assign", withVersion(f.overdueFree, "assignee", "officer@example.ru"))
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "может взять обращение себе") ||
			!strings.Contains(r.body, `value="officer@example.ru"`) {
			t.Errorf("operator gives away: %d\n%s", r.status, r.body)
		}
		r = e.action(t, e.operator, f.overdueFree.ID, "assign", withVersion(f.overdueFree, "assignee", "oper@example.ru"))
		if r.status != http.StatusSeeOther || e.get(t, f.overdueFree.ID).AssigneeID != e.operatorU.ID {
			t.Errorf("operator takes: %d\n%s", r.status, r.body)
		}
		// An action the state no longer allows: the 409 page.
		r = e.action(t, e.officer, f.today.ID, "answer", withVersion(e.get(t, f.today.ID), "outcome", "fulfilled", "text", "x"))
		if r.status != http.StatusConflict || !strings.Contains(r.body, "<h1>Действие невозможно</h1>") {
			t.Errorf("answer of a cancelled request: %d\n%s", r.status, r.body)
		}
	})
}

// A change made to a version the request has left is refused with #stale,
// and changes nothing.
func TestRequestActionStale(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		seen := e.get(t, f.later.ID)
		// Someone else assigns it meanwhile.
		if r := e.action(t, e.admin, f.later.ID, "assign", withVersion(seen, "assignee", "officer@example.ru")); r.status != http.StatusSeeOther {
			t.Fatalf("assign: %d", r.status)
		}
		now := e.get(t, f.later.ID)
		r := e.action(t, e.officer, f.later.ID, "cancel", withVersion(seen, "reason", "withdrawn", "note", "Отозвал устно"))
		if r.status != http.StatusConflict || !strings.Contains(r.body, `id="stale"`) ||
			!strings.Contains(r.body, "Отозвал устно") || !strings.Contains(r.body, `<option value="withdrawn" selected>`) ||
			!strings.Contains(r.body, `name="version" value="`+strconv.Itoa(now.Version)+`"`) {
			t.Fatalf("stale cancel: %d\n%s", r.status, r.body)
		}
		after := e.get(t, f.later.ID)
		if after.Version != now.Version || after.Status != register.StatusInProgress || after.Assignee != "officer@example.ru" {
			t.Errorf("a stale change changed the request: %+v", after)
		}
	})
}

// Mistakes are shown next to their fields, with what was typed; an
// extension after the term ran out is refused the same way.
func TestRequestActionErrors(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		events := len(e.timeline(t, f.soon.ID))
		errRe := regexp.MustCompile(`<p class="field-error problem" role="alert" id="[a-z-]+">([^<]+)</p>`)
		r := e.action(t, e.officer, f.soon.ID, "extend", withVersion(f.soon, "notice_sent_at", "2026-11-30", "reasons", "  ",
			"channel", "pigeon"))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad extension: %d\n%s", r.status, r.body)
		}
		extend := section(t, r.body, "extend")
		msgs := errRe.FindAllStringSubmatch(extend, -1)
		if len(msgs) != 3 || !strings.Contains(extend, `value="2026-11-30"`) || !strings.Contains(msgs[0][1], "не наступила") ||
			!strings.Contains(msgs[1][1], "причины") {
			t.Errorf("bad extension: %q\n%s", msgs, extend)
		}
		r = e.action(t, e.officer, f.soon.ID, "answer", withVersion(f.soon, "text", "Ответ без результата", "date", "завтра"))
		answer := section(t, r.body, "answer")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(answer, "Ответ без результата") ||
			!strings.Contains(answer, `value="завтра"`) || len(errRe.FindAllString(answer, -1)) != 2 {
			t.Errorf("bad answer: %d\n%s", r.status, answer)
		}
		r = e.action(t, e.officer, f.soon.ID, "note", withVersion(f.soon, "text", " "))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(section(t, r.body, "note"), "Введите текст заметки.") {
			t.Errorf("empty note: %d", r.status)
		}
		if got := e.get(t, f.soon.ID); got.Version != f.soon.Version || len(e.timeline(t, f.soon.ID)) != events {
			t.Errorf("refused forms changed the request: version %d", got.Version)
		}
		// The term of the overdue request ran out: too late to extend it.
		r = e.action(t, e.officer, f.overdueOwn.ID, "extend", withVersion(f.overdueOwn, "notice_sent_at", "25.11.2026",
			"reasons", "Не успеваем", "channel", "email"))
		extend = section(t, r.body, "extend")
		if r.status != http.StatusConflict || !strings.Contains(extend, "уже истёк") || !strings.Contains(extend, "Не успеваем") ||
			!strings.Contains(extend, `value="2026-11-25"`) || !regexp.MustCompile(`(?s)id="extend-notice".*?field-error`).MatchString(extend) {
			t.Errorf("late extension: %d\n%s", r.status, extend)
		}
		if got := e.get(t, f.overdueOwn.ID); got.Extension != nil || got.Version != f.overdueOwn.Version {
			t.Error("a late extension was recorded")
		}
		// A form no browser sends.
		r = e.action(t, e.officer, f.soon.ID, "note", url.Values{"version": {"x"}, "text": {"a"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Форма не прочитана") {
			t.Errorf("no version: %d", r.status)
		}
	})
}

// stubEmails serves one stored email.
type stubEmails struct{ email intake.Email }

// Ingest stores nothing: the request pages only read.
func (f *stubEmails) Ingest(context.Context, srok.Actor, []byte) (*intake.Email, bool, error) {
	return nil, false, srok.Errorf(srok.EFORBIDDEN, "read only")
}

func (f *stubEmails) Get(_ context.Context, _ srok.Actor, id string) (*intake.Email, error) {
	if id != f.email.ID {
		return nil, srok.Errorf(srok.ENOTFOUND, "no email %q", id)
	}
	e := f.email
	return &e, nil
}

// The email a request came from is shown with links to its raw message
// and attachments; without the emails' service, the link alone.
func TestRequestDetailEmail(t *testing.T) {
	const emailID = "01936b2a-0000-7000-8000-00000000e001"
	date := time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC)
	emails := &stubEmails{email: intake.Email{ID: emailID, From: &intake.Address{Name: "Иван", Email: "ivan@example.ru"},
		Date: &date, Subject: "Запрос о данных", Text: "Прошу сообщить, какие мои данные вы обрабатываете.",
		Attachments: []intake.Attachment{{Filename: "паспорт.pdf", ContentType: "application/pdf", Size: 2048}}}}
	of := func(r *register.Request) string {
		if r.Subject.Name == "Иван Просроченный" {
			return emailID
		}
		return ""
	}
	for _, c := range []struct {
		name   string
		emails *stubEmails
	}{{"with emails", emails}, {"link only", nil}} {
		t.Run(c.name, func(t *testing.T) {
			forEachReg(t, regOptions{emails: c.emails, emailOf: of}, func(t *testing.T, e *regEnv) {
				f := e.fixture(t)
				s := section(t, e.officer.do(t, "GET", "/requests/"+f.overdueOwn.ID, nil).body, "email")
				if !strings.Contains(s, `href="/api/v1/emails/`+emailID+`/raw"`) {
					t.Errorf("no link to the raw email:\n%s", s)
				}
				withText := strings.Contains(s, "Прошу сообщить") && strings.Contains(s, "Иван &lt;ivan@example.ru&gt;") &&
					strings.Contains(s, `href="/api/v1/emails/`+emailID+`/attachments/0"`) && strings.Contains(s, "паспорт.pdf") &&
					strings.Contains(s, "24.11.2026 11:15")
				if withText != (c.emails != nil) {
					t.Errorf("the email's text and attachments shown: %v\n%s", withText, s)
				}
				if s := section(t, e.officer.do(t, "GET", "/requests/"+f.later.ID, nil).body, "email"); strings.Contains(s, "/api/v1/emails/") {
					t.Errorf("a request not from an email links one:\n%s", s)
				}
			})
		})
	}
}

// A term of hours says the hour it ends at.
func TestHourTerm(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		r, _, err := e.reg.Create(e.sys, register.Input{Type: string(deadlines.TypeIncident), Channel: "other",
			ReceivedAt: regNow.Add(-time.Hour).Format(time.RFC3339), Summary: "Утечка базы клиентов"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		page := e.officer.do(t, "GET", "/requests/"+r.ID, nil)
		obls := section(t, page.body, "obligations")
		if !strings.Contains(obls, "Уведомить Роскомнадзор об инциденте") || !strings.Contains(obls, "(до 08:00)") ||
			!strings.Contains(obls, "п. 1 ч. 3.1 ст. 21 152-ФЗ") {
			t.Errorf("the incident's obligations:\n%s", obls)
		}
		if got := listed(t, e.officer.do(t, "GET", "/requests?type=incident", nil)); !slices.Equal(got, []string{r.Number}) {
			t.Errorf("incidents: %v", got)
		}
	})
}

// An operator's own requests are on the overview even when the register
// has more overdue ones than a section lists.
func TestOverviewOwnBeyondTop(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		today := calendar.DateOf(regNow)
		for i := range 26 {
			e.seed(t, "Субъект "+strconv.Itoa(i), "s"+strconv.Itoa(i)+"@example.ru", receivedFor(t, today-8), "officer@example.ru")
		}
		own := e.seed(t, "Свой Субъект", "own@example.ru", receivedFor(t, today-1), "oper@example.ru")
		r := e.operator.do(t, "GET", "/", nil)
		overdue := section(t, r.body, "overdue")
		if got := numbers(overdue); len(got) != 1 || got[0] != own.Number || count(t, overdue) != 27 {
			t.Errorf("operator's #overdue: %v, count %d", got, count(t, overdue))
		}
		r = e.officer.do(t, "GET", "/", nil)
		overdue = section(t, r.body, "overdue")
		if got := numbers(overdue); len(got) != 25 || slices.Contains(got, own.Number) ||
			!strings.Contains(overdue, `href="/requests?overdue=1&amp;sort=due"`) {
			t.Errorf("officer's #overdue: %d rows\n%s", len(got), overdue)
		}
	})
}

var (
	controlRe = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRe      = regexp.MustCompile(`\bid="([^"]+)"`)
)

// Every field of the pages has a label, and every id is used once.
func TestRequestPagesLabels(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		f := e.fixture(t)
		pages := map[string]string{
			"/":         e.officer.do(t, "GET", "/", nil).body,
			"/requests": e.officer.do(t, "GET", "/requests?received_from=x", nil).body,
			"detail":    e.officer.do(t, "GET", "/requests/"+f.overdueOwn.ID, nil).body,
			"refused":   e.action(t, e.officer, f.overdueOwn.ID, "extend", withVersion(f.overdueOwn, "reasons", "x")).body,
		}
		for name, body := range pages {
			for _, c := range controlRe.FindAllString(body, -1) {
				if strings.Contains(c, `type="hidden"`) {
					continue
				}
				m := idRe.FindStringSubmatch(c)
				if m == nil || !strings.Contains(body, `<label for="`+m[1]+`"`) {
					t.Errorf("%s: a field without a label: %s", name, c)
				}
			}
			seen := map[string]bool{}
			for _, m := range idRe.FindAllStringSubmatch(body, -1) {
				if seen[m[1]] {
					t.Errorf("%s: id %q twice", name, m[1])
				}
				seen[m[1]] = true
			}
		}
	})
}

// The signed-in pages load the vendored htmx from Srok itself, configured
// for the CSP; the overview refreshes itself with it.
func TestHTMX(t *testing.T) {
	forEachReg(t, regOptions{}, func(t *testing.T, e *regEnv) {
		r := e.officer.do(t, "GET", "/", nil)
		m := regexp.MustCompile(`<script src="(/static/htmx\.min\.js\?v=[0-9a-f]{12})" defer></script>`).FindStringSubmatch(r.body)
		if m == nil || !strings.Contains(r.body, `"includeIndicatorStyles":false`) ||
			!strings.Contains(r.body, `<div id="live" hx-get="/" hx-trigger="every 120s, srok:refresh" hx-select="#live"`) {
			t.Fatalf("the overview does not load htmx:\n%s", r.body)
		}
		js := e.officer.do(t, "GET", m[1], nil)
		if js.status != http.StatusOK || js.header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
			!strings.Contains(js.body, `version:"2.0.11"`) || !strings.Contains(js.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %v, %d bytes", m[1], js.status, js.header, len(js.body))
		}
		if login := e.browser().do(t, "GET", "/login", nil); strings.Contains(login.body, "htmx") {
			t.Error("the sign-in page loads htmx")
		}
		// A refresh of a session that ended sends the whole page to sign in.
		r = e.browser().do(t, "GET", "/", nil, "HX-Request", "true")
		if r.status != http.StatusNoContent || r.header.Get("HX-Redirect") != "/login?next=%2F" {
			t.Errorf("an anonymous refresh: %d %v", r.status, r.header)
		}
	})
}
