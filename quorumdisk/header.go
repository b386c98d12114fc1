package quorumdisk

import (
	"fmt"
	"math/bits"
	"time"
	"unicode/utf8"
)

// Header is the content of the header block at offset 0.
type Header struct {
	FormatVersion uint16 // Version when written by this package
	BlockSize     uint32 // always BlockSize
	SectorSize    uint32 // logical sector size of the device at mkqdisk time
	SlotCount     uint32 // always SlotCount
	UUID          UUID   // random per initialisation; every block carries it
	Label         string // mkqdisk -l, at most MaxLabelLen bytes
	Cluster       string // cluster name, "" until the first node stamps it
	Created       time.Time
	CreatedBy     string // host name that ran mkqdisk
}

// Limits of the header's strings, in bytes.
const (
	MaxLabelLen     = 127
	MaxClusterLen   = 120
	MaxCreatedByLen = 255
)

// Header payload layout, see the package documentation.
const (
	labelWidth     = 128
	clusterWidth   = 128
	createdByWidth = 256
	headerLen      = 44 + labelWidth + clusterWidth + createdByWidth
)

// EncodeHeader fills buf (BlockSize bytes) with the header block for h.
// Zero FormatVersion, BlockSize and SlotCount are taken as the current
// values; other values are refused.
func EncodeHeader(buf []byte, h Header) error {
	if err := h.fillAndCheck(); err != nil {
		return err
	}
	if len(buf) != BlockSize {
		return fmt.Errorf("%w: block buffer is %d bytes, want %d", ErrInvalid, len(buf), BlockSize)
	}
	w := writer{b: buf[BlockHeaderLen:]}
	w.u16(h.FormatVersion)
	w.u16(0)
	w.u32(h.BlockSize)
	w.u32(h.SectorSize)
	w.u32(h.SlotCount)
	w.bytes(h.UUID[:])
	w.u64(uint64(unixNano(h.Created)))
	w.u8(uint8(len(h.Label)))
	w.u8(uint8(len(h.Cluster)))
	w.u8(uint8(len(h.CreatedBy)))
	w.u8(0)
	w.field(h.Label, labelWidth)
	w.field(h.Cluster, clusterWidth)
	w.field(h.CreatedBy, createdByWidth)
	seal(buf, h.UUID, KindHeader, w.off)
	return nil
}

func (h *Header) fillAndCheck() error {
	if h.FormatVersion == 0 {
		h.FormatVersion = Version
	}
	if h.BlockSize == 0 {
		h.BlockSize = BlockSize
	}
	if h.SlotCount == 0 {
		h.SlotCount = SlotCount
	}
	switch {
	case h.FormatVersion != Version:
		return fmt.Errorf("%w: format version %d, this program writes %d", ErrInvalid, h.FormatVersion, Version)
	case h.BlockSize != BlockSize || h.SlotCount != SlotCount:
		return fmt.Errorf("%w: block size %d and slot count %d, want %d and %d",
			ErrInvalid, h.BlockSize, h.SlotCount, BlockSize, SlotCount)
	case !validSectorSize(h.SectorSize):
		return fmt.Errorf("%w: sector size %d", ErrInvalid, h.SectorSize)
	case len(h.Label) > MaxLabelLen:
		return fmt.Errorf("%w: label is %d bytes, at most %d", ErrInvalid, len(h.Label), MaxLabelLen)
	case len(h.Cluster) > MaxClusterLen:
		return fmt.Errorf("%w: cluster name is %d bytes, at most %d", ErrInvalid, len(h.Cluster), MaxClusterLen)
	case len(h.CreatedBy) > MaxCreatedByLen:
		return fmt.Errorf("%w: host name is %d bytes, at most %d", ErrInvalid, len(h.CreatedBy), MaxCreatedByLen)
	}
	return nil
}

// DecodeHeader checks and decodes a header block. The disk UUID is taken
// from the block itself.
func DecodeHeader(buf []byte) (Header, error) {
	uuid, p, err := openBlock(buf, KindHeader)
	if err != nil {
		return Header{}, err
	}
	if len(p) != headerLen {
		return Header{}, fmt.Errorf("%w: header payload is %d bytes, want %d", ErrLength, len(p), headerLen)
	}
	r := reader{b: p}
	var h Header
	h.FormatVersion = r.u16()
	r.zero(2)
	h.BlockSize = r.u32()
	h.SectorSize = r.u32()
	h.SlotCount = r.u32()
	h.UUID = r.uuid()
	h.Created = fromUnixNano(int64(r.u64()))
	nl, nc, nh := int(r.u8()), int(r.u8()), int(r.u8())
	r.zero(1)
	if nl > MaxLabelLen || nc > MaxClusterLen {
		return Header{}, fmt.Errorf("%w: label or cluster name length out of range", ErrLength)
	}
	h.Label = r.field(nl, labelWidth)
	h.Cluster = r.field(nc, clusterWidth)
	h.CreatedBy = r.field(nh, createdByWidth)
	if err := h.checkDecoded(uuid, r.bad); err != nil {
		return Header{}, err
	}
	return h, nil
}

func (h *Header) checkDecoded(blockUUID UUID, bad bool) error {
	switch {
	case bad:
		return fmt.Errorf("%w: reserved header bytes not zero", ErrLength)
	case h.FormatVersion != Version:
		return fmt.Errorf("%w %d in the header payload", ErrVersion, h.FormatVersion)
	case h.UUID != blockUUID:
		return fmt.Errorf("%w: header payload UUID %s differs from block UUID %s", ErrCorrupt, h.UUID, blockUUID)
	case h.BlockSize != BlockSize || h.SlotCount != SlotCount || !validSectorSize(h.SectorSize):
		return fmt.Errorf("%w: unsupported geometry: block size %d, sector size %d, %d slots",
			ErrCorrupt, h.BlockSize, h.SectorSize, h.SlotCount)
	}
	return nil
}

func validSectorSize(s uint32) bool {
	return s >= 512 && s <= MaxSectorSize && bits.OnesCount32(s) == 1
}

// unixNano stores a time; the zero Time is stored as 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// ValidateLabel checks a label an operator typed: 1..MaxLabelLen bytes of
// printable UTF-8 without white space.
func ValidateLabel(label string) error {
	return validateName("label", label, MaxLabelLen)
}

// ValidateClusterName checks a cluster name: 1..MaxClusterLen bytes of
// printable UTF-8 without white space.
func ValidateClusterName(name string) error {
	return validateName("cluster name", name, MaxClusterLen)
}

func validateName(what, s string, limit int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(s) > limit:
		return fmt.Errorf("%w: %s %q is %d bytes long, at most %d allowed", ErrInvalid, what, s, len(s), limit)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalid, what, s)
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: %s %q contains white space or a control character", ErrInvalid, what, s)
		}
	}
	return nil
}
