// Package journal writes the journal of requests (журнал учета обращений
// субъектов персональных данных) as a file an inspector opens: XLSX, or CSV
// for Excel. The register selects the rows (register.Service.Journal);
// this package only lays them out, a row at a time, so that a journal of
// a hundred thousand requests never sits in memory whole.
//
// XLSX is written with excelize's StreamWriter: rows go to a buffer that
// spills to a temporary file, and the workbook is zipped to the writer at
// Close. CSV goes straight to the writer: UTF-8 with a byte order mark and
// ';' between cells, which Excel in a Russian locale opens by double click
// (its list separator is ';', since ',' is the decimal one).
package journal

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
)

// Format is the kind of file a journal is written as.
type Format string

// The formats.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// Formats lists the formats, the default first.
func Formats() []Format { return []Format{XLSX, CSV} }

// Valid reports whether f is one of the formats.
func (f Format) Valid() bool { return f == XLSX || f == CSV }

// ContentType is the media type of a file of format f.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// FileName names the journal of [from, to] in format f.
func FileName(from, to calendar.Date, f Format) string {
	return fmt.Sprintf("journal-%s-%s.%s", from, to, f)
}

// Writer writes a journal's rows. Write each request, then Close.
type Writer interface {
	// Write adds r's row.
	Write(r *register.Request) error
	// Close ends the file; for XLSX it writes the whole workbook.
	Close() error
}

// NewWriter returns a writer of format f on w. loc is the operator's zone
// the dates are read in; now decides whether an open request is already
// late.
func NewWriter(w io.Writer, f Format, loc *time.Location, now time.Time) (Writer, error) {
	switch f {
	case CSV:
		return newCSV(w, loc, now)
	case XLSX:
		return newXLSX(w, loc, now)
	}
	return nil, fmt.Errorf("journal: unknown format %q", f)
}

// row is one request's cells; dates are nil when absent.
type row struct {
	number   string
	received calendar.Date
	who      string
	channel  string
	typ      string
	summary  string
	assignee string
	due      *calendar.Date
	extended *calendar.Date
	answer   string
	answerOn *calendar.Date
	outNo    string
	status   string
	onTime   string
}

// rowOf lays out r. The outgoing number and the date of the answer are
// those recorded with the answer or refusal (POST …/answer, …/refuse);
// letters issued by Srok will fill them once they are kept.
func rowOf(r *register.Request, loc *time.Location, now time.Time) row {
	out := row{
		number: r.Number, received: calendar.DateOf(r.ReceivedAt.In(loc)), who: ru.Requester(r.Subject),
		channel: ru.Channel(r.Channel), typ: ru.Type(r.Type), summary: r.Summary, assignee: r.Assignee,
		status: ru.Status(r.Status), onTime: ru.Timeliness(r.Timeliness(now)),
	}
	if out.who == "—" {
		out.who = ""
	}
	if out.assignee == "" {
		out.assignee = ru.NotAssigned
	}
	if o := r.Principal(); o != nil {
		due := o.Due
		out.due = &due
		if o.Extended && o.ExtendedDue != nil {
			ext := *o.ExtendedDue
			out.extended = &ext
		}
	}
	if a := r.Answer; a != nil {
		out.answer = ru.Outcome(a.Outcome)
		if a.Date != 0 {
			d := a.Date
			out.answerOn = &d
		}
		out.outNo = a.Number
	}
	return out
}

// csvWriter writes the journal as CSV for Excel.
type csvWriter struct {
	csv      *csv.Writer
	loc      *time.Location
	now      time.Time
	buf      []string
	rowCount int
}

func newCSV(w io.Writer, loc *time.Location, now time.Time) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	c := csv.NewWriter(w)
	c.Comma, c.UseCRLF = ';', true
	if err := c.Write(ru.JournalColumns); err != nil {
		return nil, err
	}
	return &csvWriter{csv: c, loc: loc, now: now, buf: make([]string, len(ru.JournalColumns))}, nil
}

func (c *csvWriter) Write(r *register.Request) error {
	x := rowOf(r, c.loc, c.now)
	date := func(d *calendar.Date) string {
		if d == nil {
			return ""
		}
		return ru.Date(*d)
	}
	cells := append(c.buf[:0], x.number, ru.Date(x.received), x.who, x.channel, x.typ, x.summary, x.assignee,
		date(x.due), date(x.extended), x.answer, date(x.answerOn), x.outNo, x.status, x.onTime)
	for i := range cells {
		cells[i] = defuse(cells[i])
	}
	c.rowCount++
	if err := c.csv.Write(cells); err != nil {
		return err
	}
	if c.rowCount%256 == 0 {
		// Hand the rows to the client as they come, not at the end.
		c.csv.Flush()
	}
	return c.csv.Error()
}

func (c *csvWriter) Close() error {
	c.csv.Flush()
	return c.csv.Error()
}

// defuse keeps typed text from being read as a formula by a spreadsheet
// (CSV injection): text starting with = + - @ or a tab gets a leading
// apostrophe.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// widths are the columns' widths in characters, by JournalColumns.
var widths = []float64{14, 14, 30, 18, 30, 40, 26, 14, 14, 22, 13, 16, 16, 20}

// xlsxWriter writes the journal as an Excel workbook.
type xlsxWriter struct {
	w      io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	loc    *time.Location
	now    time.Time
	date   int // the style of a date cell
	header int // the style of the header row
	next   int // the next row's number, from 2
	cells  []any
}

func newXLSX(w io.Writer, loc *time.Location, now time.Time) (*xlsxWriter, error) {
	f := excelize.NewFile()
	fail := func(err error) (*xlsxWriter, error) {
		_ = f.Close()
		return nil, fmt.Errorf("journal: xlsx: %w", err)
	}
	if err := f.SetSheetName("Sheet1", ru.JournalSheet); err != nil {
		return fail(err)
	}
	f.SetDocProps(&excelize.DocProperties{Title: ru.JournalTitle, Creator: "Srok"})
	numFmt := "dd.mm.yyyy"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &numFmt})
	if err != nil {
		return fail(err)
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fail(err)
	}
	sw, err := f.NewStreamWriter(ru.JournalSheet)
	if err != nil {
		return fail(err)
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return fail(err)
		}
	}
	// The header stays in view while the rows scroll under it.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return fail(err)
	}
	head := make([]any, len(ru.JournalColumns))
	for i, h := range ru.JournalColumns {
		head[i] = excelize.Cell{StyleID: header, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return fail(err)
	}
	return &xlsxWriter{w: w, f: f, sw: sw, loc: loc, now: now, date: date, header: header, next: 2,
		cells: make([]any, len(ru.JournalColumns))}, nil
}

// dateCell is a date as a spreadsheet date (a number with a date format),
// so that the inspector can sort and filter by it; empty when nil.
func (x *xlsxWriter) dateCell(d *calendar.Date) any {
	if d == nil {
		return nil
	}
	y, m, day := d.Civil()
	return excelize.Cell{StyleID: x.date, Value: time.Date(y, m, day, 0, 0, 0, 0, time.UTC)}
}

func (x *xlsxWriter) Write(r *register.Request) error {
	o := rowOf(r, x.loc, x.now)
	received := o.received
	cells := append(x.cells[:0], o.number, x.dateCell(&received), o.who, o.channel, o.typ, o.summary, o.assignee,
		x.dateCell(o.due), x.dateCell(o.extended), o.answer, x.dateCell(o.answerOn), o.outNo, o.status, o.onTime)
	cell, err := excelize.CoordinatesToCellName(1, x.next)
	if err != nil {
		return err
	}
	x.next++
	return sw(x.sw.SetRow(cell, cells))
}

func sw(err error) error {
	if err != nil {
		return fmt.Errorf("journal: xlsx: %w", err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	defer func() { _ = x.f.Close() }() // removes the stream's temporary file
	last, err := excelize.CoordinatesToCellName(len(ru.JournalColumns), max(x.next-1, 1))
	if err != nil {
		return err
	}
	// The auto-filter is set on the worksheet the stream writes, before
	// Flush writes it out; it covers the header and every row written.
	if err := x.f.AutoFilter(ru.JournalSheet, "A1:"+last, nil); err != nil {
		return sw(err)
	}
	if err := x.sw.Flush(); err != nil {
		return sw(err)
	}
	_, err = x.f.WriteTo(x.w)
	return sw(err)
}

// Journals is the register as Serve asks it.
type Journals interface {
	Journal(ctx context.Context, q register.JournalQuery, begin func(count int) error, each func(*register.Request) error) (int, error)
	Zone() *time.Location
}

// Serve writes the journal of q as f to w, for the API and the pages
// alike. Rows go out as they are read, through a buffer: until the export
// is recorded in the audit trail and the first rows are read, nothing is
// sent, so that an error (a refusal, the database down) is returned for
// the caller to answer with. A failure in the middle of a long journal can
// only cut the file short, which the client sees as a broken download.
func Serve(ctx context.Context, w http.ResponseWriter, reg Journals, q register.JournalQuery, f Format, now time.Time) error {
	out := &watched{w: w}
	buf := bufio.NewWriterSize(out, 64<<10)
	var jw Writer
	begin := func(int) error {
		h := w.Header()
		h.Set("Content-Type", f.ContentType())
		h.Set("Content-Disposition", `attachment; filename="`+FileName(q.From, q.To, f)+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		var err error
		jw, err = NewWriter(buf, f, reg.Zone(), now)
		return err
	}
	_, err := reg.Journal(ctx, q, begin, func(r *register.Request) error { return jw.Write(r) })
	if err == nil {
		err = jw.Close()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err != nil && !out.sent {
		// Nothing sent yet: the caller answers with the error.
		w.Header().Del("Content-Disposition")
		w.Header().Del("Content-Type")
	}
	return err
}

// watched tells whether anything was written through it.
type watched struct {
	w    io.Writer
	sent bool
}

func (x *watched) Write(p []byte) (int, error) {
	x.sent = true
	return x.w.Write(p)
}
