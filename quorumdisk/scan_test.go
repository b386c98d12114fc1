package quorumdisk_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

// fakeSys builds a /sys/class/block-like directory and a /dev-like one
// holding files; sizes are in bytes, removable marks removable devices.
func fakeSys(t *testing.T, devs map[string]int64, removable ...string) (sys, dev string) {
	t.Helper()
	sys, dev = t.TempDir(), qdtest.DirectIODir(t)
	for name, size := range devs {
		d := filepath.Join(sys, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "size"), strconv.FormatInt(size/512, 10)+"\n")
		writeFile(t, filepath.Join(d, "removable"), "0\n")
		f, err := os.Create(filepath.Join(dev, name))
		if err != nil {
			t.Fatal(err)
		}
		f.Truncate(size)
		f.Close()
	}
	for _, name := range removable {
		writeFile(t, filepath.Join(sys, name, "removable"), "1\n")
	}
	return sys, dev
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScan(t *testing.T) {
	sys, dev := fakeSys(t, map[string]int64{"sda": 16 << 20, "sdb": 8 << 20, "sdc": 8 << 20, "sdd": 8 << 20,
		"sr0": 8 << 20, "tiny": 1 << 20}, "sr0")
	for name, label := range map[string]string{"sdb": "qdisk-b", "sdd": "qdisk-d", "sr0": "cdrom"} {
		if _, err := quorumdisk.Create(filepath.Join(dev, name), label, "alpha", nil); err != nil {
			t.Fatal(err)
		}
	}
	writeRaw(t, filepath.Join(dev, "sdd"), 100, []byte("torn")) // header of sdd is damaged
	// An unattached loop device: in /dev only, empty.
	if err := os.WriteFile(filepath.Join(dev, "loop7"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := quorumdisk.ScanIn(sys, dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("found %+v, want sdb and sdd", found)
	}
	b, d := found[0], found[1]
	if b.Device != filepath.Join(dev, "sdb") || b.Err != nil || b.Header.Label != "qdisk-b" || b.Header.Cluster != "alpha" {
		t.Errorf("sdb: %+v", b)
	}
	if d.Device != filepath.Join(dev, "sdd") || d.Err == nil {
		t.Errorf("sdd (damaged header) should be listed with its error: %+v", d)
	}
	if _, err := quorumdisk.ScanIn(filepath.Join(sys, "missing"), dev, nil); err == nil {
		t.Error("scan of a missing sysfs dir succeeded")
	}
}
