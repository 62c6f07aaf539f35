package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srok/srok/pkg/srok"
)

// Trail is the one way the domain writes the audit trail (152-FZ art. 19
// part 2), whichever service changes or reads personal data: a change asks
// Prepare for its entries and hands them to its store, which writes them in
// the change's own transaction (a change never lands without its entry);
// a read or a refusal, which changes nothing, is written at once by Record.
// *Service implements it.
type Trail interface {
	// Record writes e at once (reads, refusals, failures).
	Record(ctx context.Context, e Entry) error
	// Prepare makes e ready for a store to write in a change's own
	// transaction.
	Prepare(ctx context.Context, e Entry) ([]*Entry, error)
}

var _ Trail = (*Service)(nil)

// Service records and reads the audit trail. It is safe for concurrent use.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns the audit trail on store, with now as the clock.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// Record appends e to the trail. It sets At from the clock; when ActorID is
// empty it takes the actor from ctx (srok.ActorFrom), and when IP or
// UserAgent are empty, the client from ctx (WithClient). Text is made valid
// UTF-8 without control characters and shortened to its bound (MaxUserAgent,
// MaxDetail, ...); ids beyond MaxFields are dropped, and RequestIDs beyond
// MaxRequestIDs are split over several entries recorded together, each with
// "[part/parts]" after its Detail.
//
// It refuses only an unknown action or outcome (EINVALID): a caller's bug,
// not input. A caller that shows personal data should not show it when
// Record fails: the read would be missing from the trail.
func (s *Service) Record(ctx context.Context, e Entry) error {
	entries, err := s.Prepare(ctx, e)
	if err != nil {
		return err
	}
	return s.store.AppendAudit(ctx, entries)
}

// Prepare makes e ready to be stored, as Record does, without storing it:
// for a change whose audit entry is written in the change's own
// transaction (atomic with it, and without a second commit).
func (s *Service) Prepare(ctx context.Context, e Entry) ([]*Entry, error) {
	if !e.Action.Valid() {
		return nil, srok.Invalid(srok.FieldError{Field: "action", Problem: fmt.Sprintf("%q is not an audit action", e.Action)})
	}
	if !e.Outcome.Valid() {
		return nil, srok.Invalid(srok.FieldError{Field: "outcome", Problem: fmt.Sprintf("%q is not an outcome: ok, denied or failed", e.Outcome)})
	}
	if e.ActorID == "" {
		if a, ok := srok.ActorFrom(ctx); ok {
			e.ActorID = a.ID
			if e.ActorName == "" {
				e.ActorName = a.Name
			}
			if e.UserID == "" {
				e.UserID = a.UserID
			}
			if e.TokenID == "" {
				e.TokenID = a.TokenID
			}
		}
	}
	ip, ua := ClientFrom(ctx)
	if e.IP == "" {
		e.IP = ip
	}
	if e.UserAgent == "" {
		e.UserAgent = ua
	}
	e.ID = 0
	e.At = s.now().UTC()
	e.ActorID = line(e.ActorID, MaxName)
	e.ActorName = line(e.ActorName, MaxName)
	e.UserID = line(e.UserID, MaxID)
	e.TokenID = line(e.TokenID, MaxID)
	e.IP = line(e.IP, MaxIP)
	e.UserAgent = line(e.UserAgent, MaxUserAgent)
	e.RequestID = line(e.RequestID, MaxID)
	e.Detail = text(e.Detail, MaxDetail)
	e.Fields = names(e.Fields, MaxFields)
	e.RequestIDs = names(e.RequestIDs, -1)

	parts := (len(e.RequestIDs) + MaxRequestIDs - 1) / MaxRequestIDs
	if parts <= 1 {
		return []*Entry{&e}, nil
	}
	entries := make([]*Entry, 0, parts)
	for i := range parts {
		x := e
		x.RequestIDs = e.RequestIDs[i*MaxRequestIDs : min((i+1)*MaxRequestIDs, len(e.RequestIDs))]
		suffix := fmt.Sprintf("[%d/%d]", i+1, parts)
		if e.Detail == "" {
			x.Detail = suffix
		} else {
			x.Detail = text(e.Detail, MaxDetail-utf8.RuneCountInString(suffix)-1) + " " + suffix
		}
		entries = append(entries, &x)
	}
	return entries, nil
}

// List returns a page of the entries matching f, newest first, starting
// after cursor ("" for the first page). Only actors who may read the trail
// (srok.ActAuditRead: administrators and the responsible officer, 152-FZ
// art. 22.1) may list it.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (Page, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return Page{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !a.Can(srok.ActAuditRead) {
		return Page{}, srok.Errorf(srok.EFORBIDDEN, "only an administrator or the responsible officer may read the audit trail")
	}
	f, err := checkFilter(f)
	if err != nil {
		return Page{}, err
	}
	if cursor != "" {
		c, err := decodeCursor(cursor, f)
		if err != nil {
			e := srok.Invalid(srok.FieldError{Field: "cursor", Problem: "is not a cursor of this list: start again without it"})
			e.Reason = "bad_parameter"
			e.Cause = err
			return Page{}, e
		}
		f.After = &c
	}
	items, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items}
	if len(items) > f.Limit {
		p.Items = items[:f.Limit]
		last := p.Items[f.Limit-1]
		p.Next = encodeCursor(Cursor{At: last.At, ID: last.ID}, f)
	}
	return p, nil
}

// checkFilter returns f with its defaults, or EINVALID naming what is
// wrong. The fields are named as the API's query parameters.
func checkFilter(f Filter) (Filter, error) {
	var bad srok.Fields
	switch {
	case f.Limit == 0:
		f.Limit = DefaultLimit
	case f.Limit < 0 || f.Limit > MaxLimit:
		bad.Add("limit", "from 1 to %d", MaxLimit)
	}
	if f.Action != "" && !f.Action.Valid() {
		bad.Add("action", "%q is not an audit action", f.Action)
	}
	for _, x := range []struct {
		name, v string
	}{{"user_id", f.UserID}, {"request_id", f.RequestID}} {
		switch {
		case len(x.v) > MaxID:
			bad.Add(x.name, "at most %d characters", MaxID)
		case !utf8.ValidString(x.v) || strings.IndexFunc(x.v, unicode.IsControl) >= 0:
			bad.Add(x.name, "is not valid text")
		}
	}
	if f.From != nil {
		t := f.From.UTC()
		f.From = &t
	}
	if f.To != nil {
		t := f.To.UTC()
		f.To = &t
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		bad.Add("to", "must be later than from")
	}
	f.After = nil
	return f, bad.Err()
}

// cursorJSON is a cursor as sent to the client: the position, and a check
// over the position and the filter it belongs to, so that a cursor edited by
// hand or taken to another list is refused. The check is not a secret: a
// forged cursor that passes it only starts the page at another position of
// a trail its reader may read anyway, so no signing key is needed.
type cursorJSON struct {
	At    string `json:"t"`
	ID    int64  `json:"i"`
	Check string `json:"c"`
}

func encodeCursor(c Cursor, f Filter) string {
	at := c.At.UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(cursorJSON{At: at, ID: c.ID, Check: cursorCheck(at, c.ID, f)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor of the list f. It accepts only what
// encodeCursor writes, byte for byte: anything else has been tampered with.
func decodeCursor(s string, f Filter) (Cursor, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return Cursor{}, err
	}
	var cj cursorJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&cj); err != nil {
		return Cursor{}, err
	}
	if cj.ID <= 0 {
		return Cursor{}, errors.New("no id")
	}
	at, err := time.Parse(time.RFC3339Nano, cj.At)
	if err != nil {
		return Cursor{}, err
	}
	if cj.Check != cursorCheck(cj.At, cj.ID, f) {
		return Cursor{}, errors.New("the check does not match: edited, or of another filter")
	}
	c := Cursor{At: at.UTC(), ID: cj.ID}
	if encodeCursor(c, f) != s {
		return Cursor{}, errors.New("not a cursor written by srok")
	}
	return c, nil
}

// cursorCheck digests a position and the filter (but not its page size,
// which may change between pages).
func cursorCheck(at string, id int64, f Filter) string {
	h := sha256.New()
	for _, s := range []string{"srok audit cursor", at, strconv.FormatInt(id, 10),
		f.UserID, f.RequestID, string(f.Action), timeKey(f.From), timeKey(f.To)} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func timeKey(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// line makes s one line of valid UTF-8 of at most max characters.
func line(s string, max int) string { return bound(s, max, false) }

// text makes s valid UTF-8 of at most max characters; line breaks and tabs
// stay.
func text(s string, max int) string { return bound(s, max, true) }

// bound replaces invalid bytes with U+FFFD and control characters (NUL,
// which PostgreSQL cannot store in text, escape sequences that would drive a
// terminal reading a log) and bidirectional overrides (which make text read
// backwards on screen) with spaces, trims spaces, and cuts s to max
// characters, the last of them "…" when cut.
func bound(s string, max int, multiline bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case multiline && (r == '\n' || r == '\t'):
			return r
		case r == '\r' && multiline:
			return -1 // CRLF becomes LF
		case unicode.IsControl(r), r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}

// names bounds a list of ids or field names: each one a line of at most
// MaxID characters, empty ones and repeats dropped, at most max of them
// (max < 0: no limit).
func names(in []string, max int) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = line(s, MaxID)
		if s == "" || seen[s] {
			continue
		}
		if max >= 0 && len(out) == max {
			break
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
