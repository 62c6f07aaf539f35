package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
)

// Officers and administrators see on the overview a panel of the active
// mailboxes: the last fetch, the emails waiting, the last error in
// Russian; operators and viewers do not, and without a mailbox there is
// no panel.
func TestOverviewMailboxes(t *testing.T) {
	forEachReg(t, regOptions{mailboxes: true}, func(t *testing.T, e *regEnv) {
		ctx := context.Background()
		if r := e.officer.do(t, "GET", "/", nil); r.status != http.StatusOK || strings.Contains(r.body, `id="overview-mailboxes"`) {
			t.Fatalf("no mailbox, yet a panel: %d", r.status)
		}
		src, err := mailbox.ParseURL("imaps://privacy%40example.ru:app-secret@imap.example.ru/INBOX")
		if err != nil {
			t.Fatal(err)
		}
		old, _ := mailbox.ParseURL("imaps://old%40example.ru:pw@imap.example.ru/INBOX")
		if err := e.st.SyncMailboxes(ctx, []mailbox.Source{old}, regNow); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SyncMailboxes(ctx, []mailbox.Source{src}, regNow); err != nil {
			t.Fatal(err)
		}
		if _, _, err := intake.NewService(e.st).IngestArrived(ctx, []byte("From: a@example.ru\r\nSubject: x\r\nMessage-ID: <m1@example.ru>\r\n\r\nПрошу удалить мои данные\r\n"),
			src.ID, regNow); err != nil {
			t.Fatal(err)
		}
		fetched := regNow.Add(-3 * time.Hour)
		if err := e.st.SetMailboxStatus(ctx, src.ID, mailbox.Status{State: mailbox.StateOK, Fetched: &fetched}, fetched); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetMailboxStatus(ctx, src.ID, mailbox.Status{State: mailbox.StateFailing,
			Err: &mailbox.Error{Code: mailbox.CodeAuth, Detail: "refused"}}, regNow); err != nil {
			t.Fatal(err)
		}
		for who, b := range map[string]*browser{"officer": e.officer, "admin": e.admin} {
			r := b.do(t, "GET", "/", nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d", who, r.status)
			}
			s := section(t, r.body, "overview-mailboxes")
			for _, want := range []string{"privacy@example.ru", "ждут решения: 1 письмо", "сервер отклонил логин или пароль",
				"последняя проверка почты — 25.11.2026 06:00", `href="/admin/mailboxes"`} {
				if !strings.Contains(s, want) {
					t.Errorf("%s: the panel lacks %q: %s", who, want, s)
				}
			}
			if strings.Contains(s, "old@example.ru") || strings.Contains(s, "app-secret") {
				t.Errorf("%s: the panel shows an inactive mailbox or a password: %s", who, s)
			}
		}
		for who, b := range map[string]*browser{"operator": e.operator, "viewer": e.viewer} {
			if r := b.do(t, "GET", "/", nil); r.status != http.StatusOK || strings.Contains(r.body, "overview-mailboxes") {
				t.Errorf("%s sees the mailboxes: %d", who, r.status)
			}
		}
	})
}
