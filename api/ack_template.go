package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// AckTemplate is the JSON of the acknowledgement's template in use
// (GET/PUT/DELETE /api/v1/ack-template).
type AckTemplate struct {
	Version      int                 `json:"version"`
	Builtin      bool                `json:"builtin"`
	Subject      string              `json:"subject"`
	Text         string              `json:"text"`
	SavedAt      *time.Time          `json:"saved_at"`
	SavedBy      *string             `json:"saved_by"`
	SaverName    *string             `json:"saver_name"`
	Placeholders []LetterPlaceholder `json:"placeholders"`
}

// NewAckTemplate is the JSON of t.
func NewAckTemplate(t remind.AckTemplate) AckTemplate {
	out := AckTemplate{Version: t.Version, Builtin: t.Builtin, Subject: t.Subject, Text: t.Text, Placeholders: []LetterPlaceholder{}}
	if t.Version > 0 {
		at, by, name := t.SavedAt.UTC(), t.SavedBy, t.SaverName
		out.SavedAt, out.SavedBy, out.SaverName = &at, &by, &name
	}
	for _, p := range ru.AckPlaceholders() {
		out.Placeholders = append(out.Placeholders, LetterPlaceholder{Name: p[0], Description: p[1]})
	}
	return out
}

// ackTemplateIn is the body of PUT /api/v1/ack-template.
type ackTemplateIn struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// mountAckTemplate adds the acknowledgement's template; without a service
// it answers 503.
func mountAckTemplate(v1 *echo.Group, svc *remind.AckTemplates) {
	get := func() (*remind.AckTemplates, error) {
		if svc == nil {
			return nil, srok.Errorf(srok.EUNAVAILABLE, "the acknowledgement's template is not available on this server")
		}
		return svc, nil
	}
	httpx.Get(v1, "/ack-template", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		svc, err := get()
		if err != nil {
			return err
		}
		t, err := svc.Get(c.Request().Context())
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewAckTemplate(t))
	}, httpx.Require)
	v1.PUT("/ack-template", func(c echo.Context) error {
		svc, err := get()
		if err != nil {
			return err
		}
		var in ackTemplateIn
		if err := httpx.JSON.Decode(c, &in); err != nil {
			return err
		}
		t, err := svc.Put(c.Request().Context(), in.Subject, in.Text, false)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewAckTemplate(t))
	}, httpx.Require)
	v1.DELETE("/ack-template", func(c echo.Context) error {
		svc, err := get()
		if err != nil {
			return err
		}
		t, err := svc.Put(c.Request().Context(), "", "", true)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, NewAckTemplate(t))
	}, httpx.Require)
}
