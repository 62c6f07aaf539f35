package audit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// memStore is audit.Store in memory, filtering as the SQL does.
type memStore struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    error
}

func (m *memStore) AppendAudit(_ context.Context, entries []*audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, e := range entries {
		e.ID = int64(len(m.entries) + 1)
		m.entries = append(m.entries, *e)
	}
	return nil
}

func (m *memStore) ListAudit(_ context.Context, f audit.Filter) ([]audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []audit.Entry
	for _, e := range m.entries {
		switch {
		case f.UserID != "" && e.UserID != f.UserID,
			f.RequestID != "" && e.RequestID != f.RequestID && !slices.Contains(e.RequestIDs, f.RequestID),
			f.Action != "" && e.Action != f.Action,
			f.From != nil && e.At.Before(*f.From),
			f.To != nil && !e.At.Before(*f.To),
			f.After != nil && !(e.At.Before(f.After.At) || e.At.Equal(f.After.At) && e.ID < f.After.ID):
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b audit.Entry) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	if len(out) > f.Limit+1 {
		out = out[:f.Limit+1]
	}
	return out, nil
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.FixedZone("MSK", 3*3600))

func newService(t *testing.T) (*audit.Service, *memStore) {
	t.Helper()
	st := &memStore{}
	return audit.NewService(st, func() time.Time { return t0 }), st
}

func as(role srok.Role) context.Context {
	return srok.WithActor(context.Background(), srok.Actor{ID: "u-" + string(role), Name: "User " + string(role),
		UserID: "u-" + string(role), Role: role})
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var e *srok.Error
	if !errors.As(err, &e) || e.Code != srok.EINVALID {
		t.Fatalf("err = %v, want EINVALID naming %q", err, field)
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("err = %v (fields %+v), want one naming %q", err, e.Fields, field)
}

func TestRecordFillsWhoWhenAndWhere(t *testing.T) {
	svc, st := newService(t)
	tok := srok.Actor{ID: "token:t1", Name: "Helpdesk (Анна)", UserID: "u1", TokenID: "t1", Role: srok.RoleOperator}
	ctx := audit.WithClient(srok.WithActor(context.Background(), tok), "192.0.2.7", "curl/8.5")
	if err := svc.Record(ctx, audit.Entry{Action: audit.ActionRequestRead, Outcome: audit.OutcomeOK, RequestID: "r1",
		At: t0.Add(-time.Hour), ID: 99}); err != nil {
		t.Fatal(err)
	}
	// The caller names the actor and the address itself: Record keeps them.
	if err := svc.Record(ctx, audit.Entry{Action: audit.ActionAuthLoginFailed, Outcome: audit.OutcomeDenied,
		ActorID: "u2", ActorName: "Борис", UserID: "u2", IP: "198.51.100.1"}); err != nil {
		t.Fatal(err)
	}
	// The command line: no actor, no client.
	if err := svc.Record(context.Background(), audit.Entry{Action: audit.ActionUserCreate, Outcome: audit.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	got := st.entries
	want := []audit.Entry{
		{ID: 1, At: t0.UTC(), ActorID: "token:t1", ActorName: "Helpdesk (Анна)", UserID: "u1", TokenID: "t1",
			IP: "192.0.2.7", UserAgent: "curl/8.5", Action: audit.ActionRequestRead, RequestID: "r1", Outcome: audit.OutcomeOK},
		{ID: 2, At: t0.UTC(), ActorID: "u2", ActorName: "Борис", UserID: "u2",
			IP: "198.51.100.1", UserAgent: "curl/8.5", Action: audit.ActionAuthLoginFailed, Outcome: audit.OutcomeDenied},
		{ID: 3, At: t0.UTC(), Action: audit.ActionUserCreate, Outcome: audit.OutcomeOK},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if fmt.Sprintf("%+v", got[i]) != fmt.Sprintf("%+v", want[i]) || got[i].At.Location() != time.UTC {
			t.Errorf("entry %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestRecordBoundsText(t *testing.T) {
	long := strings.Repeat("я", 2000)
	tests := []struct {
		name  string
		in    audit.Entry
		check func(t *testing.T, e audit.Entry)
	}{
		{"user agent cut to 300 characters", audit.Entry{UserAgent: long}, func(t *testing.T, e audit.Entry) {
			if n := utf8.RuneCountInString(e.UserAgent); n != audit.MaxUserAgent || !strings.HasSuffix(e.UserAgent, "…") {
				t.Errorf("user agent of %d characters: %q", n, e.UserAgent)
			}
		}},
		{"detail cut to 1000 characters", audit.Entry{Detail: long}, func(t *testing.T, e audit.Entry) {
			if n := utf8.RuneCountInString(e.Detail); n != audit.MaxDetail {
				t.Errorf("detail of %d characters", n)
			}
		}},
		{"text at its bound is kept whole", audit.Entry{UserAgent: long[:2*audit.MaxUserAgent]}, func(t *testing.T, e audit.Entry) {
			if e.UserAgent != long[:2*audit.MaxUserAgent] {
				t.Errorf("user agent %q", e.UserAgent)
			}
		}},
		{"invalid UTF-8 replaced, not refused", audit.Entry{UserAgent: "Mozilla\xff\xfe/5.0", Detail: "a\xc3b"}, func(t *testing.T, e audit.Entry) {
			if e.UserAgent != "Mozilla\uFFFD/5.0" || e.Detail != "a\uFFFDb" {
				t.Errorf("user agent %q, detail %q", e.UserAgent, e.Detail)
			}
		}},
		{"control characters become spaces; a detail keeps its lines", audit.Entry{UserAgent: "a\x00b\nc\x1b[31m",
			Detail: "one\r\ntwo\tthree\x00\u202Eevil"}, func(t *testing.T, e audit.Entry) {
			if e.UserAgent != "a b c [31m" || e.Detail != "one\ntwo\tthree  evil" {
				t.Errorf("user agent %q, detail %q", e.UserAgent, e.Detail)
			}
		}},
		{"a cut never splits a character", audit.Entry{IP: strings.Repeat("é", 100)}, func(t *testing.T, e audit.Entry) {
			if !utf8.ValidString(e.IP) || utf8.RuneCountInString(e.IP) != audit.MaxIP {
				t.Errorf("ip %q", e.IP)
			}
		}},
		{"fields: empty and repeated names dropped, order kept", audit.Entry{Fields: []string{"subject.email", "", " ", "summary", "subject.email"}},
			func(t *testing.T, e audit.Entry) {
				if !slices.Equal(e.Fields, []string{"subject.email", "summary"}) {
					t.Errorf("fields %q", e.Fields)
				}
			}},
		{"fields beyond MaxFields dropped", audit.Entry{Fields: seq("f", audit.MaxFields+20)}, func(t *testing.T, e audit.Entry) {
			if len(e.Fields) != audit.MaxFields || e.Fields[0] != "f0" {
				t.Errorf("%d fields", len(e.Fields))
			}
		}},
		{"request ids: repeats dropped", audit.Entry{RequestIDs: []string{"r1", "r2", "r1", ""}}, func(t *testing.T, e audit.Entry) {
			if !slices.Equal(e.RequestIDs, []string{"r1", "r2"}) {
				t.Errorf("request ids %q", e.RequestIDs)
			}
		}},
		{"no fields stays nil", audit.Entry{Fields: []string{"", ""}}, func(t *testing.T, e audit.Entry) {
			if e.Fields != nil {
				t.Errorf("fields %q", e.Fields)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, st := newService(t)
			tt.in.Action, tt.in.Outcome = audit.ActionRequestEdit, audit.OutcomeOK
			if err := svc.Record(context.Background(), tt.in); err != nil {
				t.Fatal(err)
			}
			if len(st.entries) != 1 {
				t.Fatalf("%d entries", len(st.entries))
			}
			tt.check(t, st.entries[0])
		})
	}
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func TestRecordRefusesUnknownActionsAndOutcomes(t *testing.T) {
	tests := []struct {
		name  string
		in    audit.Entry
		field string
	}{
		{"no action", audit.Entry{Outcome: audit.OutcomeOK}, "action"},
		{"unknown action", audit.Entry{Action: "request.delete", Outcome: audit.OutcomeOK}, "action"},
		{"no outcome", audit.Entry{Action: audit.ActionRequestRead}, "outcome"},
		{"unknown outcome", audit.Entry{Action: audit.ActionRequestRead, Outcome: "maybe"}, "outcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, st := newService(t)
			wantInvalid(t, svc.Record(as(srok.RoleAdmin), tt.in), tt.field)
			if len(st.entries) != 0 {
				t.Fatalf("stored %+v", st.entries)
			}
		})
	}
}

func TestRecordSplitsLongExports(t *testing.T) {
	svc, st := newService(t)
	ids := seq("r", 2*audit.MaxRequestIDs+50)
	if err := svc.Record(as(srok.RoleOfficer), audit.Entry{Action: audit.ActionRequestExport, Outcome: audit.OutcomeOK,
		RequestIDs: ids, Detail: "csv"}); err != nil {
		t.Fatal(err)
	}
	if len(st.entries) != 3 {
		t.Fatalf("%d entries, want 3", len(st.entries))
	}
	var all []string
	for i, e := range st.entries {
		if want := fmt.Sprintf("csv [%d/3]", i+1); e.Detail != want {
			t.Errorf("entry %d detail %q, want %q", i, e.Detail, want)
		}
		if len(e.RequestIDs) > audit.MaxRequestIDs {
			t.Errorf("entry %d names %d requests", i, len(e.RequestIDs))
		}
		all = append(all, e.RequestIDs...)
	}
	if !slices.Equal(all, ids) {
		t.Fatalf("the parts name %d requests, want the %d exported in order", len(all), len(ids))
	}
	// A page of exactly MaxRequestIDs is one entry, its detail untouched.
	st.entries = nil
	if err := svc.Record(as(srok.RoleOfficer), audit.Entry{Action: audit.ActionRequestList, Outcome: audit.OutcomeOK,
		RequestIDs: ids[:audit.MaxRequestIDs]}); err != nil {
		t.Fatal(err)
	}
	if len(st.entries) != 1 || st.entries[0].Detail != "" {
		t.Fatalf("entries %d, detail %q", len(st.entries), st.entries[0].Detail)
	}
}

func TestRecordPassesStoreErrors(t *testing.T) {
	svc, st := newService(t)
	st.fail = srok.Unavailable(errors.New("down"))
	err := svc.Record(as(srok.RoleAdmin), audit.Entry{Action: audit.ActionAuthLogin, Outcome: audit.OutcomeOK})
	if srok.ErrorCode(err) != srok.EUNAVAILABLE {
		t.Fatalf("err = %v, want EUNAVAILABLE", err)
	}
}

func TestListNeedsAuditRead(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want srok.Code
	}{
		{"nobody", context.Background(), srok.EUNAUTHENTICATED},
		{"viewer", as(srok.RoleViewer), srok.EFORBIDDEN},
		{"operator", as(srok.RoleOperator), srok.EFORBIDDEN},
		{"intake token of an admin", srok.WithActor(context.Background(),
			srok.Actor{ID: "token:t", UserID: "a", TokenID: "t", Role: srok.RoleAdmin, Scope: srok.ScopeIntake}), srok.EFORBIDDEN},
		{"officer", as(srok.RoleOfficer), ""},
		{"admin", as(srok.RoleAdmin), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t)
			if err := svc.Record(as(srok.RoleAdmin), audit.Entry{Action: audit.ActionAuthLogin, Outcome: audit.OutcomeOK}); err != nil {
				t.Fatal(err)
			}
			p, err := svc.List(tt.ctx, audit.Filter{}, "")
			if got := srok.ErrorCode(err); got != tt.want {
				t.Fatalf("err = %v, want code %q", err, tt.want)
			}
			if tt.want == "" && len(p.Items) != 1 {
				t.Fatalf("%d items", len(p.Items))
			}
		})
	}
}

func TestListRefusesBadFilters(t *testing.T) {
	at := func(s string) *time.Time {
		x, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &x
	}
	tests := []struct {
		name  string
		f     audit.Filter
		field string
	}{
		{"negative limit", audit.Filter{Limit: -1}, "limit"},
		{"limit above 200", audit.Filter{Limit: audit.MaxLimit + 1}, "limit"},
		{"unknown action", audit.Filter{Action: "request.delete"}, "action"},
		{"user id too long", audit.Filter{UserID: strings.Repeat("u", audit.MaxID+1)}, "user_id"},
		{"request id with a control character", audit.Filter{RequestID: "r\x00"}, "request_id"},
		{"request id not UTF-8", audit.Filter{RequestID: "r\xff"}, "request_id"},
		{"period backwards", audit.Filter{From: at("2026-11-25T00:00:00Z"), To: at("2026-11-24T00:00:00Z")}, "to"},
		{"empty period", audit.Filter{From: at("2026-11-25T03:00:00+03:00"), To: at("2026-11-25T00:00:00Z")}, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t)
			_, err := svc.List(as(srok.RoleAdmin), tt.f, "")
			wantInvalid(t, err, tt.field)
		})
	}
	svc, _ := newService(t)
	for _, f := range []audit.Filter{{Limit: 1}, {Limit: audit.MaxLimit}, {Action: audit.ActionAuthLoginFailed},
		{From: at("2026-11-24T00:00:00Z"), To: at("2026-11-24T00:00:01Z")}, {From: at("2026-11-24T00:00:00Z")}} {
		if _, err := svc.List(as(srok.RoleAdmin), f, ""); err != nil {
			t.Errorf("filter %+v: %v", f, err)
		}
	}
}

func TestListPagesThroughEqualTimes(t *testing.T) {
	svc, _ := newService(t)
	ctx := as(srok.RoleAdmin)
	for range 7 { // the clock stands still: all seven share one time
		if err := svc.Record(ctx, audit.Entry{Action: audit.ActionRequestRead, Outcome: audit.OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	var sizes []int
	cursor := ""
	for range 10 {
		p, err := svc.List(ctx, audit.Filter{Limit: 3}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Items))
		for _, e := range p.Items {
			ids = append(ids, e.ID)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(ids, []int64{7, 6, 5, 4, 3, 2, 1}) {
		t.Fatalf("pages of %v, ids %v", sizes, ids)
	}
	// An exact last page has no next cursor.
	p, err := svc.List(ctx, audit.Filter{Limit: 7}, "")
	if err != nil || len(p.Items) != 7 || p.Next != "" {
		t.Fatalf("%d items, next %q, %v", len(p.Items), p.Next, err)
	}
}

func TestCursorRefusedWhenTamperedWith(t *testing.T) {
	svc, _ := newService(t)
	ctx := as(srok.RoleOfficer)
	for range 3 {
		if err := svc.Record(ctx, audit.Entry{Action: audit.ActionRequestList, Outcome: audit.OutcomeOK, RequestIDs: []string{"r1"}}); err != nil {
			t.Fatal(err)
		}
	}
	f := audit.Filter{RequestID: "r1", Limit: 1}
	p, err := svc.List(ctx, f, "")
	if err != nil || p.Next == "" {
		t.Fatalf("first page: next %q, %v", p.Next, err)
	}
	good := p.Next
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	flip := []byte(good)
	flip[len(flip)/2] ^= 1
	tests := []struct {
		name   string
		cursor string
		f      audit.Filter
	}{
		{"not base64", "!!!", f},
		{"padded base64", base64.URLEncoding.EncodeToString(raw), f},
		{"a character changed", string(flip), f},
		{"cut short", good[:len(good)-3], f},
		{"not JSON", enc("hello"), f},
		{"an unknown key", enc(strings.TrimSuffix(string(raw), "}") + `,"x":1}`), f},
		{"spaces added", enc(strings.Replace(string(raw), ":", ": ", 1)), f},
		{"id zero", enc(strings.Replace(string(raw), `"i":3`, `"i":0`, 1)), f},
		{"id changed", enc(strings.Replace(string(raw), `"i":3`, `"i":2`, 1)), f},
		{"time not RFC 3339", enc(strings.Replace(string(raw), `"t":"2026`, `"t":"x2026`, 1)), f},
		{"time changed", enc(strings.Replace(string(raw), `"t":"2026`, `"t":"2025`, 1)), f},
		{"check dropped", enc(string(raw[:strings.Index(string(raw), `,"c"`)]) + "}"), f},
		{"another filter's cursor", good, audit.Filter{RequestID: "r2", Limit: 1}},
		{"another action's cursor", good, audit.Filter{RequestID: "r1", Action: audit.ActionRequestList, Limit: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.List(ctx, tt.f, tt.cursor)
			wantInvalid(t, err, "cursor")
		})
	}
	// The untouched cursor goes on, with another page size too.
	p, err = svc.List(ctx, audit.Filter{RequestID: "r1", Limit: 5}, good)
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != 2 {
		t.Fatalf("second page %+v, %v", p.Items, err)
	}
	if !strings.Contains(string(raw), `"i":3`) {
		t.Fatalf("cursor %s: the test's edits assume id 3", raw)
	}
}

func FuzzCursor(f *testing.F) {
	svc := audit.NewService(&memStore{}, func() time.Time { return t0 })
	ctx := as(srok.RoleAdmin)
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"t":"2026-11-25T06:00:00.123456Z","i":2,"c":"00"}`)))
	f.Add("")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, cursor string) {
		_, err := svc.List(ctx, audit.Filter{}, cursor)
		if err != nil && srok.ErrorCode(err) != srok.EINVALID {
			t.Fatalf("cursor %q: %v", cursor, err)
		}
	})
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 BOM: %q", b[:min(len(b), 10)])
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, b)
	}
	return rows
}

func TestWriteCSV(t *testing.T) {
	at := time.Date(2026, 11, 25, 6, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name string
		e    audit.Entry
		want map[string]string // column → cell
	}{
		{"a list read", audit.Entry{ID: 7, At: at.In(time.FixedZone("MSK", 3*3600)), ActorID: "u1", ActorName: "Анна Петрова",
			UserID: "u1", IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (X11; Linux)", Action: audit.ActionRequestList,
			RequestIDs: []string{"r1", "r2", "r3"}, Outcome: audit.OutcomeOK, Detail: "page 2; \"q\" set"},
			map[string]string{"id": "7", "at": "2026-11-25T06:00:00Z", "actor_name": "Анна Петрова", "action": "request.list",
				"request_ids": "r1,r2,r3", "fields": "", "user_agent": "Mozilla/5.0 (X11; Linux)", "detail": "page 2; \"q\" set", "outcome": "ok"}},
		{"an edit names fields", audit.Entry{ID: 8, At: at, Action: audit.ActionRequestEdit, RequestID: "r1",
			Fields: []string{"subject.email", "summary"}, Outcome: audit.OutcomeFailed, Detail: "line one\nline two"},
			map[string]string{"request_id": "r1", "fields": "subject.email,summary", "outcome": "failed", "detail": "line one\nline two"}},
		{"formulas are defused", audit.Entry{ID: 9, At: at, ActorName: "=HYPERLINK(\"http://x\")", UserAgent: "+cmd|' /C calc'!A0",
			IP: "-1+1", Detail: "@SUM(A1)", TokenID: "\t=1", Action: audit.ActionAuthLoginFailed, Outcome: audit.OutcomeDenied},
			map[string]string{"actor_name": "'=HYPERLINK(\"http://x\")", "user_agent": "'+cmd|' /C calc'!A0", "ip": "'-1+1",
				"detail": "'@SUM(A1)", "token_id": "'\t=1", "action": "auth.login_failed"}},
		{"an apostrophe inside is left alone", audit.Entry{ID: 10, At: at, Detail: "a=b, c-d", Action: audit.ActionAuthLogout, Outcome: audit.OutcomeOK},
			map[string]string{"detail": "a=b, c-d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := audit.WriteCSV(&buf, []audit.Entry{tt.e}); err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, buf.Bytes())
			if len(rows) != 2 || !slices.Equal(rows[0], audit.CSVHeader()) {
				t.Fatalf("rows %q", rows)
			}
			for col, want := range tt.want {
				i := slices.Index(rows[0], col)
				if i < 0 {
					t.Fatalf("no column %q", col)
				}
				if rows[1][i] != want {
					t.Errorf("%s = %q, want %q", col, rows[1][i], want)
				}
			}
		})
	}
}

func TestCSVWriterPageByPage(t *testing.T) {
	var empty bytes.Buffer
	if err := audit.WriteCSV(&empty, nil); err != nil {
		t.Fatal(err)
	}
	if rows := readCSV(t, empty.Bytes()); len(rows) != 1 {
		t.Fatalf("an empty export: %q, want the header alone", rows)
	}
	var buf bytes.Buffer
	w := audit.NewCSVWriter(&buf)
	for i := range 3 {
		if err := w.Write(audit.Entry{ID: int64(i + 1), Action: audit.ActionRequestRead, Outcome: audit.OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 4 || rows[3][0] != "3" || bytes.Count(buf.Bytes(), []byte("\uFEFF")) != 1 {
		t.Fatalf("rows %q", rows)
	}
	if !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Error("rows do not end with CRLF")
	}
}

func TestActionsAndOutcomesAreValid(t *testing.T) {
	seen := map[audit.Action]bool{}
	for _, a := range audit.Actions() {
		if !a.Valid() || seen[a] || !strings.Contains(string(a), ".") {
			t.Errorf("action %q", a)
		}
		seen[a] = true
	}
	for _, o := range audit.Outcomes() {
		if !o.Valid() {
			t.Errorf("outcome %q", o)
		}
	}
	if audit.Action("request").Valid() || audit.Outcome("").Valid() {
		t.Error("an unknown name is valid")
	}
}

func TestClientFrom(t *testing.T) {
	if ip, ua := audit.ClientFrom(context.Background()); ip != "" || ua != "" {
		t.Fatalf("empty context: %q %q", ip, ua)
	}
	ip, ua := audit.ClientFrom(audit.WithClient(context.Background(), "2001:db8::1", "Firefox"))
	if ip != "2001:db8::1" || ua != "Firefox" {
		t.Fatalf("%q %q", ip, ua)
	}
}
