package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// The user's own reminder settings: the defaults shown, a change saved
// and audited, mistakes shown next to their fields with what was typed
// kept, and nothing stored then.
func TestReminderSettingsPage(t *testing.T) {
	forEachWork(t, func(t *testing.T, w *workEnv) {
		if r := w.browser().get(t, "/settings/reminders"); r.status != http.StatusSeeOther ||
			r.location() != "/login?next=%2Fsettings%2Freminders" {
			t.Errorf("anonymous: %d %s", r.status, r.location())
		}
		b := w.signedIn(t, "oper@example.ru", srok.RoleOperator)
		home := b.get(t, "/requests")
		if !strings.Contains(home.body, `<a href="/settings/reminders" id="my-reminders">Мои напоминания</a>`) {
			t.Error("the layout does not link to the reminder settings")
		}
		r := b.get(t, "/settings/reminders")
		if r.status != http.StatusOK {
			t.Fatalf("GET: %d", r.status)
		}
		for _, want := range []string{"<h1>Мои напоминания</h1>", `id="digest-each" value="0" checked`,
			`name="soon_days" id="soon-days" value="3"`, `name="tomorrow_days" id="tomorrow-days" value="1"`,
			`<option value="9" selected>09:00</option>`, `<label for="soon-days">`, `<label for="tomorrow-days">`,
			`<label for="send-hour">`, `<label for="digest-daily"`, `id="my-reminders" aria-current="page"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}

		r = b.post(t, "/settings/reminders", url.Values{"digest": {"1"}, "soon_days": {"5"}, "tomorrow_days": {"2"}, "send_hour": {"8"}})
		if r.status != http.StatusSeeOther || r.location() != "/settings/reminders?done=1" {
			t.Fatalf("save: %d %s\n%s", r.status, r.location(), r.body)
		}
		r = b.get(t, r.location())
		for _, want := range []string{`id="notice"`, `id="digest-daily" value="1" checked`, `id="soon-days" value="5"`,
			`id="tomorrow-days" value="2"`, `<option value="8" selected>08:00</option>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("after saving, the page lacks %q", want)
			}
		}
		u, err := w.acc.UserByEmail(w.sys, "oper@example.ru")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := w.st.ReminderSettings(context.Background(), u.ID); err != nil ||
			got != (remind.Settings{Digest: true, SoonDays: 5, TomorrowDays: 2, SendHour: 8}) {
			t.Errorf("stored: %+v %v", got, err)
		}
		if es := w.entries(t, audit.ActionReminderSettings); len(es) != 1 || es[0].ActorID != u.ID ||
			!slices.Equal(es[0].Fields, []string{"digest", "soon_days", "tomorrow_days", "send_hour"}) {
			t.Errorf("audit: %+v", es)
		}

		for _, c := range []struct {
			name  string
			form  url.Values
			field string
			msg   string
			kept  string
		}{
			{"not a number", url.Values{"digest": {"0"}, "soon_days": {"пять"}, "tomorrow_days": {"1"}, "send_hour": {"9"}},
				"soon-days-error", "Укажите число рабочих дней от 1 до 30.", `id="soon-days" value="пять"`},
			{"out of range", url.Values{"digest": {"0"}, "soon_days": {"31"}, "tomorrow_days": {"1"}, "send_hour": {"9"}},
				"soon-days-error", "Укажите число рабочих дней от 1 до 30.", `id="soon-days" value="31"`},
			{"tomorrow after soon", url.Values{"digest": {"0"}, "soon_days": {"2"}, "tomorrow_days": {"4"}, "send_hour": {"9"}},
				"tomorrow-days-error", "Не больше, чем за сколько дней приходит напоминание «скоро срок» (2)", `id="tomorrow-days" value="4"`},
			{"hour", url.Values{"digest": {"0"}, "soon_days": {"3"}, "tomorrow_days": {"1"}, "send_hour": {"24"}},
				"send-hour-error", "Выберите час от 0 до 23.", `id="digest-each" value="0" checked`},
		} {
			r := b.post(t, "/settings/reminders", c.form)
			body := htmlUnescape(r.body)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+c.field+`" role="alert">`+c.msg) ||
				!strings.Contains(body, c.kept) || !strings.Contains(body, `id="form-alert"`) {
				t.Errorf("%s: %d\n%s", c.name, r.status, r.body)
			}
		}
		if got, _ := w.st.ReminderSettings(context.Background(), u.ID); got.SoonDays != 5 || !got.Digest {
			t.Errorf("a refused form changed the settings: %+v", got)
		}
		if es := w.entries(t, audit.ActionReminderSettings); len(es) != 1 {
			t.Errorf("refused forms audited as changes: %d entries", len(es))
		}

		// Settings are one's own: another user still has the defaults.
		v := w.signedIn(t, "viewer@example.ru", srok.RoleViewer)
		if r := v.get(t, "/settings/reminders"); r.status != http.StatusOK || !strings.Contains(r.body, `id="soon-days" value="3"`) {
			t.Errorf("another user's page: %d", r.status)
		}
		if r := b.post(t, "/settings/reminders", url.Values{}); r.status != http.StatusUnprocessableEntity ||
			strings.Count(r.body, `class="field-error problem"`) != 3 {
			t.Errorf("an empty form: %d", r.status)
		}
	})
}
