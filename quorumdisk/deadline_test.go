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
		// The first write of a slot reads its pair first (to learn the
		// write count); get that done before the device hangs.
		if err := d.WriteSlot(sampleSlot(1, 0)); err != nil {
			t.Fatal(err)
		}
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
		// header read at NewDisk, the pair read and the first write, the stuck write
		if n := gate.Entered(); n != 4 {
			t.Errorf("%d calls reached the device, want 4: busy calls must not start I/O", n)
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
		if s, err := d.ReadSlot(1); err != nil || s.Seq != 3 {
			t.Fatalf("after the next write: slot %+v, %v; want seq 3", s, err)
		}
		st := d.Stats()
		if st.Timeouts != 1 || st.Busy != 10 || st.Late != 1 || st.Writes != 3 || st.Reads != 4 {
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
		// the header, a pair read and a write per slot, the final read
		if gate.Entered() != 34 {
			t.Errorf("%d device calls, want 34", gate.Entered())
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
	for n := cluster.NodeID(1); n <= 6; n++ {
		for seq := uint64(1); seq <= 2; seq++ {
			if n == 4 || n == 6 && seq == 2 {
				continue // 4 never writes; 6 writes once
			}
			if err := d.WriteSlot(sampleSlot(n, seq)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tear := func(n cluster.NodeID, copy int) {
		mem.Edit(func(b []byte) { b[quorumdisk.SlotCopyOffset(n, copy)+100] ^= 0xff })
	}
	tear(2, 1) // the newer copy of 2
	for c := range 2 {
		other := block()
		if err := quorumdisk.EncodeSlotCopy(other, quorumdisk.UUID{9}, sampleSlot(3, 1), uint32(c)); err != nil {
			t.Fatal(err)
		}
		mem.Edit(func(b []byte) { copy(b[quorumdisk.SlotCopyOffset(3, c):], other) })
	}
	tear(5, 0)
	tear(5, 1)
	tear(6, 0) // its only write
	res, err := d.ReadSlots(1, 6)
	if err != nil {
		t.Fatal(err)
	}
	wants := []struct {
		err error
		seq uint64
	}{{nil, 2}, {nil, 1}, {quorumdisk.ErrStale, 0}, {quorumdisk.ErrEmpty, 0}, {quorumdisk.ErrChecksum, 0}, {quorumdisk.ErrEmpty, 0}}
	for i, r := range res {
		w := wants[i]
		switch {
		case w.err == nil && (r.Err != nil || r.Slot.Seq != w.seq):
			t.Errorf("node %d: %+v, %v; want seq %d", r.Node, r.Slot, r.Err, w.seq)
		case w.err != nil && !errors.Is(r.Err, w.err):
			t.Errorf("node %d: %v, want %v", r.Node, r.Err, w.err)
		}
	}
	// damaged copies: 2's newer, both of 5, 6's only one; stale: both of 3
	if st := d.Stats(); st.Corrupt != 4 || st.Stale != 2 || st.LostCopies != 1 {
		t.Errorf("stats = %+v", st)
	}
}
