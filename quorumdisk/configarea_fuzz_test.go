package quorumdisk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

// randomRecord draws a storable record: up to three data blocks, a key of
// any allowed size or none.
func randomRecord(r *rand.Rand) quorumdisk.ConfigRecord {
	rec := quorumdisk.ConfigRecord{
		Version: 1 + r.Uint64N(1<<40),
		Data:    []byte(randBytes(r, 1+r.IntN(2*quorumdisk.ConfigChunkSize+100))),
		Writer:  cluster.NodeID(r.IntN(cluster.MaxNodes + 1)),
		Seq:     r.Uint64(),
		Copy:    r.IntN(2),
	}
	if r.IntN(2) == 0 {
		rec.Key = []byte(randBytes(r, 1+r.IntN(quorumdisk.MaxConfigKeySize)))
	}
	if r.IntN(4) != 0 {
		rec.Written = time.Unix(0, 1+r.Int64N(1<<62)).UTC()
	}
	rec.Checksum = sha256.Sum256(rec.Data)
	return rec
}

// framed builds config blocks for testUUID from data read as a sequence
// of (u16 length, payload), so the fuzzer controls payloads directly.
func framed(data []byte) []byte {
	var out []byte
	for len(data) >= 2 && len(out) < 8*quorumdisk.BlockSize {
		n := min(int(binary.LittleEndian.Uint16(data)), len(data)-2, quorumdisk.MaxPayload)
		blk := block()
		if err := quorumdisk.EncodeBlock(blk, testUUID, quorumdisk.KindConfig, data[2:2+n]); err != nil {
			panic(err)
		}
		out = append(out, blk...)
		data = data[2+n:]
	}
	if len(out) == 0 {
		out = block()
	}
	return out
}

// unframe turns encoded blocks back into framed() input.
func unframe(t testing.TB, buf []byte) []byte {
	var out []byte
	for off := 0; off < len(buf); off += quorumdisk.BlockSize {
		p, err := quorumdisk.DecodeBlock(buf[off:off+quorumdisk.BlockSize], testUUID, quorumdisk.KindConfig)
		if err != nil {
			t.Fatal(err)
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(len(p)))
		out = append(out, p...)
	}
	return out
}

// rawBlocks pads data to whole blocks (at most 8); with fix, each block
// gets a correct checksum.
func rawBlocks(data []byte, fix bool) []byte {
	n := min(8, max(1, (len(data)+quorumdisk.BlockSize-1)/quorumdisk.BlockSize))
	out := make([]byte, n*quorumdisk.BlockSize)
	copy(out, data)
	for off := 0; fix && off < len(out); off += quorumdisk.BlockSize {
		b := out[off : off+quorumdisk.BlockSize]
		binary.LittleEndian.PutUint32(b[12:], quorumdisk.Checksum(b))
	}
	return out
}

func FuzzDecodeConfig(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 10))
	small := quorumdisk.ConfigRecord{Version: 3, Data: []byte(`<cluster name="a" config_version="3"/>`), Key: []byte("0123456789abcdef"), Writer: 2, Seq: 5, Copy: 1}
	for _, rec := range []quorumdisk.ConfigRecord{small, randomRecord(r), randomRecord(r)} {
		buf, err := quorumdisk.EncodeConfigCopy(rec, testUUID)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(unframe(f, buf), uint8(rec.Copy), true)
		f.Add(buf[:2*quorumdisk.BlockSize], uint8(rec.Copy), false)
	}
	f.Add([]byte{}, uint8(0), false)
	f.Fuzz(func(t *testing.T, data []byte, which uint8, isFramed bool) {
		cp := int(which % 2)
		quorumdisk.DecodeConfigCopy(data, testUUID, cp) // must not panic
		buf := rawBlocks(data, true)
		if isFramed {
			buf = framed(data)
		}
		if rec, err := quorumdisk.DecodeConfigCopy(buf, testUUID, cp); err == nil {
			if rec.Copy != cp || rec.Checksum != sha256.Sum256(rec.Data) {
				t.Fatalf("decoded copy %d, checksum %x of %q", rec.Copy, rec.Checksum, rec.Data)
			}
			again, err := quorumdisk.EncodeConfigCopy(rec, testUUID)
			if err != nil {
				t.Fatalf("decoded record does not encode: %v", err)
			}
			if !bytes.Equal(again, buf[:len(again)]) {
				t.Fatal("decode then encode changed the blocks")
			}
		}
		want := randomRecord(rngFrom(data))
		enc, err := quorumdisk.EncodeConfigCopy(want, testUUID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := quorumdisk.DecodeConfigCopy(enc, testUUID, want.Copy)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, want)
		}
	})
}
