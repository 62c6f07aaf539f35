package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	apiclient "github.com/srok/srok/pkg/client"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// GET /api/v1/mailboxes through the generated client: the mailbox without
// its credentials, its waiting emails, its last error as a code; officers
// read it, operators do not; /readyz tells its state and stays ready.
func TestMailboxesThroughTheClient(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := t.Context()
		src, err := mailbox.ParseURL("imaps://privacy%40example.ru:app-secret@imap.example.ru/INBOX")
		if err != nil {
			t.Fatal(err)
		}
		emails := intake.NewService(h.st, intake.WithClock(h.clock.Now), intake.WithAudit(h.audit))
		mb := mailbox.NewService(h.st, emails, []mailbox.Source{src}, nil, mailbox.Options{Now: h.clock.Now})
		if err := mb.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		arrived := time.Date(2026, 11, 24, 8, 5, 0, 0, time.UTC)
		if _, _, err := emails.IngestArrived(ctx, []byte("From: a@example.ru\r\nSubject: x\r\nMessage-ID: <m1@example.ru>\r\n\r\nПрошу удалить мои данные\r\n"),
			src.ID, arrived); err != nil {
			t.Fatal(err)
		}
		if err := h.st.SetMailboxStatus(ctx, src.ID, mailbox.Status{State: mailbox.StateFailing,
			Err: &mailbox.Error{Code: mailbox.CodeAuth, Detail: "refused"}}, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		reg := register.NewService(h.st, testCal, moscow, h.clock.Now, register.WithUsers(h.accounts), register.WithAudit(h.audit))
		h.h = newRouter(Config{Register: reg, Calendar: testCal, Accounts: h.accounts, Audit: h.audit, Health: h.st,
			Log: slog.New(slog.DiscardHandler), Now: h.clock.Now, Emails: emails, Mailboxes: mb})
		srv := httptest.NewServer(h.contractChecked(t))
		t.Cleanup(srv.Close)
		client := func(token string) *apiclient.ClientWithResponses {
			c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()), apiclient.WithRequestEditorFn(bearer(token)))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		officer := h.mustToken(t, "ivanova@example.ru", srok.RoleOfficer, srok.ScopeFull)
		res, err := client(officer).ListMailboxesWithResponse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != http.StatusOK || res.JSON200 == nil || len(res.JSON200.Items) != 1 {
			t.Fatalf("officer: %d %s", res.StatusCode(), res.Body)
		}
		m := res.JSON200.Items[0]
		if m.Id.String() != src.ID || m.Address != "privacy@example.ru" || m.Url != "imaps://imap.example.ru:993/INBOX" ||
			m.Folder != "INBOX" || m.State != apiclient.MailboxStateFailing || m.Waiting != 1 || m.LastError == nil ||
			*m.LastError != apiclient.MailboxLastErrorAuthFailed || m.LastFetchAt != nil || m.LastErrorAt == nil {
			t.Errorf("mailbox %s", res.Body)
		}
		if strings.Contains(string(res.Body), "app-secret") {
			t.Errorf("the password is shown: %s", res.Body)
		}
		operator := h.mustToken(t, "op@example.ru", srok.RoleOperator, srok.ScopeFull)
		if res, err := client(operator).ListMailboxesWithResponse(ctx); err != nil || res.StatusCode() != http.StatusForbidden {
			t.Errorf("operator: %v %d", err, res.StatusCode())
		}
		r, err := srv.Client().Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || !strings.Contains(string(body), `"mailboxes":[{"id":"`+src.ID+`","url":"imaps://imap.example.ru:993/INBOX","state":"failing","last_error":"auth_failed"}]`) {
			t.Errorf("readyz %d: %s", r.StatusCode, body)
		}
	})
}
