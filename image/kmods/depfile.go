package kmods

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// DepLine is one line of modules.dep.
type DepLine struct {
	Path string   // the module's file, relative to /lib/modules/VERSION
	Deps []string // files of the modules it needs, same form
}

// ModulesDep returns the modules.dep lines for the given modules (names
// from Closure), in that order.
func (ix *Index) ModulesDep(names []string) ([]DepLine, error) {
	var out []DepLine
	for _, n := range names {
		m, ok := ix.Modules[n]
		if !ok {
			return nil, unknown(n, "")
		}
		deps, err := ix.Deps(n)
		if err != nil {
			return nil, err
		}
		l := DepLine{Path: m.Path}
		for _, d := range deps {
			l.Deps = append(l.Deps, ix.Modules[d].Path)
		}
		out = append(out, l)
	}
	return out, nil
}

// FormatModulesDep encodes lines in modules.dep syntax.
func FormatModulesDep(lines []DepLine) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.Path)
		b.WriteByte(':')
		for _, d := range l.Deps {
			b.WriteByte(' ')
			b.WriteString(d)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseModulesDep decodes modules.dep. Blank lines are skipped; a line
// without a colon, an empty path or a path with white space is an error
// naming the line.
func ParseModulesDep(data []byte) ([]DepLine, error) {
	var out []DepLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		path, deps, ok := strings.Cut(text, ":")
		if !ok || path == "" || strings.ContainsAny(path, " \t") {
			return nil, fmt.Errorf("modules.dep:%d: want \"path: dep dep...\", got %q", n, text)
		}
		l := DepLine{Path: path}
		if f := strings.Fields(deps); len(f) > 0 {
			l.Deps = f
		}
		out = append(out, l)
	}
	return out, sc.Err()
}
