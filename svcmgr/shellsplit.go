package svcmgr

import (
	"errors"
	"strings"
)

// errSplit is returned for command lines that end inside a quote or
// after a backslash.
var errSplit = errors.New("unterminated quote or trailing backslash")

// splitter holds the state of Split.
type splitter struct {
	words []string
	cur   strings.Builder
	inW   bool // a word has begun (possibly empty, as after '')
}

func (s *splitter) add(b byte) { s.cur.WriteByte(b); s.inW = true }

func (s *splitter) end() {
	if s.inW {
		s.words = append(s.words, s.cur.String())
	}
	s.cur.Reset()
	s.inW = false
}

// Split splits a command line into words as a POSIX shell would, with
// no expansion of any kind: blanks separate words; a backslash quotes
// the next character (backslash-newline is removed); '…' quotes
// literally; "…" quotes with \ escaping only $ ` " \ and newline. $, *,
// ~, # and the like are ordinary characters.
func Split(line string) ([]string, error) {
	var s splitter
	rs := line
	for i := 0; i < len(rs); i++ {
		var err error
		switch r := rs[i]; r {
		case ' ', '\t', '\n':
			s.end()
		case '\\':
			i, err = s.backslash(rs, i)
		case '\'':
			i, err = s.single(rs, i)
		case '"':
			i, err = s.double(rs, i)
		default:
			s.add(r)
		}
		if err != nil {
			return nil, err
		}
	}
	s.end()
	return s.words, nil
}

func (s *splitter) backslash(rs string, i int) (int, error) {
	if i+1 >= len(rs) {
		return i, errSplit
	}
	if rs[i+1] != '\n' {
		s.add(rs[i+1])
	}
	return i + 1, nil
}

func (s *splitter) single(rs string, i int) (int, error) {
	s.inW = true
	for j := i + 1; j < len(rs); j++ {
		if rs[j] == '\'' {
			return j, nil
		}
		s.add(rs[j])
	}
	return i, errSplit
}

func (s *splitter) double(rs string, i int) (int, error) {
	s.inW = true
	for j := i + 1; j < len(rs); j++ {
		switch rs[j] {
		case '"':
			return j, nil
		case '\\':
			if j+1 >= len(rs) {
				return i, errSplit
			}
			switch n := rs[j+1]; n {
			case '$', '`', '"', '\\':
				s.add(n)
				j++
			case '\n':
				j++
			default:
				s.add('\\')
			}
		default:
			s.add(rs[j])
		}
	}
	return i, errSplit
}

// Quote renders args as a command line that Split turns back into args.
func Quote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = quoteWord(a)
	}
	return strings.Join(out, " ")
}

func quoteWord(a string) string {
	if a == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(a); i++ {
		safe = safe && safeByte(a[i])
	}
	if safe {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

func safeByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("_@%+=:,./-", b) >= 0
}
