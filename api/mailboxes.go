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
	Connect(ctx context.Context, a srok.Actor, c mailbox.Connection) (mailbox.Mailbox, error)
	Disconnect(ctx context.Context, a srok.Actor, id string) error
}

// checkTimeout bounds the connection test of POST /api/v1/mailboxes.
const checkTimeout = 30 * time.Second

// mailboxJSON is a mailbox in the API: never its credentials.
type mailboxJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Address     string     `json:"address"`
	URL         string     `json:"url"`
	Folder      string     `json:"folder"`
	DoneFolder  string     `json:"done_folder"`
	Source      string     `json:"source"`
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
		items[i] = mailboxOf(m)
	}
	return httpx.WriteJSON(c, http.StatusOK, map[string]any{"items": items})
}

func mailboxOf(m mailbox.Mailbox) mailboxJSON {
	return mailboxJSON{ID: m.ID, Name: m.Address, Address: m.Address, URL: m.URL, Folder: m.Folder, DoneFolder: m.DoneFolder,
		Source: m.Source, State: string(m.State), LastFetchAt: m.LastFetchAt, Waiting: m.Waiting, LastError: errCode(m.LastError),
		LastErrorAt: m.ErrorAt}
}

// mailboxBody is POST /api/v1/mailboxes: a mailbox to connect. The
// password is never answered nor logged.
type mailboxBody struct {
	Address    string `json:"address"`
	Password   string `json:"password"`
	Host       string `json:"host"`
	Port       int    `json:"port"`
	TLS        string `json:"tls"`
	Folder     string `json:"folder"`
	DoneFolder string `json:"done_folder"`
}

// connectMailbox tests the connection and, when it works, stores the
// mailbox with its password sealed: 201 with the mailbox; 422 naming the
// field a failed test concerns (the password for a refused login), and
// nothing stored.
func (s *server) connectMailbox(c echo.Context) error {
	if err := onlyParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.mailboxes == nil {
		return &srok.Error{Code: srok.EUNAVAILABLE, Message: "this server fetches no mailboxes"}
	}
	var in mailboxBody
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), checkTimeout)
	defer cancel()
	a, _ := srok.ActorFrom(ctx)
	m, err := s.mailboxes.Connect(ctx, a, mailbox.Connection{Address: in.Address, Password: in.Password, Host: in.Host, Port: in.Port,
		TLS: in.TLS, Folder: in.Folder, DoneFolder: in.DoneFolder})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/mailboxes/"+m.ID)
	return httpx.WriteJSON(c, http.StatusCreated, mailboxOf(m))
}

// disconnectMailbox makes a mailbox connected from the page inactive: 204;
// its emails stay.
func (s *server) disconnectMailbox(c echo.Context) error {
	if err := onlyParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.mailboxes == nil {
		return srok.Errorf(srok.ENOTFOUND, "no mailbox has id %q", c.Param("id"))
	}
	ctx := c.Request().Context()
	a, _ := srok.ActorFrom(ctx)
	if err := s.mailboxes.Disconnect(ctx, a, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
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
