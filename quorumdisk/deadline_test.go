package quorumdisk_test

import (
	"errors"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

// memDisk is an initialised in-memory quorum disk behind a Gate.
func memDisk(t *testing.T, timeout time.Duration) (*quorumdisk.Disk, *qdtest.Gate, *qdtest.MemDevice) {
	t.Helper()
	mem := qdtest.NewMemDevice(quorumdisk.MinDeviceSize, 512)
	if _, err := quorumdisk.CreateOn(mem, "mem", "alpha", nil); err != nil {
		t.Fatal(err)
	}
	gate := qdtest.NewGate(mem)
	d, err := quorumdisk.NewDisk(gate, timeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d, gate, mem
}

func TestStuckWriteTimesOutThenBusyThenRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, gate, _ := memDisk(t, time.Second)
		gate.Hold()
		start := time.Now()
		err := d.WriteSlot(sampleSlot(1, 1))
		if !errors.Is(err, quorumdisk.ErrTimeout) || time.Since(start) != time.Second {
			t.Fatalf("stuck write: %v after %v, want ErrTimeout after 1s", err, time.Since(start))
		}
		for range 5 {
			if _, err := d.ReadSlots(1, 256); !errors.Is(err, quorumdisk.ErrBusy) {
				t.Fatalf("while stuck: %v, want ErrBusy", err)
			}
			if err := d.WriteSlot(sampleSlot(1, 2)); !errors.Is(err, quorumdisk.ErrBusy) {
				t.Fatalf("while stuck: %v, want ErrBusy", err)
			}
		}
		if time.Since(start) != time.Second {
			t.Errorf("ErrBusy took %v to come back, want at once", time.Since(start)-time.Second)
		}
		if n := gate.Entered(); n != 2 { // header read at NewDisk + the stuck write
			t.Errorf("%d calls reached the device, want 2: busy calls must not start I/O", n)
		}
		gate.Release()
		synctest.Wait()
		s, err := d.ReadSlot(1)
		if err != nil || s.Seq != 1 {
			t.Fatalf("after release: slot %+v, %v; want the late write (seq 1)", s, err)
		}
		if err := d.WriteSlot(sampleSlot(1, 3)); err != nil {
			t.Fatal(err)
		}
		st := d.Stats()
		if st.Timeouts != 1 || st.Busy != 10 || st.Late != 1 || st.Writes != 2 || st.Reads != 2 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestStuckReadTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, gate, _ := memDisk(t, 200*time.Millisecond)
		gate.Hold()
		if _, err := d.ReadSlots(1, 8); !errors.Is(err, quorumdisk.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if _, err := d.ReadHeader(); !errors.Is(err, quorumdisk.ErrBusy) {
			t.Fatalf("err = %v, want ErrBusy", err)
		}
		if err := d.Close(); err != nil { // must not wait for the stuck read
			t.Fatal(err)
		}
		if err := d.WriteSlot(sampleSlot(1, 1)); !errors.Is(err, quorumdisk.ErrClosed) {
			t.Errorf("after Close: %v, want ErrClosed", err)
		}
		gate.Release()
	})
}

func TestConcurrentCallersAreSerialised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, gate, _ := memDisk(t, time.Second)
		var wg sync.WaitGroup
		for n := cluster.NodeID(1); n <= 16; n++ {
			wg.Go(func() {
				if err := d.WriteSlot(sampleSlot(n, uint64(n))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		res, err := d.ReadSlots(1, 16)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil || r.Slot.Seq != uint64(r.Node) {
				t.Errorf("node %d: %+v", r.Node, r)
			}
		}
		if gate.Entered() != 18 {
			t.Errorf("%d device calls, want 18", gate.Entered())
		}
	})
}

func TestIOErrorIsReturnedAndCounted(t *testing.T) {
	d, _, mem := memDisk(t, time.Second)
	mem.FailWrite = syscall.EIO
	err := d.WriteSlot(sampleSlot(2, 1))
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("err = %v, want EIO", err)
	}
	if st := d.Stats(); st.IOErrors != 1 || st.BytesWritten != 0 {
		t.Errorf("stats = %+v", st)
	}
	mem.FailWrite = nil
	if err := d.WriteSlot(sampleSlot(2, 1)); err != nil {
		t.Fatalf("after the error cleared: %v", err)
	}
}

func TestCorruptAndStaleBlocksAreCounted(t *testing.T) {
	d, _, mem := memDisk(t, time.Second)
	for n := cluster.NodeID(1); n <= 3; n++ {
		if err := d.WriteSlot(sampleSlot(n, 1)); err != nil {
			t.Fatal(err)
		}
	}
	mem.Edit(func(b []byte) { b[quorumdisk.SlotOffset(2)+100] ^= 0xff })
	other := block()
	if err := quorumdisk.EncodeSlot(other, quorumdisk.UUID{9}, sampleSlot(3, 1)); err != nil {
		t.Fatal(err)
	}
	mem.Edit(func(b []byte) { copy(b[quorumdisk.SlotOffset(3):], other) })
	res, err := d.ReadSlots(1, 4)
	if err != nil {
		t.Fatal(err)
	}
	wants := []error{nil, quorumdisk.ErrChecksum, quorumdisk.ErrStale, quorumdisk.ErrEmpty}
	for i, r := range res {
		if wants[i] == nil && r.Err != nil || wants[i] != nil && !errors.Is(r.Err, wants[i]) {
			t.Errorf("node %d: %v, want %v", r.Node, r.Err, wants[i])
		}
	}
	if st := d.Stats(); st.Corrupt != 1 || st.Stale != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestReadSlotsRange(t *testing.T) {
	d, gate, _ := memDisk(t, time.Second)
	for _, r := range [][2]cluster.NodeID{{0, 1}, {1, 257}, {5, 4}} {
		if _, err := d.ReadSlots(r[0], r[1]); !errors.Is(err, quorumdisk.ErrInvalid) {
			t.Errorf("%v: err = %v", r, err)
		}
	}
	before := gate.Entered()
	res, err := d.ReadSlots(1, 256)
	if err != nil || len(res) != 256 || res[255].Node != 256 || gate.Entered() != before+1 {
		t.Fatalf("full read: %d results, %v, %d calls", len(res), err, gate.Entered()-before)
	}
	if st := d.Stats(); st.BytesRead != quorumdisk.BlockSize+quorumdisk.SlotsSize {
		t.Errorf("bytes read %d", st.BytesRead)
	}
}
