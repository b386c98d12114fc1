package quorumdisk

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/quorate/quorate/cluster"
)

// Config area geometry. The area holds two copies, A at ConfigAreaOffset
// and B right after it; see the package documentation for the layout.
const (
	// ConfigCopySize is the size of one copy of the configuration.
	ConfigCopySize = ConfigAreaSize / 2
	// ConfigCopyBlocks is the number of blocks of one copy.
	ConfigCopyBlocks = ConfigCopySize / BlockSize
	// ConfigHeaderLen is the payload length of a copy's header block.
	ConfigHeaderLen = 104
	// configChunkHeaderLen starts the payload of every key and data block.
	configChunkHeaderLen = 16
	// ConfigChunkSize is how many bytes of the key or of cluster.conf one
	// block carries.
	ConfigChunkSize = MaxPayload - configChunkHeaderLen
	// MaxConfigKeySize is the longest cluster key the area stores (the
	// longest key netheart.LoadKey accepts).
	MaxConfigKeySize = 4096
	// maxKeyBlocks is the space always reserved for the key, so the
	// largest cluster.conf does not depend on whether a key is stored.
	maxKeyBlocks = (MaxConfigKeySize + ConfigChunkSize - 1) / ConfigChunkSize
	// MaxConfigSize is the largest cluster.conf the area stores.
	MaxConfigSize = (ConfigCopyBlocks - 1 - maxKeyBlocks) * ConfigChunkSize
)

// Roles of the blocks of a copy (first payload byte).
const (
	roleHeader = 1
	roleKey    = 2
	roleData   = 3
)

const configFlagKey = 1 // header flags bit 0: a key is stored

// ConfigCopyOffset is the byte offset of copy i (0 = A, 1 = B).
func ConfigCopyOffset(i int) int64 { return ConfigAreaOffset + int64(i)*ConfigCopySize }

// copyName is "A" or "B".
func copyName(i int) string { return string(rune('A' + i)) }

// ConfigRecord is one stored cluster configuration.
type ConfigRecord struct {
	Version uint64         // config_version of Data, >= 1
	Data    []byte         // the whole cluster.conf, 1..MaxConfigSize bytes
	Key     []byte         // the cluster key, nil when none is stored
	Writer  cluster.NodeID // node that stored it; 0 = mkqdisk
	Written time.Time      // when it was stored; zero = unknown

	// Set by ReadConfig and DecodeConfigCopy; WriteConfig chooses them.
	Seq      uint64   // write counter of the area; the higher of two copies of one version is newer
	Copy     int      // 0 = copy A, 1 = copy B
	Checksum [32]byte // SHA-256 of Data

	// RemoveKey asks WriteConfig to store no key. Without it an empty Key
	// keeps the key already stored, so a master that only distributes
	// cluster.conf never drops it. Never set by ReadConfig.
	RemoveKey bool
}

// configHeader is the decoded header block of a copy.
type configHeader struct {
	copy     int
	hasKey   bool
	writer   cluster.NodeID
	seq      uint64
	version  uint64
	written  int64
	dataLen  int
	keyLen   int
	dataHash [32]byte
	keyHash  [32]byte
}

func chunks(n int) int { return (n + ConfigChunkSize - 1) / ConfigChunkSize }

// blocks is the number of blocks the copy occupies.
func (h *configHeader) blocks() int { return 1 + chunks(h.keyLen) + chunks(h.dataLen) }

func (h *configHeader) newer(o *configHeader) bool {
	return h.version > o.version || h.version == o.version && h.seq > o.seq
}

// checkRecord refuses a record that cannot be stored.
func checkRecord(r *ConfigRecord) error {
	switch {
	case r.Copy != 0 && r.Copy != 1:
		return fmt.Errorf("%w: config copy %d, want 0 (A) or 1 (B)", ErrInvalid, r.Copy)
	case r.Version == 0:
		return fmt.Errorf("%w: config_version 0; versions start at 1", ErrInvalid)
	case len(r.Data) == 0:
		return fmt.Errorf("%w: empty cluster.conf", ErrInvalid)
	case len(r.Data) > MaxConfigSize:
		return fmt.Errorf("%w: cluster.conf of %d bytes does not fit the quorum disk's config area (at most %d bytes); "+
			"shorten it (comments, unused resources)", ErrInvalid, len(r.Data), MaxConfigSize)
	case len(r.Key) > MaxConfigKeySize:
		return fmt.Errorf("%w: cluster key of %d bytes, at most %d are stored", ErrInvalid, len(r.Key), MaxConfigKeySize)
	case r.Writer != 0 && !validNode(r.Writer):
		return fmt.Errorf("%w: writer node id %d", ErrInvalid, r.Writer)
	}
	return nil
}

// EncodeConfigCopy encodes r as copy r.Copy with write counter r.Seq for
// disk uuid: the header block, then the key blocks (when r.Key is not
// empty), then the data blocks, as one buffer of whole blocks. It ignores
// r.Checksum and r.RemoveKey.
func EncodeConfigCopy(r ConfigRecord, uuid UUID) ([]byte, error) {
	if err := checkRecord(&r); err != nil {
		return nil, err
	}
	h := configHeader{copy: r.Copy, hasKey: len(r.Key) > 0, writer: r.Writer, seq: r.Seq, version: r.Version,
		dataLen: len(r.Data), keyLen: len(r.Key), dataHash: sha256.Sum256(r.Data)}
	if !r.Written.IsZero() {
		h.written = r.Written.UnixNano()
	}
	if h.hasKey {
		h.keyHash = sha256.Sum256(r.Key)
	}
	buf := AlignedBuffer(h.blocks() * BlockSize)
	encodeConfigHeader(buf[:BlockSize], uuid, &h)
	next := encodeChunks(buf[BlockSize:], uuid, &h, roleKey, r.Key)
	encodeChunks(buf[BlockSize+next*BlockSize:], uuid, &h, roleData, r.Data)
	return buf, nil
}

func encodeConfigHeader(blk []byte, uuid UUID, h *configHeader) {
	p := blk[BlockHeaderLen : BlockHeaderLen+ConfigHeaderLen]
	w := writer{b: p}
	w.u8(roleHeader)
	w.u8(uint8(h.copy))
	var flags uint8
	if h.hasKey {
		flags |= configFlagKey
	}
	w.u8(flags)
	w.u8(0)
	w.u16(uint16(h.writer))
	w.u16(0)
	w.u64(h.seq)
	w.u64(h.version)
	w.u64(uint64(h.written))
	w.u32(uint32(h.dataLen))
	w.u32(uint32(h.keyLen))
	w.bytes(h.dataHash[:])
	w.bytes(h.keyHash[:])
	seal(blk, uuid, KindConfig, ConfigHeaderLen)
}

// encodeChunks writes data as consecutive blocks of the given role into
// buf and returns how many blocks it wrote.
func encodeChunks(buf []byte, uuid UUID, h *configHeader, role uint8, data []byte) int {
	n := chunks(len(data))
	for i := range n {
		blk := buf[i*BlockSize : (i+1)*BlockSize]
		chunk := data[i*ConfigChunkSize : min(len(data), (i+1)*ConfigChunkSize)]
		w := writer{b: blk[BlockHeaderLen:]}
		w.u8(role)
		w.u8(uint8(h.copy))
		w.u16(0)
		w.u32(uint32(i))
		w.u64(h.seq)
		w.bytes(chunk)
		seal(blk, uuid, KindConfig, configChunkHeaderLen+len(chunk))
	}
	return n
}

// DecodeConfigCopy decodes copy number which (0 = A, 1 = B) of the config
// area of disk uuid from buf, which starts at the copy's first block and
// holds at least the blocks its header names (a whole copy,
// ConfigCopySize bytes, always does). Blocks past those are ignored. An
// all-zero header block is ErrEmpty; a copy whose blocks do not belong
// together (an interrupted write) is ErrConfigMismatch; otherwise the
// block errors of DecodeBlock apply.
func DecodeConfigCopy(buf []byte, uuid UUID, which int) (ConfigRecord, error) {
	if len(buf) < BlockSize || len(buf)%BlockSize != 0 {
		return ConfigRecord{}, fmt.Errorf("%w: config copy buffer of %d bytes", ErrLength, len(buf))
	}
	h, err := decodeConfigHeader(buf[:BlockSize], uuid, which)
	if err != nil {
		return ConfigRecord{}, err
	}
	if len(buf) < h.blocks()*BlockSize {
		return ConfigRecord{}, fmt.Errorf("%w: config copy %s needs %d blocks, buffer holds %d",
			ErrLength, copyName(which), h.blocks(), len(buf)/BlockSize)
	}
	r := ConfigRecord{Version: h.version, Writer: h.writer, Written: fromUnixNano(h.written),
		Seq: h.seq, Copy: which, Checksum: h.dataHash}
	body := buf[BlockSize:]
	if r.Key, err = decodeChunks(body, uuid, &h, roleKey, h.keyLen); err != nil {
		return ConfigRecord{}, err
	}
	body = body[chunks(h.keyLen)*BlockSize:]
	if r.Data, err = decodeChunks(body, uuid, &h, roleData, h.dataLen); err != nil {
		return ConfigRecord{}, err
	}
	if sha256.Sum256(r.Data) != h.dataHash || h.hasKey && sha256.Sum256(r.Key) != h.keyHash {
		return ConfigRecord{}, fmt.Errorf("%w: SHA-256 of config copy %s does not match its header", ErrChecksum, copyName(which))
	}
	return r, nil
}

// decodeConfigHeader checks the header block of copy which.
func decodeConfigHeader(blk []byte, uuid UUID, which int) (configHeader, error) {
	p, err := DecodeBlock(blk, uuid, KindConfig)
	if err != nil {
		return configHeader{}, err
	}
	if len(p) != ConfigHeaderLen {
		return configHeader{}, fmt.Errorf("%w: config header payload of %d bytes, want %d", ErrLength, len(p), ConfigHeaderLen)
	}
	r := reader{b: p}
	role, cp, flags := r.u8(), int(r.u8()), r.u8()
	r.zero(1)
	h := configHeader{copy: cp, hasKey: flags&configFlagKey != 0, writer: cluster.NodeID(r.u16())}
	r.zero(2)
	h.seq, h.version, h.written = r.u64(), r.u64(), int64(r.u64())
	h.dataLen, h.keyLen = int(r.u32()), int(r.u32())
	h.dataHash, h.keyHash = r.hash(), r.hash()
	if role != roleHeader || cp != which {
		return configHeader{}, fmt.Errorf("%w: block at the head of copy %s is a role %d block of copy %d", ErrConfigMismatch, copyName(which), role, cp)
	}
	if err := h.check(flags, r.bad); err != nil {
		return configHeader{}, err
	}
	return h, nil
}

func (r *reader) hash() (h [32]byte) {
	r.off += copy(h[:], r.b[r.off:r.off+len(h)])
	return h
}

// check rejects out-of-range header fields.
func (h *configHeader) check(flags uint8, badReserved bool) error {
	var zeroHash [32]byte
	switch {
	case badReserved || flags&^configFlagKey != 0:
		return fmt.Errorf("%w: config header has non-zero reserved bits", ErrLength)
	case h.writer != 0 && !validNode(h.writer):
		return fmt.Errorf("%w: config header names writer node %d", ErrLength, h.writer)
	case h.version == 0:
		return fmt.Errorf("%w: config header has config_version 0", ErrLength)
	case h.dataLen == 0 || h.dataLen > MaxConfigSize:
		return fmt.Errorf("%w: config length %d out of range 1..%d", ErrLength, h.dataLen, MaxConfigSize)
	case h.hasKey && (h.keyLen == 0 || h.keyLen > MaxConfigKeySize):
		return fmt.Errorf("%w: key length %d out of range 1..%d", ErrLength, h.keyLen, MaxConfigKeySize)
	case !h.hasKey && (h.keyLen != 0 || h.keyHash != zeroHash):
		return fmt.Errorf("%w: config header without a key has a key length or hash", ErrLength)
	}
	return nil
}

// decodeChunks reassembles n bytes of the given role from consecutive
// blocks of buf, each bound to h's copy and write counter.
func decodeChunks(buf []byte, uuid UUID, h *configHeader, role uint8, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	var out bytes.Buffer
	out.Grow(n)
	for i := range chunks(n) {
		want := min(ConfigChunkSize, n-i*ConfigChunkSize)
		p, err := DecodeBlock(buf[i*BlockSize:(i+1)*BlockSize], uuid, KindConfig)
		if err != nil {
			return nil, fmt.Errorf("config copy %s, %s block %d: %w", copyName(h.copy), roleName(role), i, err)
		}
		if len(p) != configChunkHeaderLen+want {
			return nil, fmt.Errorf("%w: config copy %s, %s block %d holds %d bytes, want %d",
				ErrLength, copyName(h.copy), roleName(role), i, len(p)-configChunkHeaderLen, want)
		}
		r := reader{b: p}
		gotRole, cp := r.u8(), int(r.u8())
		r.zero(2)
		idx, seq := r.u32(), r.u64()
		if r.bad || gotRole != role || cp != h.copy || idx != uint32(i) || seq != h.seq {
			return nil, fmt.Errorf("%w: config copy %s, %s block %d belongs to write %d (role %d, copy %d, index %d), the header to write %d; "+
				"the write was interrupted", ErrConfigMismatch, copyName(h.copy), roleName(role), i, seq, gotRole, cp, idx, h.seq)
		}
		out.Write(p[configChunkHeaderLen:])
	}
	return out.Bytes(), nil
}

func roleName(role uint8) string {
	if role == roleKey {
		return "key"
	}
	return "data"
}
