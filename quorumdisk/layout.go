package quorumdisk

import (
	"encoding/hex"
	"fmt"

	"github.com/quorate/quorate/cluster"
)

// Format constants. Every block is BlockSize bytes at a BlockSize-aligned
// offset, which is aligned for both 512-byte and 4 KiB sector devices.
const (
	// Magic is the first four bytes of every block ("QRAT" on disk).
	Magic uint32 = 0x54415251
	// Version is the on-disk format version this package reads and writes.
	// Version 2 keeps two copies of every status slot (see SlotOffset).
	Version uint16 = 2
	// BlockSize is the size of every block and of every I/O.
	BlockSize = 4096
	// MaxSectorSize is the largest logical sector size supported.
	MaxSectorSize = BlockSize
)

// Layout of the device, in bytes from its start.
const (
	HeaderOffset = 0

	// ConfigAreaOffset and ConfigAreaSize bound the area that holds the
	// cluster configuration (used by package conf).
	ConfigAreaOffset = 64 << 10
	ConfigAreaSize   = 1<<20 - ConfigAreaOffset

	// SlotsOffset is where the status slot of node 1 starts; the slot of node
	// n is at SlotOffset(n). Each slot is a pair of blocks, copies 0 and 1,
	// written alternately, so a torn write never loses the slot; the slots
	// are contiguous.
	SlotsOffset  = 1 << 20
	SlotCount    = cluster.MaxNodes
	SlotPairSize = 2 * BlockSize
	SlotsSize    = SlotCount * SlotPairSize

	// NodeAreasOffset starts the per-node areas (service tables), NodeAreaSize
	// bytes per node, node 1 first.
	NodeAreasOffset = 3 << 20
	NodeAreasSize   = 3 << 20
	NodeAreaSize    = NodeAreasSize / SlotCount

	// MinDeviceSize is the smallest device that holds the layout.
	MinDeviceSize = NodeAreasOffset + NodeAreasSize
)

// SlotOffset is the byte offset of node n's status slot (its copy 0;
// copy 1 follows it). n must be in 1..cluster.MaxNodes.
func SlotOffset(n cluster.NodeID) int64 {
	return SlotsOffset + int64(n-1)*SlotPairSize
}

// SlotCopyOffset is the byte offset of copy c (0 or 1) of node n's slot.
func SlotCopyOffset(n cluster.NodeID, c int) int64 {
	return SlotOffset(n) + int64(c&1)*BlockSize
}

// NodeAreaOffset is the byte offset of node n's reserved area.
func NodeAreaOffset(n cluster.NodeID) int64 {
	return NodeAreasOffset + int64(n-1)*NodeAreaSize
}

// validNode reports whether n names a slot.
func validNode(n cluster.NodeID) bool { return n >= 1 && int(n) <= SlotCount }

// UUID identifies one initialisation of a quorum disk. mkqdisk draws it at
// random; every block carries it.
type UUID [16]byte

// String formats u as 8-4-4-4-12 hex digits.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// MarshalText makes UUIDs print as strings in JSON.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText parses the String form.
func (u *UUID) UnmarshalText(b []byte) error {
	if len(b) != 36 || b[8] != '-' || b[13] != '-' || b[18] != '-' || b[23] != '-' {
		return fmt.Errorf("bad uuid %q", b)
	}
	h := make([]byte, 0, 32)
	for i, c := range b {
		if i != 8 && i != 13 && i != 18 && i != 23 {
			h = append(h, c)
		}
	}
	_, err := hex.Decode(u[:], h)
	if err != nil {
		return fmt.Errorf("bad uuid %q: %w", b, err)
	}
	return nil
}
