package audit

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader returns the header row of a CSV export, its columns named as
// the API's JSON fields.
func CSVHeader() []string {
	return []string{"id", "at", "action", "outcome", "actor_id", "actor_name", "user_id", "token_id",
		"ip", "user_agent", "request_id", "request_ids", "fields", "detail"}
}

// utf8BOM makes Excel read the file as UTF-8 rather than the ANSI code page.
const utf8BOM = "\uFEFF"

// CSVWriter writes entries as CSV for a spreadsheet: UTF-8 with a byte
// order mark and ';' between cells, which is what Excel in a Russian locale
// opens by double click (its list separator is ';', since ',' is the
// decimal one). The BOM and the header row come before the first entries,
// so that an export can be written page by page.
type CSVWriter struct {
	w       io.Writer
	csv     *csv.Writer
	started bool
}

// NewCSVWriter returns a CSVWriter on w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	c := csv.NewWriter(w)
	c.Comma = ';'
	c.UseCRLF = true // what Excel writes, and RFC 4180
	return &CSVWriter{w: w, csv: c}
}

// Write writes entries, one row each: times in RFC 3339 (UTC), request ids
// and fields joined with ','.
func (c *CSVWriter) Write(entries ...Entry) error {
	if err := c.start(); err != nil {
		return err
	}
	for _, e := range entries {
		row := []string{
			strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), string(e.Action), string(e.Outcome),
			e.ActorID, e.ActorName, e.UserID, e.TokenID, e.IP, e.UserAgent,
			e.RequestID, strings.Join(e.RequestIDs, ","), strings.Join(e.Fields, ","), e.Detail,
		}
		for i := range row {
			row[i] = defuse(row[i])
		}
		if err := c.csv.Write(row); err != nil {
			return err
		}
	}
	return c.csv.Error()
}

// Flush writes what is buffered (the BOM and the header, for an empty
// export) and returns the first error of the writer.
func (c *CSVWriter) Flush() error {
	if err := c.start(); err != nil {
		return err
	}
	c.csv.Flush()
	return c.csv.Error()
}

func (c *CSVWriter) start() error {
	if c.started {
		return nil
	}
	c.started = true
	if _, err := io.WriteString(c.w, utf8BOM); err != nil {
		return err
	}
	return c.csv.Write(CSVHeader())
}

// WriteCSV writes entries to w as a whole CSV file (see CSVWriter).
func WriteCSV(w io.Writer, entries []Entry) error {
	c := NewCSVWriter(w)
	if err := c.Write(entries...); err != nil {
		return err
	}
	return c.Flush()
}

// defuse guards a cell against CSV injection: a spreadsheet runs a cell
// that starts with = + - @ (or a tab or carriage return before one) as a
// formula, so such a cell gets a leading apostrophe, which shows it as text.
// The trail holds user agents and details that outsiders can shape.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
