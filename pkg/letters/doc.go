// Package letters renders the letters an operator of personal data sends a
// data subject under 152-FZ — the answer (art. 14 part 7; art. 20 part 3,
// art. 21 parts 3–5), the extension notice (art. 14 part 3, art. 20 part 2),
// the motivated refusal (art. 14 part 8, art. 20 part 2) and the request for
// missing details (art. 14 part 3) — as DOCX and PDF, laid out as a Russian
// business letter (ГОСТ Р 7.0.97-2016). It knows nothing of the register,
// the storage or HTTP: the caller passes Data, already worded in Russian.
//
// Templates are DOCX files with placeholders {name}, and blocks of whole
// paragraphs {#name}…{/name} (repeated for a list, kept for a yes or a
// non-empty value) and {^name}…{/name} (kept for a no or an empty value),
// the syntax Word users know from docxtemplater. Placeholders lists them per
// kind. One built-in template per kind is embedded (templates/), assembled
// into a DOCX by Builtin; an admin may edit it in Word and upload it back
// through ParseTemplate, which refuses what it cannot fill.
//
// DOCX templating is our own code over archive/zip and encoding/xml (about
// 400 lines) rather than a library. The candidates served here are
// pseudo-versions: github.com/nguyenthenguyen/docx
// (v0.0.0-20230621112118-9c8e795a11db) replaces plain strings in the XML, so
// a placeholder Word split across runs (w:r, with w:proofErr or
// w:bookmarkStart between them) is not found, and it has no repeated
// blocks; github.com/fumiama/go-docx (v0.0.0-20250506085032-0c30fd09304b)
// and github.com/gomutex/godocx (v0.1.6-0.20250811222946-aefd2d814cd1) build
// or re-serialise documents through their own model, which drops what they
// do not model of a document Word wrote, and neither templates. Ours keeps
// every part of the uploaded file byte for byte except the document, its
// headers and footers, which it re-writes node for node with the prefixes
// as written; it merges a split placeholder into the run of its first
// character, escapes values and turns their line breaks into w:br.
//
// The PDF (codeberg.org/go-pdf/fpdf v0.12.0, DejaVu Serif embedded) is drawn
// from the filled DOCX read back with its styles, tables and margins, so the
// PDF of an edited template says what its DOCX says. Identical input gives
// identical bytes: fixed zip dates, and the PDF's dates from Data.Issued.
package letters
