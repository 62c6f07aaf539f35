package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/srok"
)

// Emails is what the API asks of the email intake (package intake).
type Emails interface {
	Ingest(ctx context.Context, a srok.Actor, raw []byte) (*intake.Email, bool, error)
	Get(ctx context.Context, a srok.Actor, id string) (*intake.Email, error)
	Raw(ctx context.Context, a srok.Actor, id string) ([]byte, error)
	Attachment(ctx context.Context, a srok.Actor, id string, n int) (intake.Attachment, []byte, error)
}

// mediaRFC822 is the media type of an email as received.
const mediaRFC822 = "message/rfc822"

// emailBody is the body of POST /api/v1/emails: one raw message, at most
// 25 MiB.
var emailBody = httpx.Body{MediaTypes: []string{mediaRFC822}, Limit: intake.MaxSize}

// ingestWait is how long an email waits for a slot before 503: well
// inside the server's 60 s to read a request (httpx.Timeouts).
const ingestWait = 20 * time.Second

// ingests bounds the emails read, parsed and stored at once. Each holds its
// raw bytes, enmime's decoded parts and the database driver's copy of the
// blob (about 4 MB for a 1 MiB email); with as many at once as there are
// cores the CPU is as busy as with more, and the heap, which the garbage
// collector lets grow to a multiple of what is live, stays small.
type ingests struct {
	slots chan struct{}
	wait  time.Duration
}

func newIngests(n int, wait time.Duration) *ingests {
	return &ingests{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// acquire waits for a slot, at most i.wait, and returns its release; past
// the wait, or when ctx ends, EUNAVAILABLE with Retry-After.
func (i *ingests) acquire(ctx context.Context) (func(), error) {
	select {
	case i.slots <- struct{}{}:
		return func() { <-i.slots }, nil
	default:
	}
	t := time.NewTimer(i.wait)
	defer t.Stop()
	select {
	case i.slots <- struct{}{}:
		return func() { <-i.slots }, nil
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, &srok.Error{Code: srok.EUNAVAILABLE, Reason: "overloaded", RetryAfter: time.Second,
		Message: "the server is reading as many emails as it can: try again after the Retry-After seconds"}
}

// emails returns the intake and the actor, or why not.
func (s *server) emails(c echo.Context) (Emails, srok.Actor, error) {
	a, ok := srok.ActorFrom(c.Request().Context())
	if !ok {
		return nil, a, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if s.intake == nil {
		return nil, a, srok.Errorf(srok.EUNAVAILABLE, "the email intake is not configured")
	}
	return s.intake, a, nil
}

// createEmail stores a raw email: 201 when stored now, 200 with the same
// body when the same email was stored before.
func (s *server) createEmail(c echo.Context) error {
	in, a, err := s.emails(c)
	if err != nil {
		return err
	}
	if !a.Can(srok.ActRequestCreate) {
		_, _, err := in.Ingest(c.Request().Context(), a, nil) // refused and recorded before 25 MiB are read
		return err
	}
	// The body is read only once a slot is free: a waiting email stays in
	// the connection, not in memory.
	release, err := s.ingests.acquire(c.Request().Context())
	if err != nil {
		return err
	}
	raw, err := emailBody.Read(c)
	if err != nil {
		release()
		return err
	}
	e, created, err := in.Ingest(c.Request().Context(), a, raw)
	release()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/emails/"+e.ID)
	st := http.StatusOK
	if created {
		st = http.StatusCreated
	}
	return httpx.WriteJSON(c, st, e)
}

func (s *server) getEmail(c echo.Context) error {
	in, a, err := s.emails(c)
	if err != nil {
		return err
	}
	e, err := in.Get(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusOK, e)
}

func (s *server) getEmailRaw(c echo.Context) error {
	in, a, err := s.emails(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	raw, err := in.Raw(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	download(c, "email-"+id+".eml")
	return c.Blob(http.StatusOK, mediaRFC822, raw)
}

func (s *server) getEmailAttachment(c echo.Context) error {
	in, a, err := s.emails(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return httpx.BadParam("n", "%q is not an attachment index such as 0", c.Param("n"))
	}
	if n < 0 {
		return srok.Errorf(srok.ENOTFOUND, "the email has no attachment %d", n)
	}
	att, b, err := in.Attachment(c.Request().Context(), a, c.Param("id"), n)
	if err != nil {
		return err
	}
	ct := att.ContentType
	if strings.HasPrefix(ct, "text/") {
		ct += "; charset=utf-8" // text parts are served converted to UTF-8; the raw email keeps the original
	}
	download(c, att.Filename)
	return c.Blob(http.StatusOK, ct, b)
}

// download makes the response a file to save, never a page to render: an
// attachment is whatever the sender put in it (HTML, scripts).
func download(c echo.Context, filename string) {
	h := c.Response().Header()
	h.Set("Content-Disposition", contentDisposition(filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}

// contentDisposition is an attachment with filename: an ASCII fallback and
// the UTF-8 name (RFC 6266, RFC 5987 filename*).
func contentDisposition(filename string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, filename)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + strings.ReplaceAll(url.PathEscape(filename), "+", "%2B")
}
