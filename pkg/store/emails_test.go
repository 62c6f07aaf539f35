package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

func mustEML(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "intake", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	officer = srok.Actor{ID: "u1", Name: "Officer One", UserID: "u1", Role: srok.RoleOfficer}
	intakeA = srok.Actor{ID: "token:a", Name: "Form A", UserID: "u2", Role: srok.RoleOperator, Scope: srok.ScopeIntake, TokenID: "a"}
	intakeB = srok.Actor{ID: "token:b", Name: "Form B", UserID: "u2", Role: srok.RoleOperator, Scope: srok.ScopeIntake, TokenID: "b"}
)

func TestEmailsStoreAndRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		svc := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		raw := mustEML(t, "attachment_rfc2231.eml")
		em, created, err := svc.Ingest(e.ctx, officer, raw)
		if err != nil || !created {
			t.Fatalf("ingest: %v, created %v", err, created)
		}
		got, err := svc.Get(e.ctx, officer, em.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Date == nil || got.Date.Format(time.RFC3339) != "2026-11-20T08:00:00+03:00" ||
			got.From == nil || got.From.Email != "sergey@example.ru" || got.From.Name != "Сергей" ||
			got.Subject != em.Subject || got.Text != em.Text || *got.SuggestedType != *em.SuggestedType ||
			!slices.Equal(got.Attachments, em.Attachments) || got.SHA256 != em.SHA256 || got.Size != int64(len(raw)) ||
			!got.StoredAt.Equal(e.clock.Now()) || got.StoredBy != officer.ID || len(got.Warnings) != 0 {
			t.Fatalf("read back %+v\nstored %+v", got, em)
		}
		back, err := svc.Raw(e.ctx, officer, em.ID)
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("raw: %v, equal %v", err, bytes.Equal(back, raw))
		}
		a, b, err := svc.Attachment(e.ctx, officer, em.ID, 0)
		if err != nil || a.Filename != "Паспорт скан.pdf" || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("attachment: %+v %v", a, err)
		}
		if _, _, err := svc.Attachment(e.ctx, officer, em.ID, 2); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("attachment 2: %v", err)
		}
		for _, id := range []string{"nope", strings.ToUpper(em.ID), "01900000-0000-7000-8000-000000000000"} {
			if _, err := svc.Get(e.ctx, officer, id); srok.ErrorCode(err) != srok.ENOTFOUND {
				t.Errorf("get %q: %v", id, err)
			}
			if _, err := svc.Raw(e.ctx, officer, id); srok.ErrorCode(err) != srok.ENOTFOUND {
				t.Errorf("raw %q: %v", id, err)
			}
		}

		// A message without a Date or a sender is stored with warnings.
		nf, _, err := svc.Ingest(e.ctx, officer, mustEML(t, "no_from.eml"))
		if err != nil {
			t.Fatal(err)
		}
		got, err = svc.Get(e.ctx, officer, nf.ID)
		if err != nil || got.From != nil || got.Date != nil || len(got.Warnings) != 2 {
			t.Fatalf("no from: %+v %v", got, err)
		}
		g, _, err := svc.Ingest(e.ctx, officer, mustEML(t, "garbage.eml"))
		if err != nil || g.ID == "" {
			t.Fatalf("garbage: %+v %v", g, err)
		}
	})
}

// The dedup rule: the same bytes, or the same Message-ID with the same
// body, are one email; another body under the same Message-ID, or
// different bytes without a Message-ID, are another.
func TestEmailsDeduplicate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		svc := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		raw := mustEML(t, "utf8_plain.eml")
		first, created, err := svc.Ingest(e.ctx, officer, raw)
		if err != nil || !created {
			t.Fatal(err, created)
		}
		ingest := func(b []byte) (*intake.Email, bool) {
			t.Helper()
			em, created, err := svc.Ingest(e.ctx, officer, b)
			if err != nil {
				t.Fatal(err)
			}
			return em, created
		}
		if again, created := ingest(raw); created || again.ID != first.ID {
			t.Errorf("the same bytes: %s, created %v", again.ID, created)
		}
		relayed := append([]byte("Received: from mx2.example.com by mx.example.com; Tue, 24 Nov 2026 14:06:00 +0500\r\n"), raw...)
		if again, created := ingest(relayed); created || again.ID != first.ID || again.SHA256 != first.SHA256 {
			t.Errorf("the same message relayed: %s, created %v", again.ID, created)
		}
		other := bytes.Replace(raw, []byte("Иван Петров\r\n"), []byte("Пётр Иванов\r\n"), 1)
		o, created := ingest(other)
		if !created || o.ID == first.ID || !slices.ContainsFunc(o.Warnings, func(w string) bool { return strings.Contains(w, first.ID) }) {
			t.Errorf("another body under the same Message-ID: %+v, created %v", o, created)
		}
		noID := bytes.Replace(raw, []byte("Message-ID: <utf8-plain-1@example.ru>\r\n"), nil, 1)
		n1, created1 := ingest(noID)
		n2, created2 := ingest(append([]byte("X-Spam: no\r\n"), noID...))
		if !created1 || !created2 || n1.ID == n2.ID || n1.MessageID != "" {
			t.Errorf("without a Message-ID: %s %v, %s %v", n1.ID, created1, n2.ID, created2)
		}
	})
}

// Concurrent duplicates store one email and all get its id.
func TestEmailsConcurrentDuplicates(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		svc := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		raw := mustEML(t, "forwarded.eml")
		const n = 8
		ids := make([]string, n)
		created := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				b := raw
				if i%2 == 1 { // relayed: other header, same Message-ID and body
					b = append([]byte("Received: by relay"+strings.Repeat("x", i)+"\r\n"), raw...)
				}
				em, c, err := svc.Ingest(e.ctx, officer, b)
				if err == nil {
					ids[i], created[i] = em.ID, c
				}
				errs[i] = err
			})
		}
		wg.Wait()
		stored := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("ingest %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("ingest %d: id %s, want %s", i, ids[i], ids[0])
			}
			if created[i] {
				stored++
			}
		}
		if stored != 1 {
			t.Errorf("%d ingests stored the email, want 1", stored)
		}
	})
}

// Who may read: an intake token only what it sent in; a viewer nothing.
func TestEmailsAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		svc := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		raw := mustEML(t, "koi8r_base64.eml")
		em, _, err := svc.Ingest(e.ctx, intakeA, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(e.ctx, intakeA, em.ID); err != nil {
			t.Errorf("the token that sent it: %v", err)
		}
		if _, err := svc.Get(e.ctx, intakeB, em.ID); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("another intake token: %v", err)
		}
		// B sends the same email in: now B may read it too.
		if again, created, err := svc.Ingest(e.ctx, intakeB, raw); err != nil || created || again.ID != em.ID {
			t.Fatalf("B's ingest: %v %v", err, created)
		}
		if _, err := svc.Raw(e.ctx, intakeB, em.ID); err != nil {
			t.Errorf("B after sending it: %v", err)
		}
		viewer := srok.Actor{ID: "v", UserID: "v", Role: srok.RoleViewer}
		if _, _, err := svc.Ingest(e.ctx, viewer, raw); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("viewer ingest: %v", err)
		}
		if _, err := svc.Raw(e.ctx, viewer, em.ID); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("viewer raw: %v", err)
		}
		if _, err := svc.Get(e.ctx, srok.Actor{}, em.ID); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("nobody: %v", err)
		}
	})
}

// A request links its email; received_at defaults to the email's date.
func TestRequestLinksEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		svc := intake.NewService(e.st, intake.WithClock(e.clock.Now))
		em, _, err := svc.Ingest(e.ctx, officer, mustEML(t, "utf8_plain.eml"))
		if err != nil {
			t.Fatal(err)
		}
		in := register.Input{Type: "withdrawal", Channel: "email", EmailID: em.ID,
			Subject: register.SubjectInput{Name: "Иван Петров", Email: "ivan@example.ru"}}
		r := mustCreate(t, e, in)
		if r.EmailID != em.ID || !r.ReceivedAt.Equal(*em.Date) {
			t.Fatalf("created %s at %v, want %s at %v", r.EmailID, r.ReceivedAt, em.ID, em.Date)
		}
		got, err := e.st.Request(e.ctx, r.ID)
		if err != nil || got.EmailID != em.ID {
			t.Fatalf("read back %q %v", got.EmailID, err)
		}
		tl, err := e.st.Timeline(e.ctx, r.ID, 0, 10)
		if err != nil || len(tl) == 0 || tl[0].Kind != register.EventCreated || tl[0].After["email_id"] != em.ID {
			t.Fatalf("timeline %+v %v", tl, err)
		}
		in.EmailID = "01900000-0000-7000-8000-000000000000"
		if _, _, err := e.reg.Create(e.ctx, in, nil); !hasField(err, "email_id") {
			t.Errorf("unknown email: %v", err)
		}
		nd, _, err := svc.Ingest(e.ctx, officer, mustEML(t, "no_from.eml"))
		if err != nil {
			t.Fatal(err)
		}
		in.EmailID = nd.ID
		if _, _, err := e.reg.Create(e.ctx, in, nil); !hasField(err, "received_at") {
			t.Errorf("an email without a date: %v", err)
		}
		in.ReceivedAt = "2026-11-24T10:00:00+03:00"
		if r := mustCreate(t, e, in); r.EmailID != nd.ID {
			t.Errorf("with received_at: %+v", r)
		}
	})
}

func hasField(err error, field string) bool {
	var se *srok.Error
	if !errors.As(err, &se) || se.Code != srok.EINVALID {
		return false
	}
	return slices.ContainsFunc(se.Fields, func(f srok.FieldError) bool { return f.Field == field })
}
