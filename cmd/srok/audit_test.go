package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
)

// TestAuditVerify: intact, the chain is counted in Russian and the exit is
// 0; an entry changed or removed in the database (by its owner, triggers
// out of the way) is named and the exit is 1.
func TestAuditVerify(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, vars map[string]string) {
		for _, email := range []string{"a@example.ru", "b@example.ru", "c@example.ru"} {
			if r := runWithStdin(t, vars, "", false, "user", "create", "--email", email, "--name", "Пользователь", "--role", "officer", "--generate-password"); r.code != 0 {
				t.Fatalf("user create: %d %s", r.code, r.stderr)
			}
		}
		r := runSrok(t, vars, fixedNow, "audit", "verify")
		if r.code != 0 || r.stdout != "журнал действий цел: 3 записи\n" {
			t.Fatalf("intact: %d %q %q", r.code, r.stdout, r.stderr)
		}
		st, err := store.Open(context.Background(), vars["DATABASE_URL"], vars["SROK_DATA_DIR"], store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var ids []int64
		rows, err := st.SQL().Query("SELECT id FROM audit_entries ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) != 3 {
			t.Fatalf("entries %v", ids)
		}
		exec := func(q string) {
			t.Helper()
			if st.Dialect() == store.Postgres {
				q = "ALTER TABLE audit_entries DISABLE TRIGGER USER; " + q + "; ALTER TABLE audit_entries ENABLE TRIGGER USER"
			} else {
				q = "DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete; " + q
			}
			if _, err := st.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}

		exec(fmt.Sprintf("DELETE FROM audit_entries WHERE id = %d", ids[1]))
		r = runSrok(t, vars, fixedNow, "audit", "verify")
		want := fmt.Sprintf("звено 2 цепочки удалено: нет записи между %d и %d", ids[0], ids[2])
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("removed: %d %q, want exit 1 and %q", r.code, r.stderr, want)
		}

		exec(fmt.Sprintf("UPDATE audit_entries SET detail = 'подделка' WHERE id = %d", ids[0]))
		r = runSrok(t, vars, fixedNow, "audit", "verify")
		want = fmt.Sprintf("журнал действий нарушен: запись %d (звено 1 цепочки) изменена", ids[0])
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("changed: %d %q, want exit 1 and %q", r.code, r.stderr, want)
		}
	})
}

func TestEntriesWord(t *testing.T) {
	for n, want := range map[int64]string{0: "записей", 1: "запись", 2: "записи", 4: "записи", 5: "записей", 11: "записей",
		12: "записей", 14: "записей", 21: "запись", 22: "записи", 101: "запись", 111: "записей"} {
		if got := entriesWord(n); got != want {
			t.Errorf("%d %s, want %s", n, got, want)
		}
	}
}

// TestMigrateWithTwoRoles: with SROK_MIGRATE_DATABASE_URL, srok migrate
// migrates as the owner and grants DATABASE_URL's role what serving needs:
// the commands work as that role, which cannot delete the audit trail, and
// srok config and the chain agree.
func TestMigrateWithTwoRoles(t *testing.T) {
	t.Parallel()
	ownerURL := pgtest.MustDatabase(t)
	vars := map[string]string{"DATABASE_URL": pgtest.MustServingURL(t, ownerURL), "SROK_MIGRATE_DATABASE_URL": ownerURL}
	if r := runSrok(t, vars, fixedNow, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	// Again: the grants are made after every migration, and change nothing.
	if r := runSrok(t, vars, fixedNow, "migrate"); r.code != 0 || !strings.Contains(r.stdout, "schema is current") {
		t.Fatalf("migrate again: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runWithStdin(t, vars, "", false, "user", "create", "--email", "a@example.ru", "--name", "Пользователь", "--role", "admin", "--generate-password"); r.code != 0 {
		t.Fatalf("user create as the serving role: %d %s", r.code, r.stderr)
	}
	if r := runSrok(t, vars, fixedNow, "audit", "verify"); r.code != 0 || r.stdout != "журнал действий цел: 1 запись\n" {
		t.Fatalf("verify: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runSrok(t, vars, fixedNow, "config"); r.code != 0 || !strings.Contains(r.stdout, "# audit trail: protected") {
		t.Fatalf("config: %d %s", r.code, r.stdout)
	}
	st, err := store.Open(context.Background(), vars["DATABASE_URL"], "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SQL().Exec("DELETE FROM audit_entries"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("DELETE as the serving role: %v, want permission denied", err)
	}
	if p, err := st.AuditProtected(context.Background()); err != nil || !p {
		t.Fatalf("protected %v, %v", p, err)
	}
}
