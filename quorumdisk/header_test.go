package quorumdisk_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

func TestHeaderRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	buf := block()
	for i := range 2000 {
		want := randomHeader(r)
		if err := quorumdisk.EncodeHeader(buf, want); err != nil {
			t.Fatalf("#%d: encode: %v", i, err)
		}
		got, err := quorumdisk.DecodeHeader(buf)
		if err != nil {
			t.Fatalf("#%d: decode: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d: round trip\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func sampleHeader() quorumdisk.Header {
	return quorumdisk.Header{SectorSize: 512, UUID: testUUID, Label: "qdisk1", Cluster: "alpha",
		Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), CreatedBy: "node1"}
}

func TestHeaderLayoutAndDefaults(t *testing.T) {
	buf := block()
	if err := quorumdisk.EncodeHeader(buf, sampleHeader()); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	p := buf[quorumdisk.BlockHeaderLen:]
	if le.Uint32(buf[8:]) != 556 || buf[6] != byte(quorumdisk.KindHeader) {
		t.Errorf("payload length %d kind %d", le.Uint32(buf[8:]), buf[6])
	}
	if le.Uint16(p[0:]) != quorumdisk.Version || le.Uint32(p[4:]) != 4096 || le.Uint32(p[8:]) != 512 || le.Uint32(p[12:]) != 256 {
		t.Errorf("geometry fields wrong: % x", p[:16])
	}
	if string(p[16:32]) != string(testUUID[:]) || p[40] != 6 || p[41] != 5 || p[42] != 5 {
		t.Errorf("uuid or lengths wrong: % x", p[16:44])
	}
	if string(p[44:50]) != "qdisk1" || string(p[172:177]) != "alpha" || string(p[300:305]) != "node1" {
		t.Error("strings not where documented")
	}
	h, err := quorumdisk.DecodeHeader(buf)
	if err != nil || h.FormatVersion != quorumdisk.Version || h.BlockSize != 4096 || h.SlotCount != 256 {
		t.Errorf("defaults not filled in: %+v, %v", h, err)
	}
}

func TestEncodeHeaderRefuses(t *testing.T) {
	cases := map[string]func(h *quorumdisk.Header){
		"sector 256":   func(h *quorumdisk.Header) { h.SectorSize = 256 },
		"sector 8192":  func(h *quorumdisk.Header) { h.SectorSize = 8192 },
		"sector 1000":  func(h *quorumdisk.Header) { h.SectorSize = 1000 },
		"block size":   func(h *quorumdisk.Header) { h.BlockSize = 512 },
		"slots":        func(h *quorumdisk.Header) { h.SlotCount = 16 },
		"version":      func(h *quorumdisk.Header) { h.FormatVersion = quorumdisk.Version + 1 },
		"long label":   func(h *quorumdisk.Header) { h.Label = strings.Repeat("l", 128) },
		"long cluster": func(h *quorumdisk.Header) { h.Cluster = strings.Repeat("c", 121) },
		"long host":    func(h *quorumdisk.Header) { h.CreatedBy = strings.Repeat("h", 256) },
	}
	for name, mutate := range cases {
		h := sampleHeader()
		mutate(&h)
		if err := quorumdisk.EncodeHeader(block(), h); !errors.Is(err, quorumdisk.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestDecodeHeaderRejects(t *testing.T) {
	p := quorumdisk.BlockHeaderLen
	cases := []struct {
		name string
		edit func(b []byte)
		want error
	}{
		{"empty", func(b []byte) { clear(b) }, quorumdisk.ErrEmpty},
		{"magic", func(b []byte) { b[3] = 0 }, quorumdisk.ErrBadMagic},
		{"torn", func(b []byte) { b[p+50] ^= 0x20 }, quorumdisk.ErrChecksum},
		{"slot kind", func(b []byte) { b[6] = byte(quorumdisk.KindSlot); reseal(b) }, quorumdisk.ErrKind},
		{"payload version", func(b []byte) { b[p] = 9; reseal(b) }, quorumdisk.ErrVersion},
		{"block version", func(b []byte) { b[4] = 9; reseal(b) }, quorumdisk.ErrVersion},
		{"uuid mismatch", func(b []byte) { b[p+16] ^= 1; reseal(b) }, quorumdisk.ErrCorrupt},
		{"sector size", func(b []byte) { b[p+8] = 1; reseal(b) }, quorumdisk.ErrCorrupt},
		{"slot count", func(b []byte) { b[p+12] = 16; b[p+13] = 0; reseal(b) }, quorumdisk.ErrCorrupt},
		{"label length", func(b []byte) { b[p+40] = 128; reseal(b) }, quorumdisk.ErrLength},
		{"label padding", func(b []byte) { b[p+44+100] = 'x'; reseal(b) }, quorumdisk.ErrLength},
		{"payload length", func(b []byte) { b[8] = 200; b[9] = 0; clear(b[p+200:]); reseal(b) }, quorumdisk.ErrLength},
	}
	for _, c := range cases {
		buf := block()
		if err := quorumdisk.EncodeHeader(buf, sampleHeader()); err != nil {
			t.Fatal(err)
		}
		c.edit(buf)
		if _, err := quorumdisk.DecodeHeader(buf); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestValidateNames(t *testing.T) {
	good := []string{"qdisk", "my-cluster_1", "ünïcode", strings.Repeat("a", 120)}
	for _, s := range good {
		if err := quorumdisk.ValidateClusterName(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{"", "a b", "tab\t", "nul\x00", "\xff", strings.Repeat("a", 121)}
	for _, s := range bad {
		if err := quorumdisk.ValidateClusterName(s); !errors.Is(err, quorumdisk.ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", s, err)
		}
	}
	if quorumdisk.ValidateLabel(strings.Repeat("a", 127)) != nil || quorumdisk.ValidateLabel(strings.Repeat("a", 128)) == nil {
		t.Error("label limit is not 127 bytes")
	}
}

func TestUUIDText(t *testing.T) {
	s := testUUID.String()
	if s != "deadbeef-0102-0304-0506-0708090a0b0c" {
		t.Fatalf("String = %s", s)
	}
	var u quorumdisk.UUID
	if err := u.UnmarshalText([]byte(s)); err != nil || u != testUUID {
		t.Fatalf("UnmarshalText: %v, %v", u, err)
	}
	if err := u.UnmarshalText([]byte("deadbeef-0102-0304-0506-0708090a0b0z")); err == nil {
		t.Error("bad hex accepted")
	}
}
