package quorumdisk_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

func TestNodeAreaRoundTripAndCorruption(t *testing.T) {
	path := qdtest.NewDeviceFile(t, quorumdisk.MinDeviceSize)
	if _, err := quorumdisk.Create(path, "na", "c", nil); err != nil {
		t.Fatal(err)
	}
	d, err := quorumdisk.Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, size := range []int{0, 1, 4000, quorumdisk.MaxNodeAreaPayload} {
		want := bytes.Repeat([]byte{byte(size)}, size)
		if err := d.WriteNodeArea(3, want); err != nil {
			t.Fatalf("write %d bytes: %v", size, err)
		}
		got, err := d.ReadNodeArea(3)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read back %d bytes: %v (got %d bytes)", size, err, len(got))
		}
	}
	if err := d.WriteNodeArea(3, make([]byte, quorumdisk.MaxNodeAreaPayload+1)); !errors.Is(err, quorumdisk.ErrInvalid) {
		t.Fatalf("oversized payload: %v", err)
	}
	// A flipped byte in the last block is caught, never believed.
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	f.WriteAt([]byte{0xAA}, quorumdisk.NodeAreaOffset(3)+2*quorumdisk.BlockSize+100)
	f.Close()
	if _, err := d.ReadNodeArea(3); err == nil {
		t.Fatal("a corrupted node area was read as valid")
	}
}
