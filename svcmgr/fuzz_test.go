package svcmgr

import (
	"bytes"
	"encoding/xml"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", "a b", `'a b' "c\"d" e\ f`, `"$HOME" '\'`, "a\\\nb", `''`, `"a\x"`, "x\x00y \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := Split(line)
		if err != nil {
			return
		}
		again, err := Split(Quote(words))
		if err != nil || !slices.Equal(again, words) {
			t.Fatalf("Split(Quote(%q)) = %q, %v", words, again, err)
		}
	})
}

// FuzzQuote checks Quote against arbitrary words (separated by NUL).
func FuzzQuote(f *testing.F) {
	f.Add("a\x00b c\x00'\x00\"\x00")
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Split(s, "\x00")
		got, err := Split(Quote(words))
		if err != nil || !slices.Equal(got, words) {
			t.Fatalf("Split(Quote(%q)) = %q, %v", words, got, err)
		}
	})
}

func FuzzMountInfo(f *testing.F) {
	if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("36 35 98:0 /mnt1 /mnt\\0402 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"))
	f.Add([]byte("1 0 0:1 / / rw - rootfs rootfs rw\n2 1 0:2 / /a\\134b rw shared:1 master:2 - tmpfs \\055 rw\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := parseMountInfo(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		for _, m := range list {
			b.WriteString(m.String() + "\n")
		}
		again, err := parseMountInfo(b.Bytes())
		if err != nil || !reflect.DeepEqual(again, list) {
			t.Fatalf("round trip of %q:\n got %+v, %v\nwant %+v", b.String(), again, err, list)
		}
	})
}

func FuzzARP(f *testing.F) {
	f.Add(arpPacket{Op: 1, SenderHW: [6]byte{2, 0, 0, 0, 0, 1}, SenderIP: [4]byte{10, 0, 0, 5}, TargetIP: [4]byte{10, 0, 0, 5}}.marshal())
	f.Add(make([]byte, arpLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseARP(b)
		if err != nil {
			return
		}
		if got := p.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("marshal(parse(%x)) = %x", b, got)
		}
	})
}

func FuzzNA(f *testing.F) {
	f.Add(naPacket{Flags: naOverride, Target: [16]byte{0xfd, 15: 5}, MAC: [6]byte{2, 0, 0, 0, 0, 1}}.marshal())
	f.Add(make([]byte, naLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseNA(b)
		if err != nil {
			return
		}
		if got := p.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("marshal(parse(%x)) = %x", b, got)
		}
	})
}

func FuzzOCFMeta(f *testing.F) {
	if data, err := os.ReadFile("testdata/ocf/resource.d/test/Fake"); err == nil {
		s := string(data)
		if i, j := strings.Index(s, "<?xml"), strings.Index(s, "</resource-agent>"); i >= 0 && j > i {
			f.Add([]byte(s[i : j+len("</resource-agent>")]))
		}
	}
	f.Add([]byte(`<resource-agent name="x"><parameters><parameter name="p" required="1"><content default="d"/></parameter></parameters></resource-agent>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseOCFMeta(data)
		if err != nil {
			return
		}
		out, err := xml.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %+v: %v", m, err)
		}
		again, err := parseOCFMeta(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		m.XMLName, again.XMLName = xml.Name{}, xml.Name{}
		if !reflect.DeepEqual(normMeta(m), normMeta(again)) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, m)
		}
	})
}

// normMeta treats nil and empty slices alike.
func normMeta(m *ocfMeta) ocfMeta {
	c := *m
	if len(c.Parameters) == 0 {
		c.Parameters = nil
	}
	if len(c.Actions) == 0 {
		c.Actions = nil
	}
	return c
}
