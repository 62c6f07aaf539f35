package letters

import (
	"strconv"
	"strings"
)

// The document model: the filled DOCX read back as paragraphs and tables
// with their resolved styles. The PDF is drawn from it, so the PDF says what
// the DOCX says, for the built-in templates and for edited ones alike.

type docModel struct {
	blocks []block
	// page size and margins, in mm.
	pageW, pageH                   float64
	top, right, bottom, left, head float64
}

type block struct {
	para  *para
	table *table
}

type para struct {
	align                     string // left, center, right, both
	indLeft, indRight, first  float64
	before, after, lineFactor float64
	keepNext, pageBreakBefore bool
	runs                      []run
	defaultSize               float64
}

type run struct {
	text         string
	bold, italic bool
	size         float64 // pt
	br, tab      bool
}

type table struct {
	rows [][]cell
}

type cell struct {
	width  float64 // mm
	valign string
	paras  []*para
}

const twip = 25.4 / 1440 // mm

// props are the properties of a paragraph or a run as read from pPr and
// rPr; later layers override earlier ones key by key.
type props map[string]string

func (p props) over(q props) props {
	out := props{}
	for k, v := range p {
		out[k] = v
	}
	for k, v := range q {
		out[k] = v
	}
	return out
}

func onOff(n *node) string {
	switch n.attr("w:val") {
	case "0", "false", "off":
		return "0"
	}
	return "1"
}

func readPPr(n *node) props {
	p := props{}
	if n == nil {
		return p
	}
	if jc := n.child("w:jc"); jc != nil {
		p["jc"] = jc.attr("w:val")
	}
	if ind := n.child("w:ind"); ind != nil {
		for _, a := range [][2]string{{"w:left", "left"}, {"w:start", "left"}, {"w:right", "right"}, {"w:end", "right"}, {"w:firstLine", "firstLine"}, {"w:hanging", "hanging"}} {
			if v := ind.attr(a[0]); v != "" {
				p[a[1]] = v
			}
		}
		if ind.attr("w:firstLine") != "" {
			p["hanging"] = "0"
		}
		if ind.attr("w:hanging") != "" {
			p["firstLine"] = "0"
		}
	}
	if sp := n.child("w:spacing"); sp != nil {
		for _, a := range []string{"before", "after", "line", "lineRule"} {
			if v := sp.attr("w:" + a); v != "" {
				p[a] = v
			}
		}
	}
	if k := n.child("w:keepNext"); k != nil {
		p["keepNext"] = onOff(k)
	}
	if k := n.child("w:pageBreakBefore"); k != nil {
		p["pageBreakBefore"] = onOff(k)
	}
	return p
}

func readRPr(n *node) props {
	p := props{}
	if n == nil {
		return p
	}
	for _, c := range n.children {
		switch c.name {
		case "w:b":
			p["b"] = onOff(c)
		case "w:i":
			p["i"] = onOff(c)
		case "w:sz":
			p["sz"] = c.attr("w:val")
		case "w:caps":
			p["caps"] = onOff(c)
		case "w:vanish":
			p["vanish"] = onOff(c)
		}
	}
	return p
}

// styleSheet resolves Word styles (word/styles.xml) with their basedOn
// chains and the document defaults.
type styleSheet struct {
	defP, defR props
	styles     map[string]*node
	defPara    string
}

func readStyles(b []byte) *styleSheet {
	s := &styleSheet{defP: props{}, defR: props{"sz": "24"}, styles: map[string]*node{}}
	if b == nil {
		return s
	}
	p, err := parseXML(b)
	if err != nil {
		return s
	}
	if dd := p.root.child("w:docDefaults"); dd != nil {
		s.defR = s.defR.over(readRPr(dd.child("w:rPrDefault").child("w:rPr")))
		s.defP = s.defP.over(readPPr(dd.child("w:pPrDefault").child("w:pPr")))
	}
	for _, st := range p.root.children {
		if st.name != "w:style" {
			continue
		}
		id := st.attr("w:styleId")
		s.styles[id] = st
		if st.attr("w:type") == "paragraph" && (st.attr("w:default") == "1" || st.attr("w:default") == "true") {
			s.defPara = id
		}
	}
	return s
}

// resolve returns the paragraph and run properties of style id, following
// basedOn (at most 20 deep, against loops).
func (s *styleSheet) resolve(id string) (props, props) {
	var chain []*node
	for i := 0; id != "" && i < 20; i++ {
		st := s.styles[id]
		if st == nil {
			break
		}
		chain = append(chain, st)
		id = st.child("w:basedOn").attr("w:val")
	}
	pp, rp := props{}, props{}
	for i := len(chain) - 1; i >= 0; i-- {
		pp = pp.over(readPPr(chain[i].child("w:pPr")))
		rp = rp.over(readRPr(chain[i].child("w:rPr")))
	}
	return pp, rp
}

func mmOf(p props, key string) float64 {
	v, err := strconv.Atoi(p[key])
	if err != nil {
		return 0
	}
	return float64(v) * twip
}

// buildModel reads the filled document as the PDF draws it.
func buildModel(doc *xmlPart, styles *styleSheet) *docModel {
	m := &docModel{pageW: 210, pageH: 297, top: 20, right: 15, bottom: 20, left: 25, head: 10}
	body := doc.root.child("w:body")
	if sp := body.find("w:sectPr"); sp != nil {
		if sz := sp.child("w:pgSz"); sz != nil {
			w, h := mmOf(props{"v": sz.attr("w:w")}, "v"), mmOf(props{"v": sz.attr("w:h")}, "v")
			if w > 50 && h > 50 {
				m.pageW, m.pageH = w, h
			}
		}
		if mar := sp.child("w:pgMar"); mar != nil {
			get := func(a string, def float64) float64 {
				v := mmOf(props{"v": strings.TrimPrefix(mar.attr(a), "-")}, "v")
				if v <= 0 {
					return def
				}
				return v
			}
			m.top, m.right, m.bottom, m.left = get("w:top", m.top), get("w:right", m.right), get("w:bottom", m.bottom), get("w:left", m.left)
			m.head = get("w:header", m.head)
		}
	}
	m.blocks = readBlocks(body, styles, m.pageW-m.left-m.right)
	return m
}

func readBlocks(n *node, styles *styleSheet, width float64) []block {
	var out []block
	for _, c := range n.children {
		switch c.name {
		case "w:p":
			out = append(out, block{para: readPara(c, styles)})
		case "w:tbl":
			out = append(out, block{table: readTable(c, styles, width)})
		case "w:sdt":
			out = append(out, readBlocks(c.child("w:sdtContent"), styles, width)...)
		}
	}
	return out
}

func readTable(t *node, styles *styleSheet, width float64) *table {
	var grid []float64
	for _, g := range t.child("w:tblGrid").children {
		if g.name == "w:gridCol" {
			grid = append(grid, mmOf(props{"v": g.attr("w:w")}, "v"))
		}
	}
	tb := &table{}
	for _, tr := range t.children {
		if tr.name != "w:tr" {
			continue
		}
		var row []cell
		col := 0
		for _, tc := range tr.children {
			if tc.name != "w:tc" {
				continue
			}
			pr := tc.child("w:tcPr")
			span := 1
			if gs := pr.child("w:gridSpan"); gs != nil {
				if v, err := strconv.Atoi(gs.attr("w:val")); err == nil && v > 0 {
					span = v
				}
			}
			w := 0.0
			for i := col; i < col+span && i < len(grid); i++ {
				w += grid[i]
			}
			if tw := pr.child("w:tcW"); w == 0 && tw != nil && tw.attr("w:type") == "dxa" {
				w = mmOf(props{"v": tw.attr("w:w")}, "v")
			}
			col += span
			c := cell{width: w, valign: pr.child("w:vAlign").attr("w:val")}
			for _, b := range readBlocks(tc, styles, w) {
				if b.para != nil {
					c.paras = append(c.paras, b.para)
				}
				if b.table != nil { // nested tables: their paragraphs in order
					for _, r := range b.table.rows {
						for _, nc := range r {
							c.paras = append(c.paras, nc.paras...)
						}
					}
				}
			}
			row = append(row, c)
		}
		// cells without a width share what is left of the text width
		used, free := 0.0, 0
		for _, c := range row {
			used += c.width
			if c.width == 0 {
				free++
			}
		}
		for i := range row {
			if row[i].width == 0 && free > 0 {
				row[i].width = max(width-used, 20) / float64(free)
			}
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

func readPara(p *node, styles *styleSheet) *para {
	ppr := p.child("w:pPr")
	sid := ppr.child("w:pStyle").attr("w:val")
	if sid == "" {
		sid = styles.defPara
	}
	sp, sr := styles.resolve(sid)
	pp := styles.defP.over(sp).over(readPPr(ppr))
	rbase := styles.defR.over(sr)
	out := &para{
		align:           pp["jc"],
		indLeft:         mmOf(pp, "left"),
		indRight:        mmOf(pp, "right"),
		first:           mmOf(pp, "firstLine") - mmOf(pp, "hanging"),
		before:          mmOf(pp, "before"),
		after:           mmOf(pp, "after"),
		lineFactor:      1,
		keepNext:        pp["keepNext"] == "1",
		pageBreakBefore: pp["pageBreakBefore"] == "1",
		defaultSize:     halfPoints(rbase["sz"]),
	}
	if v, err := strconv.Atoi(pp["line"]); err == nil && v > 0 && (pp["lineRule"] == "" || pp["lineRule"] == "auto") {
		out.lineFactor = float64(v) / 240
	}
	switch out.align {
	case "both", "distribute":
		out.align = "both"
	case "center", "right":
	case "end":
		out.align = "right"
	default:
		out.align = "left"
	}
	var walk func(n *node)
	walk = func(n *node) {
		for _, c := range n.children {
			switch c.name {
			case "w:r":
				rp := rbase
				if rs := c.child("w:rPr").child("w:rStyle").attr("w:val"); rs != "" {
					_, r := styles.resolve(rs)
					rp = rp.over(r)
				}
				rp = rp.over(readRPr(c.child("w:rPr")))
				if rp["vanish"] == "1" {
					continue
				}
				base := run{bold: rp["b"] == "1", italic: rp["i"] == "1", size: halfPoints(rp["sz"])}
				for _, e := range c.children {
					r := base
					switch e.name {
					case "w:t":
						r.text = e.innerText()
						if rp["caps"] == "1" {
							r.text = strings.ToUpper(r.text)
						}
					case "w:br", "w:cr":
						r.br = true
					case "w:tab":
						r.tab = true
					case "w:noBreakHyphen":
						r.text = "-"
					default:
						continue
					}
					out.runs = append(out.runs, r)
				}
			case "w:hyperlink", "w:ins", "w:smartTag", "w:fldSimple", "w:customXml":
				walk(c)
			case "w:sdt":
				walk(c.child("w:sdtContent"))
			}
		}
	}
	walk(p)
	return out
}

func halfPoints(v string) float64 {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 12
	}
	return float64(n) / 2
}
