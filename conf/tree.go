package conf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// elem is one XML element with the line of its start tag.
type elem struct {
	name, space string // local name and namespace (empty when none)
	attrs       []xml.Attr
	line        int
	textLine    int // line of the first non-blank text inside, 0 if none
	kids        []*elem
}

// attr returns the first value of attribute name. Safe on a nil elem.
func (e *elem) attr(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// keyAttrs identify an element in messages, first present wins.
var keyAttrs = []string{"name", "address", "label", "device", "unit", "ref", "program"}

// tag renders e for messages: `<clusternode name="n3">`.
func (e *elem) tag() string {
	for _, k := range keyAttrs {
		if v, ok := e.attr(k); ok {
			if len(v) > 40 {
				v = v[:40] + "..."
			}
			return fmt.Sprintf("<%s %s=%s>", e.name, k, strconv.Quote(v))
		}
	}
	return "<" + e.name + ">"
}

// maxDepth bounds element nesting, so decoding and Marshal recurse
// only so far.
const maxDepth = 64

// lineCounter turns byte offsets (which only grow) into 1-based lines.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (lc *lineCounter) at(off int64) int {
	off = min(off, int64(len(lc.data)))
	if off > lc.off {
		lc.line += bytes.Count(lc.data[lc.off:off], []byte{'\n'})
		lc.off = off
	}
	return lc.line
}

// tree reads data into an element tree. It returns nil after recording
// an error when the XML is not well formed or has no single root.
func (d *decoder) tree(data []byte) *elem {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset
	b := &builder{d: d, lines: lineCounter{data: data, line: 1}}
	for {
		off := dec.InputOffset() // start of the next token
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			d.syntax(err, b.lines.at(off))
			return nil
		}
		if !b.token(tok, b.lines.at(off)) {
			return nil
		}
	}
	if b.root == nil {
		d.report(&Error{File: d.file, Line: 1, Msg: "no <cluster> element",
			Fix: `start the file with <cluster name="..." config_version="1">`})
	}
	return b.root
}

// builder assembles elements from tokens.
type builder struct {
	d     *decoder
	lines lineCounter
	root  *elem
	stack []*elem
}

// token adds one token that starts on line; false means stop (reported).
func (b *builder) token(tok xml.Token, line int) bool {
	switch t := tok.(type) {
	case xml.StartElement:
		return b.start(&elem{name: t.Name.Local, space: t.Name.Space, attrs: t.Attr, line: line})
	case xml.EndElement:
		b.stack = b.stack[:len(b.stack)-1]
	case xml.CharData:
		return b.text(t, line)
	}
	return true
}

func (b *builder) start(e *elem) bool {
	switch {
	case len(b.stack) > 0:
		parent := b.stack[len(b.stack)-1]
		parent.kids = append(parent.kids, e)
	case b.root == nil:
		b.root = e
	default:
		b.d.add(e, "second root element", "a file holds one <cluster>; remove the rest")
		return false
	}
	b.stack = append(b.stack, e)
	if len(b.stack) > maxDepth {
		b.d.add(e, fmt.Sprintf("elements are nested more than %d deep", maxDepth), "flatten the resource tree")
		return false
	}
	return true
}

// text records where non-blank text appears; values belong in attributes.
func (b *builder) text(t []byte, line int) bool {
	if len(bytes.TrimSpace(t)) == 0 {
		return true
	}
	line += bytes.Count(t[:len(t)-len(bytes.TrimLeft(t, " \t\r\n"))], []byte{'\n'})
	if len(b.stack) == 0 {
		b.d.report(&Error{File: b.d.file, Line: line, Msg: "text outside <cluster>", Fix: "remove it"})
		return false
	}
	if top := b.stack[len(b.stack)-1]; top.textLine == 0 {
		top.textLine = line
	}
	return true
}

// errEncoding refuses encodings other than UTF-8 and its ASCII subset.
var errEncoding = errors.New("unsupported encoding")

func charset(label string, r io.Reader) (io.Reader, error) {
	if strings.EqualFold(label, "us-ascii") || strings.EqualFold(label, "ascii") {
		return r, nil
	}
	return nil, errEncoding
}

// syntax records an XML well-formedness error.
func (d *decoder) syntax(err error, line int) {
	if errors.Is(err, errEncoding) {
		d.report(&Error{File: d.file, Line: line, Msg: "the file declares an encoding other than UTF-8",
			Fix: "save it as UTF-8 (iconv -t UTF-8) and write <?xml version=\"1.0\"?>"})
		return
	}
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line, msg = se.Line, se.Msg
	}
	d.report(&Error{File: d.file, Line: line,
		Msg: "XML syntax error: " + strings.TrimPrefix(msg, "xml: "),
		Fix: "fix the XML (matching quotes and end tags, & written as &amp;, UTF-8 text)"})
}
