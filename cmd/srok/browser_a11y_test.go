package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/srok/srok/pkg/store"
)

// The accessibility tests drive the pages in the real headless Chromium,
// at a desk's 1280 and a phone's 375 CSS pixels: axe-core (vendored under
// testdata/axe-core, injected by the test, never served by srok) finds no
// serious or critical fault on any page; keyboard focus stays where it was
// across the overview's refresh and every round trip of the intake page;
// on a phone the list shows each request's legal date and what is left,
// not cut off. They run on the embedded SQLite: what they check is the
// pages, the same on either database.

// axePath is the vendored axe-core, of axeVersion.
const (
	axePath    = "testdata/axe-core/axe.min.js"
	axeVersion = "4.10.3"
)

// a11yWidths are the screens the pages are checked at.
var a11yWidths = []struct{ w, h int64 }{{1280, 900}, {375, 812}}

// axeFinding is one rule axe-core found broken, with where.
type axeFinding struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axe runs axe-core on the page shown and returns what it found: the
// rules of WCAG 2.x A and AA and axe's best practices.
func (b *browserTab) axe(t *testing.T, src string) []axeFinding {
	t.Helper()
	if !evalJS[bool](t, b, `typeof window.axe === "object"`) {
		evalJS[bool](t, b, src+"\n;true")
		if v := evalJS[string](t, b, `axe.version`); v != axeVersion {
			t.Fatalf("axe-core %s injected, want %s", v, axeVersion)
		}
	}
	raw := evalJS[string](t, b, `axe.run(document, {resultTypes: ["violations"],
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise)
	var out []axeFinding
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("axe-core's answer: %v: %.300s", err, raw)
	}
	return out
}

// checkAxe fails the test on a serious or critical finding of axe-core on
// the page shown, and logs the lesser ones.
func (b *browserTab) checkAxe(t *testing.T, src, page string) {
	t.Helper()
	for _, f := range b.axe(t, src) {
		msg := fmt.Sprintf("%s: axe %s (%s): %s at %s", page, f.ID, f.Impact, f.Help, strings.Join(f.Targets, ", "))
		if f.Impact == "serious" || f.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// focusedID is the id of the element that has the keyboard focus ("" for
// the body or an element without one).
func (b *browserTab) focusedID(t *testing.T) string {
	t.Helper()
	return evalJS[string](t, b, `(document.activeElement && document.activeElement !== document.body) ? (document.activeElement.id || "<no id: " + document.activeElement.outerHTML.slice(0, 80) + ">") : ""`)
}

// setupAdmin makes the first administrator through the setup link and
// leaves them signed in.
func setupAdmin(t *testing.T, s *browserSrok, b *browserTab) {
	t.Helper()
	if st := b.open(t, s.setupURL); st != 200 {
		t.Fatalf("GET the setup link: %d", st)
	}
	b.fill(t, `form[action="/setup"]`, map[string]string{"email": browserAdmin.email, "name": browserAdmin.name,
		"password": browserAdmin.password, "password2": browserAdmin.password})
	b.submit(t, `form[action="/setup"]`)
	b.waitLoad(t, "the home page", `location.pathname === "/"`)
}

func TestBrowserAccessibility(t *testing.T) {
	chrome := needChrome(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t, chrome)
	s := startBrowserSrok(t, store.SQLite)
	out := filepath.Join(browserOut, "a11y")
	_ = os.RemoveAll(out)
	anon := newBrowserTab(t, browser, s.base, out)
	b := newBrowserTab(t, browser, s.base, out)
	setupAdmin(t, s, b)
	sd := s.seed(t)
	detail := "/requests/" + sd.overdue.ID
	// One more request by hand, through the page: the overview, shown
	// once already at the scenario's frozen clock, counts the seed too.
	b.open(t, "/intake")
	b.fill(t, "#request-form", map[string]string{"type": "access", "channel": "post", "received_at": "2026-11-20",
		"subject_name": "Смирнова Анна Игоревна", "subject_postal_address": "Тверь, ул. Советская, д. 1"})
	b.submit(t, "#request-form")
	b.waitLoad(t, "the new request's page", `/^\/requests\/[^\/]+$/.test(location.pathname)`)

	t.Run("axe", func(t *testing.T) {
		defer b.viewport(t, 0, 0)
		defer anon.viewport(t, 0, 0)
		pages := []struct{ name, path string }{{"overview", "/"}, {"list", "/requests"}, {"detail", detail},
			{"intake", "/intake"}, {"calendar", "/calendar?year=2026"}, {"settings", "/settings/reminders"},
			{"password", "/settings/password"}, {"users", "/admin/users"}, {"tokens", "/admin/tokens"}}
		for _, size := range a11yWidths {
			anon.viewport(t, size.w, size.h)
			anon.open(t, "/login")
			anon.checkAxe(t, string(axeSrc), fmt.Sprintf("/login at %d", size.w))
			b.viewport(t, size.w, size.h)
			for _, p := range pages {
				if st := b.open(t, p.path); st != 200 {
					t.Fatalf("GET %s: %d", p.path, st)
				}
				b.waitFor(t, "the page", `document.readyState === "complete" && !!document.querySelector("main h1")`)
				b.checkAxe(t, string(axeSrc), fmt.Sprintf("%s at %d", p.path, size.w))
			}
			// The intake page with the mistakes of an empty form, and of
			// an empty email.
			b.open(t, "/intake")
			b.submit(t, "#request-form")
			b.waitLoad(t, "the form's mistakes", `!!document.querySelector("#request-form .field-error")`)
			b.checkAxe(t, string(axeSrc), fmt.Sprintf("intake with mistakes at %d", size.w))
			b.open(t, "/intake")
			b.submit(t, "#email-form")
			b.waitLoad(t, "the email's mistake", `!!document.querySelector("#raw-error")`)
			b.checkAxe(t, string(axeSrc), fmt.Sprintf("intake with an empty email at %d", size.w))
		}
	})

	t.Run("overview refresh keeps focus", func(t *testing.T) {
		b.open(t, "/")
		b.waitFor(t, "the overview", `!!document.querySelector("#live #due-soon a") && typeof htmx === "object"`)
		// refresh swaps #live for the same region of a fresh overview,
		// as its timer does every two minutes, and waits for the swap.
		refresh := func() {
			t.Helper()
			evalJS[bool](t, b, `(document.getElementById("live").__old = true)`)
			evalJS[bool](t, b, `(htmx.trigger(document.getElementById("live"), "srok:refresh"), true)`)
			b.waitFor(t, "the refreshed overview", `!!document.getElementById("live") && !document.getElementById("live").__old && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`)
		}
		// Deep in the page: the last request of the sections, then the
		// last link of the table by assignee; the page scrolled to it.
		for _, sel := range []string{"#due-soon tbody tr:last-child a", "#by-assignee tbody tr:last-child a"} {
			q, _ := json.Marshal(sel)
			evalJS[bool](t, b, fmt.Sprintf(`(function(){ const e = document.querySelector(%s); e.focus(); e.scrollIntoView({block: "center"}); return true })()`, q))
			id := b.focusedID(t)
			if id == "" {
				t.Fatalf("%s: cannot be focused", sel)
			}
			y := evalJS[float64](t, b, `window.scrollY`)
			refresh()
			if got := b.focusedID(t); got != id {
				t.Errorf("%s: after the refresh the focus is on %q, want %q", sel, got, id)
			}
			if got := evalJS[float64](t, b, `window.scrollY`); got != y {
				t.Errorf("%s: the refresh scrolled the page from %v to %v", sel, y, got)
			}
		}
		// Focus outside the region, or nowhere, is not taken.
		evalJS[bool](t, b, `(document.querySelector(".nav a[href='/requests']").focus(), true)`)
		refresh()
		if got := evalJS[string](t, b, `document.activeElement.getAttribute("href") || ""`); got != "/requests" {
			t.Errorf("the refresh took the focus from the navigation to %q", got)
		}
		evalJS[bool](t, b, `(document.activeElement.blur(), true)`)
		refresh()
		if got := b.focusedID(t); got != "" {
			t.Errorf("the refresh stole the focus for %q", got)
		}
	})

	t.Run("list at 375", func(t *testing.T) {
		defer b.viewport(t, 0, 0)
		b.viewport(t, 375, 812)
		b.open(t, "/requests")
		b.waitFor(t, "the list", `document.querySelectorAll("#requests tr[data-number]").length >= 3`)
		b.shot(t, "list-375")
		// Every request's number, legal date and what is left are on
		// the screen, not hidden or cut off at its edge.
		bad := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#requests tr[data-number]")).flatMap(tr =>
			["td.number", "td.due", "td.left"].map(sel => {
				const c = tr.querySelector(sel); if (!c) return tr.dataset.number + " " + sel + ": none";
				const r = c.getBoundingClientRect(), st = getComputedStyle(c);
				if (st.display === "none" || st.visibility === "hidden") return tr.dataset.number + " " + sel + ": hidden";
				if (r.width === 0 || r.left < 0 || r.right > window.innerWidth) return tr.dataset.number + " " + sel + ": " + r.left + "–" + r.right;
				if (c.scrollWidth > c.clientWidth + 1) return tr.dataset.number + " " + sel + ": cut";
				return null }).filter(x => x))`)
		if len(bad) > 0 {
			t.Errorf("at 375 pixels the list hides the deadline: %v", bad)
		}
		// The deadline comes first: the legal date above the type.
		if !evalJS[bool](t, b, `(function(){ const tr = document.querySelector("#requests tr[data-number]");
			return tr.querySelector("td.due").getBoundingClientRect().top < tr.querySelector("td.type").getBoundingClientRect().top })()`) {
			t.Error("at 375 pixels the legal date is not above the rest of the request")
		}
		// The region scrolls, if at all, under the keyboard too.
		if got := evalJS[string](t, b, `(function(){ const w = document.querySelector("#requests").closest(".table-wrap");
			return w.tabIndex + " " + w.getAttribute("role") + " " + w.getAttribute("aria-label") })()`); got != "0 region Список обращений, прокручивается" {
			t.Errorf("the list's scrolling region: %q", got)
		}
	})

	t.Run("detail at 375", func(t *testing.T) {
		defer b.viewport(t, 0, 0)
		b.viewport(t, 375, 812)
		b.open(t, detail)
		b.waitFor(t, "the obligations", `!!document.querySelector("#obligations .left")`)
		b.shot(t, "detail-375")
		bad := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#obligations .left, #obligations td, .who dd")).map(e => {
			const r = e.getBoundingClientRect();
			if (r.width > 0 && (r.left < 0 || r.right > window.innerWidth)) return e.textContent.trim() + ": " + r.left + "–" + r.right;
			return null }).filter(x => x)`)
		if len(bad) > 0 {
			t.Errorf("at 375 pixels the request's page cuts: %v", bad)
		}
		if w := evalJS[int64](t, b, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("the request's page is %d pixels wide at 375", w)
		}
	})

	t.Run("intake focus", func(t *testing.T) {
		navCurrent := func() string {
			return evalJS[string](t, b, `(document.querySelector(".nav a[aria-current=page]") || {}).textContent || ""`)
		}
		// A failed save: the summary of mistakes has the focus and links
		// to each field; the navigation still says where the user is.
		b.open(t, "/intake")
		b.fill(t, "#request-form", map[string]string{"subject_email": "not an address"})
		b.submit(t, "#request-form")
		b.waitLoad(t, "the form's mistakes", `!!document.querySelector("#request-form .field-error")`)
		b.shot(t, "intake-mistakes")
		if got := b.focusedID(t); got != "error-summary" {
			t.Errorf("after a failed save the focus is on %q, want the summary of mistakes", got)
		}
		if got := navCurrent(); got != "Зарегистрировать" {
			t.Errorf("after a failed save the navigation marks %q as the current page", got)
		}
		links := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#error-summary a"), a => a.getAttribute("href"))`)
		for _, want := range []string{"#type", "#channel", "#subject_email"} {
			found := false
			for _, l := range links {
				found = found || l == want
			}
			if !found {
				t.Errorf("the summary of mistakes %v lacks a link to %s", links, want)
			}
		}
		if len(links) > 0 {
			b.do(t, "follow the first link of the summary", chromedp.Click(chromedp.CSS("#error-summary a")))
			if got := b.focusedID(t); "#"+got != links[0] {
				t.Errorf("the summary's link %s put the focus on %q", links[0], got)
			}
		}
		// An email that cannot be read: the same.
		b.open(t, "/intake")
		b.submit(t, "#email-form")
		b.waitLoad(t, "the email's mistake", `!!document.querySelector("#raw-error")`)
		if got := b.focusedID(t); got != "error-summary" {
			t.Errorf("after an empty email the focus is on %q, want the summary of mistakes", got)
		}
		if got := navCurrent(); got != "Зарегистрировать" {
			t.Errorf("after an empty email the navigation marks %q as the current page", got)
		}
		// An email read: the form filled from it has the focus.
		path, err := filepath.Abs(emlPath(emlFixtures[0].file))
		if err != nil {
			t.Fatal(err)
		}
		b.open(t, "/intake")
		b.do(t, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#eml"), []string{path}))
		b.submit(t, "#email-form")
		b.waitLoad(t, "the form filled from the email", `document.querySelector("#request-form [name=email_id]").value !== ""`)
		if !evalJS[bool](t, b, `!!document.activeElement && !!document.activeElement.closest("#request-section")`) {
			t.Errorf("after reading the email the focus is on %q, not on the form filled", b.focusedID(t))
		}
		// The page opened afresh takes no focus.
		b.open(t, "/intake")
		if got := b.focusedID(t); got != "" {
			t.Errorf("the empty intake page put the focus on %q", got)
		}
	})
}
