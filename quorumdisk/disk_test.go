package quorumdisk_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

// These tests use a real file opened with O_DIRECT.

func createFile(t *testing.T, label, clusterName string) (string, quorumdisk.Header) {
	t.Helper()
	path := qdtest.NewDeviceFile(t, 8<<20)
	h, err := quorumdisk.Create(path, label, clusterName, nil)
	if err != nil {
		t.Fatal(err)
	}
	return path, h
}

func openFile(t *testing.T, path string) *quorumdisk.Disk {
	t.Helper()
	d, err := quorumdisk.Open(path, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestCreateOpenWriteRead(t *testing.T) {
	path, h := createFile(t, "qd1", "alpha")
	host, _ := os.Hostname()
	if h.Label != "qd1" || h.Cluster != "alpha" || h.SectorSize != 512 || h.CreatedBy != host ||
		time.Since(h.Created) > time.Minute || h.UUID == (quorumdisk.UUID{}) {
		t.Errorf("created header %+v", h)
	}
	d := openFile(t, path)
	if d.Header() != h {
		t.Fatalf("opened header %+v, created %+v", d.Header(), h)
	}
	written := map[cluster.NodeID]*cluster.Slot{1: sampleSlot(1, 10), 2: {Node: 2, Seq: 1, State: cluster.StateJoining}, 256: sampleSlot(256, 99)}
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
		want, ok := written[r.Node]
		switch {
		case ok && (r.Err != nil || !reflect.DeepEqual(r.Slot, want)):
			t.Errorf("node %d: %+v, %v; want %+v", r.Node, r.Slot, r.Err, want)
		case !ok && !errors.Is(r.Err, quorumdisk.ErrEmpty):
			t.Errorf("node %d: %v, want ErrEmpty", r.Node, r.Err)
		}
	}
	// Another opener (another node) sees the same slots.
	other := openFile(t, path)
	s, err := other.ReadSlot(256)
	if err != nil || s.Seq != 99 {
		t.Errorf("second opener: %+v, %v", s, err)
	}
}

func TestCreateZeroesOldContent(t *testing.T) {
	path, _ := createFile(t, "qd1", "alpha")
	d := openFile(t, path)
	if err := d.WriteSlot(sampleSlot(5, 1)); err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("junk", 1024))
	for _, off := range []int64{quorumdisk.ConfigAreaOffset, quorumdisk.NodeAreaOffset(256)} {
		writeRaw(t, path, off, garbage)
	}
	h2, err := quorumdisk.Create(path, "qd2", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range raw[quorumdisk.BlockSize:quorumdisk.MinDeviceSize] {
		if c != 0 {
			t.Fatalf("byte %d not zeroed", quorumdisk.BlockSize+i)
		}
	}
	// The old Disk still uses the old UUID: it notices the re-initialisation.
	if _, err := d.ReadHeader(); !errors.Is(err, quorumdisk.ErrReinitialised) || !errors.Is(err, quorumdisk.ErrStale) {
		t.Errorf("old Disk: %v, want ErrReinitialised", err)
	}
	// A block the old Disk writes now is stale for the new one.
	if err := d.WriteSlot(sampleSlot(5, 2)); err != nil {
		t.Fatal(err)
	}
	d2 := openFile(t, path)
	if d2.Header().UUID != h2.UUID {
		t.Fatal("new header not read")
	}
	if _, err := d2.ReadSlot(5); !errors.Is(err, quorumdisk.ErrStale) {
		t.Errorf("slot left by the old initialisation: %v, want ErrStale", err)
	}
}

// writeRaw writes through the page cache and syncs, as another program might.
func writeRaw(t *testing.T, path string, off int64, p []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(p, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

func TestStampAndCheckCluster(t *testing.T) {
	path, _ := createFile(t, "qd1", "")
	d := openFile(t, path)
	if err := d.CheckCluster("alpha"); !errors.Is(err, quorumdisk.ErrUnstamped) {
		t.Fatalf("unstamped: %v", err)
	}
	if err := d.StampCluster("alpha"); err != nil {
		t.Fatal(err)
	}
	if err := d.StampCluster("alpha"); err != nil {
		t.Fatalf("stamping again with the same name: %v", err)
	}
	d2 := openFile(t, path)
	if d2.Header().Cluster != "alpha" || d2.CheckCluster("alpha") != nil {
		t.Fatalf("stamp not on disk: %+v", d2.Header())
	}
	want := `belongs to cluster "alpha", not "beta"`
	for name, err := range map[string]error{"stamp": d2.StampCluster("beta"), "check": d2.CheckCluster("beta")} {
		if !errors.Is(err, quorumdisk.ErrForeignCluster) || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("%s beta: %v", name, err)
		}
	}
	if err := d.StampCluster("bad name"); !errors.Is(err, quorumdisk.ErrInvalid) {
		t.Errorf("bad name: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	small := qdtest.NewDeviceFile(t, quorumdisk.MinDeviceSize-quorumdisk.BlockSize)
	if _, err := quorumdisk.Create(small, "l", "", nil); !errors.Is(err, quorumdisk.ErrTooSmall) ||
		!strings.Contains(err.Error(), "6 MiB") {
		t.Errorf("Create on a small file: %v", err)
	}
	if _, err := quorumdisk.Open(small, time.Second, nil); !errors.Is(err, quorumdisk.ErrTooSmall) {
		t.Errorf("Open on a small file: %v", err)
	}
	blank := qdtest.NewDeviceFile(t, 8<<20)
	if _, err := quorumdisk.Open(blank, time.Second, nil); !errors.Is(err, quorumdisk.ErrEmpty) ||
		!strings.Contains(err.Error(), "mkqdisk -c "+blank) {
		t.Errorf("Open on a blank file: %v", err)
	}
	if _, err := quorumdisk.Open(t.TempDir(), time.Second, nil); err == nil {
		t.Error("Open on a directory succeeded")
	}
	if _, err := quorumdisk.Create(blank, "white space", "", nil); !errors.Is(err, quorumdisk.ErrInvalid) {
		t.Errorf("bad label: %v", err)
	}
}

func TestOpenDeviceChecksAlignment(t *testing.T) {
	path := qdtest.NewDeviceFile(t, 8<<20)
	dev, err := quorumdisk.OpenDevice(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if dev.Size() != 8<<20 || dev.SectorSize() != 512 {
		t.Errorf("size %d sector %d", dev.Size(), dev.SectorSize())
	}
	buf := quorumdisk.AlignedBuffer(2 * quorumdisk.BlockSize)
	cases := []struct {
		p    []byte
		off  int64
		want error
	}{
		{buf[:quorumdisk.BlockSize], 512, quorumdisk.ErrUnaligned},
		{buf[:512], 0, quorumdisk.ErrUnaligned},
		{buf[1 : quorumdisk.BlockSize+1], 0, quorumdisk.ErrUnaligned},
		{buf, 8<<20 - quorumdisk.BlockSize, quorumdisk.ErrOutOfRange},
		{buf, 8<<20 - 2*quorumdisk.BlockSize, nil},
	}
	for i, c := range cases {
		if _, err := dev.ReadAt(c.p, c.off); !errors.Is(err, c.want) && (c.want != nil || err != nil) {
			t.Errorf("#%d: %v, want %v", i, err, c.want)
		}
	}
	if _, err := dev.WriteAt(buf, 0); err == nil {
		t.Error("write on a read-only device succeeded")
	}
}

func TestNoDirectIOError(t *testing.T) {
	err := quorumdisk.OpenError("/dev/shm/q", syscall.EINVAL)
	if !errors.Is(err, quorumdisk.ErrNoDirectIO) || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "tmpfs") {
		t.Errorf("EINVAL at open: %v", err)
	}
	if err := quorumdisk.OpenError("/x", syscall.ENOENT); errors.Is(err, quorumdisk.ErrNoDirectIO) {
		t.Errorf("ENOENT mapped to ErrNoDirectIO: %v", err)
	}
}
