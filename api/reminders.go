package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// ReminderSettings is what the API asks of the reminder settings: the
// caller's own (remind.SettingsService).
type ReminderSettings interface {
	Get(ctx context.Context) (remind.Settings, error)
	Put(ctx context.Context, s remind.Settings) (remind.Settings, error)
}

// reminderSettingsBody is the body of PUT /api/v1/me/reminders: a field
// left out keeps its value.
type reminderSettingsBody struct {
	Digest       *bool `json:"digest"`
	SoonDays     *int  `json:"soon_days"`
	TomorrowDays *int  `json:"tomorrow_days"`
	SendHour     *int  `json:"send_hour"`
}

// mountReminders adds GET and PUT /api/v1/me/reminders, the caller's
// reminder settings. Without svc (a server composed without reminders) they
// answer 503.
func mountReminders(v1 *echo.Group, svc ReminderSettings) {
	if svc == nil {
		svc = noReminders{}
	}
	httpx.Get(v1, "/me/reminders", func(c echo.Context) error {
		if err := onlyParams(c.QueryParams(), nil); err != nil {
			return err
		}
		s, err := svc.Get(c.Request().Context())
		if err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, s)
	}, httpx.Require)
	v1.PUT("/me/reminders", func(c echo.Context) error {
		var in reminderSettingsBody
		if err := httpx.JSON.Decode(c, &in); err != nil {
			return err
		}
		ctx := c.Request().Context()
		s, err := svc.Get(ctx)
		if err != nil {
			return err
		}
		if in.Digest != nil {
			s.Digest = *in.Digest
		}
		if in.SoonDays != nil {
			s.SoonDays = *in.SoonDays
		}
		if in.TomorrowDays != nil {
			s.TomorrowDays = *in.TomorrowDays
		}
		if in.SendHour != nil {
			s.SendHour = *in.SendHour
		}
		if s, err = svc.Put(ctx, s); err != nil {
			return err
		}
		return httpx.WriteJSON(c, http.StatusOK, s)
	}, httpx.Require)
}

// noReminders answers for a server composed without reminder settings.
type noReminders struct{}

func (noReminders) Get(context.Context) (remind.Settings, error) {
	return remind.Settings{}, errNoReminders
}

func (noReminders) Put(context.Context, remind.Settings) (remind.Settings, error) {
	return remind.Settings{}, errNoReminders
}

var errNoReminders = srok.Errorf(srok.EUNAVAILABLE, "reminder settings are not available on this server")
