package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/srok"
)

// issueBody is the body of POST /api/v1/requests/{id}/letters/{kind}.
type issueBody struct {
	Delivery string   `json:"delivery"`
	PostedOn string   `json:"posted_on"`
	Tracking string   `json:"tracking"`
	Outcome  string   `json:"outcome"`
	Records  []string `json:"records"`
	Reasons  string   `json:"reasons"`
	Ground   string   `json:"ground"`
	Missing  []string `json:"missing"`
}

// postBody is the body of PATCH …/issued-letters/{letter_id}: a field
// left out keeps its value, "" clears it.
type postBody struct {
	PostedOn *string `json:"posted_on"`
	Tracking *string `json:"tracking"`
}

// issuedFile is one file of an issued letter.
type issuedFile struct {
	URL    string `json:"url"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// issuedEmail is the outbox state of a letter sent by email.
type issuedEmail struct {
	// To is the address, left out for a caller who sees contacts masked.
	To        string     `json:"to,omitempty"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

type issuedOptions struct {
	Records []string `json:"records"`
	Reasons string   `json:"reasons,omitempty"`
	Ground  string   `json:"ground,omitempty"`
	Missing []string `json:"missing"`
}

// issuedJSON is an issued letter as the API shows it.
type issuedJSON struct {
	ID              string        `json:"id"`
	RequestID       string        `json:"request_id"`
	Kind            string        `json:"kind"`
	Number          string        `json:"number"`
	Date            string        `json:"date"`
	IssuedAt        time.Time     `json:"issued_at"`
	IssuedBy        userRef       `json:"issued_by"`
	TemplateVersion int           `json:"template_version"`
	Options         issuedOptions `json:"options"`
	Delivery        string        `json:"delivery"`
	Email           *issuedEmail  `json:"email,omitempty"`
	PostedOn        *string       `json:"posted_on"`
	Tracking        string        `json:"tracking"`
	PDF             issuedFile    `json:"pdf"`
	DOCX            issuedFile    `json:"docx"`
}

type userRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func issuedOf(a srok.Actor, l organisation.IssuedLetter) issuedJSON {
	base := "/api/v1/requests/" + l.RequestID + "/issued-letters/" + l.ID
	out := issuedJSON{ID: l.ID, RequestID: l.RequestID, Kind: string(l.Kind), Number: l.Number, Date: l.IssuedOn.String(),
		IssuedAt: l.IssuedAt, IssuedBy: userRef{ID: l.IssuedBy, Name: l.IssuedByName}, TemplateVersion: l.Template,
		Options: issuedOptions{Records: nonNil(l.Options.Records), Reasons: l.Options.Reasons, Ground: l.Options.Ground,
			Missing: nonNil(l.Options.Missing)},
		Delivery: string(l.Delivery), Tracking: l.Tracking,
		PDF:  issuedFile{URL: base + ".pdf", Size: l.PDFSize, SHA256: l.PDFSHA256},
		DOCX: issuedFile{URL: base + ".docx", Size: l.DOCXSize, SHA256: l.DOCXSHA256}}
	if l.PostedOn != nil {
		s := l.PostedOn.String()
		out.PostedOn = &s
	}
	if l.Delivery == organisation.DeliveryEmail {
		e := &issuedEmail{Status: string(l.Email.Status), Attempts: l.Email.Attempts, SentAt: l.Email.SentAt}
		// The address and the server's reply (which may quote it) are the
		// subject's contacts.
		if a.Can(srok.ActPersonalData) {
			e.To, e.LastError = l.Email.To, l.Email.LastError
		}
		out.Email = e
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mountIssuedLetters adds the routes of issued letters: POST
// /requests/{id}/letters/{kind} issues one; GET /requests/{id}/issued-letters
// lists them; GET …/issued-letters/{letter_id} returns one, and
// …/{letter_id}.pdf|.docx a file as issued; PATCH …/issued-letters/{letter_id} records the post of one on
// paper. Without the issuer they answer 503.
func mountIssuedLetters(v1 *echo.Group, is *organisation.Issuer) {
	unavailable := func() error {
		return srok.Errorf(srok.EUNAVAILABLE, "issuing letters is not available on this server")
	}
	v1.POST("/requests/:id/letters/:file", func(c echo.Context) error {
		var in issueBody
		if err := httpx.JSON.Decode(c, &in); err != nil {
			return err
		}
		var f srok.Fields
		for name, v := range map[string]string{"reasons": in.Reasons, "ground": in.Ground} {
			if utf8.RuneCountInString(v) > maxLetterParam {
				f.Add(name, "is longer than %d characters", maxLetterParam)
			}
		}
		for _, m := range in.Missing {
			if utf8.RuneCountInString(m) > maxLetterParam || strings.ContainsAny(m, "\r\n") {
				f.Add("missing", "each item is one line of at most %d characters", maxLetterParam)
				break
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if is == nil {
			return unavailable()
		}
		ctx := c.Request().Context()
		l, err := is.Issue(ctx, c.Param("id"), letters.Kind(c.Param("file")), organisation.IssueInput{
			Delivery: in.Delivery, PostedOn: in.PostedOn, Tracking: in.Tracking, Outcome: in.Outcome,
			LetterOptions: organisation.LetterOptions{Records: in.Records, Reasons: in.Reasons, Ground: in.Ground, Missing: in.Missing}})
		if err != nil {
			return err
		}
		a, _ := srok.ActorFrom(ctx)
		out := issuedOf(a, *l)
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+l.RequestID+"/issued-letters/"+l.ID)
		return c.JSON(http.StatusCreated, out)
	}, httpx.Require)

	httpx.Get(v1, "/requests/:id/issued-letters", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		if is == nil {
			return unavailable()
		}
		ctx := c.Request().Context()
		list, err := is.Letters(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		a, _ := srok.ActorFrom(ctx)
		items := make([]issuedJSON, len(list))
		for i, l := range list {
			items[i] = issuedOf(a, l)
		}
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	}, httpx.Require)

	httpx.Get(v1, "/requests/:id/issued-letters/:letter", func(c echo.Context) error {
		qp := c.QueryParams()
		if err := onlyParams(qp, []string{"download"}); err != nil {
			return err
		}
		dl := false
		switch qp.Get("download") {
		case "", "0":
		case "1":
			dl = true
		default:
			return httpx.BadParam("download", "must be 1 (a file to save) or 0")
		}
		if is == nil {
			return unavailable()
		}
		id, format, file := strings.Cut(c.Param("letter"), ".")
		if file && format != organisation.FormatDOCX && format != organisation.FormatPDF {
			return srok.Errorf(srok.ENOTFOUND, "an issued letter is {letter_id}, its files {letter_id}.pdf and {letter_id}.docx")
		}
		ctx := c.Request().Context()
		if !file {
			l, err := is.One(ctx, c.Param("id"), id)
			if err != nil {
				return err
			}
			a, _ := srok.ActorFrom(ctx)
			return c.JSON(http.StatusOK, issuedOf(a, l))
		}
		l, err := is.Letter(ctx, c.Param("id"), id, format)
		if err != nil {
			return err
		}
		body, media := l.DOCX, mediaDOCX
		if format == organisation.FormatPDF {
			body, media = l.PDF, mediaPDF
		}
		return sendFile(c, media, l.File(format), dl || format == organisation.FormatDOCX, body)
	}, httpx.Require)

	v1.PATCH("/requests/:id/issued-letters/:letter", func(c echo.Context) error {
		var in postBody
		if err := httpx.JSON.Decode(c, &in); err != nil {
			return err
		}
		if is == nil {
			return unavailable()
		}
		ctx := c.Request().Context()
		l, err := is.Post(ctx, c.Param("id"), c.Param("letter"), organisation.PostInput{PostedOn: in.PostedOn, Tracking: in.Tracking})
		if err != nil {
			return err
		}
		a, _ := srok.ActorFrom(ctx)
		return c.JSON(http.StatusOK, issuedOf(a, l))
	}, httpx.Require)
}
