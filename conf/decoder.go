package conf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxErrors bounds the report (and the work spent on suggestions).
const maxErrors = 100

// decoder turns an element tree into a Cluster, collecting every problem.
type decoder struct {
	file  string
	errs  ErrorList
	more  bool            // problems beyond maxErrors were dropped
	known map[string]bool // defined names, see define
}

// add records a problem with element e.
func (d *decoder) add(e *elem, msg, fix string) {
	d.report(&Error{File: d.file, Line: e.line, Element: e.tag(), Msg: msg, Fix: fix})
}

// addLazy is add for fixes that are costly to compute (suggestions among
// many names): fix runs only if the problem will be reported.
func (d *decoder) addLazy(e *elem, msg string, fix func() string) {
	if len(d.errs) >= maxErrors {
		d.more = true
		return
	}
	d.add(e, msg, fix())
}

func (d *decoder) report(e *Error) {
	if len(d.errs) >= maxErrors {
		d.more = true
		return
	}
	d.errs = append(d.errs, e)
}

// define records that a thing of kind ("node", "fencedevice",
// "failoverdomain", or a resource type) called name exists.
func (d *decoder) define(kind, name string) {
	if d.known == nil {
		d.known = map[string]bool{}
	}
	d.known[kind+"\x00"+name] = true
}

// defined reports whether define(kind, name) was called.
func (d *decoder) defined(kind, name string) bool { return d.known[kind+"\x00"+name] }

// attrSpec says which attributes an element accepts.
type attrSpec struct {
	known  []string
	open   bool   // any attribute is accepted
	prefix string // attributes with this prefix are accepted too
}

// checkAttrs reports namespaced, repeated and unknown attributes of e.
func (d *decoder) checkAttrs(e *elem, spec attrSpec) {
	if e == nil {
		return
	}
	seen := map[string]bool{}
	for _, a := range e.attrs {
		name := a.Name.Local
		switch {
		case a.Name.Space != "" || name == "xmlns":
			d.add(e, fmt.Sprintf("namespaced attribute %q is not supported", qname(a.Name.Space, name)), "remove it")
		case seen[name]:
			d.add(e, fmt.Sprintf("attribute %q is given twice", name), "keep one of them")
		case !spec.open && !contains(spec.known, name) && (spec.prefix == "" || !strings.HasPrefix(name, spec.prefix)):
			d.add(e, fmt.Sprintf("unknown attribute %q", name),
				didYouMean(name, spec.known, `"%s"`, "remove it"))
		}
		seen[name] = true
	}
}

func qname(space, local string) string {
	if space == "" {
		return local
	}
	return space + ":" + local
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kids reports text and unknown children inside e and returns the known
// children grouped by name, in file order.
func (d *decoder) kids(e *elem, allowed ...string) map[string][]*elem {
	if e == nil {
		return nil
	}
	if e.textLine > 0 {
		d.report(&Error{File: d.file, Line: e.textLine, Element: e.tag(),
			Msg: "unexpected text", Fix: "remove it; values go in attributes"})
	}
	out := map[string][]*elem{}
	for _, k := range e.kids {
		switch {
		case k.space != "":
			d.add(k, "namespaced element is not supported", "remove the namespace")
		case contains(allowed, k.name):
			out[k.name] = append(out[k.name], k)
		case unsupported[k.name] != "":
			d.add(k, fmt.Sprintf("<%s> is not supported by quorate", k.name), unsupported[k.name])
		case len(allowed) == 0:
			d.add(k, fmt.Sprintf("unexpected element inside <%s>", e.name), fmt.Sprintf("<%s> takes no child elements; remove it", e.name))
		default:
			d.add(k, fmt.Sprintf("unknown element <%s> inside <%s>", k.name, e.name),
				didYouMean(k.name, allowed, "<%s>", "remove it"))
		}
	}
	return out
}

// one returns the only element of list, reporting any repeats.
func (d *decoder) one(list []*elem) *elem {
	if len(list) == 0 {
		return nil
	}
	for _, e := range list[1:] {
		d.add(e, fmt.Sprintf("<%s> is given twice (also line %d)", e.name, list[0].line),
			fmt.Sprintf("merge them into one <%s>", e.name))
	}
	return list[0]
}

// required returns attribute name, reporting it when missing or empty.
func (d *decoder) required(e *elem, name, example string) string {
	v, ok := e.attr(name)
	if !ok || v == "" {
		d.add(e, fmt.Sprintf("%s is missing", name), fmt.Sprintf(`add %s="%s"`, name, example))
	}
	return v
}

// boolean reads a 0/1, yes/no, on/off or true/false attribute.
func (d *decoder) boolean(e *elem, name string, def bool) bool {
	v, ok := e.attr(name)
	if !ok {
		return def
	}
	b, valid := parseBool(v)
	if !valid {
		d.add(e, fmt.Sprintf("%s=%q is not a boolean", name, v), fmt.Sprintf(`write %s="1" or %s="0"`, name, name))
		return def
	}
	return b
}

// integer reads a whole-number attribute in lo..hi. given is false when
// the attribute is absent or invalid (def is returned then).
func (d *decoder) integer(e *elem, name string, def, lo, hi int) (n int, given bool) {
	v, ok := e.attr(name)
	if !ok {
		return def, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		d.add(e, fmt.Sprintf("%s=%q is not a whole number", name, v), fmt.Sprintf("write a number from %d to %d", lo, hi))
		return def, false
	}
	if n < lo || n > hi {
		d.add(e, fmt.Sprintf("%s %d is out of range", name, n), fmt.Sprintf("use a number from %d to %d", lo, hi))
		return def, false
	}
	return n, true
}

// duration reads a decimal attribute counted in unit (time.Second or
// time.Millisecond). A zero value is refused unless zeroOK.
func (d *decoder) duration(e *elem, name string, unit, def time.Duration, zeroOK bool) (time.Duration, bool) {
	v, ok := e.attr(name)
	if !ok {
		return def, false
	}
	u := map[time.Duration]string{time.Second: "seconds", time.Millisecond: "milliseconds"}[unit]
	t, err := parseDecimal(v, unit)
	switch {
	case err == errPrecision:
		d.add(e, fmt.Sprintf("%s=%q has more decimal places than a nanosecond", name, v), "round it")
	case err != nil:
		d.add(e, fmt.Sprintf("%s=%q is not a number of %s", name, v, u), fmt.Sprintf(`write a decimal number of %s, e.g. %s="%s"`, u, name, formatDecimal(def, unit)))
	case t > maxDuration:
		d.add(e, fmt.Sprintf("%s=%q is longer than 24 hours", name, v), fmt.Sprintf("use at most %s %s", formatDecimal(maxDuration, unit), u))
	case t == 0 && !zeroOK:
		d.add(e, fmt.Sprintf("%s must be greater than 0", name), fmt.Sprintf(`set a positive number of %s, e.g. %s="%s"`, u, name, formatDecimal(def, unit)))
	default:
		return t, true
	}
	return def, false
}

// params collects every attribute of e except those in skip.
func params(e *elem, skip ...string) map[string]string {
	m := map[string]string{}
	if e == nil {
		return m
	}
	for _, a := range e.attrs {
		if a.Name.Space != "" || contains(skip, a.Name.Local) {
			continue
		}
		if _, dup := m[a.Name.Local]; !dup {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}
