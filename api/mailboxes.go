package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/srok"
)

// Mailboxes are the mailboxes Srok fetches (mailbox.Service).
type Mailboxes interface {
	List(ctx context.Context, a srok.Actor) ([]mailbox.Mailbox, error)
	States(ctx context.Context) ([]mailbox.Mailbox, error)
}

// mailboxJSON is a mailbox in the API: never its credentials.
type mailboxJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Address     string     `json:"address"`
	URL         string     `json:"url"`
	Folder      string     `json:"folder"`
	State       string     `json:"state"`
	LastFetchAt *time.Time `json:"last_fetch_at"`
	Waiting     int        `json:"waiting"`
	LastError   *string    `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
}

// mailboxHealthJSON is a mailbox in /readyz.
type mailboxHealthJSON struct {
	ID        string  `json:"id"`
	URL       string  `json:"url"`
	State     string  `json:"state"`
	LastError *string `json:"last_error"`
}

func errCode(c mailbox.Code) *string {
	if c == "" {
		return nil
	}
	s := string(c)
	return &s
}

func (s *server) listMailboxes(c echo.Context) error {
	if err := onlyParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.mailboxes == nil {
		return httpx.WriteJSON(c, http.StatusOK, map[string]any{"items": []mailboxJSON{}})
	}
	ctx := c.Request().Context()
	a, _ := srok.ActorFrom(ctx)
	list, err := s.mailboxes.List(ctx, a)
	if err != nil {
		return err
	}
	items := make([]mailboxJSON, len(list))
	for i, m := range list {
		items[i] = mailboxJSON{ID: m.ID, Name: m.Address, Address: m.Address, URL: m.URL, Folder: m.Folder, State: string(m.State),
			LastFetchAt: m.LastFetchAt, Waiting: m.Waiting, LastError: errCode(m.LastError), LastErrorAt: m.ErrorAt}
	}
	return httpx.WriteJSON(c, http.StatusOK, map[string]any{"items": items})
}

// mailboxHealth lists the active mailboxes' states for /readyz; nil when
// there are none or they cannot be read (readiness does not depend on
// them).
func (s *server) mailboxHealth(ctx context.Context) []mailboxHealthJSON {
	if s.mailboxes == nil {
		return nil
	}
	list, err := s.mailboxes.States(ctx)
	if err != nil {
		return nil
	}
	var out []mailboxHealthJSON
	for _, m := range list {
		if m.Active {
			out = append(out, mailboxHealthJSON{ID: m.ID, URL: m.URL, State: string(m.State), LastError: errCode(m.LastError)})
		}
	}
	return out
}
