package svcmgr

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// mountEntry is one line of /proc/PID/mountinfo (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	(1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
//
// mount ID, parent ID, major:minor of the filesystem, root of the mount
// within it, mount point, mount options, zero or more optional fields,
// a "-" separator, filesystem type, source, super options. Fields are
// separated by single spaces; the kernel writes space, tab, newline and
// backslash in root, mount point, type and source as \040, \011, \012
// and \134.
type mountEntry struct {
	ID, Parent   int
	Major, Minor uint32
	Root         string
	MountPoint   string
	Options      string
	Optional     []string
	FSType       string
	Source       string
	SuperOptions string
}

// parseMountInfo decodes mountinfo text.
func parseMountInfo(data []byte) ([]mountEntry, error) {
	var out []mountEntry
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		m, err := parseMountLine(string(line))
		if err != nil {
			return nil, fmt.Errorf("mountinfo line %d: %w", n+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMountLine(line string) (mountEntry, error) {
	f := strings.Split(line, " ")
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if len(f) < 10 || sep < 0 || len(f) != sep+4 || slices.Contains(f, "") {
		return mountEntry{}, fmt.Errorf("malformed line %q", line)
	}
	var m mountEntry
	var err [4]error
	m.ID, err[0] = strconv.Atoi(f[0])
	m.Parent, err[1] = strconv.Atoi(f[1])
	maj, min, ok := strings.Cut(f[2], ":")
	var ma, mi uint64
	ma, err[2] = strconv.ParseUint(maj, 10, 32)
	mi, err[3] = strconv.ParseUint(min, 10, 32)
	for _, e := range err {
		if e != nil || !ok {
			return mountEntry{}, fmt.Errorf("malformed numbers in %q", line)
		}
	}
	m.Major, m.Minor = uint32(ma), uint32(mi)
	m.Root, m.MountPoint, m.Options = unescapeMount(f[3]), unescapeMount(f[4]), f[5]
	if sep > 6 {
		m.Optional = f[6:sep]
	}
	m.FSType, m.Source, m.SuperOptions = unescapeMount(f[sep+1]), unescapeMount(f[sep+2]), f[sep+3]
	return m, nil
}

// String encodes m as a mountinfo line (without the newline).
func (m mountEntry) String() string {
	f := []string{strconv.Itoa(m.ID), strconv.Itoa(m.Parent), fmt.Sprintf("%d:%d", m.Major, m.Minor),
		escapeMount(m.Root), escapeMount(m.MountPoint), m.Options}
	f = append(f, m.Optional...)
	f = append(f, "-", escapeMount(m.FSType), escapeMount(m.Source), m.SuperOptions)
	return strings.Join(f, " ")
}

// unescapeMount turns \ooo (three octal digits, value < 256) into a byte.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal3(s[i+1:i+4]) {
			v, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal3(s string) bool {
	return len(s) == 3 && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7'
}

// escapeMount escapes what the kernel escapes, and a lone "-". The
// field must not be empty.
func escapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	if s == "-" {
		return `\055` // not the separator
	}
	return b.String()
}

// readMounts parses this process's mount table.
func readMounts() ([]mountEntry, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMountInfo(data)
}

// mountAt returns the topmost mount on mountpoint, or nil.
func mountAt(list []mountEntry, mountpoint string) *mountEntry {
	var found *mountEntry
	for i := range list {
		if list[i].MountPoint == mountpoint {
			found = &list[i] // later lines are mounted on top
		}
	}
	return found
}
