package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/srok"
)

// feedBase is SROK_PUBLIC_URL of the pages' tests.
const feedBase = "https://srok.example.ru"

// feedURL finds the feed's address on a page.
var feedURL = regexp.MustCompile(`id="feed-url" value="([^"]+)"`)

// «Сроки в моём календаре»: subscribing shows the address once, with the
// instructions; the page then says when it was made and read, never the
// address; revoking ends it; a viewer is told they have none. Both changes
// are audited.
func TestCalendarFeedPage(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		if r := w.browser().get(t, "/settings/calendar"); r.status != http.StatusSeeOther ||
			r.location() != "/login?next=%2Fsettings%2Fcalendar" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		b := w.signedIn(t, "oper@example.ru", srok.RoleOperator)
		if r := b.get(t, "/settings/reminders"); !strings.Contains(r.body, `href="/settings/calendar"`) {
			t.Error("the reminder settings do not link to the calendar feed")
		}
		r := b.get(t, "/settings/calendar")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Подписаться в календаре") ||
			!strings.Contains(r.body, "Подписки нет.") || strings.Contains(r.body, `id="feed-url"`) {
			t.Fatalf("before subscribing: %d\n%s", r.status, r.body)
		}

		r = b.post(t, "/settings/calendar", nil)
		m := feedURL.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("subscribe: %d\n%s", r.status, r.body)
		}
		addr := html.UnescapeString(m[1])
		secret, ok := strings.CutPrefix(addr, feedBase+"/feeds/")
		if !ok || !strings.HasSuffix(secret, ".ics") {
			t.Fatalf("address %q", addr)
		}
		for _, want := range []string{"показывается только один раз", "Outlook", "Google Календарь", "Календарь Apple",
			"Thunderbird", `id="feed-revoke"`, "Подписка создана 25.11.2026 09:00", "Календарь ещё не забирал сроки."} {
			if !strings.Contains(r.body, want) {
				t.Errorf("after subscribing, the page lacks %q", want)
			}
		}
		if _, err := w.feeds.Read(context.Background(), strings.TrimSuffix(secret, ".ics")); err != nil {
			t.Fatalf("the address shown reads no feed: %v", err)
		}

		// Shown once: the page opened again says when, never where.
		r = b.get(t, "/settings/calendar")
		if strings.Contains(r.body, secret) || strings.Contains(r.body, `id="feed-url"`) {
			t.Error("the address is shown again")
		}
		if !strings.Contains(r.body, "Календарь последний раз забирал сроки 25.11.2026 09:00.") {
			t.Errorf("the page does not say when the feed was read:\n%s", r.body)
		}

		r = b.post(t, "/settings/calendar/revoke", nil)
		if r.status != http.StatusSeeOther || r.location() != "/settings/calendar?done=revoked" {
			t.Fatalf("revoke: %d %s", r.status, r.location())
		}
		r = b.get(t, r.location())
		if !strings.Contains(r.body, `id="notice"`) || !strings.Contains(r.body, "Подписки нет.") {
			t.Errorf("after revoking:\n%s", r.body)
		}
		if _, err := w.feeds.Read(context.Background(), strings.TrimSuffix(secret, ".ics")); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("the revoked address: %v, want ENOTFOUND", err)
		}
		if es := w.entries(t, audit.ActionCalendarFeedCreate); len(es) != 1 || es[0].Outcome != audit.OutcomeOK {
			t.Errorf("audit of the creation: %+v", es)
		}
		if es := w.entries(t, audit.ActionCalendarFeedRevoke); len(es) != 1 || es[0].Outcome != audit.OutcomeOK {
			t.Errorf("audit of the revocation: %+v", es)
		}

		// A viewer answers for no requests: no feed, said so.
		v := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)
		if r := v.get(t, "/settings/calendar"); r.status != http.StatusOK || !strings.Contains(r.body, `id="feed-refused"`) ||
			strings.Contains(r.body, `id="feed-create"`) {
			t.Errorf("a viewer's page: %d\n%s", r.status, r.body)
		}
		if r := v.post(t, "/settings/calendar", nil); r.status != http.StatusForbidden {
			t.Errorf("a viewer's subscription: %d", r.status)
		}
		if !feeds.MayHaveFeed(srok.RoleOperator) || feeds.MayHaveFeed(srok.RoleViewer) {
			t.Error("MayHaveFeed")
		}
	})
}
