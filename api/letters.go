package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/srok"
)

// mediaPDF is the media type of a PDF.
const mediaPDF = "application/pdf"

// maxLetterParam bounds a text the caller adds to a letter, in characters.
const maxLetterParam = 4000

// letterParams are the query parameters of a letter's preview.
var letterParams = []string{"records", "reasons", "ground", "missing", "download"}

// mountLetters adds GET /api/v1/requests/{id}/letters/{kind}.docx and .pdf:
// a request's letter as it would be issued now, no state changed. Without
// the letters they answer 503.
func mountLetters(v1 *echo.Group, l *organisation.Letters) {
	httpx.Get(v1, "/requests/:id/letters/:file", func(c echo.Context) error {
		qp := c.QueryParams()
		if err := onlyParams(qp, letterParams); err != nil {
			return err
		}
		for _, name := range []string{"records", "reasons", "ground", "missing"} {
			for _, v := range qp[name] {
				if utf8.RuneCountInString(v) > maxLetterParam {
					return httpx.BadParam(name, "is longer than %d characters", maxLetterParam)
				}
			}
		}
		if l == nil {
			return srok.Errorf(srok.EUNAVAILABLE, "letters are not available on this server")
		}
		file := c.Param("file")
		kind, format, ok := strings.Cut(file, ".")
		if !ok || (format != organisation.FormatDOCX && format != organisation.FormatPDF) {
			return srok.Errorf(srok.ENOTFOUND, "a letter is {kind}.docx or {kind}.pdf")
		}
		opt := organisation.LetterOptions{Records: multi(qp, "records"), Reasons: qp.Get("reasons"), Ground: qp.Get("ground")}
		for _, m := range qp["missing"] {
			for _, line := range strings.Split(m, ";") {
				if line = strings.TrimSpace(line); line != "" {
					opt.Missing = append(opt.Missing, line)
				}
			}
		}
		dl := false
		switch qp.Get("download") {
		case "", "0":
		case "1":
			dl = true
		default:
			return httpx.BadParam("download", "must be 1 (a file to save) or 0")
		}
		out, err := l.Render(c.Request().Context(), c.Param("id"), letters.Kind(kind), format, opt)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Srok-Template-Version", strconv.Itoa(out.Template.Version))
		media := mediaDOCX
		if format == organisation.FormatPDF {
			media = mediaPDF
		}
		return sendFile(c, media, kind+"."+format, dl || format == organisation.FormatDOCX, out.Body)
	}, httpx.Require)
}

// sendFile answers with a file: to save (attachment), or for the browser to
// show (a PDF opened in a tab).
func sendFile(c echo.Context, media, filename string, attachment bool, b []byte) error {
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if attachment {
		h.Set("Content-Disposition", contentDisposition(filename))
	} else {
		h.Set("Content-Disposition", `inline; filename="`+filename+`"`)
	}
	return c.Blob(http.StatusOK, media, b)
}

func itoa(n int) string { return strconv.Itoa(n) }
