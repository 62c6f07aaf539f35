package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/evidence"
	"github.com/srok/srok/pkg/journal"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// The journal of requests and a request's evidence pack, as the pages
// offer them: the journal's form on the list of requests, the pack's link
// on a request's page. The files are those of the API (packages journal
// and evidence); here only the form is read and a problem is a page.

// journalPath is where the list's journal form is sent.
const journalPath = "/journal"

// mountJournal adds GET /journal and GET /requests/:id/evidence.zip when
// the register (and, for packs, the packer) are given.
func mountJournal(e *echo.Echo, s *server, cfg Config) {
	if j, ok := any(cfg.Register).(journal.Journals); ok && cfg.Register != nil {
		s.journals = j
		httpx.Get(e, journalPath, s.signedIn(s.journal))
	}
	if cfg.Evidence != nil && cfg.Register != nil {
		s.packer = cfg.Evidence
		httpx.Get(e, "/requests/:id/evidence.zip", s.signedIn(s.evidencePack))
	}
}

// journalForm is what the list's journal form holds.
type journalForm struct {
	From, To, Format string
}

// journalDefaults is the form as first shown: the current year to today.
func journalDefaults(now time.Time, loc *time.Location) journalForm {
	t := now.In(loc)
	return journalForm{From: time.Date(t.Year(), 1, 1, 0, 0, 0, 0, loc).Format("2006-01-02"), To: t.Format("2006-01-02"),
		Format: string(journal.XLSX)}
}

// journal sends the journal of the period typed on the list's form.
func (s *server) journal(c echo.Context) error {
	qp := c.QueryParams()
	form := journalForm{From: strings.TrimSpace(qp.Get("from")), To: strings.TrimSpace(qp.Get("to")), Format: qp.Get("format")}
	bad := func(text string) error {
		return s.showMessage(c, http.StatusBadRequest, message{Heading: "Журнал не выгружен", Text: text,
			Link: "/requests", LinkText: "К списку"})
	}
	from, ok := parseDay(form.From)
	if !ok {
		return bad("Начало периода: введите дату, например 01.01.2026.")
	}
	to, ok := parseDay(form.To)
	if !ok {
		return bad("Конец периода: введите дату, например 31.12.2026.")
	}
	f := journal.XLSX
	if form.Format != "" {
		if f = journal.Format(form.Format); !f.Valid() {
			return bad("Выберите формат из списка: XLSX или CSV.")
		}
	}
	if srok.ErrorCode(register.CheckPeriod(from, to)) != "" {
		if to < from {
			return bad("Конец периода раньше его начала.")
		}
		return bad("Период длиннее " + ru.YearsGenitive(register.MaxJournalYears) + ": выгрузите его частями.")
	}
	q := register.JournalQuery{From: from, To: to, Format: string(f)}
	if err := journal.Serve(c.Request().Context(), c.Response(), s.journals, q, f, s.now()); err != nil {
		if c.Response().Committed {
			return err
		}
		return s.pageError(c, err)
	}
	return nil
}

// evidencePack sends a request's evidence pack.
func (s *server) evidencePack(c echo.Context) error {
	res := c.Response()
	begin := func(r *register.Request) error {
		h := res.Header()
		h.Set(echo.HeaderContentType, "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+evidence.FileName(r.Number)+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		res.WriteHeader(http.StatusOK)
		return nil
	}
	if err := s.packer.Write(c.Request().Context(), c.Param("id"), begin, res); err != nil {
		if res.Committed {
			return err
		}
		return s.pageError(c, err)
	}
	return nil
}

// packLink is the link of r's evidence pack for a, "" when a may not make it.
func (s *server) packLink(a srok.Actor, r *register.Request) string {
	if s.packer == nil || !evidence.May(a) {
		return ""
	}
	return "/requests/" + r.ID + "/evidence.zip"
}
