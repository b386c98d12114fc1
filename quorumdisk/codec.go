package quorumdisk

import (
	"encoding/binary"

	"github.com/quorate/quorate/cluster"
)

var le = binary.LittleEndian

// writer appends fixed-width little-endian fields to a pre-sized buffer.
// Callers size the buffer from the layout, so it never grows.
type writer struct {
	b   []byte
	off int
}

func (w *writer) u8(v uint8)   { w.b[w.off] = v; w.off++ }
func (w *writer) u16(v uint16) { le.PutUint16(w.b[w.off:], v); w.off += 2 }
func (w *writer) u32(v uint32) { le.PutUint32(w.b[w.off:], v); w.off += 4 }
func (w *writer) u64(v uint64) { le.PutUint64(w.b[w.off:], v); w.off += 8 }

// field writes s zero-padded to width bytes; s must fit.
func (w *writer) field(s string, width int) {
	n := copy(w.b[w.off:w.off+width], s)
	clear(w.b[w.off+n : w.off+width])
	w.off += width
}

func (w *writer) bytes(p []byte) { w.off += copy(w.b[w.off:], p) }

func (w *writer) set(s cluster.NodeSet) {
	for _, word := range s {
		w.u64(word)
	}
}

// reader reads fixed-width little-endian fields; callers check the payload
// length against the layout first, so reads never run off the end.
type reader struct {
	b   []byte
	off int
	bad bool // a reserved byte or padding was not zero
}

func (r *reader) u8() uint8   { v := r.b[r.off]; r.off++; return v }
func (r *reader) u16() uint16 { v := le.Uint16(r.b[r.off:]); r.off += 2; return v }
func (r *reader) u32() uint32 { v := le.Uint32(r.b[r.off:]); r.off += 4; return v }
func (r *reader) u64() uint64 { v := le.Uint64(r.b[r.off:]); r.off += 8; return v }

// zero skips n reserved bytes, noting any that are not zero.
func (r *reader) zero(n int) {
	if !isZero(r.b[r.off : r.off+n]) {
		r.bad = true
	}
	r.off += n
}

// field reads a width-byte field holding a string of n bytes; the rest of
// the field must be zero. n must be <= width (checked by the caller).
func (r *reader) field(n, width int) string {
	s := string(r.b[r.off : r.off+n])
	r.off += n
	r.zero(width - n)
	return s
}

func (r *reader) uuid() UUID {
	var u UUID
	r.off += copy(u[:], r.b[r.off:r.off+16])
	return u
}

func (r *reader) set() cluster.NodeSet {
	var s cluster.NodeSet
	for i := range s {
		s[i] = r.u64()
	}
	return s
}
