package store_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// feedEnv is one database with users, the register and the feeds.
type feedEnv struct {
	st    *store.Store
	acc   *account.Service
	reg   *register.Service
	feeds *feeds.Service
	trail *audit.Service
	clock *storetest.Clock
	sys   context.Context
	users map[string]account.User
}

const feedBase = "https://srok.example.ru"

func newFeedEnv(t testing.TB, st *store.Store) feedEnv {
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
	acc := account.NewService(st, clock.Now, cheapHash)
	trail := audit.NewService(st, clock.Now)
	e := feedEnv{st: st, acc: acc, clock: clock, trail: trail, sys: srok.WithActor(context.Background(), srok.System),
		reg:   register.NewService(st, cal, moscow, clock.Now, register.WithUsers(acc)),
		feeds: feeds.NewService(st, trail, cal, feedBase+"/", clock.Now),
		users: map[string]account.User{}}
	for _, u := range []struct {
		name string
		role srok.Role
	}{{"anna", srok.RoleOperator}, {"oleg", srok.RoleOfficer}, {"alla", srok.RoleAdmin}, {"vera", srok.RoleViewer}} {
		x, err := acc.CreateUser(e.sys, account.UserInput{Email: u.name + "@example.org", Name: u.name, Role: u.role, Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = x
	}
	return e
}

// as is the context of user name, signed in.
func (e feedEnv) as(name string) context.Context {
	u := e.users[name]
	return srok.WithActor(context.Background(), srok.Actor{ID: u.ID, Name: u.Name, UserID: u.ID, Email: u.Email, Role: u.Role})
}

func (e feedEnv) request(t testing.TB, subject, email, assignee string) *register.Request {
	t.Helper()
	in := access(subject, email, "2026-11-20T10:00:00+03:00")
	if assignee != "" {
		in.Assignee = assignee + "@example.org"
	}
	r, _, err := e.reg.Create(e.sys, in, nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

// read reads the feed with secret and parses it back with the library's
// parser, as a calendar app would.
func (e feedEnv) read(t *testing.T, secret string) ([]byte, *ics.Calendar) {
	t.Helper()
	b, err := e.feeds.Read(context.Background(), secret)
	if err != nil {
		t.Fatalf("read feed: %v", err)
	}
	c, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, b)
	}
	return b, c
}

func uids(c *ics.Calendar) []string {
	var out []string
	for _, ev := range c.Events() {
		out = append(out, ev.Id())
	}
	slices.Sort(out)
	return out
}

// wantUIDs are the events of the open obligations of rs.
func wantUIDs(rs ...*register.Request) []string {
	var out []string
	for _, r := range rs {
		for _, o := range r.Obligations {
			if o.Status == register.ObligationOpen {
				out = append(out, feeds.UID(r.ID, o.ID))
			}
		}
	}
	slices.Sort(out)
	return out
}

// A user's feed lists one all-day event per open obligation of the open
// requests assigned to them, on the internal target date, with the legal
// date, an alarm, a link and no personal data; an officer's adds the
// unassigned requests; a viewer gets none; a replaced or revoked address
// reads nothing; creating and revoking are audited.
func TestCalendarFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newFeedEnv(t, st)
		mine := e.request(t, "Иван Петров", "ivan.petrov@example.net", "anna")
		unassigned := e.request(t, "Мария Сидорова", "maria@example.net", "")
		olegs := e.request(t, "Пётр Ильин", "petr@example.net", "oleg")
		gone := e.request(t, "Анна Кузнецова", "kuz@example.net", "anna")
		if _, err := e.reg.Cancel(e.sys, gone.ID, gone.Version, register.CancelInput{Reason: "duplicate"}); err != nil {
			t.Fatal(err)
		}

		secret, f, err := e.feeds.Create(e.as("anna"))
		if err != nil {
			t.Fatal(err)
		}
		if u := e.feeds.URL(secret); !strings.HasPrefix(u, feedBase+"/feeds/srokcal_") || !strings.HasSuffix(u, ".ics") {
			t.Errorf("URL %q", u)
		}
		if f.UserID != e.users["anna"].ID || f.LastReadAt != nil {
			t.Errorf("feed %+v", f)
		}

		first, c := e.read(t, secret)
		if got, want := uids(c), wantUIDs(mine); !slices.Equal(got, want) || len(want) == 0 {
			t.Fatalf("anna's events %v, want %v", got, want)
		}
		for _, bad := range []string{"Иван", "Петров", "ivan.petrov", "example.net", "Мария", "Сидорова"} {
			if bytes.Contains(first, []byte(bad)) {
				t.Errorf("the feed holds personal data %q:\n%s", bad, first)
			}
		}
		if n := bytes.Count(first, []byte("\n")); n == 0 || n != bytes.Count(first, []byte("\r\n")) {
			t.Errorf("lines not ended by CRLF")
		}
		for _, line := range strings.Split(string(first), "\r\n") {
			if len(line) > 75 {
				t.Errorf("line of %d octets, unfolded: %q", len(line), line)
			}
		}
		byID := map[string]register.Obligation{}
		for _, o := range mine.Obligations {
			byID[feeds.UID(mine.ID, o.ID)] = o
		}
		for _, ev := range c.Events() {
			o := byID[ev.Id()]
			start := ev.GetProperty(ics.ComponentPropertyDtStart)
			if start == nil || start.Value != strings.ReplaceAll(o.Target.String(), "-", "") ||
				!slices.Equal(start.ICalParameters["VALUE"], []string{"DATE"}) {
				t.Errorf("%s: DTSTART %+v, want the date %s", ev.Id(), start, o.Target)
			}
			if p := ev.GetProperty(ics.ComponentPropertyDtstamp); p == nil || p.Value != "20261125T060000Z" {
				t.Errorf("%s: DTSTAMP %+v", ev.Id(), p)
			}
			sum := ev.GetProperty(ics.ComponentPropertySummary)
			if sum == nil || !strings.HasPrefix(sum.Value, "№ "+mine.Number+": Запрос сведений — ") {
				t.Errorf("%s: SUMMARY %+v", ev.Id(), sum)
			}
			desc := ev.GetProperty(ics.ComponentPropertyDescription)
			if desc == nil || !strings.Contains(desc.Value, "Срок по закону: ") || !strings.Contains(desc.Value, feedBase+"/requests/"+mine.ID) {
				t.Errorf("%s: DESCRIPTION %+v", ev.Id(), desc)
			}
			if p := ev.GetProperty(ics.ComponentPropertyUrl); p == nil || p.Value != feedBase+"/requests/"+mine.ID {
				t.Errorf("%s: URL %+v", ev.Id(), p)
			}
			alarms := ev.Alarms()
			if len(alarms) != 1 {
				t.Fatalf("%s: %d alarms", ev.Id(), len(alarms))
			}
			if p := alarms[0].GetProperty(ics.ComponentPropertyAction); p == nil || p.Value != "DISPLAY" {
				t.Errorf("%s: alarm ACTION %+v", ev.Id(), p)
			}
			if p := alarms[0].GetProperty(ics.ComponentPropertyTrigger); p == nil || !strings.HasPrefix(p.Value, "-P") {
				t.Errorf("%s: alarm TRIGGER %+v", ev.Id(), p)
			}
		}
		if got, err := e.feeds.Get(e.as("anna")); err != nil || got.LastReadAt == nil || !got.LastReadAt.Equal(e.clock.Now()) {
			t.Errorf("after a read: %+v, %v; want it read at %s", got, err, e.clock.Now())
		}

		// A later fetch: the same events under the same UIDs.
		e.clock.Set(e.clock.Now().Add(2 * time.Hour))
		_, again := e.read(t, secret)
		if !slices.Equal(uids(again), uids(c)) {
			t.Errorf("UIDs changed between fetches: %v, then %v", uids(c), uids(again))
		}

		// The term extended (152-FZ art. 20 part 2): the same event, by its
		// UID, moves to the extended date, so the calendar app replaces it.
		ext, err := e.reg.Extend(e.sys, mine.ID, mine.Version, register.ExtendInput{
			NoticeSentAt: "2026-11-25T10:00:00+03:00", Reasons: "нужно время на подбор сведений", Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		_, extended := e.read(t, secret)
		if !slices.Equal(uids(extended), uids(c)) {
			t.Errorf("UIDs changed with the extension: %v, then %v", uids(c), uids(extended))
		}
		for _, ev := range extended.Events() {
			for _, o := range ext.Obligations {
				if ev.Id() != feeds.UID(ext.ID, o.ID) {
					continue
				}
				want := strings.ReplaceAll(o.EffectiveDue().String(), "-", "")
				if start := ev.GetProperty(ics.ComponentPropertyDtStart); !o.Extended || start == nil || start.Value != want {
					t.Errorf("%s after the extension: DTSTART %+v, want %s", ev.Id(), start, want)
				}
			}
		}
		mine = ext

		// The officer: their own and the unassigned; the administrator,
		// while there is an officer, their own only (none); a viewer none.
		osecret, _, err := e.feeds.Create(e.as("oleg"))
		if err != nil {
			t.Fatal(err)
		}
		if _, c := e.read(t, osecret); !slices.Equal(uids(c), wantUIDs(unassigned, olegs)) {
			t.Errorf("oleg's events %v, want %v", uids(c), wantUIDs(unassigned, olegs))
		}
		asecret, _, err := e.feeds.Create(e.as("alla"))
		if err != nil {
			t.Fatal(err)
		}
		if _, c := e.read(t, asecret); len(c.Events()) != 0 {
			t.Errorf("the administrator's events %v, want none while an officer answers for the unassigned", uids(c))
		}
		if _, _, err := e.feeds.Create(e.as("vera")); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer's feed: %v, want EFORBIDDEN", err)
		}

		// Anna's account disabled: her feed reads nothing, and her request
		// is nobody's, so the officer's feed lists it.
		if _, err := e.acc.DisableUser(e.sys, "anna@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.feeds.Read(context.Background(), secret); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("a disabled user's feed: %v, want ENOTFOUND", err)
		}
		if _, c := e.read(t, osecret); !slices.Equal(uids(c), wantUIDs(mine, unassigned, olegs)) {
			t.Errorf("oleg's events with anna disabled %v, want %v", uids(c), wantUIDs(mine, unassigned, olegs))
		}

		// Replaced: the old address reads nothing, the new one does.
		nsecret, _, err := e.feeds.Create(e.as("oleg"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.feeds.Read(context.Background(), osecret); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("the replaced address: %v, want ENOTFOUND", err)
		}
		if got, err := e.feeds.Get(e.as("oleg")); err != nil || got.LastReadAt != nil {
			t.Errorf("the new feed: %+v, %v; want never read", got, err)
		}
		e.read(t, nsecret)

		// Revoked: the address reads nothing, and nothing is left to revoke.
		if err := e.feeds.Revoke(e.as("oleg")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.feeds.Read(context.Background(), nsecret); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("the revoked address: %v, want ENOTFOUND", err)
		}
		if _, err := e.feeds.Get(e.as("oleg")); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("after revoking: %v, want ENOTFOUND", err)
		}
		if err := e.feeds.Revoke(e.as("oleg")); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("revoking twice: %v, want ENOTFOUND", err)
		}
		for _, bad := range []string{"", "srokcal_", secret + "x", strings.Replace(nsecret, "srokcal_", "srok_", 1)} {
			if _, err := e.feeds.Read(context.Background(), bad); srok.ErrorCode(err) != srok.ENOTFOUND {
				t.Errorf("secret %q: %v, want ENOTFOUND", bad, err)
			}
		}

		// The trail: each creation and the revocation, with their users,
		// and the viewer's refusal; no entry for the reads.
		page, err := e.trail.List(e.sys, audit.Filter{Limit: audit.MaxLimit}, "")
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, x := range page.Items {
			count[string(x.Action)+" "+string(x.Outcome)+" "+x.UserID]++
		}
		for key, n := range map[string]int{
			"calendar_feed.create ok " + e.users["anna"].ID:     1,
			"calendar_feed.create ok " + e.users["oleg"].ID:     2,
			"calendar_feed.create ok " + e.users["alla"].ID:     1,
			"calendar_feed.create denied " + e.users["vera"].ID: 1,
			"calendar_feed.revoke ok " + e.users["oleg"].ID:     1,
		} {
			if count[key] != n {
				t.Errorf("%s: %d entries, want %d (all: %v)", key, count[key], n, count)
			}
		}
	})
}
