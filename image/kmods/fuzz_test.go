package kmods

import (
	"reflect"
	"testing"
)

func FuzzModinfo(f *testing.F) {
	f.Add([]byte("depends=virtio,virtio_ring\x00name=virtio_blk\x00"))
	f.Add([]byte("license=GPL\x00\x00depends=\x00"))
	f.Add([]byte("name=crc32c-intel\x00depends=a, b,,c\x00"))
	f.Fuzz(func(t *testing.T, sec []byte) {
		info, err := ParseModinfo(sec)
		if err != nil {
			return
		}
		again, err := ParseModinfo(FormatModinfo(info))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", FormatModinfo(info), err)
		}
		if !reflect.DeepEqual(again, info) {
			t.Fatalf("round trip: %+v != %+v", again, info)
		}
	})
}

func FuzzModulesDep(f *testing.F) {
	f.Add([]byte("kernel/a.ko: kernel/b.ko kernel/c.ko\nkernel/b.ko:\n"))
	f.Add([]byte("\n\nx.ko:\t y.ko\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := ParseModulesDep(data)
		if err != nil {
			return
		}
		again, err := ParseModulesDep(FormatModulesDep(lines))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(again) != len(lines) {
			t.Fatalf("round trip lost lines: %d != %d", len(again), len(lines))
		}
		for i := range lines {
			if again[i].Path != lines[i].Path || !reflect.DeepEqual(nilIfEmpty(again[i].Deps), nilIfEmpty(lines[i].Deps)) {
				t.Fatalf("line %d: %+v != %+v", i, again[i], lines[i])
			}
		}
	})
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
