package letters

import (
	"bytes"
	_ "embed"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// The PDF's typeface: DejaVu Serif, a Unicode TTF with full Cyrillic,
// embedded (subset) into every PDF so the letter reads the same everywhere.
// Its licence is fonts/LICENSE.
var (
	//go:embed fonts/DejaVuSerif.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSerif-Bold.ttf
	fontBold []byte
	//go:embed fonts/DejaVuSerif-Italic.ttf
	fontItalic []byte
)

const (
	fontFamily = "DejaVuSerif"
	pt         = 25.4 / 72 // mm per point
	// tabWidth is the width a w:tab takes (the default tab stop, 1.25 cm).
	tabWidth = 12.5
)

// PDF renders the letter described by d as an A4 PDF with the fonts
// embedded and the text selectable. It is drawn from the same filled
// document as DOCX, with its styles and margins; pages are numbered from
// the second one, at the top (ГОСТ Р 7.0.97-2016).
func (t *Template) PDF(d Data) ([]byte, error) {
	f, err := t.fill(d)
	if err != nil {
		return nil, err
	}
	return f.pdf()
}

func (f *filled) pdf() ([]byte, error) {
	var styles []byte
	for _, zf := range f.t.files {
		if zf.name == "word/styles.xml" {
			styles = zf.data
		}
	}
	m := buildModel(f.parts["word/document.xml"], readStyles(styles))
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: m.pageW, Ht: m.pageH}})
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(f.issued)
	pdf.SetModificationDate(f.issued)
	pdf.SetProducer("", true)
	pdf.SetCreator("", true)
	pdf.SetTitle(f.title, true)
	pdf.SetLang("ru-RU")
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	pdf.AddUTF8FontFromBytes(fontFamily, "I", fontItalic)
	pdf.SetMargins(m.left, m.top, m.right)
	pdf.SetAutoPageBreak(false, m.bottom)
	pdf.SetHeaderFunc(func() {
		if n := pdf.PageNo(); n > 1 {
			pdf.SetFont(fontFamily, "", 11)
			s := strconv.Itoa(n)
			pdf.Text((m.pageW-pdf.GetStringWidth(s))/2, m.head+11*pt*0.8, s)
		}
	})
	pdf.AddPage()
	l := &layout{pdf: pdf, m: m, y: m.top}
	for i, b := range m.blocks {
		if b.para != nil {
			next := 0.0
			if b.para.keepNext && i+1 < len(m.blocks) {
				next = 15
			}
			l.para(b.para, next)
		} else {
			l.table(b.table)
		}
	}
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type layout struct {
	pdf *fpdf.Fpdf
	m   *docModel
	y   float64
}

func (l *layout) limit() float64 { return l.m.pageH - l.m.bottom }

func (l *layout) newPage() {
	l.pdf.AddPage()
	l.y = l.m.top
}

// piece is text in one style; word is what a line may not break inside.
type piece struct {
	text         string
	bold, italic bool
	size, w      float64
}

type word struct {
	pieces []piece
	w      float64
	// space is the width of the space before the word, 0 at a line's start.
	space float64
	tab   bool
}

type line struct {
	words  []word
	w      float64
	size   float64
	forced bool // ends with a break, or the paragraph ends: not justified
}

func (l *layout) style(bold, italic bool, size float64) {
	s := ""
	if bold {
		s = "B"
	} else if italic {
		s = "I"
	}
	l.pdf.SetFont(fontFamily, s, size)
}

func (l *layout) width(text string, bold, italic bool, size float64) float64 {
	l.style(bold, italic, size)
	return l.pdf.GetStringWidth(text)
}

// lines breaks p into lines of at most width mm (the first one shorter
// by the first-line indent).
func (l *layout) lines(p *para, width float64) []line {
	var out []line
	cur := line{size: p.defaultSize}
	avail := func() float64 {
		a := width - p.indLeft - p.indRight
		if len(out) == 0 {
			a -= p.first
		}
		return max(a, 10)
	}
	var w *word
	pendingSpace := 0.0
	flushWord := func() {
		if w == nil {
			return
		}
		// a word wider than the line (a long address) is cut over lines
		for len(w.pieces) == 1 && w.w > avail() && utf8.RuneCountInString(w.pieces[0].text) > 1 {
			if len(cur.words) > 0 {
				out = append(out, cur)
				cur = line{size: p.defaultSize}
			}
			pc := w.pieces[0]
			runes := []rune(pc.text)
			k := len(runes) - 1
			for k > 1 && l.width(string(runes[:k]), pc.bold, pc.italic, pc.size) > avail() {
				k--
			}
			head := piece{text: string(runes[:k]), bold: pc.bold, italic: pc.italic, size: pc.size}
			head.w = l.width(head.text, pc.bold, pc.italic, pc.size)
			out = append(out, line{words: []word{{pieces: []piece{head}, w: head.w}}, w: head.w, size: max(p.defaultSize, pc.size)})
			rest := piece{text: string(runes[k:]), bold: pc.bold, italic: pc.italic, size: pc.size}
			rest.w = l.width(rest.text, pc.bold, pc.italic, pc.size)
			w = &word{pieces: []piece{rest}, w: rest.w}
			pendingSpace = 0
		}
		sp := pendingSpace
		if len(cur.words) == 0 {
			sp = 0
		}
		if len(cur.words) > 0 && cur.w+sp+w.w > avail() {
			out = append(out, cur)
			cur = line{size: p.defaultSize}
			sp = 0
		}
		w.space = sp
		cur.words = append(cur.words, *w)
		cur.w += sp + w.w
		for _, pc := range w.pieces {
			cur.size = max(cur.size, pc.size)
		}
		w = nil
		pendingSpace = 0
	}
	for _, r := range p.runs {
		switch {
		case r.br:
			flushWord()
			cur.forced = true
			out = append(out, cur)
			cur = line{size: r.size}
			pendingSpace = 0
			continue
		case r.tab:
			flushWord()
			w = &word{w: tabWidth, tab: true}
			flushWord()
			continue
		}
		for r.text != "" {
			i := strings.IndexFunc(r.text, unicode.IsSpace)
			if i == 0 {
				flushWord()
				_, n := utf8.DecodeRuneInString(r.text)
				pendingSpace += l.width(" ", r.bold, r.italic, r.size)
				r.text = r.text[n:]
				continue
			}
			seg := r.text
			if i > 0 {
				seg = r.text[:i]
			}
			r.text = r.text[len(seg):]
			if w == nil {
				w = &word{}
			}
			pw := l.width(seg, r.bold, r.italic, r.size)
			w.pieces = append(w.pieces, piece{text: seg, bold: r.bold, italic: r.italic, size: r.size, w: pw})
			w.w += pw
		}
	}
	flushWord()
	cur.forced = true
	out = append(out, cur)
	return out
}

func (p *para) lineHeight(ln line) float64 {
	return ln.size * pt * 1.17 * p.lineFactor
}

func (p *para) height(lines []line) float64 {
	h := p.before + p.after
	for _, ln := range lines {
		h += p.lineHeight(ln)
	}
	return h
}

// para draws p across pages; keep is room wanted after it for the next
// block (a heading kept with its text).
func (l *layout) para(p *para, keep float64) {
	width := l.m.pageW - l.m.left - l.m.right
	lines := l.lines(p, width)
	if p.pageBreakBefore && l.y > l.m.top {
		l.newPage()
	}
	if l.y > l.m.top {
		l.y += p.before
	}
	if keep > 0 && l.y+p.height(lines)+keep > l.limit() && l.y > l.m.top {
		l.newPage()
	}
	for i, ln := range lines {
		lh := p.lineHeight(ln)
		if l.y+lh > l.limit() && l.y > l.m.top {
			l.newPage()
		}
		l.drawLine(p, ln, i == 0, l.m.left, width, l.y)
		l.y += lh
	}
	l.y += p.after
}

// drawLine draws ln with its top at y, in a column starting at x of width.
func (l *layout) drawLine(p *para, ln line, first bool, x, width, y float64) {
	x0 := x + p.indLeft
	avail := width - p.indLeft - p.indRight
	if first {
		x0 += p.first
		avail -= p.first
	}
	extra := 0.0
	switch p.align {
	case "right":
		x0 += avail - ln.w
	case "center":
		x0 += (avail - ln.w) / 2
	case "both":
		if gaps := len(ln.words) - 1; !ln.forced && gaps > 0 {
			extra = (avail - ln.w) / float64(gaps)
		}
	}
	base := y + p.lineHeight(ln)*0.78
	cx := x0
	for i, w := range ln.words {
		cx += w.space
		if i > 0 {
			cx += extra
		}
		for _, pc := range w.pieces {
			l.style(pc.bold, pc.italic, pc.size)
			l.pdf.Text(cx, base, pc.text)
			cx += pc.w
		}
		if w.tab {
			cx += w.w
		}
	}
}

// table draws a table's rows, each kept whole on one page; a cell's
// paragraphs are laid out in its width.
func (l *layout) table(t *table) {
	for _, row := range t.rows {
		type laid struct {
			paras [][]line
			h     float64
		}
		cells := make([]laid, len(row))
		rowH := 0.0
		for i, c := range row {
			for j, p := range c.paras {
				ls := l.lines(p, c.width)
				cells[i].paras = append(cells[i].paras, ls)
				h := p.height(ls)
				if j == 0 {
					h -= p.before
				}
				cells[i].h += h
			}
			rowH = max(rowH, cells[i].h)
		}
		if l.y+rowH > l.limit() && l.y > l.m.top {
			l.newPage()
		}
		x := l.m.left
		for i, c := range row {
			y := l.y
			switch c.valign {
			case "bottom":
				y += rowH - cells[i].h
			case "center":
				y += (rowH - cells[i].h) / 2
			}
			for j, p := range c.paras {
				if j > 0 {
					y += p.before
				}
				for k, ln := range cells[i].paras[j] {
					l.drawLine(p, ln, k == 0, x, c.width, y)
					y += p.lineHeight(ln)
				}
				y += p.after
			}
			x += c.width
		}
		l.y += rowH
	}
}
