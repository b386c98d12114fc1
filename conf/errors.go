package conf

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid matches (errors.Is) every *ErrorList returned by Parse and
// Load, so callers can tell "the file is wrong" from "the file is
// unreadable".
var ErrInvalid = errors.New("conf: invalid cluster.conf")

// Error is one problem found in a cluster.conf, located by file and line
// and naming the element, what is wrong (Msg) and how to fix it (Fix).
type Error struct {
	File    string
	Line    int    // 1-based; 0 when unknown
	Element string // e.g. `<clusternode name="n3">`; empty when none
	Msg     string
	Fix     string
}

// Error formats the problem as
// `cluster.conf:42: <clusternode name="n3">: nodeid 3 is used twice (also line 37); give each node a unique nodeid`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// ErrorList holds every problem found in one file, in line order.
type ErrorList []*Error

// Error joins the problems with newlines.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Is reports true for ErrInvalid.
func (l ErrorList) Is(target error) bool { return target == ErrInvalid }

// Unwrap exposes the individual *Error values to errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
