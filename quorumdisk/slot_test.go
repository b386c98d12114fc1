package quorumdisk_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

func TestSlotRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := block()
	for i := range 2000 {
		want := randomSlot(r)
		if err := quorumdisk.EncodeSlot(buf, testUUID, want); err != nil {
			t.Fatalf("#%d: encode: %v", i, err)
		}
		got, err := quorumdisk.DecodeSlot(buf, testUUID, want.Node)
		if err != nil {
			t.Fatalf("#%d: decode: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d: round trip\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// TestSlotLayout pins the byte positions documented in doc.go.
func TestSlotLayout(t *testing.T) {
	buf := block()
	s := sampleSlot(9, 0x1122334455667788)
	if err := quorumdisk.EncodeSlot(buf, testUUID, s); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	p := buf[quorumdisk.BlockHeaderLen:]
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"magic", uint64(le.Uint32(buf[0:])), uint64(quorumdisk.Magic)},
		{"version", uint64(le.Uint16(buf[4:])), uint64(quorumdisk.Version)},
		{"write count", uint64(le.Uint32(p[4:])), 0},
		{"kind", uint64(buf[6]), uint64(quorumdisk.KindSlot)},
		{"length", uint64(le.Uint32(buf[8:])), 212 + 12},
		{"crc", uint64(le.Uint32(buf[12:])), uint64(quorumdisk.Checksum(buf))},
		{"node", uint64(le.Uint16(p[0:])), 9},
		{"state", uint64(p[2]), uint64(cluster.StateMaster)},
		{"flags", uint64(p[3]), 1},
		{"incarnation", le.Uint64(p[8:]), 0xabcdef},
		{"seq", le.Uint64(p[16:]), 0x1122334455667788},
		{"config version", le.Uint64(p[24:]), 7},
		{"net view", le.Uint64(p[32:]), 0b111},
		{"lver", le.Uint64(p[64:]), 3},
		{"mbal", le.Uint64(p[72:]), 5},
		{"owner", uint64(le.Uint16(p[96:])), 9},
		{"note length", uint64(p[98]), uint64(len(s.Note))},
		{"generation", le.Uint64(p[164:]), 3},
		{"members", le.Uint64(p[172:]), 0b11},
		{"votes", uint64(le.Uint16(p[204:])), 3},
		{"quorate", uint64(p[208]), 1},
		{"evictions", uint64(le.Uint16(p[210:])), 1},
		{"evicted node", uint64(le.Uint16(p[212:])), 3},
		{"evict reason", uint64(p[214]), uint64(cluster.EvictPartition)},
		{"evicted incarnation", le.Uint64(p[216:]), 0x42},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if string(buf[16:32]) != string(testUUID[:]) || !strings.HasPrefix(string(p[100:]), s.Note) {
		t.Error("uuid or note not where documented")
	}
}

func TestSlotFullMasterRecordFits(t *testing.T) {
	s := sampleSlot(256, 1)
	s.Note = strings.Repeat("n", cluster.NoteLen)
	s.Master.Evictions = make([]cluster.Eviction, cluster.MaxEvictions)
	for i := range s.Master.Evictions {
		s.Master.Evictions[i] = cluster.Eviction{Node: cluster.NodeID(i + 1), Incarnation: uint64(i)}
	}
	buf := block()
	if err := quorumdisk.EncodeSlot(buf, testUUID, s); err != nil {
		t.Fatal(err)
	}
	got, err := quorumdisk.DecodeSlot(buf, testUUID, 256)
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("full slot: err %v, equal %v", err, reflect.DeepEqual(got, s))
	}
}

func TestEncodeSlotRefuses(t *testing.T) {
	cases := map[string]func(s *cluster.Slot){
		"node 0":        func(s *cluster.Slot) { s.Node = 0 },
		"node 257":      func(s *cluster.Slot) { s.Node = 257 },
		"bad state":     func(s *cluster.Slot) { s.State = 7 },
		"long note":     func(s *cluster.Slot) { s.Note = strings.Repeat("x", cluster.NoteLen+1) },
		"evict node 0":  func(s *cluster.Slot) { s.Master.Evictions[0].Node = 0 },
		"257 evictions": func(s *cluster.Slot) { s.Master.Evictions = make([]cluster.Eviction, 257) },
	}
	for name, mutate := range cases {
		s := sampleSlot(1, 1)
		mutate(s)
		if err := quorumdisk.EncodeSlot(block(), testUUID, s); !errors.Is(err, quorumdisk.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if err := quorumdisk.EncodeSlot(make([]byte, 512), testUUID, sampleSlot(1, 1)); !errors.Is(err, quorumdisk.ErrInvalid) {
		t.Errorf("short buffer: err = %v", err)
	}
}

// reseal recomputes the checksum after a test edits a block.
func reseal(buf []byte) {
	binary.LittleEndian.PutUint32(buf[12:], quorumdisk.Checksum(buf))
}

func TestDecodeSlotRejects(t *testing.T) {
	p := quorumdisk.BlockHeaderLen
	cases := []struct {
		name   string
		edit   func(b []byte)
		node   cluster.NodeID
		uuid   quorumdisk.UUID
		want   error
		family error
	}{
		{"empty", func(b []byte) { clear(b) }, 1, testUUID, quorumdisk.ErrEmpty, quorumdisk.ErrEmpty},
		{"magic", func(b []byte) { b[0] ^= 1 }, 1, testUUID, quorumdisk.ErrBadMagic, quorumdisk.ErrCorrupt},
		{"version", func(b []byte) { b[4] = byte(quorumdisk.Version + 1); reseal(b) }, 1, testUUID, quorumdisk.ErrVersion, quorumdisk.ErrVersion},
		{"torn", func(b []byte) { b[2000] = 0xff }, 1, testUUID, quorumdisk.ErrChecksum, quorumdisk.ErrCorrupt},
		{"crc", func(b []byte) { b[12] ^= 1 }, 1, testUUID, quorumdisk.ErrChecksum, quorumdisk.ErrCorrupt},
		{"kind", func(b []byte) { b[6] = byte(quorumdisk.KindHeader); reseal(b) }, 1, testUUID, quorumdisk.ErrKind, quorumdisk.ErrCorrupt},
		{"unknown kind", func(b []byte) { b[6] = 99; reseal(b) }, 1, testUUID, quorumdisk.ErrKind, quorumdisk.ErrCorrupt},
		{"flags", func(b []byte) { b[7] = 1; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"length huge", func(b []byte) { b[9] = 0x10; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"length short", func(b []byte) { b[8] = 100; clear(b[p+100:]); reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"padding", func(b []byte) { b[4095] = 1; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"reserved", func(b []byte) { b[p+99] = 1; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"state", func(b []byte) { b[p+2] = 9; reseal(b) }, 1, testUUID, quorumdisk.ErrCorrupt, quorumdisk.ErrCorrupt},
		{"note length", func(b []byte) { b[p+98] = 65; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"quorate", func(b []byte) { b[p+208] = 2; reseal(b) }, 1, testUUID, quorumdisk.ErrCorrupt, quorumdisk.ErrCorrupt},
		{"evictions", func(b []byte) { b[p+210] = 2; reseal(b) }, 1, testUUID, quorumdisk.ErrLength, quorumdisk.ErrCorrupt},
		{"wrong slot", func(b []byte) {}, 2, testUUID, quorumdisk.ErrWrongSlot, quorumdisk.ErrCorrupt},
		{"stale", func(b []byte) {}, 1, quorumdisk.UUID{1}, quorumdisk.ErrStale, quorumdisk.ErrStale},
	}
	for _, c := range cases {
		buf := block()
		if err := quorumdisk.EncodeSlot(buf, testUUID, sampleSlot(1, 1)); err != nil {
			t.Fatal(err)
		}
		c.edit(buf)
		s, err := quorumdisk.DecodeSlot(buf, c.uuid, c.node)
		if !errors.Is(err, c.want) || !errors.Is(err, c.family) || s != nil {
			t.Errorf("%s: got %v, %v; want %v (a %v)", c.name, s, err, c.want, c.family)
		}
	}
}

func TestDecodeSlotWrongSize(t *testing.T) {
	for _, n := range []int{0, 1, 512, 4095, 4097, 8192} {
		if _, err := quorumdisk.DecodeSlot(make([]byte, n), testUUID, 1); !errors.Is(err, quorumdisk.ErrLength) {
			t.Errorf("%d bytes: err = %v, want ErrLength", n, err)
		}
	}
}

func TestEmptyEvictionsDecodeAsNil(t *testing.T) {
	s := sampleSlot(4, 1)
	s.Master.Evictions = []cluster.Eviction{}
	buf := block()
	if err := quorumdisk.EncodeSlot(buf, testUUID, s); err != nil {
		t.Fatal(err)
	}
	got, err := quorumdisk.DecodeSlot(buf, testUUID, 4)
	if err != nil || got.Master == nil || got.Master.Evictions != nil {
		t.Fatalf("got %+v, %v", got, err)
	}
}
