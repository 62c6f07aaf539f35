package letters

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// node is one node of an OOXML part kept as written: names carry their
// prefix ("w:p") exactly as in the file, since encoding/xml's namespace-aware
// encoder would rename them and Word would no longer open the result.
type node struct {
	// name is "prefix:local" for an element; "" for character data.
	name     string
	attrs    []xml.Attr
	children []*node
	// text is the character data of a text node (name == "").
	text string
}

// xmlPart is a parsed XML part: what precedes the root (the declaration)
// and the root element.
type xmlPart struct {
	prolog []byte
	root   *node
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// parseXML reads an XML part into a tree, keeping prefixes as written.
func parseXML(b []byte) (*xmlPart, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	p := &xmlPart{}
	var stack []*node
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if len(stack) == 0 && p.root == nil {
				p.prolog = append(p.prolog, "<?"+t.Target+" "+string(t.Inst)+"?>"...)
			}
		case xml.StartElement:
			n := &node{name: rawName(t.Name)}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: rawName(a.Name)}, Value: a.Value})
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			} else if p.root == nil {
				p.root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("unbalanced end element")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, &node{text: string(t)})
			}
		}
	}
	if p.root == nil || len(stack) != 0 {
		return nil, errors.New("no complete root element")
	}
	return p, nil
}

// bytes writes the part back.
func (p *xmlPart) bytes() []byte {
	var b bytes.Buffer
	b.Write(p.prolog)
	writeNode(&b, p.root)
	return b.Bytes()
}

func writeNode(b *bytes.Buffer, n *node) {
	if n.name == "" {
		_ = xml.EscapeText(b, []byte(n.text))
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		_ = xml.EscapeText(b, []byte(a.Value))
		b.WriteByte('"')
	}
	if len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for _, c := range n.children {
		writeNode(b, c)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

// clone returns a deep copy of n.
func (n *node) clone() *node {
	c := &node{name: n.name, text: n.text}
	c.attrs = append([]xml.Attr(nil), n.attrs...)
	if len(n.children) > 0 {
		c.children = make([]*node, len(n.children))
		for i, ch := range n.children {
			c.children[i] = ch.clone()
		}
	}
	return c
}

// attr returns the value of the attribute named name ("w:val"), or "".
func (n *node) attr(name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element named name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// find returns the first element named name below n, depth first.
func (n *node) find(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

// innerText is the concatenated character data below n (used for w:t).
func (n *node) innerText() string {
	var s strings.Builder
	for _, c := range n.children {
		if c.name == "" {
			s.WriteString(c.text)
		}
	}
	return s.String()
}

// setText replaces the content of a w:t with s, preserving spaces.
func (n *node) setText(s string) {
	n.children = nil
	if s != "" {
		n.children = []*node{{text: s}}
	}
	for _, a := range n.attrs {
		if a.Name.Local == "xml:space" {
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: "xml:space"}, Value: "preserve"})
}
