package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/srok/srok/pkg/register"
)

// browserJournal is the journal's step of the browser scenario: the list
// of requests shows the journal form for a period; what it sends is the
// journal as XLSX, or as CSV for Excel holding the seeded requests. The
// page with the form is docs/screenshots/journal.png.
func browserJournal(t *testing.T, b *browserTab, seeded ...*register.Request) {
	if st := b.open(t, "/requests"); st != 200 {
		t.Fatalf("GET /requests: %d", st)
	}
	b.waitFor(t, "the journal form", `!!document.querySelector("form#journal")`)
	b.do(t, "scroll to the journal form", chromedp.ScrollIntoView(chromedp.CSS("form#journal")))
	b.shot(t, "journal")
	// The form as the button sends it, fetched: the XLSX by default.
	fetch := func(format string) string {
		return evalJS[string](t, b, `(function(){
			const f = document.querySelector("form#journal");
			f.querySelector("[name=format]").value = `+"`"+format+"`"+`;
			const url = f.action + "?" + new URLSearchParams(new FormData(f));
			return fetch(url).then(async r => r.status + " " + r.headers.get("Content-Type") + " " +
				r.headers.get("Content-Disposition") + "\n" + (`+"`"+format+"`"+` === "csv" ? await r.text() : String.fromCharCode(...new Uint8Array(await r.arrayBuffer()).slice(0, 2))));
		})()`, chromedp.EvalAwaitPromise)
	}
	x := fetch("xlsx")
	if !strings.HasPrefix(x, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet attachment;") || !strings.HasSuffix(x, "\nPK") {
		t.Errorf("the journal as XLSX: %.300q", x)
	}
	c := fetch("csv")
	if !strings.HasPrefix(c, "200 text/csv; charset=utf-8 attachment;") || !strings.Contains(c, "Рег. номер;Дата поступления;") {
		t.Errorf("the journal as CSV: %.300q", c)
	}
	for _, r := range seeded {
		if !strings.Contains(c, r.Number+";") {
			t.Errorf("the journal lacks %s", r.Number)
		}
	}
}
