package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/feeds"
	"github.com/srok/srok/pkg/srok"
)

// CalendarFeeds is what the API asks of the calendar feeds
// (feeds.Service): the caller's own, and the feeds themselves by secret.
type CalendarFeeds interface {
	Get(ctx context.Context) (feeds.Feed, error)
	Create(ctx context.Context) (secret string, f feeds.Feed, err error)
	Revoke(ctx context.Context) error
	Read(ctx context.Context, secret string) ([]byte, error)
	URL(secret string) string
}

// CalendarFeed is the caller's calendar feed as GET /api/v1/me/calendar-feed
// answers: whether there is one, when it was made and last read; never its
// address, which POST shows once.
type CalendarFeed struct {
	Exists     bool    `json:"exists"`
	CreatedAt  *string `json:"created_at"`
	LastReadAt *string `json:"last_read_at"`
}

// NewCalendarFeed is a feed as made: with its address, shown this once.
type NewCalendarFeed struct {
	CalendarFeed
	URL string `json:"url"`
}

// FeedPath is the route of the feeds themselves, outside /api/v1: a
// calendar app reads it with no session and no bearer token, the secret in
// the path being the credential. It is public (no credentials looked up),
// so its callers are limited as anonymous ones are.
const FeedPath = "/feeds/:file"

func calendarFeedOf(f feeds.Feed) CalendarFeed {
	at := func(t time.Time) *string { s := t.UTC().Format(time.RFC3339); return &s }
	out := CalendarFeed{Exists: true, CreatedAt: at(f.CreatedAt)}
	if f.LastReadAt != nil {
		out.LastReadAt = at(*f.LastReadAt)
	}
	return out
}

// mountFeeds adds GET, POST and DELETE /api/v1/me/calendar-feed and the
// feeds at /feeds/{secret}.ics. Without svc (a server composed without
// feeds) the first answer 503 and the feeds 404.
func mountFeeds(e *echo.Echo, v1 *echo.Group, svc CalendarFeeds) {
	if svc == nil {
		svc = noFeeds{}
	}
	httpx.Get(v1, "/me/calendar-feed", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		f, err := svc.Get(c.Request().Context())
		if srok.ErrorCode(err) == srok.ENOTFOUND {
			return httpx.WriteJSON(c, http.StatusOK, CalendarFeed{})
		}
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, calendarFeedOf(f))
	}, httpx.Require)
	v1.POST("/me/calendar-feed", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		if err := noBody(c); err != nil {
			return err
		}
		secret, f, err := svc.Create(c.Request().Context())
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/me/calendar-feed")
		return httpx.WriteJSON(c, http.StatusCreated, NewCalendarFeed{CalendarFeed: calendarFeedOf(f), URL: svc.URL(secret)})
	}, httpx.Require)
	v1.DELETE("/me/calendar-feed", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		if err := svc.Revoke(c.Request().Context()); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}, httpx.Require)
	httpx.Get(e, FeedPath, func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		secret, ok := strings.CutSuffix(c.Param("file"), ".ics")
		if !ok {
			return srok.Errorf(srok.ENOTFOUND, "no calendar feed at this address: a feed's address ends in .ics")
		}
		b, err := svc.Read(c.Request().Context(), secret)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, feeds.ContentType, b)
	})
}

// noBody refuses a body where a route takes none, other than an empty
// JSON object, whatever its Content-Type: POST /api/v1/me/calendar-feed
// has nothing to read, so anything else is a 400 rather than a silent
// success.
func noBody(c echo.Context) error {
	r := c.Request()
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64))
	if err != nil {
		return httpx.Malformed("", "the body could not be read")
	}
	if t := bytes.TrimSpace(b); len(t) != 0 && !bytes.Equal(t, []byte("{}")) {
		return httpx.Malformed("body", "this route takes no body (or an empty JSON object)")
	}
	return nil
}

// noFeeds answers for a server composed without calendar feeds.
type noFeeds struct{}

func (noFeeds) Get(context.Context) (feeds.Feed, error) { return feeds.Feed{}, errNoFeeds }

func (noFeeds) Create(context.Context) (string, feeds.Feed, error) {
	return "", feeds.Feed{}, errNoFeeds
}

func (noFeeds) Revoke(context.Context) error { return errNoFeeds }

func (noFeeds) Read(context.Context, string) ([]byte, error) {
	return nil, srok.Errorf(srok.ENOTFOUND, "no calendar feed at this address")
}

func (noFeeds) URL(string) string { return "" }

var errNoFeeds = srok.Errorf(srok.EUNAVAILABLE, "calendar feeds are not available on this server")
