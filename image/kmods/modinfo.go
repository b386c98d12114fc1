package kmods

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNoModinfo: the file is an ELF object without a .modinfo section (not a
// kernel module).
var ErrNoModinfo = errors.New("no .modinfo section: not a kernel module")

// Info is what this package needs from a module's .modinfo.
type Info struct {
	Name    string   // module name, '-' mapped to '_'
	Depends []string // direct dependencies, names as above, in file order
}

// ParseModinfo decodes a .modinfo section. Entries other than name= and
// depends= are ignored; an entry without '=' is an error, since the kernel
// would reject such a module too.
func ParseModinfo(sec []byte) (Info, error) {
	var info Info
	for _, e := range bytes.Split(sec, []byte{0}) {
		if len(e) == 0 {
			continue
		}
		k, v, ok := strings.Cut(string(e), "=")
		if !ok {
			return Info{}, fmt.Errorf("modinfo entry %q has no '='", e)
		}
		switch k {
		case "name":
			info.Name = Normalize(v)
		case "depends":
			info.Depends = splitDepends(v)
		}
	}
	return info, nil
}

func splitDepends(v string) []string {
	var out []string
	for _, d := range strings.Split(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, Normalize(d))
		}
	}
	return out
}

// FormatModinfo encodes info as a .modinfo section holding only name= and
// depends= (the inverse of ParseModinfo for those two keys).
func FormatModinfo(info Info) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "depends=%s\x00", strings.Join(info.Depends, ","))
	if info.Name != "" {
		fmt.Fprintf(&b, "name=%s\x00", info.Name)
	}
	return b.Bytes()
}

// Normalize maps a module or file base name to the kernel's module name:
// '-' becomes '_' and a .ko suffix (with any compression suffix) is dropped.
func Normalize(name string) string {
	if i := strings.Index(name, ".ko"); i >= 0 {
		name = name[:i]
	}
	return strings.ReplaceAll(name, "-", "_")
}

// ReadModinfo reads the .modinfo section of the module at path. The name
// falls back to the file name when the section has no name= entry.
func ReadModinfo(path string) (Info, error) {
	f, err := elf.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return Info{}, fmt.Errorf("%s: %w", path, ErrNoModinfo)
	}
	data, err := sec.Data()
	if err != nil {
		return Info{}, fmt.Errorf("%s: .modinfo: %w", path, err)
	}
	info, err := ParseModinfo(data)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	if info.Name == "" {
		info.Name = Normalize(baseName(path))
	}
	info.Depends = slices.Compact(info.Depends)
	return info, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
