package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/store"
)

// tamper runs queries on the database as its owner would, behind Srok's
// back: on PostgreSQL with the table's triggers disabled, on SQLite with
// them dropped.
func tamper(t *testing.T, e auditEnv, queries ...string) {
	t.Helper()
	db := e.st.SQL()
	if e.st.Dialect() == store.Postgres {
		queries = append(append([]string{"ALTER TABLE audit_entries DISABLE TRIGGER USER"}, queries...),
			"ALTER TABLE audit_entries ENABLE TRIGGER USER")
	} else {
		queries = append([]string{"DROP TRIGGER IF EXISTS audit_entries_no_update", "DROP TRIGGER IF EXISTS audit_entries_no_delete"}, queries...)
	}
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// mustVerify seals the new entries, as srok audit verify does, and walks
// the chain.
func mustVerify(t *testing.T, e auditEnv) audit.Verification {
	t.Helper()
	if _, err := e.st.SealAudit(e.ctx); err != nil {
		t.Fatalf("seal: %v", err)
	}
	v, err := audit.Verify(e.ctx, e.st)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}

// recordSome records n entries of every shape the trail holds (fields,
// lists of requests, Cyrillic text), seals them, and returns their ids in
// order.
func recordSome(t *testing.T, e auditEnv, n int) []int64 {
	t.Helper()
	ids := recordUnsealed(t, e, n)
	if _, err := e.st.SealAudit(e.ctx); err != nil {
		t.Fatalf("seal: %v", err)
	}
	return ids
}

// recordUnsealed is recordSome without the seal.
func recordUnsealed(t *testing.T, e auditEnv, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		en := audit.Entry{Action: audit.ActionRequestEdit, RequestID: fmt.Sprintf("r%d", i), Fields: []string{"subject.email", "summary"},
			Detail: "правка № " + fmt.Sprint(i), Outcome: audit.OutcomeOK}
		if i%3 == 1 {
			en = audit.Entry{Action: audit.ActionRequestList, RequestIDs: []string{"r1", "r2", fmt.Sprintf("r%d", i)}, Outcome: audit.OutcomeOK}
		}
		entries, err := e.trail.Prepare(auditOfficer, en)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.AppendAudit(e.ctx, entries); err != nil {
			t.Fatalf("append: %v", err)
		}
		ids = append(ids, entries[0].ID)
	}
	return ids
}

func TestAuditChainIntact(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		if v := mustVerify(t, e); !v.Intact() || v.Entries != 0 {
			t.Fatalf("empty trail: %+v", v)
		}
		recordSome(t, e, 5)
		// A request's creation writes its entry in the create's own
		// statement on PostgreSQL: it joins the chain too.
		reg := register.NewService(e.st, cal, moscow, e.clock.Now, register.WithAudit(e.trail))
		if _, _, err := reg.Create(e.ctx, access("Иван Петров", "ivan@example.ru", "2026-11-24T10:00:00+03:00"), nil); err != nil {
			t.Fatalf("create: %v", err)
		}
		// One Record split over several entries is several links.
		ids := make([]string, audit.MaxRequestIDs+1)
		for i := range ids {
			ids[i] = fmt.Sprintf("x%d", i)
		}
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestExport, RequestIDs: ids})
		v := mustVerify(t, e)
		if !v.Intact() || v.Entries != 8 {
			t.Fatalf("verify: %+v, want intact with 8 entries", v)
		}
	})
}

func TestAuditChainConcurrentWritersDoNotFork(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := range 15 {
					if err := e.trail.Record(auditOfficer, audit.Entry{Action: audit.ActionRequestRead, RequestID: fmt.Sprintf("w%d-%d", w, i), Outcome: audit.OutcomeOK}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if v := mustVerify(t, e); !v.Intact() || v.Entries != 120 {
			t.Fatalf("verify: %+v, want intact with 120 entries", v)
		}
	})
}

func TestAuditChainNamesTheChangedEntry(t *testing.T) {
	for _, change := range []string{"detail = 'forged'", "actor_id = 'u-admin'", "at = at + interval '1 second'",
		"request_ids = '[\"r1\"]'", "hash = 'x'"} {
		t.Run(change, func(t *testing.T) {
			forEachAuditStore(t, func(t *testing.T, e auditEnv) {
				ids := recordSome(t, e, 6)
				set := change
				if e.st.Dialect() == store.SQLite && change == "at = at + interval '1 second'" {
					set = "at = datetime(at, '+1 second')"
				}
				tamper(t, e, fmt.Sprintf("UPDATE audit_entries SET %s WHERE id = %d", set, ids[4]))
				v := mustVerify(t, e)
				if v.Problem != audit.ProblemChanged || v.ID != ids[4] || v.Entries != 4 {
					t.Fatalf("verify: %+v, want entry %d changed after 4 intact", v, ids[4])
				}
			})
		})
	}
}

func TestAuditChainNamesTheGap(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		ids := recordSome(t, e, 6)
		tamper(t, e, fmt.Sprintf("DELETE FROM audit_entries WHERE id = %d", ids[2]))
		v := mustVerify(t, e)
		if v.Problem != audit.ProblemMissing || v.Seq != 3 || v.PrevID != ids[1] || v.ID != ids[3] {
			t.Fatalf("verify: %+v, want link 3 missing between %d and %d", v, ids[1], ids[3])
		}
	})
}

func TestAuditChainNamesTheMissingLast(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		ids := recordSome(t, e, 4)
		tamper(t, e, fmt.Sprintf("DELETE FROM audit_entries WHERE id = %d", ids[3]))
		v := mustVerify(t, e)
		if v.Problem != audit.ProblemMissing || v.Seq != 4 || v.PrevID != ids[2] || v.ID != 0 {
			t.Fatalf("verify: %+v, want the last link (4) missing after %d", v, ids[2])
		}
	})
}

func TestAuditChainNamesAnEntryOutsideIt(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		ids := recordSome(t, e, 2)
		if e.st.Dialect() == store.Postgres {
			// Its seq cannot be NULL there: a forger picks one after the head.
			tamper(t, e, "INSERT INTO audit_entries (at, action, outcome, seq, hash) VALUES ('2026-01-01 00:00:00+00:00', 'auth.login', 'ok', 5, 'x')")
			if v := mustVerify(t, e); v.Problem != audit.ProblemMissing || v.Seq != 3 || v.PrevID != ids[1] {
				t.Fatalf("verify: %+v, want link 3 missing after %d", v, ids[1])
			}
			return
		}
		tamper(t, e, "INSERT INTO audit_entries (at, action, outcome) VALUES ('2026-01-01 00:00:00+00:00', 'auth.login', 'ok')")
		if v := mustVerify(t, e); v.Problem != audit.ProblemUnchained || v.ID != ids[1]+1 {
			t.Fatalf("verify: %+v, want entry %d outside the chain", v, ids[1]+1)
		}
	})
}

// The entries stored before migration 12 join the chain when it is
// applied, in id order.
func TestAuditChainTakesInEarlierEntries(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		if err := e.st.MigrateDownTo(e.ctx, 11); err != nil {
			t.Fatalf("down: %v", err)
		}
		for i := range 3 {
			q := fmt.Sprintf(`INSERT INTO audit_entries (at, actor_id, action, request_id, fields, request_ids, outcome, detail)
				VALUES ('2026-01-0%d 10:00:00.123456+00:00', 'u1', 'request.edit', 'r%d', '["a","b"]', '["r1"]', 'ok', 'до миграции')`, i+1, i)
			if _, err := e.st.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := e.st.Migrate(context.Background()); err != nil {
			t.Fatalf("up: %v", err)
		}
		recordSome(t, e, 2)
		if v := mustVerify(t, e); !v.Intact() || v.Entries != 5 {
			t.Fatalf("verify: %+v, want intact with 5 entries", v)
		}
	})
}

// On PostgreSQL an entry is written unsealed, with its change, and joins
// the chain at the next seal; the seal changes nothing but its place and
// hash, and nothing else may ride on it.
func TestAuditChainSealsLater(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		ids := recordUnsealed(t, e, 3)
		unsealed, err := e.st.AuditUnchained(e.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if e.st.Dialect() == store.SQLite {
			if len(unsealed) != 0 {
				t.Fatalf("SQLite chains as it writes; unsealed %v", unsealed)
			}
			return
		}
		if len(unsealed) != 3 || unsealed[0] != ids[0] {
			t.Fatalf("unsealed %v, want %v", unsealed, ids)
		}
		before := mustList(t, e, audit.Filter{})
		n, err := e.st.SealAudit(e.ctx)
		if err != nil || n != 3 {
			t.Fatalf("seal: %d, %v; want 3", n, err)
		}
		if n, err := e.st.SealAudit(e.ctx); err != nil || n != 0 {
			t.Fatalf("second seal: %d, %v; want 0", n, err)
		}
		if after := mustList(t, e, audit.Filter{}); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("the seal changed the entries:\n%v\n%v", before, after)
		}
		if v, err := audit.Verify(e.ctx, e.st); err != nil || !v.Intact() || v.Entries != 3 {
			t.Fatalf("verify: %+v %v", v, err)
		}
		// The owner's own update may seal, but not change an entry with it.
		recordUnsealed(t, e, 1)
		_, err = e.st.SQL().Exec(`UPDATE audit_entries SET seq = 99, hash = 'x', detail = 'forged' WHERE seq IS NULL`)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("a seal that changes the entry: %v", err)
		}
	})
}
