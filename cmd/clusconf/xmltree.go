package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// xnode is one node of a cluster.conf kept as an XML tree: elements with
// their attributes in file order, comments, text, processing instructions
// and directives. Editing the tree rather than a conf.Cluster keeps what
// the typed form would drop: comments, attributes left at their default,
// and the order the operator wrote things in.
type xnode struct {
	kind   nodeKind
	name   string     // element name (prefix:local as written); procinst target
	attrs  []xml.Attr // Name.Space holds the prefix as written
	kids   []*xnode
	text   string // comment, text, procinst or directive body
	parent *xnode
}

type nodeKind int

const (
	docNode nodeKind = iota
	elementNode
	commentNode
	textNode
	procInstNode
	directiveNode
)

// errSyntax marks XML the tree cannot hold; conf.Parse gives the
// file:line message for it.
var errSyntax = errors.New("not well-formed XML")

// parseXML reads data into a document node whose kids are the top-level
// nodes (declaration, comments, the root element).
func parseXML(data []byte) (*xnode, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "us-ascii") || strings.EqualFold(label, "ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not UTF-8", label)
	}
	doc := &xnode{kind: docNode}
	stack := []*xnode{doc}
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errSyntax, err)
		}
		if stack, err = addToken(stack, tok); err != nil {
			line, _ := dec.InputPos()
			return nil, fmt.Errorf("%w: line %d: %v", errSyntax, line, err)
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("%w: <%s> is not closed", errSyntax, stack[len(stack)-1].name)
	}
	if doc.root() == nil {
		return nil, fmt.Errorf("%w: no root element", errSyntax)
	}
	return doc, nil
}

// addToken adds one raw token under the top of stack.
func addToken(stack []*xnode, tok xml.Token) ([]*xnode, error) {
	top := stack[len(stack)-1]
	switch t := tok.(type) {
	case xml.StartElement:
		if top.kind == docNode && top.root() != nil {
			return nil, errors.New("second root element")
		}
		n := &xnode{kind: elementNode, name: qname(t.Name), attrs: slices.Clone(t.Attr)}
		top.add(n)
		return append(stack, n), nil
	case xml.EndElement:
		if top.kind != elementNode || qname(t.Name) != top.name {
			return nil, fmt.Errorf("</%s> does not close <%s>", qname(t.Name), top.name)
		}
		return stack[:len(stack)-1], nil
	case xml.CharData:
		if s := strings.TrimSpace(string(t)); s != "" {
			if top.kind == docNode {
				return nil, errors.New("text outside the root element")
			}
			top.add(&xnode{kind: textNode, text: s})
		}
	case xml.Comment:
		top.add(&xnode{kind: commentNode, text: string(t)})
	case xml.ProcInst:
		top.add(&xnode{kind: procInstNode, name: t.Target, text: string(t.Inst)})
	case xml.Directive:
		top.add(&xnode{kind: directiveNode, text: string(t)})
	}
	return stack, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// bytes writes the tree back as XML, two-space indented, one node a line.
func (n *xnode) bytes() []byte {
	var b bytes.Buffer
	for _, k := range n.kids {
		k.write(&b, 0)
	}
	return b.Bytes()
}

func (n *xnode) write(b *bytes.Buffer, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	switch n.kind {
	case commentNode:
		b.WriteString("<!--" + n.text + "-->\n")
	case procInstNode:
		b.WriteString("<?" + n.name)
		if n.text != "" {
			b.WriteString(" " + n.text)
		}
		b.WriteString("?>\n")
	case directiveNode:
		b.WriteString("<!" + n.text + ">\n")
	case textNode:
		xml.EscapeText(b, []byte(n.text))
		b.WriteString("\n")
	case elementNode:
		n.writeElement(b, depth)
	}
}

func (n *xnode) writeElement(b *bytes.Buffer, depth int) {
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + qname(a.Name) + `="`)
		xml.EscapeText(b, []byte(a.Value))
		b.WriteString(`"`)
	}
	if len(n.kids) == 0 {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	for _, k := range n.kids {
		k.write(b, depth+1)
	}
	b.WriteString(strings.Repeat("  ", depth) + "</" + n.name + ">\n")
}

// newElem returns an element with the given name and attribute pairs.
func newElem(name string, attrs ...string) *xnode {
	n := &xnode{kind: elementNode, name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.set(attrs[i], attrs[i+1])
	}
	return n
}

// root is the document's root element, or nil.
func (n *xnode) root() *xnode {
	for _, k := range n.kids {
		if k.kind == elementNode {
			return k
		}
	}
	return nil
}

func (n *xnode) add(k *xnode) {
	k.parent = n
	n.kids = append(n.kids, k)
}

func (n *xnode) insert(i int, k *xnode) {
	k.parent = n
	n.kids = slices.Insert(n.kids, i, k)
}

// remove takes n out of its parent.
func (n *xnode) remove() {
	p := n.parent
	if i := slices.Index(p.kids, n); i >= 0 {
		p.kids = slices.Delete(p.kids, i, i+1)
	}
	n.parent = nil
}

// get returns the value of the unprefixed attribute name.
func (n *xnode) get(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n *xnode) value(name string) string {
	v, _ := n.get(name)
	return v
}

// set replaces the attribute name in place, or appends it.
func (n *xnode) set(name, value string) {
	for i, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			n.attrs[i].Value = value
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

// unset deletes the attribute name; false if there was none.
func (n *xnode) unset(name string) bool {
	for i, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			n.attrs = slices.Delete(n.attrs, i, i+1)
			return true
		}
	}
	return false
}

// elems lists the child elements called name, or all with name "".
// Safe on nil.
func (n *xnode) elems(name string) []*xnode {
	if n == nil {
		return nil
	}
	var out []*xnode
	for _, k := range n.kids {
		if k.kind == elementNode && (name == "" || k.name == name) {
			out = append(out, k)
		}
	}
	return out
}

// elem is the first child element called name, or nil. Safe on nil.
func (n *xnode) elem(name string) *xnode {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.kind == elementNode && k.name == name {
			return k
		}
	}
	return nil
}

// find is the first child element called name whose attribute key is
// value, or nil. Safe on nil.
func (n *xnode) find(name, key, value string) *xnode {
	if n == nil {
		return nil
	}
	for _, k := range n.elems(name) {
		if v, ok := k.get(key); ok && v == value {
			return k
		}
	}
	return nil
}

// walk calls f for n and every element below it, depth first.
func (n *xnode) walk(f func(*xnode)) {
	if n.kind == elementNode {
		f(n)
	}
	for _, k := range n.kids {
		k.walk(f)
	}
}

// ensure returns the child element called name, creating it where the
// canonical order puts it: after the last sibling that order lists
// earlier, else before the first it lists later, else at the end.
func (n *xnode) ensure(name string, order []string) *xnode {
	if e := n.elem(name); e != nil {
		return e
	}
	e := newElem(name)
	want := slices.Index(order, name)
	pos := -1
	for i, k := range n.kids {
		if k.kind != elementNode {
			continue
		}
		switch at := slices.Index(order, k.name); {
		case at >= 0 && at < want:
			pos = i + 1
		case at > want && pos < 0:
			pos = i
		}
	}
	if pos < 0 {
		pos = len(n.kids)
	}
	n.insert(pos, e)
	return e
}

// Canonical orders of children (conf's Marshal order).
var (
	clusterOrder = []string{"cman", "totem", "quorumd", "fence_daemon", "clusternodes", "fencedevices", "rm"}
	rmOrder      = []string{"failoverdomains", "resources", "service"}
	nodeOrder    = []string{"fence", "unfence"}
)
