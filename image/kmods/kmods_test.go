package kmods

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseModinfo(t *testing.T) {
	sec := []byte("alias=virtio:d00000002v*\x00license=GPL\x00\x00\x00depends=virtio,virtio_ring\x00" +
		"retpoline=Y\x00name=virtio_blk\x00vermagic=6.1.0-56-amd64 SMP preempt mod_unload modversions \x00")
	got, err := ParseModinfo(sec)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{Name: "virtio_blk", Depends: []string{"virtio", "virtio_ring"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := ParseModinfo([]byte("name=x\x00garbage\x00")); err == nil {
		t.Fatal("entry without '=' accepted")
	}
	got, _ = ParseModinfo([]byte("depends=\x00name=crc32c-intel\x00"))
	if got.Name != "crc32c_intel" || got.Depends != nil {
		t.Fatalf("got %+v", got)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"crc32c-intel.ko": "crc32c_intel", "virtio_blk.ko.xz": "virtio_blk", "net-failover": "net_failover",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeIndex: a -> b, c; b -> c; c -> (builtin x); d -> missing.
func fakeIndex() *Index {
	return &Index{
		Modules: map[string]Module{
			"a": {Path: "kernel/a.ko", Depends: []string{"b", "c"}},
			"b": {Path: "kernel/b.ko", Depends: []string{"c"}},
			"c": {Path: "kernel/sub/c.ko", Depends: []string{"x"}},
			"d": {Path: "kernel/d.ko", Depends: []string{"missing"}},
			"e": {Path: "kernel/e.ko", Depends: []string{"f"}},
			"f": {Path: "kernel/f.ko", Depends: []string{"e"}},
		},
		Builtin: map[string]bool{"x": true},
	}
}

func TestClosureOrder(t *testing.T) {
	ix := fakeIndex()
	got, err := ix.Closure([]string{"a", "x", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Closure = %v, want %v", got, want)
	}
	deps, _ := ix.Deps("a")
	if want := []string{"b", "c"}; !reflect.DeepEqual(deps, want) {
		t.Fatalf("Deps(a) = %v, want %v", deps, want)
	}
}

func TestClosureErrors(t *testing.T) {
	ix := fakeIndex()
	_, err := ix.Closure([]string{"d"})
	if !errors.Is(err, ErrUnknownModule) || !strings.Contains(err.Error(), "needed by d") {
		t.Fatalf("missing dependency: %v", err)
	}
	if _, err := ix.Closure([]string{"nosuch"}); !errors.Is(err, ErrUnknownModule) {
		t.Fatalf("unknown module: %v", err)
	}
	if _, err := ix.Closure([]string{"e"}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("cycle: %v", err)
	}
}

func TestModulesDep(t *testing.T) {
	ix := fakeIndex()
	names, _ := ix.Closure([]string{"a"})
	lines, err := ix.ModulesDep(names)
	if err != nil {
		t.Fatal(err)
	}
	want := "kernel/sub/c.ko:\nkernel/b.ko: kernel/sub/c.ko\nkernel/a.ko: kernel/b.ko kernel/sub/c.ko\n"
	if got := string(FormatModulesDep(lines)); got != want {
		t.Fatalf("modules.dep:\n%s\nwant:\n%s", got, want)
	}
	back, err := ParseModulesDep([]byte(want))
	if err != nil || !reflect.DeepEqual(back, lines) {
		t.Fatalf("parse back: %v %+v", err, back)
	}
	if _, err := ParseModulesDep([]byte("kernel/a.ko kernel/b.ko\n")); err == nil {
		t.Fatal("line without colon accepted")
	}
}

func TestScanTreeReadsModinfo(t *testing.T) {
	root := t.TempDir()
	fakeModule(t, filepath.Join(root, "kernel/drivers/block/virtio_blk.ko"),
		[]byte("license=GPL\x00depends=virtio,virtio_ring\x00name=virtio_blk\x00"))
	fakeModule(t, filepath.Join(root, "kernel/drivers/virtio/virtio.ko"), []byte("depends=\x00name=virtio\x00"))
	fakeModule(t, filepath.Join(root, "kernel/drivers/virtio/virtio_ring.ko"), []byte("depends=\x00"))
	fakeModule(t, filepath.Join(root, "kernel/arch/x86/crypto/crc32c-intel.ko"), []byte("depends=\x00"))
	os.WriteFile(filepath.Join(root, "modules.order"), []byte("x\n"), 0o644)
	ix, err := ScanTree(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Modules["crc32c_intel"]; !ok {
		t.Fatalf("name from file name not normalised: %v", ix.Modules)
	}
	got, err := ix.Closure([]string{"virtio_blk"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"virtio", "virtio_ring", "virtio_blk"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Closure = %v, want %v", got, want)
	}
	if got := ix.Modules["virtio_ring"].Path; got != "kernel/drivers/virtio/virtio_ring.ko" {
		t.Fatalf("path %q", got)
	}
}

func TestReadModinfoRejectsNonModule(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.ko")
	os.WriteFile(p, []byte("not elf"), 0o644)
	if _, err := ReadModinfo(p); err == nil {
		t.Fatal("non-ELF accepted")
	}
}
