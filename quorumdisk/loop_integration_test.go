//go:build integration

package quorumdisk_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

// attachLoop backs a loop device with a fresh 16 MiB file and detaches it
// at the end of the test. sectorSize 0 keeps the default (512).
func attachLoop(t *testing.T, sectorSize int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("attaching a loop device needs root")
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		t.Skip("losetup not installed (util-linux)")
	}
	file := filepath.Join(t.TempDir(), "backing.img")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(file, 16<<20); err != nil {
		t.Fatal(err)
	}
	args := []string{"--find", "--show"}
	if sectorSize != 0 {
		args = append(args, "--sector-size", strconv.Itoa(sectorSize))
	}
	out, err := exec.Command("losetup", append(args, file)...).CombinedOutput()
	if err != nil {
		t.Skipf("cannot attach a loop device: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "--detach", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup --detach %s: %v: %s", dev, err, out)
		}
	})
	return dev
}

func TestLoopDevice(t *testing.T) {
	for _, sector := range []int{0, 4096} {
		t.Run("sector-"+strconv.Itoa(sector), func(t *testing.T) { testLoop(t, sector) })
	}
}

func testLoop(t *testing.T, sector int) {
	dev := attachLoop(t, sector)
	want := max(sector, 512)
	label := "itest-" + randomHex(4)
	h, err := quorumdisk.Create(dev, label, "alpha", nil)
	if err != nil {
		t.Fatal(err)
	}
	if int(h.SectorSize) != want {
		t.Errorf("recorded sector size %d, want %d (BLKSSZGET)", h.SectorSize, want)
	}
	d, err := quorumdisk.Open(dev, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.SectorSize() != want || d.Size() != 16<<20 || d.Header() != h {
		t.Errorf("opened: sector %d size %d header %+v", d.SectorSize(), d.Size(), d.Header())
	}
	written := map[cluster.NodeID]*cluster.Slot{1: sampleSlot(1, 1), 128: sampleSlot(128, 2), 256: sampleSlot(256, 3)}
	for _, s := range written {
		if err := d.WriteSlot(s); err != nil {
			t.Fatal(err)
		}
	}
	res, err := d.ReadSlots(1, 256)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if w, ok := written[r.Node]; ok && !reflect.DeepEqual(r.Slot, w) || !ok && r.Err == nil {
			t.Errorf("node %d: %+v, %v", r.Node, r.Slot, r.Err)
		}
	}
	found, err := quorumdisk.FindByLabel(label, nil)
	if err != nil || len(found) != 1 || found[0].Device != dev || found[0].Header.UUID != h.UUID {
		t.Errorf("FindByLabel(%s) = %+v, %v; want %s", label, found, err, dev)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
