package quorumdisk_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

// pair encodes s0 and s1 (nil: left empty) with counts c0 and c1 as the
// two copies of a slot.
func pair(t testing.TB, s0, s1 *cluster.Slot, c0, c1 uint32) []byte {
	t.Helper()
	buf := quorumdisk.AlignedBuffer(quorumdisk.SlotPairSize)
	for i, s := range []*cluster.Slot{s0, s1} {
		if s == nil {
			continue
		}
		if err := quorumdisk.EncodeSlotCopy(buf[i*quorumdisk.BlockSize:(i+1)*quorumdisk.BlockSize], testUUID, s, []uint32{c0, c1}[i]); err != nil {
			t.Fatal(err)
		}
	}
	return buf
}

func TestSlotPairPicksTheNewerGoodCopy(t *testing.T) {
	a, b := sampleSlot(1, 10), sampleSlot(1, 11)
	tear := func(buf []byte, c int) []byte { buf[c*quorumdisk.BlockSize+200] ^= 0xff; return buf }
	cases := []struct {
		name      string
		buf       []byte
		seq       uint64
		copy      int
		lost, err error
	}{
		{"copy 1 newer", pair(t, a, b, 4, 5), 11, 1, nil, nil},
		{"copy 0 newer", pair(t, b, a, 6, 5), 11, 0, nil, nil},
		{"count wrapped", pair(t, b, a, 0, 0xffffffff), 11, 0, nil, nil},
		{"newer torn", tear(pair(t, a, b, 4, 5), 1), 10, 0, quorumdisk.ErrChecksum, nil},
		{"older torn", tear(pair(t, a, b, 4, 5), 0), 11, 1, quorumdisk.ErrChecksum, nil},
		{"written once", pair(t, a, nil, 0, 0), 10, 0, nil, nil},
		{"first write torn", tear(pair(t, a, nil, 0, 0), 0), 0, 0, nil, quorumdisk.ErrEmpty},
		{"both torn", tear(tear(pair(t, a, b, 4, 5), 0), 1), 0, 0, nil, quorumdisk.ErrChecksum},
		{"never written", pair(t, nil, nil, 0, 0), 0, 0, nil, quorumdisk.ErrEmpty},
		{"count in the wrong copy", pair(t, a, nil, 1, 0), 0, 0, nil, quorumdisk.ErrEmpty},
		{"wrong copy beside a good one", pair(t, a, b, 4, 6), 10, 0, quorumdisk.ErrCorrupt, nil},
	}
	for _, c := range cases {
		r := quorumdisk.DecodeSlotPair(c.buf, testUUID, 1)
		switch {
		case c.err != nil:
			if !errors.Is(r.Err, c.err) || r.Slot != nil {
				t.Errorf("%s: %+v, want error %v", c.name, r, c.err)
			}
		case r.Err != nil || r.Slot.Seq != c.seq || r.Copy != c.copy:
			t.Errorf("%s: %+v, want seq %d from copy %d", c.name, r, c.seq, c.copy)
		case c.lost == nil && r.Lost != nil, c.lost != nil && !errors.Is(r.Lost, c.lost):
			t.Errorf("%s: lost %v, want %v", c.name, r.Lost, c.lost)
		}
	}
}

// A torn write, wherever it lands, never hides what the node last wrote
// completely; and a new Disk on the same device goes on counting.
func TestTornSlotWriteLosesNothing(t *testing.T) {
	mem := qdtest.NewMemDevice(quorumdisk.MinDeviceSize, 512)
	if _, err := quorumdisk.CreateOn(mem, "mem", "alpha", nil); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 6; seq++ {
		d, err := quorumdisk.NewDisk(mem, time.Second, nil) // a restart before every write
		if err != nil {
			t.Fatal(err)
		}
		if err := d.WriteSlot(sampleSlot(4, seq)); err != nil {
			t.Fatal(err)
		}
		if s, err := d.ReadSlot(4); err != nil || s.Seq != seq {
			t.Fatalf("write %d: read back %+v, %v", seq, s, err)
		}
		// The next write lands torn: garble the copy it would use.
		next := quorumdisk.SlotCopyOffset(4, int(seq&1))
		mem.Edit(func(b []byte) { b[next+512] ^= 0xff })
		if s, err := d.ReadSlot(4); err != nil || s.Seq != seq {
			t.Fatalf("after tearing the other copy: %+v, %v; want seq %d still", s, err, seq)
		}
	}
}

func FuzzDecodeSlotPair(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 10))
	f.Add(pair(f, sampleSlot(1, 1), sampleSlot(1, 2), 0, 1), uint16(1))
	f.Add(pair(f, randomSlot(r), nil, 0, 0), uint16(1))
	f.Add(make([]byte, quorumdisk.SlotPairSize), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, node uint16) {
		buf := quorumdisk.AlignedBuffer(quorumdisk.SlotPairSize)
		copy(buf, data)
		res := quorumdisk.DecodeSlotPair(buf, testUUID, cluster.NodeID(node))
		if (res.Err == nil) == (res.Slot == nil) {
			t.Fatalf("result %+v: exactly one of Slot and Err must be set", res)
		}
		if res.Err != nil {
			return
		}
		// The copy picked decodes alone to the same slot, with its count
		// in the right place.
		half := buf[res.Copy*quorumdisk.BlockSize : (res.Copy+1)*quorumdisk.BlockSize]
		s, count, err := quorumdisk.DecodeSlotCopy(half, testUUID, cluster.NodeID(node))
		if err != nil || count != res.Count || int(count&1) != res.Copy || s.Seq != res.Slot.Seq {
			t.Fatalf("picked copy %d (count %d) decodes alone to %+v, %d, %v", res.Copy, res.Count, s, count, err)
		}
	})
}
