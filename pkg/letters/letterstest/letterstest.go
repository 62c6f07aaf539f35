// Package letterstest checks letters the way their reader sees them: a DOCX
// opened in LibreOffice (headless) and a PDF's text read by poppler's
// pdftotext. The letters' own tests and the API's share it.
package letterstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Soffice returns the path of LibreOffice's soffice, or skips the test when
// it or pdftotext is missing (fails it when CI is set: there the check must
// run).
func Soffice(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("soffice")
	if err == nil {
		if _, err = exec.LookPath("pdftotext"); err == nil {
			return p
		}
	}
	msg := "soffice or pdftotext not found: install libreoffice-writer-nogui and poppler-utils to check the letters in LibreOffice"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatal(msg + " (CI is set: the check must run)")
	}
	tb.Skip(msg)
	return ""
}

// PDFText is the text of the PDF at path, its white space folded to single
// spaces.
func PDFText(tb testing.TB, path string) string {
	tb.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", path, err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// ConvertDOCX converts the DOCX files at paths to PDF with LibreOffice, in
// one run (a process per file costs seconds each), and returns the PDFs'
// paths in the same order. Its profile and output live in dir.
func ConvertDOCX(tb testing.TB, bin, dir string, paths ...string) []string {
	tb.Helper()
	out := filepath.Join(dir, "lo")
	args := []string{"--headless", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", out}
	if msg, err := exec.Command(bin, append(args, paths...)...).CombinedOutput(); err != nil {
		tb.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdfs := make([]string, 0, len(paths))
	for _, p := range paths {
		pdf := filepath.Join(out, strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))+".pdf")
		if _, err := os.Stat(pdf); err != nil {
			tb.Fatalf("LibreOffice did not convert %s", p)
		}
		pdfs = append(pdfs, pdf)
	}
	return pdfs
}
