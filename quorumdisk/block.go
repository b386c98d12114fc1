package quorumdisk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Kind says what a block holds. The numeric values are part of the format.
type Kind uint8

// Block kinds.
const (
	KindHeader   Kind = 1 // the header block at offset 0
	KindSlot     Kind = 2 // a node's status slot
	KindConfig   Kind = 3 // a block of the config area (package conf)
	KindNodeArea Kind = 4 // a block of a per-node area (service tables)
)

var kindNames = [...]string{"none", "header", "slot", "config", "node-area"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k >= KindHeader && int(k) < len(kindNames) }

// Common block header, see the package documentation.
const (
	offMagic   = 0
	offVersion = 4
	offKind    = 6
	offFlags   = 7
	offLength  = 8
	offCRC     = 12
	offUUID    = 16
	// BlockHeaderLen is the size of the common header that starts every block.
	BlockHeaderLen = 32
	// MaxPayload is the largest payload a block can carry.
	MaxPayload = BlockSize - BlockHeaderLen
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum is the CRC32C of a block with its CRC field taken as zero.
func Checksum(block []byte) uint32 {
	var zero [4]byte
	c := crc32.Update(0, castagnoli, block[:offCRC])
	c = crc32.Update(c, castagnoli, zero[:])
	return crc32.Update(c, castagnoli, block[offCRC+4:])
}

// EncodeBlock fills buf (BlockSize bytes) with a block of the given kind
// carrying payload: common header, payload, zero padding, checksum.
func EncodeBlock(buf []byte, uuid UUID, kind Kind, payload []byte) error {
	if len(buf) != BlockSize {
		return fmt.Errorf("%w: block buffer is %d bytes, want %d", ErrInvalid, len(buf), BlockSize)
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrInvalid, len(payload), MaxPayload)
	}
	copy(buf[BlockHeaderLen:], payload)
	seal(buf, uuid, kind, len(payload))
	return nil
}

// seal writes the common header and the checksum around a payload of n
// bytes already in buf[BlockHeaderLen:], zeroing the rest of the block.
func seal(buf []byte, uuid UUID, kind Kind, n int) {
	clear(buf[BlockHeaderLen+n:])
	le := binary.LittleEndian
	le.PutUint32(buf[offMagic:], Magic)
	le.PutUint16(buf[offVersion:], Version)
	buf[offKind] = byte(kind)
	buf[offFlags] = 0
	le.PutUint32(buf[offLength:], uint32(n))
	copy(buf[offUUID:offUUID+16], uuid[:])
	le.PutUint32(buf[offCRC:], Checksum(buf))
}

// DecodeBlock checks a block of the given kind written for disk uuid and
// returns its payload (a sub-slice of buf).
func DecodeBlock(buf []byte, uuid UUID, kind Kind) ([]byte, error) {
	got, payload, err := openBlock(buf, kind)
	if err != nil {
		return nil, err
	}
	if got != uuid {
		return nil, fmt.Errorf("%w: written for disk %s, this disk is %s", ErrStale, got, uuid)
	}
	return payload, nil
}

// openBlock checks everything but the disk UUID, which it returns.
func openBlock(buf []byte, kind Kind) (UUID, []byte, error) {
	var uuid UUID
	if len(buf) != BlockSize {
		return uuid, nil, fmt.Errorf("%w: block is %d bytes, want %d", ErrLength, len(buf), BlockSize)
	}
	if isZero(buf) {
		return uuid, nil, ErrEmpty
	}
	le := binary.LittleEndian
	if m := le.Uint32(buf[offMagic:]); m != Magic {
		return uuid, nil, fmt.Errorf("%w %#08x", ErrBadMagic, m)
	}
	if v := le.Uint16(buf[offVersion:]); v != Version {
		return uuid, nil, fmt.Errorf("%w %d (this program reads version %d)", ErrVersion, v, Version)
	}
	if want, got := Checksum(buf), le.Uint32(buf[offCRC:]); want != got {
		return uuid, nil, fmt.Errorf("%w (stored %#08x, computed %#08x)", ErrChecksum, got, want)
	}
	if k := Kind(buf[offKind]); k != kind {
		return uuid, nil, fmt.Errorf("%w: %s, want %s", ErrKind, k, kind)
	}
	if buf[offFlags] != 0 {
		return uuid, nil, fmt.Errorf("%w: flags byte %#02x", ErrLength, buf[offFlags])
	}
	n := le.Uint32(buf[offLength:])
	if n > MaxPayload {
		return uuid, nil, fmt.Errorf("%w: payload length %d > %d", ErrLength, n, MaxPayload)
	}
	end := BlockHeaderLen + int(n)
	if !isZero(buf[end:]) {
		return uuid, nil, fmt.Errorf("%w: non-zero bytes after the payload", ErrLength)
	}
	copy(uuid[:], buf[offUUID:offUUID+16])
	return uuid, buf[BlockHeaderLen:end], nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
