package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// ReminderSettings are the signed-in user's own reminder settings
// (remind.SettingsService, which validates and audits every change).
type ReminderSettings interface {
	Get(ctx context.Context) (remind.Settings, error)
	Put(ctx context.Context, s remind.Settings) (remind.Settings, error)
}

// settingsPages is "Мои напоминания" (/settings/reminders).
type settingsPages struct {
	*server
	svc ReminderSettings
}

const settingsPath = "/settings/reminders"

func mountSettings(e *echo.Echo, s *server, cfg Config) {
	if cfg.Reminders == nil {
		return
	}
	p := &settingsPages{server: s, svc: cfg.Reminders}
	s.settingsLink = settingsPath
	httpx.Get(e, settingsPath, p.show)
	e.POST(settingsPath, p.save)
}

// remindersPage is the form of the user's reminder settings: the values
// as typed, so that a mistake is shown with what was typed kept.
type remindersPage struct {
	page
	WorkCSS                          string
	Digest                           bool
	SoonDays, TomorrowDays, SendHour string
	MaxOffset                        int
	Errors                           map[string]string
	Notice, Alert                    string
}

func newRemindersPage(s remind.Settings) remindersPage {
	return remindersPage{page: newPage("Мои напоминания"), WorkCSS: workCSSURL, Digest: s.Digest,
		SoonDays: strconv.Itoa(s.SoonDays), TomorrowDays: strconv.Itoa(s.TomorrowDays), SendHour: strconv.Itoa(s.SendHour),
		MaxOffset: remind.MaxOffset, Errors: map[string]string{}}
}

// HourOptions are the hours to choose the sending hour from.
func (v remindersPage) HourOptions() []option {
	out := make([]option, 0, 24)
	for h := range 24 {
		n := strconv.Itoa(h)
		label := n + ":00"
		if h < 10 {
			label = "0" + label
		}
		out = append(out, option{Value: n, Label: label, Selected: n == v.SendHour})
	}
	return out
}

// person returns the signed-in actor; ok false when the answer (sign in
// first) is written already.
func (p *settingsPages) person(c echo.Context) (bool, error) {
	if _, ok := srok.ActorFrom(c.Request().Context()); !ok {
		return false, p.signInFirst(c)
	}
	return true, nil
}

func (p *settingsPages) show(c echo.Context) error {
	if ok, err := p.person(c); !ok {
		return err
	}
	s, err := p.svc.Get(c.Request().Context())
	switch srok.ErrorCode(err) {
	case "":
	case srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
	v := newRemindersPage(s)
	if c.QueryParam("done") == "1" {
		v.Notice = "Настройки напоминаний сохранены."
	}
	return p.render(c, http.StatusOK, "settings_reminders", v)
}

// save stores the settings typed; the service checks them and records the
// change in the audit trail.
func (p *settingsPages) save(c echo.Context) error {
	if ok, err := p.person(c); !ok {
		return err
	}
	form, err := readForm(c)
	if err != nil {
		return p.badForm(c, settingsPath)
	}
	v := newRemindersPage(remind.Settings{})
	v.Digest = form.Get("digest") == "1"
	v.SoonDays = strings.TrimSpace(form.Get("soon_days"))
	v.TomorrowDays = strings.TrimSpace(form.Get("tomorrow_days"))
	v.SendHour = strings.TrimSpace(form.Get("send_hour"))
	in := remind.Settings{Digest: v.Digest}
	for _, f := range []struct {
		name, typed string
		to          *int
	}{{"soon_days", v.SoonDays, &in.SoonDays}, {"tomorrow_days", v.TomorrowDays, &in.TomorrowDays}, {"send_hour", v.SendHour, &in.SendHour}} {
		n, err := strconv.Atoi(f.typed)
		if err != nil {
			v.Errors[f.name] = settingsProblem(f.name, in)
			continue
		}
		*f.to = n
	}
	if len(v.Errors) > 0 {
		v.Alert = "Настройки не сохранены: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "settings_reminders", v)
	}
	_, err = p.svc.Put(c.Request().Context(), in)
	var se *srok.Error
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, settingsPath+"?done=1")
	case srok.ErrorCode(err) == srok.EINVALID && errors.As(err, &se):
		for _, f := range se.Fields {
			v.Errors[f.Field] = settingsProblem(f.Field, in)
		}
		v.Alert = "Настройки не сохранены: исправьте отмеченные поля."
		return p.render(c, http.StatusUnprocessableEntity, "settings_reminders", v)
	case srok.ErrorCode(err) == srok.EFORBIDDEN:
		return p.noRights(c)
	default:
		return p.fail(c, err)
	}
}

// settingsProblem says in Russian what the reminder settings want of a
// field (remind.Settings.Validate).
func settingsProblem(field string, in remind.Settings) string {
	mostDays := strconv.Itoa(remind.MaxOffset)
	switch field {
	case "soon_days":
		return "Укажите число рабочих дней от 1 до " + mostDays + "."
	case "tomorrow_days":
		if in.TomorrowDays >= 1 && in.TomorrowDays <= remind.MaxOffset && in.SoonDays >= 1 && in.TomorrowDays > in.SoonDays {
			return "Не больше, чем за сколько дней приходит напоминание «скоро срок» (" + strconv.Itoa(in.SoonDays) +
				"): «срок завтра» приходит после него."
		}
		return "Укажите число рабочих дней от 1 до " + mostDays + "."
	case "send_hour":
		return "Выберите час от 0 до 23."
	}
	return "Проверьте значение."
}
