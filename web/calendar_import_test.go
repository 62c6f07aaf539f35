package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/calendars"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
	"github.com/srok/srok/web"
)

// liveCal is the calendar in use, asked at each call, as the server's
// composition gives it to the pages.
type liveCal struct{ l *calendar.Live }

func (c liveCal) Years() (int, int)                 { return c.l.Current().Years() }
func (c liveCal) Year(y int) (calendar.Year, error) { return c.l.Current().Year(y) }
func (c liveCal) WorkingDaysBetween(a, b calendar.Date) (int, error) {
	return c.l.Current().WorkingDaysBetween(a, b)
}
func (c liveCal) NthWorkingDayAfter(d calendar.Date, n int) (calendar.Date, error) {
	return c.l.Current().NthWorkingDayAfter(d, n)
}

// calImportEnv is workEnv with the calendar in use replaced by imports.
func newCalImportEnv(t *testing.T, d store.Dialect) *workEnv {
	t.Helper()
	st := storetest.MustOpen(t, d)
	clock := storetest.NewClock(time.Date(2026, 12, 22, 9, 0, 0, 0, moscow))
	trail := audit.NewService(st, clock.Now)
	acc := account.NewService(st, clock.Now, cheapHash, account.WithAudit(trail))
	regCal := shippedBefore2027()
	live := calendar.NewLive(regCal)
	reg := register.NewService(st, regCal, moscow, clock.Now, register.WithUsers(acc), register.WithAudit(trail),
		register.WithCalendar(live))
	cals, err := calendars.NewService(st, regCal, clock.Now, calendars.WithLive(live), calendars.WithRecomputer(reg),
		calendars.WithAudit(trail))
	if err != nil {
		t.Fatal(err)
	}
	ss := storetest.Sessions(st)
	sm := httpx.NewSessions(httpx.SessionOptions{Store: ss, IdleTimeout: time.Hour, Lifetime: 12 * time.Hour})
	e := &env{st: st, acc: acc, clock: clock, sys: srok.WithActor(context.Background(), srok.System)}
	w := &workEnv{env: e, reg: reg}
	srv := httpx.New(httpx.Options{Auth: acc, Sessions: sm, SessionIdle: time.Hour})
	web.Mount(srv, web.Config{Accounts: acc, Throttle: account.NewThrottle(st, clock.Now), Audit: trail, Sessions: sm,
		Now: clock.Now, Sleep: e.sleep, Register: reg, Calendar: liveCal{live}, CalendarImport: cals})
	e.h = srv
	return w
}

// importFile posts the import form, sent from the page of 2027: file (none
// when nil) and force.
func (b *browser) importFile(t *testing.T, file []byte, force bool) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if file != nil {
		fw, err := mw.CreateFormFile("file", "calendar-2027.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.WriteField("year", "2027"); err != nil {
		t.Fatal(err)
	}
	if force {
		if err := mw.WriteField("force", "1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/calendar", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(t, req)
}

// An administrator imports a year file on /calendar: the problems of a
// bad file are shown next to the field and nothing changes; a good one
// replaces the calendar, recomputes the provisional terms and says so; a
// year with decree data is replaced only with force. Others see no form
// and are refused.
func TestCalendarImportPage(t *testing.T) {
	file, err := os.ReadFile("../cmd/srok/testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newCalImportEnv(t, d)
			officer := w.signedIn(t, "officer@example.ru", srok.RoleOfficer)
			admin := w.signedIn(t, "admin@example.ru", srok.RoleAdmin)
			ctx := srok.WithActor(context.Background(), srok.Actor{ID: "u1", Name: "Officer", UserID: "u1", Role: srok.RoleOfficer})
			req, _, err := w.reg.Create(ctx, register.Input{Type: "access", Channel: "email", ReceivedAt: "2026-12-21T10:00:00+03:00",
				Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !req.Obligations[0].Provisional {
				t.Fatal("the 2027 term is not provisional before the import")
			}

			r := officer.get(t, "/calendar?year=2027")
			if r.status != http.StatusOK || strings.Contains(r.body, `id="calendar-import"`) || strings.Contains(r.body, `name="file"`) {
				t.Errorf("an officer is offered the import: %d", r.status)
			}
			r = officer.importFile(t, file, false)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "<h1>Недостаточно прав</h1>") {
				t.Errorf("an officer's import: %d", r.status)
			}
			if es := w.entries(t, audit.ActionCalendarImport); len(es) != 1 || es[0].Outcome != audit.OutcomeDenied {
				t.Errorf("the refusal is not audited: %+v", es)
			}

			r = admin.get(t, "/calendar?year=2027")
			for _, want := range []string{`id="calendar-import"`, `enctype="multipart/form-data"`, `<label for="calendar-file">`,
				`type="file" name="file" id="calendar-file"`, `<label for="calendar-force"`, `id="provisional"`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("the admin's page lacks %q", want)
				}
			}

			r = admin.importFile(t, nil, true)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="calendar-file-error" role="alert">Выберите файл`) ||
				!strings.Contains(r.body, `id="calendar-force" value="1" checked`) {
				t.Errorf("no file: %d\n%s", r.status, r.body)
			}
			bad := bytes.Replace(file, []byte(`"working_days": 248`), []byte(`"working_days": 249`), 1)
			r = admin.importFile(t, bad, false)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="calendar-file-error" role="alert">Ошибка в файле`) ||
				!strings.Contains(r.body, "249") || !strings.Contains(r.body, "<h1>Производственный календарь на 2027 год</h1>") {
				t.Errorf("a bad file: %d\n%s", r.status, r.body)
			}
			if !provisionalYear(t, admin, 2027) {
				t.Error("a refused file changed the calendar")
			}

			r = admin.importFile(t, file, false)
			if r.status != http.StatusSeeOther || r.location() != "/calendar?year=2027" {
				t.Fatalf("import: %d %s\n%s", r.status, r.location(), r.body)
			}
			r = admin.get(t, r.location())
			notice := regexp.MustCompile(`<p class="notice" role="status" id="import-notice">([^<]*)</p>`).FindStringSubmatch(htmlUnescape(r.body))
			if notice == nil || !regexp.MustCompile(`^2027: импортирован \(Постановление Правительства РФ от 01\.10\.2026 № 9999; 248 рабочих дней\); пересчитано [1-9]\d* обязательств?[ао]? в 1 обращении\.$`).MatchString(notice[1]) {
				t.Errorf("the summary: %v", notice)
			}
			if strings.Contains(r.body, `id="provisional"`) || !strings.Contains(r.body, "01.10.2026 № 9999") {
				t.Error("2027 is still shown provisional")
			}
			if r := admin.get(t, "/calendar?year=2027"); strings.Contains(r.body, `id="import-notice"`) {
				t.Error("the summary is shown twice")
			}
			after, err := w.reg.Get(ctx, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Obligations[0].Provisional {
				t.Error("the request's term was not recomputed")
			}

			// Another decree for 2027: refused without force, replaced with it.
			other := bytes.Replace(file, []byte("№ 9999"), []byte("№ 9998"), 1)
			r = admin.importFile(t, other, false)
			if r.status != http.StatusUnprocessableEntity ||
				!strings.Contains(htmlUnescape(r.body), "2027 год уже есть с данными постановления (Постановление Правительства РФ от 01.10.2026 № 9999)") ||
				!strings.Contains(r.body, `id="calendar-force" value="1">`) {
				t.Errorf("a replacement without force: %d\n%s", r.status, r.body)
			}
			r = admin.importFile(t, other, true)
			if r.status != http.StatusSeeOther {
				t.Fatalf("a replacement with force: %d", r.status)
			}
			if r = admin.get(t, r.location()); !strings.Contains(htmlUnescape(r.body), "2027: заменён (Постановление Правительства РФ от 01.10.2026 № 9998") {
				t.Errorf("after the replacement: %s", section(t, r.body, "calendar-basis"))
			}
			// Each import is audited, and each request whose terms it moved.
			imports, moved := 0, 0
			for _, e := range w.entries(t, audit.ActionCalendarImport) {
				switch {
				case e.Outcome == audit.OutcomeOK && e.RequestID == "":
					imports++
				case e.RequestID == req.ID:
					moved++
				}
			}
			if imports != 2 || moved == 0 {
				t.Errorf("%d imports and %d recomputes audited, want 2 and some", imports, moved)
			}
		})
	}
}

// provisionalYear reports whether year is shown provisional on the
// calendar page.
func provisionalYear(t *testing.T, b *browser, year int) bool {
	t.Helper()
	r := b.get(t, "/calendar?year="+strconv.Itoa(year))
	return strings.Contains(r.body, `id="provisional"`)
}

// shippedBefore2027 is the shipped calendar without its 2027: the calendar
// of a release made before the 2027 decree, where 2027 is provisional and a
// made-up 2027 may be imported.
func shippedBefore2027() *calendar.Calendar {
	ys, err := calendar.EmbeddedData()
	if err != nil {
		panic(err)
	}
	ys = slices.DeleteFunc(ys, func(y calendar.Year) bool { return y.Year >= 2027 })
	c, err := calendar.New(ys)
	if err != nil {
		panic(err)
	}
	return c
}
