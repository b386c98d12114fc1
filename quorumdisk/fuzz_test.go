package quorumdisk_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

// rngFrom seeds a generator from the first 16 bytes of data.
func rngFrom(data []byte) *rand.Rand {
	var seed [16]byte
	copy(seed[:], data)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
}

// asBlock pads or cuts data to one block; with fix, it also sets the
// checksum so the fuzzer reaches the payload decoder.
func asBlock(data []byte, fix bool) []byte {
	b := make([]byte, quorumdisk.BlockSize)
	copy(b, data)
	if fix {
		binary.LittleEndian.PutUint32(b[12:], quorumdisk.Checksum(b))
	}
	return b
}

func FuzzDecodeSlot(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	withServices := sampleSlot(2, 3)
	withServices.Services = []cluster.ServiceReport{{Key: 7, Gen: 2, State: cluster.SvcFailed, Reason: "exec:x: parameter command is missing"}}
	withServices.Master.Services = []cluster.ServiceEntry{{Key: 7, Gen: 2, LastOwner: 2, State: cluster.SvcFailed, Reason: "failed on node 2"}}
	for _, s := range []*cluster.Slot{sampleSlot(1, 1), {Node: 256}, randomSlot(r), randomSlot(r), withServices} {
		buf := block()
		if err := quorumdisk.EncodeSlot(buf, testUUID, s); err != nil {
			f.Fatal(err)
		}
		f.Add(buf, uint16(s.Node), false)
		f.Add(buf[:300], uint16(s.Node), true)
	}
	f.Add([]byte{}, uint16(1), false)
	f.Fuzz(func(t *testing.T, data []byte, node uint16, fix bool) {
		quorumdisk.DecodeSlot(data, testUUID, cluster.NodeID(node)) // must not panic
		b := asBlock(data, fix)
		if s, count, err := quorumdisk.DecodeSlotCopy(b, testUUID, cluster.NodeID(node)); err == nil {
			again := block()
			if err := quorumdisk.EncodeSlotCopy(again, testUUID, s, count); err != nil {
				t.Fatalf("decoded slot does not encode: %v", err)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("decode then encode changed the block")
			}
		}
		want := randomSlot(rngFrom(data))
		if err := quorumdisk.EncodeSlot(b, testUUID, want); err != nil {
			t.Fatal(err)
		}
		got, err := quorumdisk.DecodeSlot(b, testUUID, want.Node)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, want)
		}
	})
}

func FuzzDecodeHeader(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, h := range []quorumdisk.Header{sampleHeader(), randomHeader(r), {SectorSize: 4096}} {
		buf := block()
		if err := quorumdisk.EncodeHeader(buf, h); err != nil {
			f.Fatal(err)
		}
		f.Add(buf, false)
		f.Add(buf[:600], true)
	}
	f.Add([]byte("QRAT"), true)
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		quorumdisk.DecodeHeader(data) // must not panic
		b := asBlock(data, fix)
		if h, err := quorumdisk.DecodeHeader(b); err == nil {
			again := block()
			if err := quorumdisk.EncodeHeader(again, h); err != nil {
				t.Fatalf("decoded header does not encode: %v", err)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("decode then encode changed the block")
			}
		}
		want := randomHeader(rngFrom(data))
		if err := quorumdisk.EncodeHeader(b, want); err != nil {
			t.Fatal(err)
		}
		got, err := quorumdisk.DecodeHeader(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, want)
		}
	})
}
