package letters

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/srok/srok/pkg/srok"
)

//go:embed templates/*.xml
var templateFiles embed.FS

// maxPart bounds the size of one unpacked part of an uploaded template, so a
// zip bomb is refused instead of filling the memory.
const maxPart = 16 << 20

// maxTemplate bounds an uploaded template's size.
const maxTemplate = 32 << 20

// fixedTime is the date stamped where no other is given: zip entries always,
// metadata when Data.Issued is zero. A constant keeps identical letters
// byte-identical, so a stored letter can be hashed.
var fixedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Template is a DOCX template of one kind of letter, checked and with its
// placeholders merged into single runs, ready to fill.
type Template struct {
	kind  Kind
	files []zipFile
	// parts are the parsed parts that may hold placeholders: the document,
	// its headers and footers.
	parts map[string]*xmlPart
}

type zipFile struct {
	name string
	data []byte
}

// Kind is the kind of letter the template renders.
func (t *Template) Kind() Kind { return t.kind }

// Builtin returns the built-in DOCX template of kind k, the one an admin
// downloads to edit in Word; nil for an unknown kind.
func Builtin(k Kind) []byte {
	if !k.Valid() {
		return nil
	}
	read := func(name string) []byte {
		b, err := templateFiles.ReadFile("templates/" + name)
		if err != nil {
			panic("letters: built-in template part missing: " + name)
		}
		return b
	}
	doc := append(append(read("head.xml"), read(string(k)+".xml")...), read("tail.xml")...)
	files := []zipFile{
		{"[Content_Types].xml", read("content_types.xml")},
		{"_rels/.rels", read("rels.xml")},
		{"docProps/core.xml", read("core.xml")},
		{"docProps/app.xml", read("app.xml")},
		{"word/document.xml", doc},
		{"word/_rels/document.xml.rels", read("document_rels.xml")},
		{"word/styles.xml", read("styles.xml")},
		{"word/settings.xml", read("settings.xml")},
		{"word/header1.xml", read("header.xml")},
	}
	b, err := writeZip(files)
	if err != nil {
		panic("letters: built-in template: " + err.Error())
	}
	return b
}

// BuiltinTemplate returns the parsed built-in template of kind k.
func BuiltinTemplate(k Kind) (*Template, error) {
	if !k.Valid() {
		return nil, invalidTemplate("неизвестный вид письма %q", string(k))
	}
	return ParseTemplate(k, Builtin(k))
}

func invalidTemplate(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &srok.Error{Code: srok.EINVALID, Message: msg, Reason: "template_invalid",
		Fields: []srok.FieldError{{Field: "template", Problem: msg}}}
}

// isContentPart reports whether a part of the package may hold placeholders.
func isContentPart(name string) bool {
	if name == "word/document.xml" {
		return true
	}
	if !strings.HasPrefix(name, "word/") || !strings.HasSuffix(name, ".xml") || strings.Count(name, "/") != 1 {
		return false
	}
	base := strings.TrimPrefix(name, "word/")
	return strings.HasPrefix(base, "header") || strings.HasPrefix(base, "footer")
}

// ParseTemplate reads an uploaded DOCX template of kind k. It refuses, with
// a Russian message naming the problem, a file that is not a DOCX, a broken
// one, one whose blocks do not close, or one with a placeholder the kind
// does not know (Placeholders lists them). Placeholders that Word split
// across runs, around spell-check marks or bookmarks, are merged.
func ParseTemplate(k Kind, docx []byte) (*Template, error) {
	if !k.Valid() {
		return nil, invalidTemplate("неизвестный вид письма %q", string(k))
	}
	if len(docx) > maxTemplate {
		return nil, invalidTemplate("файл шаблона больше %d МБ", maxTemplate>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		return nil, invalidTemplate("файл не является документом DOCX: это не ZIP-архив Office Open XML (сохраните шаблон в Word как «Документ Word (*.docx)»)")
	}
	t := &Template{kind: k, parts: map[string]*xmlPart{}}
	seen := map[string]bool{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if seen[f.Name] {
			return nil, invalidTemplate("документ DOCX повреждён: часть %s встречается дважды", f.Name)
		}
		seen[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			return nil, invalidTemplate("документ DOCX повреждён: не читается часть %s", f.Name)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxPart+1))
		rc.Close()
		if err != nil {
			return nil, invalidTemplate("документ DOCX повреждён: не читается часть %s", f.Name)
		}
		if len(b) > maxPart {
			return nil, invalidTemplate("часть %s документа больше %d МБ", f.Name, maxPart>>20)
		}
		t.files = append(t.files, zipFile{name: f.Name, data: b})
		if isContentPart(f.Name) {
			p, err := parseXML(b)
			if err != nil {
				return nil, invalidTemplate("документ DOCX повреждён: часть %s не является корректным XML (%v)", f.Name, err)
			}
			mergeRuns(p.root)
			t.parts[f.Name] = p
		}
	}
	doc := t.parts["word/document.xml"]
	if doc == nil {
		return nil, invalidTemplate("в файле нет основного текста word/document.xml: это не документ Word (DOCX)")
	}
	if !seen["[Content_Types].xml"] {
		return nil, invalidTemplate("документ DOCX повреждён: нет части [Content_Types].xml")
	}
	if doc.root.name != "w:document" || doc.root.child("w:body") == nil {
		return nil, invalidTemplate("word/document.xml не является текстом документа Word (нет w:document/w:body)")
	}
	var problems []string
	for _, name := range t.partNames() {
		problems = append(problems, checkBlocks(k, t.parts[name].root, nil)...)
	}
	if len(problems) > 0 {
		return nil, invalidTemplate("шаблон не подходит для письма «%s»: %s. Допустимые поля: %s",
			kindName(k), strings.Join(dedupe(problems), "; "), knownList(k))
	}
	return t, nil
}

func kindName(k Kind) string {
	switch k {
	case KindAnswer:
		return "ответ на запрос"
	case KindExtension:
		return "продление срока"
	case KindRefusal:
		return "мотивированный отказ"
	}
	return "запрос недостающих сведений"
}

func knownList(k Kind) string {
	var names []string
	for _, p := range Placeholders(k) {
		if p.List || p.Flag {
			names = append(names, "{#"+p.Name+"}…{/"+p.Name+"}")
		} else {
			names = append(names, "{"+p.Name+"}")
		}
	}
	return strings.Join(names, ", ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (t *Template) partNames() []string {
	names := make([]string, 0, len(t.parts))
	for n := range t.parts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// token matches anything between braces that reads as a placeholder, a
// block's opening ({#name}, {^name}) or its end ({/name}), in any letters,
// so that a mistyped or Russian name is reported rather than printed.
var token = regexp.MustCompile(`\{\s*([#^/]?)\s*([\p{L}\p{N}_.]+)\s*\}`)

// textSlot is one w:t of a paragraph and the run holding it.
type textSlot struct {
	run, t *node
}

// slots returns the w:t of paragraph p in reading order, not descending into
// nested paragraphs (text boxes), which are paragraphs of their own.
func slots(p *node) []textSlot {
	var out []textSlot
	var walk func(n, run *node)
	walk = func(n, run *node) {
		for _, c := range n.children {
			switch c.name {
			case "":
			case "w:p":
			case "w:r":
				walk(c, c)
			case "w:t":
				if run != nil {
					out = append(out, textSlot{run: run, t: c})
				}
			default:
				walk(c, run)
			}
		}
	}
	walk(p, nil)
	return out
}

// paragraphs calls fn for each paragraph below n, nested ones included.
func paragraphs(n *node, fn func(p *node)) {
	for _, c := range n.children {
		if c.name == "w:p" {
			fn(c)
		}
		if c.name != "" {
			paragraphs(c, fn)
		}
	}
}

// mergeRuns moves every placeholder of every paragraph into the w:t where it
// starts. Word splits "{org_name}" over several runs when the text is edited
// or spell-checked ("{", "org", "_name}" with w:proofErr or w:bookmarkStart
// between them); the text of the paragraph is joined, each placeholder is
// found in it, and its characters are given to the run of its first
// character, so the formatting of that run applies to the value.
func mergeRuns(root *node) {
	paragraphs(root, func(p *node) {
		ss := slots(p)
		if len(ss) < 2 {
			return
		}
		texts := make([]string, len(ss))
		var all strings.Builder
		owner := []int{} // byte of the joined text -> slot
		for i, s := range ss {
			texts[i] = s.t.innerText()
			all.WriteString(texts[i])
			for range len(texts[i]) {
				owner = append(owner, i)
			}
		}
		joined := all.String()
		locs := token.FindAllStringIndex(joined, -1)
		moved := false
		for _, l := range locs {
			if owner[l[0]] != owner[l[1]-1] {
				moved = true
				for j := l[0]; j < l[1]; j++ {
					owner[j] = owner[l[0]]
				}
			}
		}
		if !moved {
			return
		}
		out := make([]strings.Builder, len(ss))
		for j := 0; j < len(joined); j++ {
			out[owner[j]].WriteByte(joined[j])
		}
		for i, s := range ss {
			if nt := out[i].String(); nt != texts[i] {
				s.t.setText(nt)
			}
		}
	})
}

// paraText is the text of a paragraph's runs.
func paraText(p *node) string {
	var s strings.Builder
	for _, sl := range slots(p) {
		s.WriteString(sl.t.innerText())
	}
	return s.String()
}

// blockTag reports whether paragraph p holds only a block tag, and which.
func blockTag(p *node) (op, name string, ok bool) {
	if p.name != "w:p" {
		return "", "", false
	}
	txt := strings.TrimSpace(paraText(p))
	m := token.FindStringSubmatchIndex(txt)
	if m == nil || m[0] != 0 || m[1] != len(txt) {
		return "", "", false
	}
	op, name = txt[m[2]:m[3]], txt[m[4]:m[5]]
	return op, name, op != ""
}

// closing finds the index in siblings of the {/name} closing the block
// opened just before from, or -1.
func closing(siblings []*node, from int, name string) int {
	depth := 0
	for j := from; j < len(siblings); j++ {
		op, n, ok := blockTag(siblings[j])
		if !ok || n != name {
			continue
		}
		if op == "/" {
			if depth == 0 {
				return j
			}
			depth--
		} else {
			depth++
		}
	}
	return -1
}

// checkBlocks returns the problems of the placeholders below n: unknown
// names, item placeholders outside their list's block, blocks that do not
// close or are not alone in their paragraph. lists are the enclosing lists.
func checkBlocks(k Kind, n *node, lists []string) []string {
	var problems []string
	kids := n.children
	for i := 0; i < len(kids); i++ {
		c := kids[i]
		if c.name == "" {
			continue
		}
		if op, name, ok := blockTag(c); ok {
			if op == "/" {
				problems = append(problems, fmt.Sprintf("закрывающий тег {/%s} без открывающего", name))
				continue
			}
			p, known := lookupPlaceholder(k, name)
			if !known {
				problems = append(problems, fmt.Sprintf("неизвестное поле {%s%s}", op, name))
			} else if p.In != "" {
				problems = append(problems, fmt.Sprintf("поле {%s} не может открывать блок", name))
			}
			j := closing(kids, i+1, name)
			if j < 0 {
				problems = append(problems, fmt.Sprintf("блок {%s%s} не закрыт тегом {/%s} на том же уровне (в отдельном абзаце)", op, name, name))
				continue
			}
			inner := lists
			if p.List && op == "#" {
				inner = append(append([]string(nil), lists...), name)
			}
			problems = append(problems, checkBlocks(k, &node{name: "block", children: kids[i+1 : j]}, inner)...)
			i = j
			continue
		}
		if c.name == "w:p" {
			problems = append(problems, checkParagraph(k, c, lists)...)
		}
		problems = append(problems, checkBlocks(k, c, lists)...)
	}
	return problems
}

func checkParagraph(k Kind, p *node, lists []string) []string {
	var problems []string
	for _, sl := range slots(p) {
		for _, m := range token.FindAllStringSubmatch(sl.t.innerText(), -1) {
			op, name := m[1], m[2]
			pl, known := lookupPlaceholder(k, name)
			switch {
			case !known:
				problems = append(problems, fmt.Sprintf("неизвестное поле {%s%s}", op, name))
			case op != "":
				problems = append(problems, fmt.Sprintf("тег {%s%s} должен стоять в отдельном абзаце", op, name))
			case pl.List || pl.Flag:
				problems = append(problems, fmt.Sprintf("{%s} — это блок: используйте {#%s}…{/%s} в отдельных абзацах", name, name, name))
			case pl.In != "" && !contains(lists, pl.In):
				problems = append(problems, fmt.Sprintf("поле {%s} допустимо только внутри блока {#%s}…{/%s}", name, pl.In, pl.In))
			}
		}
	}
	return problems
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// lookup finds name in the scopes, innermost first.
func lookup(stack []scope, name string) any {
	for i := len(stack) - 1; i >= 0; i-- {
		if v, ok := stack[i][name]; ok {
			return v
		}
	}
	return nil
}

// fill expands the blocks and substitutes the values below n.
func fill(n *node, stack []scope) {
	var out []*node
	kids := n.children
	for i := 0; i < len(kids); i++ {
		c := kids[i]
		if op, name, ok := blockTag(c); ok && op != "/" {
			j := closing(kids, i+1, name)
			if j < 0 { // checked by ParseTemplate
				continue
			}
			body := kids[i+1 : j]
			emit := func(st []scope) {
				wrap := &node{name: "block"}
				for _, b := range body {
					wrap.children = append(wrap.children, b.clone())
				}
				fill(wrap, st)
				out = append(out, wrap.children...)
			}
			v := lookup(stack, name)
			if list, isList := v.([]scope); isList && op == "#" {
				for _, item := range list {
					emit(append(append([]scope(nil), stack...), item))
				}
			} else if truthy(v) == (op == "#") {
				emit(stack)
			}
			i = j
			continue
		}
		if c.name == "w:p" {
			fillParagraph(c, stack)
		}
		if c.name != "" {
			fill(c, stack)
		}
		out = append(out, c)
	}
	n.children = out
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.TrimSpace(x) != ""
	case []scope:
		return len(x) > 0
	}
	return false
}

// fillParagraph substitutes the placeholders of p's own runs; a value's
// line breaks become w:br in its run.
func fillParagraph(p *node, stack []scope) {
	for _, sl := range slots(p) {
		txt := sl.t.innerText()
		if !strings.Contains(txt, "{") {
			continue
		}
		filled := token.ReplaceAllStringFunc(txt, func(m string) string {
			sm := token.FindStringSubmatch(m)
			if sm[1] != "" {
				return m
			}
			if s, ok := lookup(stack, sm[2]).(string); ok {
				return s
			}
			return m
		})
		if filled == txt {
			continue
		}
		filled = strings.ReplaceAll(filled, "\r\n", "\n")
		lines := strings.Split(filled, "\n")
		if len(lines) == 1 {
			sl.t.setText(filled)
			continue
		}
		var repl []*node
		for i, line := range lines {
			if i > 0 {
				repl = append(repl, &node{name: "w:br"})
			}
			t := &node{name: "w:t"}
			t.setText(line)
			repl = append(repl, t)
		}
		var kids []*node
		for _, c := range sl.run.children {
			if c == sl.t {
				kids = append(kids, repl...)
			} else {
				kids = append(kids, c)
			}
		}
		sl.run.children = kids
	}
}

// filled is a template filled for one letter: the parts with values, and
// the metadata date.
type filled struct {
	t      *Template
	parts  map[string]*xmlPart
	title  string
	issued time.Time
}

// fill checks d for kind t.kind and fills a copy of the template's parts.
func (t *Template) fill(d Data) (*filled, error) {
	if err := d.Validate(t.kind); err != nil {
		return nil, err
	}
	vals := d.values(t.kind)
	f := &filled{t: t, parts: map[string]*xmlPart{}, title: vals["title"].(string), issued: d.Issued}
	if f.issued.IsZero() {
		f.issued = fixedTime
	}
	for name, p := range t.parts {
		c := &xmlPart{prolog: p.prolog, root: p.root.clone()}
		fill(c.root, []scope{vals})
		f.parts[name] = c
	}
	return f, nil
}

// DOCX renders the letter described by d as a DOCX document. It fails with
// an EINVALID error naming in Russian what d lacks (Data.Missing).
func (t *Template) DOCX(d Data) ([]byte, error) {
	f, err := t.fill(d)
	if err != nil {
		return nil, err
	}
	return f.docx()
}

func (f *filled) docx() ([]byte, error) {
	files := make([]zipFile, 0, len(f.t.files))
	for _, zf := range f.t.files {
		switch {
		case f.parts[zf.name] != nil:
			zf.data = f.parts[zf.name].bytes()
		case zf.name == "docProps/core.xml":
			zf.data = f.coreProps(zf.data)
		}
		files = append(files, zf)
	}
	return writeZip(files)
}

// coreProps stamps the title and the issue date into docProps/core.xml, so
// that the document's properties do not keep the template's edit dates.
func (f *filled) coreProps(b []byte) []byte {
	p, err := parseXML(b)
	if err != nil {
		return b
	}
	stamp := f.issued.UTC().Format("2006-01-02T15:04:05Z")
	for _, c := range p.root.children {
		switch c.name {
		case "dcterms:created", "dcterms:modified":
			c.setTextPlain(stamp)
		case "dc:title":
			c.setTextPlain(f.title)
		}
	}
	return p.bytes()
}

// setTextPlain replaces the content of an element with s.
func (n *node) setTextPlain(s string) { n.children = []*node{{text: s}} }

// writeZip packs files in order with a fixed date, so identical content
// gives identical bytes.
func writeZip(files []zipFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
