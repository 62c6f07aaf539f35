package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// auditEnv is the audit trail on one database, with the register's clock.
type auditEnv struct {
	env
	trail *audit.Service
}

func forEachAuditStore(t *testing.T, fn func(t *testing.T, e auditEnv)) {
	forEachStore(t, func(t *testing.T, e env) {
		fn(t, auditEnv{env: e, trail: audit.NewService(e.st, e.clock.Now)})
	})
}

func actorCtx(id string, role srok.Role) context.Context {
	return srok.WithActor(context.Background(), srok.Actor{ID: id, Name: "Пользователь " + id, UserID: id, Role: role})
}

var (
	auditAdmin   = actorCtx("u-admin", srok.RoleAdmin)
	auditOfficer = actorCtx("u-officer", srok.RoleOfficer)
)

func mustRecord(t *testing.T, e auditEnv, ctx context.Context, en audit.Entry) {
	t.Helper()
	if en.Outcome == "" {
		en.Outcome = audit.OutcomeOK
	}
	if err := e.trail.Record(ctx, en); err != nil {
		t.Fatalf("record %s: %v", en.Action, err)
	}
}

// mustList reads every page of f and returns the entries.
func mustList(t *testing.T, e auditEnv, f audit.Filter) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	cursor := ""
	for range 100 {
		p, err := e.trail.List(auditAdmin, f, cursor)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		all = append(all, p.Items...)
		if cursor = p.Next; cursor == "" {
			return all
		}
	}
	t.Fatal("more than 100 pages")
	return nil
}

func actionsOf(entries []audit.Entry) []string {
	out := make([]string, len(entries))
	for i, x := range entries {
		out[i] = string(x.Action)
	}
	return out
}

func TestAuditRecordAndFilter(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		start := e.clock.Now()
		tick := func(minutes int) time.Time {
			at := start.Add(time.Duration(minutes)*time.Minute + 123456789*time.Nanosecond)
			e.clock.Set(at)
			return at
		}
		operator := audit.WithClient(actorCtx("u-op", srok.RoleOperator), "2001:db8::7", "Mozilla/5.0 (Windows NT 10.0) Яндекс")
		token := audit.WithClient(srok.WithActor(context.Background(), srok.Actor{ID: "token:t9", Name: "Helpdesk",
			UserID: "u-op", TokenID: "t9", Role: srok.RoleOperator}), "192.0.2.9", "curl/8.5")

		tick(0)
		mustRecord(t, e, audit.WithClient(context.Background(), "192.0.2.1", "Firefox"), audit.Entry{Action: audit.ActionAuthLoginFailed,
			Outcome: audit.OutcomeDenied, Detail: "wrong password"})
		t1 := tick(1)
		mustRecord(t, e, operator, audit.Entry{Action: audit.ActionRequestRead, RequestID: "r1"})
		tick(2)
		mustRecord(t, e, operator, audit.Entry{Action: audit.ActionRequestList, RequestIDs: []string{"r3", "r1", "r2"}, Detail: "page 1"})
		t3 := tick(3)
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestEdit, RequestID: "r2",
			Fields: []string{"subject.email", "summary"}})
		tick(4)
		mustRecord(t, e, token, audit.Entry{Action: audit.ActionRequestExport, RequestIDs: []string{"r3"}})
		tick(5)
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestRead, RequestID: "r3", Outcome: audit.OutcomeFailed})

		all := mustList(t, e, audit.Filter{})
		if got, want := actionsOf(all), []string{"request.read", "request.export", "request.edit", "request.list",
			"request.read", "auth.login_failed"}; !slices.Equal(got, want) {
			t.Fatalf("newest first: %q, want %q", got, want)
		}
		list := all[3]
		wantAt := start.Add(2*time.Minute + 123456*time.Microsecond).UTC()
		if list.ActorID != "u-op" || list.ActorName != "Пользователь u-op" || list.UserID != "u-op" || list.TokenID != "" ||
			list.IP != "2001:db8::7" || list.UserAgent != "Mozilla/5.0 (Windows NT 10.0) Яндекс" || list.Detail != "page 1" ||
			!slices.Equal(list.RequestIDs, []string{"r3", "r1", "r2"}) || list.Fields != nil || list.Outcome != audit.OutcomeOK ||
			!list.At.Equal(wantAt) || list.At.Location() != time.UTC {
			t.Errorf("the list read came back as %+v (at want %v)", list, wantAt)
		}
		if edit := all[2]; !slices.Equal(edit.Fields, []string{"subject.email", "summary"}) || edit.RequestID != "r2" || edit.RequestIDs != nil {
			t.Errorf("the edit came back as %+v", edit)
		}
		if exp := all[1]; exp.ActorID != "token:t9" || exp.TokenID != "t9" || exp.UserID != "u-op" || exp.IP != "192.0.2.9" {
			t.Errorf("the export came back as %+v", exp)
		}
		if failed := all[5]; failed.ActorID != "" || failed.UserID != "" || failed.Outcome != audit.OutcomeDenied || failed.IP != "192.0.2.1" {
			t.Errorf("the failed login came back as %+v", failed)
		}

		ptr := func(t time.Time) *time.Time { return &t }
		tests := []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"by user, by hand or by token", audit.Filter{UserID: "u-op"}, []string{"request.export", "request.list", "request.read"}},
			{"by request acted on or shown in a list", audit.Filter{RequestID: "r1"}, []string{"request.list", "request.read"}},
			{"by request shown in a list and an export only", audit.Filter{RequestID: "r3"}, []string{"request.read", "request.export", "request.list"}},
			{"by request edited and listed", audit.Filter{RequestID: "r2"}, []string{"request.edit", "request.list"}},
			{"by a request nobody touched", audit.Filter{RequestID: "r404"}, []string{}},
			{"by action", audit.Filter{Action: audit.ActionRequestRead}, []string{"request.read", "request.read"}},
			{"by period, from inclusive, to exclusive", audit.Filter{From: ptr(t1), To: ptr(t3)}, []string{"request.list", "request.read"}},
			{"from alone", audit.Filter{From: ptr(t3)}, []string{"request.read", "request.export", "request.edit"}},
			{"to alone, in another zone", audit.Filter{To: ptr(t1.In(time.FixedZone("X", -5*3600)))}, []string{"auth.login_failed"}},
			{"user and request", audit.Filter{UserID: "u-op", RequestID: "r3"}, []string{"request.export", "request.list"}},
			{"request and action", audit.Filter{RequestID: "r1", Action: audit.ActionRequestList}, []string{"request.list"}},
			{"request and period", audit.Filter{RequestID: "r3", From: ptr(t1), To: ptr(t3)}, []string{"request.list"}},
		}
		for _, tt := range tests {
			for _, limit := range []int{1, 2, 0} { // across pages and on one
				f := tt.f
				f.Limit = limit
				if got := actionsOf(mustList(t, e, f)); !slices.Equal(got, tt.want) {
					t.Errorf("%s (limit %d): %q, want %q", tt.name, limit, got, tt.want)
				}
			}
		}
	})
}

func TestAuditPagesThroughEqualTimes(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		// The clock stands still at a time with nanoseconds: every entry has
		// the same time, kept to the microsecond, and only ids order them.
		e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 999999999, time.UTC))
		for i := range 11 {
			en := audit.Entry{Action: audit.ActionRequestRead, RequestID: fmt.Sprintf("r%d", i)}
			if i%2 == 0 {
				en = audit.Entry{Action: audit.ActionRequestList, RequestIDs: []string{"x", fmt.Sprintf("r%d", i)}}
			}
			mustRecord(t, e, auditOfficer, en)
		}
		for _, f := range []audit.Filter{{Limit: 3}, {RequestID: "x", Limit: 2}, {Action: audit.ActionRequestRead, Limit: 4}} {
			all := mustList(t, e, f)
			want := map[int]int{3: 11, 2: 6, 4: 5}[f.Limit]
			if len(all) != want {
				t.Fatalf("%+v: %d entries, want %d", f, len(all), want)
			}
			for i := 1; i < len(all); i++ {
				if !all[i].At.Equal(all[0].At) || all[i].ID >= all[i-1].ID {
					t.Fatalf("%+v: entry %d (id %d at %v) after id %d at %v", f, i, all[i].ID, all[i].At, all[i-1].ID, all[i-1].At)
				}
			}
		}
		// A page with the next one's cursor, then that page.
		p1, err := e.trail.List(auditOfficer, audit.Filter{Limit: 5}, "")
		if err != nil || len(p1.Items) != 5 || p1.Next == "" {
			t.Fatalf("page 1: %d items, next %q, %v", len(p1.Items), p1.Next, err)
		}
		p2, err := e.trail.List(auditOfficer, audit.Filter{Limit: 5}, p1.Next)
		if err != nil || len(p2.Items) != 5 || p2.Items[0].ID != p1.Items[4].ID-1 {
			t.Fatalf("page 2: %+v, %v", p2.Items, err)
		}
		// A tampered cursor is refused, not passed to SQL.
		_, err = e.trail.List(auditOfficer, audit.Filter{Limit: 5}, p1.Next[:len(p1.Next)-2]+"AA")
		wantCode(t, err, srok.EINVALID)
	})
}

func TestAuditLongExportIsFound(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		ids := make([]string, 2*audit.MaxRequestIDs+1)
		for i := range ids {
			ids[i] = fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
		}
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestExport, RequestIDs: ids})
		all := mustList(t, e, audit.Filter{})
		if len(all) != 3 {
			t.Fatalf("%d entries, want 3", len(all))
		}
		var got []string
		for i := len(all) - 1; i >= 0; i-- {
			got = append(got, all[i].RequestIDs...)
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("the parts name %d requests, want %d in order", len(got), len(ids))
		}
		last := mustList(t, e, audit.Filter{RequestID: ids[len(ids)-1]})
		if len(last) != 1 || last[0].Detail != "[3/3]" {
			t.Fatalf("the last request is in %+v", last)
		}
	})
}

func TestAuditListNeedsAuditRead(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		mustRecord(t, e, auditAdmin, audit.Entry{Action: audit.ActionAuthLogin})
		for _, tt := range []struct {
			role srok.Role
			want srok.Code
		}{{srok.RoleViewer, srok.EFORBIDDEN}, {srok.RoleOperator, srok.EFORBIDDEN}, {srok.RoleOfficer, ""}, {srok.RoleAdmin, ""}} {
			p, err := e.trail.List(actorCtx("u", tt.role), audit.Filter{}, "")
			if srok.ErrorCode(err) != tt.want {
				t.Errorf("%s: %v, want %q", tt.role, err, tt.want)
			}
			if tt.want == "" && len(p.Items) != 1 {
				t.Errorf("%s: %d entries", tt.role, len(p.Items))
			}
			if tt.want != "" && len(p.Items) != 0 {
				t.Errorf("%s was shown %d entries", tt.role, len(p.Items))
			}
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestRead, RequestID: "r1", Detail: "original"})
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestList, RequestIDs: []string{"r1", "r2"}})
		before := mustList(t, e, audit.Filter{})

		refused := []string{
			"UPDATE audit_entries SET detail = 'forged'",
			"UPDATE audit_entries SET at = at WHERE id = 1",
			"DELETE FROM audit_entries",
			"DELETE FROM audit_entries WHERE id = 1",
			"UPDATE audit_entries SET request_ids = '[\"r9\"]' WHERE id = 2",
		}
		if e.st.Dialect() == store.Postgres {
			refused = append(refused,
				"TRUNCATE audit_entries",
				"TRUNCATE audit_entries CASCADE",
				"TRUNCATE audit_entries RESTART IDENTITY",
				// An upsert onto a stored entry is an UPDATE: refused too.
				`INSERT INTO audit_entries (id, at, action, outcome) OVERRIDING SYSTEM VALUE VALUES (1, now(), 'auth.login', 'ok')
					ON CONFLICT (id) DO UPDATE SET detail = 'forged'`,
			)
		} else {
			refused = append(refused,
				// REPLACE deletes the stored row without firing the DELETE
				// trigger: a BEFORE INSERT trigger refuses it.
				"INSERT OR REPLACE INTO audit_entries (id, at, action, outcome) VALUES (1, '2026-01-01 00:00:00+00:00', 'auth.login', 'ok')",
				"INSERT INTO audit_entries (id, at, action, outcome) VALUES (1, '2026-01-01 00:00:00+00:00', 'auth.login', 'ok') ON CONFLICT (id) DO UPDATE SET detail = 'forged'",
			)
		}
		for _, q := range refused {
			if _, err := e.st.SQL().Exec(q); err == nil {
				t.Errorf("%s succeeded", q)
			} else if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the append-only refusal", q, err)
			}
		}
		after := mustList(t, e, audit.Filter{})
		if fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", before) {
			t.Fatalf("the trail changed:\n%+v\n%+v", before, after)
		}
		// Appending still works after the refusals.
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionAuthLogout})
		if n := len(mustList(t, e, audit.Filter{})); n != 3 {
			t.Fatalf("%d entries after one more", n)
		}
	})
}

func TestAuditMigrationDown(t *testing.T) {
	forEachAuditStore(t, func(t *testing.T, e auditEnv) {
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestList, RequestIDs: []string{"r1"}})
		if err := e.st.MigrateDownTo(e.ctx, 3); err != nil {
			t.Fatalf("down: %v", err)
		}
		if _, err := e.st.SQL().Exec("SELECT 1 FROM audit_entries"); err == nil {
			t.Fatal("audit_entries outlived its migration's Down")
		}
		if _, err := e.st.Migrate(e.ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		mustRecord(t, e, auditOfficer, audit.Entry{Action: audit.ActionRequestRead, RequestID: "r1"})
		if n := len(mustList(t, e, audit.Filter{RequestID: "r1"})); n != 1 {
			t.Fatalf("%d entries after down and up", n)
		}
	})
}
