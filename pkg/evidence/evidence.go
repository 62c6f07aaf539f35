// Package evidence makes a request's evidence pack: the zip an inspector of
// Roskomnadzor is handed to show how one request was handled — the email
// it came in as received, the letters issued, its timeline, the audit of
// who read and changed it, and a manifest with each file's SHA-256 so that
// the pack can be checked later. 152-FZ art. 14, 20 and 21 set the terms;
// art. 19 part 2 and art. 22.1 part 4 ask the operator to show who handled
// the personal data and how.
//
// The pack is written to the response as it is made (archive/zip): the
// raw email is the largest part and is held once, the rest is read a page
// at a time.
package evidence

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// Register is what a pack asks of the register.
type Register interface {
	// Get returns the request the actor may see (ENOTFOUND otherwise),
	// recording the read.
	Get(ctx context.Context, id string) (*register.Request, error)
	// Timeline returns a page of the request's events after afterID.
	Timeline(ctx context.Context, id string, afterID int64, limit int) (*register.Request, []register.Event, error)
	// Zone is the operator's zone the pack's times are written in.
	Zone() *time.Location
}

// Emails gives the raw bytes of a stored email to an actor who may read it
// (package intake, which records the read).
type Emails interface {
	Raw(ctx context.Context, a srok.Actor, id string) ([]byte, error)
}

// Entries reads the audit trail's entries of one request for whoever may
// make its pack, which is more than who may browse the trail (an operator
// sees the audit of the requests they handle): the storage (audit.Store).
type Entries interface {
	// ListAudit returns up to f.Limit+1 entries matching f, newest first.
	ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Letter is a letter issued for a request (an answer, a refusal, a notice
// of extension), as the letters/ folder of a pack holds it.
type Letter struct {
	// Name is the file's name inside letters/, such as
	// "2026-000123-answer.pdf".
	Name string
	// Number and Date are the letter's outgoing number and date.
	Number string
	Date   calendar.Date
	// Kind says what the letter is ("answer", "refusal", "extension").
	Kind string
	// Open returns the letter's bytes as issued.
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// Letters gives the letters issued for a request: the hook of the
// letters/ folder and the manifest's "letters" (organisation.EvidenceLetters
// gives each issued letter's PDF and DOCX as issued).
type Letters interface {
	IssuedLetters(ctx context.Context, requestID string) ([]Letter, error)
}

// Packer makes evidence packs.
type Packer struct {
	Register Register
	Emails   Emails      // nil: the email is left out
	Audit    audit.Trail // records the making of a pack
	Entries  Entries
	Letters  Letters // nil: no letters/ folder
	Now      func() time.Time
}

// Manifest is manifest.json: what the pack holds and how to check it.
type Manifest struct {
	// RequestID and RequestNumber name the request.
	RequestID     string `json:"request_id"`
	RequestNumber string `json:"request_number"`
	// MadeAt is when the pack was made, RFC 3339 in the operator's zone;
	// TimeZone is that zone, which the CSV files' times are in too.
	MadeAt   string `json:"made_at"`
	TimeZone string `json:"time_zone"`
	// MadeBy is who made it (the actor's name).
	MadeBy string `json:"made_by"`
	// Files are the pack's files but the manifest, in the order written.
	Files []File `json:"files"`
	// Letters are the letters issued for the request, each also in Files
	// under letters/ (an issued letter's PDF and DOCX are two entries).
	Letters []LetterEntry `json:"letters"`
}

// File is one file of a pack.
type File struct {
	Name string `json:"name"`
	// Kind says what it is: email, letter, timeline, audit.
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// LetterEntry is a letter as the manifest lists it.
type LetterEntry struct {
	File   string `json:"file"`
	Kind   string `json:"kind"`
	Number string `json:"number"`
	Date   string `json:"date"`
}

// FileName is the name of the pack of the request numbered number.
func FileName(number string) string { return "evidence-" + number + ".zip" }

// Begin is called once the pack may be sent, before its first byte: the
// caller sets the response's headers there.
type Begin func(r *register.Request) error

// Write makes the pack of the request with id and writes it to w. Only
// who may read personal data and see the request may (an officer, an
// administrator, the operator handling it); a viewer is refused. The pack
// is recorded in the audit trail before begin and the first byte, so the
// pack's own audit.csv ends with that entry.
func (p *Packer) Write(ctx context.Context, id string, begin Begin, w io.Writer) error {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !May(a) {
		_ = p.Audit.Record(ctx, audit.Entry{Action: audit.ActionRequestEvidence, Outcome: audit.OutcomeDenied, RequestID: id,
			Detail: "role " + string(a.Role)})
		return &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not read personal data, which an evidence pack holds: ask an officer"}
	}
	r, err := p.Register.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := p.Audit.Record(ctx, audit.Entry{Action: audit.ActionRequestEvidence, Outcome: audit.OutcomeOK, RequestID: r.ID,
		Detail: "evidence pack"}); err != nil {
		return err
	}
	// The trail as it stands now, the pack's own entry last: what the
	// pack is made of next (its reads of the timeline) comes after it.
	trail, err := p.trail(ctx, r.ID)
	if err != nil {
		return err
	}
	var letters []Letter
	if p.Letters != nil {
		if letters, err = p.Letters.IssuedLetters(ctx, r.ID); err != nil {
			return err
		}
	}
	if err := begin(r); err != nil {
		return err
	}
	loc := p.Register.Zone()
	m := Manifest{RequestID: r.ID, RequestNumber: r.Number, MadeAt: p.Now().In(loc).Format(time.RFC3339),
		TimeZone: loc.String(), MadeBy: a.Name, Files: []File{}, Letters: []LetterEntry{}}
	z := zip.NewWriter(w)
	add := func(name, kind string, write func(io.Writer) error) error {
		hw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: p.Now()})
		if err != nil {
			return err
		}
		h, n := sha256.New(), &counter{}
		if err := write(io.MultiWriter(hw, h, n)); err != nil {
			return err
		}
		m.Files = append(m.Files, File{Name: name, Kind: kind, Size: n.n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}
	if r.EmailID != "" && p.Emails != nil {
		raw, err := p.Emails.Raw(ctx, a, r.EmailID)
		if err != nil {
			return err
		}
		if err := add("emails/"+r.Number+".eml", "email", func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
			return err
		}
	}
	for _, l := range letters {
		name := "letters/" + l.Name
		if err := add(name, "letter", func(w io.Writer) error {
			rc, err := l.Open(ctx)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(w, rc)
			return err
		}); err != nil {
			return err
		}
		m.Letters = append(m.Letters, LetterEntry{File: name, Kind: l.Kind, Number: l.Number, Date: l.Date.String()})
	}
	if err := add("timeline.csv", "timeline", func(w io.Writer) error { return p.timeline(ctx, r.ID, loc, w) }); err != nil {
		return err
	}
	if err := add("audit.csv", "audit", func(w io.Writer) error { return writeAudit(trail, loc, w) }); err != nil {
		return err
	}
	mw, err := z.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: p.Now()})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	return z.Close()
}

// counter counts the bytes written through it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// newCSV starts a CSV for Excel: UTF-8 with a byte order mark, ';'
// between cells (Excel in a Russian locale), the header first.
func newCSV(w io.Writer, header []string) (*csv.Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	c := csv.NewWriter(w)
	c.Comma, c.UseCRLF = ';', true
	return c, c.Write(header)
}

// timeline writes the request's whole timeline, oldest first, a page at a
// time; times in loc.
func (p *Packer) timeline(ctx context.Context, id string, loc *time.Location, w io.Writer) error {
	c, err := newCSV(w, ru.TimelineColumns)
	if err != nil {
		return err
	}
	var after int64
	for {
		_, evs, err := p.Register.Timeline(ctx, id, after, register.MaxLimit)
		if err != nil {
			return err
		}
		for _, e := range evs {
			fields, before, afterV := changes(e)
			if err := c.Write(defuse(strconv.FormatInt(e.ID, 10), e.At.In(loc).Format("02.01.2006 15:04:05"), e.ActorName,
				ru.Event(e.Kind), fields, before, afterV, e.Note)); err != nil {
				return err
			}
		}
		if len(evs) < register.MaxLimit {
			break
		}
		after = evs[len(evs)-1].ID
	}
	c.Flush()
	return c.Error()
}

// changes lays out an event's before and after: the fields changed, and
// «поле: значение» lines of each side.
func changes(e register.Event) (fields, before, after string) {
	keys := map[string]bool{}
	for k := range e.Before {
		keys[k] = true
	}
	for k := range e.After {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	side := func(m map[string]any) string {
		var lines []string
		for _, k := range names {
			if v, ok := m[k]; ok {
				lines = append(lines, k+": "+value(v))
			}
		}
		return strings.Join(lines, "\n")
	}
	return strings.Join(names, ", "), side(e.Before), side(e.After)
}

func value(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// trail reads the trail's entries about the request, oldest first.
func (p *Packer) trail(ctx context.Context, id string) ([]audit.Entry, error) {
	var all []audit.Entry
	f := audit.Filter{RequestID: id, Limit: audit.MaxLimit}
	for {
		items, err := p.Entries.ListAudit(ctx, f)
		if err != nil {
			return nil, err
		}
		more := len(items) > f.Limit
		if more {
			items = items[:f.Limit]
		}
		all = append(all, items...)
		if !more {
			break
		}
		last := items[len(items)-1]
		f.After = &audit.Cursor{At: last.At, ID: last.ID}
	}
	slices.Reverse(all)
	return all, nil
}

// writeAudit writes entries as CSV; times in loc. An entry names fields,
// never their values, so this holds no personal data beyond who acted.
func writeAudit(all []audit.Entry, loc *time.Location, w io.Writer) error {
	c, err := newCSV(w, ru.AuditColumns)
	if err != nil {
		return err
	}
	for _, e := range all {
		if err := c.Write(defuse(strconv.FormatInt(e.ID, 10), e.At.In(loc).Format("02.01.2006 15:04:05"), string(e.Action),
			string(e.Outcome), e.ActorName, e.UserID, e.TokenID, e.IP, e.UserAgent, strings.Join(e.Fields, ", "), e.Detail)); err != nil {
			return err
		}
	}
	c.Flush()
	return c.Error()
}

// defuse keeps typed text from being read as a formula by a spreadsheet
// (CSV injection): text starting with = + - @ or a tab gets a leading
// apostrophe.
func defuse(cells ...string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}

// May reports whether a may make evidence packs at all: a pack holds the
// subject's personal data as received, so only who may read it in clear
// may (152-FZ art. 19 part 2); which requests is the register's
// visibility, asked when the pack is made.
func May(a srok.Actor) bool { return a.Can(srok.ActPersonalData) }
