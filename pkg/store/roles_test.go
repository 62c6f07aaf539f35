package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// TestServingRoleCannotEraseTheAudit: served as a role that does not own
// the schema (store.GrantServing), Srok cannot change, erase or unprotect
// the audit trail or the timeline, by any statement, while the register
// works as before.
func TestServingRoleCannotEraseTheAudit(t *testing.T) {
	t.Parallel()
	st, owner := storetest.MustOpenServing(t, store.Postgres)
	ctx := srok.WithActor(context.Background(), srok.Actor{ID: "u1", Name: "Officer One", UserID: "u1", Role: srok.RoleOfficer})
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
	trail := audit.NewService(st, clock.Now)
	reg := register.NewService(st, cal, moscow, clock.Now, register.WithAudit(trail))

	// The whole register works as the serving role.
	r, _, err := reg.Create(ctx, access("Иван Петров", "ivan@example.ru", "2026-11-24T10:00:00+03:00"), nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := reg.Get(ctx, r.ID); err != nil {
		t.Fatalf("get: %v", err)
	}
	if _, err := reg.Assign(ctx, r.ID, 0, "Officer One"); err != nil {
		t.Fatalf("assign: %v", err)
	}
	if _, _, err := reg.AddNote(ctx, r.ID, "проверено"); err != nil {
		t.Fatalf("note: %v", err)
	}
	if _, _, err := reg.Timeline(ctx, r.ID, 0, 50); err != nil {
		t.Fatalf("timeline: %v", err)
	}
	page, err := trail.List(auditAdmin, audit.Filter{}, "")
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("audit list: %d entries, %v", len(page.Items), err)
	}
	// The serving role seals the new entries into the chain (a function
	// of the owner's), and verifies it.
	if n, err := st.SealAudit(ctx); err != nil || n == 0 {
		t.Fatalf("seal as the serving role: %d, %v", n, err)
	}
	if v, err := audit.Verify(ctx, st); err != nil || !v.Intact() || v.Entries == 0 {
		t.Fatalf("verify as the serving role: %+v, %v", v, err)
	}

	refused := []string{
		"DELETE FROM audit_entries",
		"UPDATE audit_entries SET detail = 'forged'",
		"TRUNCATE audit_entries",
		"ALTER TABLE audit_entries DISABLE TRIGGER USER",
		"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only",
		"DROP TRIGGER audit_entries_append_only ON audit_entries",
		"UPDATE audit_entries SET seq = 1000, hash = 'x' WHERE seq IS NULL",
		"CREATE OR REPLACE FUNCTION audit_chain_seal(max int) RETURNS int LANGUAGE sql AS $$ SELECT 0 $$",
		"DROP TABLE audit_entries",
		"ALTER TABLE audit_entries DROP COLUMN hash",
		"UPDATE audit_chain SET seq = 0",
		"INSERT INTO audit_chain (id, seq, hash) VALUES (2, 0, '')",
		"DELETE FROM events",
		"UPDATE events SET note = 'forged'",
		"TRUNCATE events",
		"ALTER TABLE events DISABLE TRIGGER USER",
		"DROP TRIGGER events_append_only ON events",
		"DELETE FROM goose_db_version",
		"CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
	}
	for _, q := range refused {
		_, err := st.SQL().ExecContext(context.Background(), q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" { // insufficient_privilege, not a trigger's refusal
			t.Errorf("as the serving role, %s: %v, want permission denied", q, err)
		}
	}

	if p, err := st.AuditProtected(ctx); err != nil || !p {
		t.Errorf("serving role: protected %v, %v", p, err)
	}
	if p, err := owner.AuditProtected(ctx); err != nil || p {
		t.Errorf("owner: protected %v, %v", p, err)
	}
	// Granting again (after every migration) changes nothing.
	if err := owner.GrantServing(ctx, "srok_serving"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.AddNote(ctx, r.ID, "ещё раз"); err != nil {
		t.Fatalf("note after granting again: %v", err)
	}
	if _, err := st.SealAudit(ctx); err != nil {
		t.Fatalf("seal after granting again: %v", err)
	}
	if v, err := audit.Verify(ctx, st); err != nil || !v.Intact() {
		t.Fatalf("verify: %+v, %v", v, err)
	}
}

// An owner that serves is not protected, nor is SQLite.
func TestAuditProtectedOnOneRole(t *testing.T) {
	forEachStore(t, func(t *testing.T, e env) {
		if p, err := e.st.AuditProtected(e.ctx); err != nil || p {
			t.Fatalf("protected %v, %v", p, err)
		}
	})
}
