package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/pkg/mailbox"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

func TestMailboxLeaseTakenOverWhenItRunsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		src, err := mailbox.ParseURL("imaps://privacy%40example.ru:secret@imap.example.ru/INBOX")
		if err != nil {
			t.Fatal(err)
		}
		other, err := mailbox.ParseURL("imaps://old:pw@imap.example.ru/INBOX")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 5, 18, 10, 0, 0, 0, time.UTC)
		if err := st.SyncMailboxes(ctx, []mailbox.Source{src}, now); err != nil {
			t.Fatal(err)
		}
		take := func(holder string, at time.Time) bool {
			ok, err := st.TakeMailboxLease(ctx, src.ID, holder, at, at.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take("a", now) {
			t.Fatal("a free mailbox was not leased")
		}
		if take("b", now.Add(30*time.Second)) {
			t.Fatal("b took a lease a holds")
		}
		if !take("a", now.Add(30*time.Second)) {
			t.Fatal("a could not renew its lease")
		}
		// a dies: its lease runs out, b takes over; a's cursor writes no longer count.
		if !take("b", now.Add(91*time.Second)) {
			t.Fatal("b did not take over a lease that ran out")
		}
		if err := st.SaveMailboxCursor(ctx, src.ID, "a", mailbox.Cursor{UIDValidity: 7, LastUID: 99}); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveMailboxCursor(ctx, src.ID, "b", mailbox.Cursor{UIDValidity: 7, LastUID: 3}); err != nil {
			t.Fatal(err)
		}
		if c, err := st.MailboxCursor(ctx, src.ID); err != nil || c != (mailbox.Cursor{UIDValidity: 7, LastUID: 3}) {
			t.Fatalf("cursor %+v, %v: want the holder's", c, err)
		}
		if err := st.ReleaseMailboxLease(ctx, src.ID, "b"); err != nil {
			t.Fatal(err)
		}
		if !take("a", now.Add(92*time.Second)) {
			t.Fatal("a released mailbox was not leased")
		}
		// State and error are kept; no password anywhere.
		fetched := now.Add(time.Hour)
		if err := st.SetMailboxStatus(ctx, src.ID, mailbox.Status{State: mailbox.StateFailing,
			Err: &mailbox.Error{Code: mailbox.CodeAuth, Detail: "refused"}}, fetched); err != nil {
			t.Fatal(err)
		}
		list, err := st.Mailboxes(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("mailboxes %+v, %v", list, err)
		}
		m := list[0]
		if m.State != mailbox.StateFailing || m.LastError != mailbox.CodeAuth || m.ErrorAt == nil || !m.ErrorAt.Equal(fetched) ||
			m.Address != "privacy@example.ru" || m.URL != "imaps://imap.example.ru:993/INBOX" || m.Waiting != 0 || !m.Active {
			t.Errorf("mailbox %+v", m)
		}
		if err := st.SetMailboxStatus(ctx, src.ID, mailbox.Status{State: mailbox.StateOK, Fetched: &fetched}, fetched); err != nil {
			t.Fatal(err)
		}
		// Configured no more: inactive, and nobody leases it.
		if err := st.SyncMailboxes(ctx, []mailbox.Source{other}, now); err != nil {
			t.Fatal(err)
		}
		list, _ = st.Mailboxes(ctx)
		if len(list) != 2 || list[0].ID != other.ID {
			t.Fatalf("after a new configuration: %+v", list)
		}
		if m := list[1]; m.State != mailbox.StateInactive || m.Active || m.LastFetchAt == nil {
			t.Errorf("an unconfigured mailbox: %+v", m)
		}
		if take("c", now.Add(time.Hour)) {
			t.Error("an inactive mailbox was leased")
		}
	})
}

// A mailbox connected from the page: stored with its sealed password only,
// left alone by the start-up sync of SROK_IMAP_URL, not connected twice,
// disconnected without its password and taken up again with its cursor.
func TestConnectedMailboxes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 18, 10, 0, 0, 0, time.UTC)
		src, err := mailbox.Connection{Address: "privacy@example.ru", Password: "secret", Host: "imap.example.ru"}.Source()
		if err != nil {
			t.Fatal(err)
		}
		src.Password = ""
		c := mailbox.Connected{Source: src, Sealed: "v1:sealed-1", DoneFolder: "Done", By: "u1"}
		if err := st.ConnectMailbox(ctx, c, nil, now); err != nil {
			t.Fatal(err)
		}
		if err := st.ConnectMailbox(ctx, c, nil, now); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Errorf("connected twice: %v", err)
		}
		if err := st.SyncMailboxes(ctx, nil, now); err != nil {
			t.Fatal(err)
		}
		got, err := st.ConnectedMailboxes(ctx)
		if err != nil || len(got) != 1 || got[0].Sealed != "v1:sealed-1" || got[0].DoneFolder != "Done" || got[0].Source.ID != src.ID ||
			got[0].Source.Username != "privacy@example.ru" || got[0].Source.Port != 993 || got[0].By != "u1" {
			t.Fatalf("after the sync of no configured mailbox: %+v, %v", got, err)
		}
		if ok, err := st.TakeMailboxLease(ctx, src.ID, "a", now, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("lease: %v %v", ok, err)
		}
		if err := st.SaveMailboxCursor(ctx, src.ID, "a", mailbox.Cursor{UIDValidity: 7, LastUID: 42}); err != nil {
			t.Fatal(err)
		}
		if err := st.DisconnectMailbox(ctx, src.ID, nil, now); err != nil {
			t.Fatal(err)
		}
		if err := st.DisconnectMailbox(ctx, src.ID, nil, now); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("disconnected twice: %v", err)
		}
		if got, err := st.ConnectedMailboxes(ctx); err != nil || len(got) != 0 {
			t.Errorf("after disconnecting: %+v, %v", got, err)
		}
		if ok, _ := st.TakeMailboxLease(ctx, src.ID, "b", now, now.Add(time.Minute)); ok {
			t.Error("a disconnected mailbox was leased")
		}
		list, err := st.Mailboxes(ctx)
		if err != nil || len(list) != 1 || list[0].State != mailbox.StateInactive || list[0].Source != mailbox.SourcePage {
			t.Fatalf("listed: %+v, %v", list, err)
		}
		c.Sealed = "v1:sealed-2"
		if err := st.ConnectMailbox(ctx, c, nil, now); err != nil {
			t.Fatal(err)
		}
		if cur, err := st.MailboxCursor(ctx, src.ID); err != nil || cur.LastUID != 42 || cur.UIDValidity != 7 {
			t.Errorf("cursor after connecting again: %+v, %v", cur, err)
		}
		if got, _ := st.ConnectedMailboxes(ctx); len(got) != 1 || got[0].Sealed != "v1:sealed-2" {
			t.Errorf("connected again: %+v", got)
		}
		// An env mailbox is not disconnected from here.
		env, _ := mailbox.ParseURL("imaps://other:pw@imap.example.ru/INBOX")
		if err := st.SyncMailboxes(ctx, []mailbox.Source{env}, now); err != nil {
			t.Fatal(err)
		}
		if err := st.DisconnectMailbox(ctx, env.ID, nil, now); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("an env mailbox disconnected: %v", err)
		}
	})
}
