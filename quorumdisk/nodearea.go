package quorumdisk

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/quorate/quorate/cluster"
)

// Node area: each node's 12 KiB area (NodeAreaOffset) holds one opaque
// payload that only that node writes, used to hand the master something
// too large for a heartbeat (a cluster.conf pushed on a node that is not
// the master). Its three blocks (KindNodeArea) carry, in order:
//
//	block 0 payload: 8 length L (of the whole payload), 32 SHA-256 of it,
//	                 then the payload's first bytes
//	block 1, 2:      the payload continued
//
// MaxNodeAreaPayload = 3×MaxPayload − 40. A reader checks every block's CRC
// and the SHA-256, so a torn or half-written area is never believed.

// MaxNodeAreaPayload is the largest payload a node area holds.
const MaxNodeAreaPayload = NodeAreaSize/BlockSize*MaxPayload - 40

// WriteNodeArea stores payload in node n's area.
func (d *Disk) WriteNodeArea(n cluster.NodeID, payload []byte) error {
	if !validNode(n) || len(payload) > MaxNodeAreaPayload {
		return fmt.Errorf("%w: node area payload of %d bytes for node %d (at most %d)", ErrInvalid, len(payload), n, MaxNodeAreaPayload)
	}
	sum := sha256.Sum256(payload)
	all := binary.LittleEndian.AppendUint64(nil, uint64(len(payload)))
	all = append(append(all, sum[:]...), payload...)
	buf := AlignedBuffer(NodeAreaSize)
	for i := 0; i < NodeAreaSize/BlockSize; i++ {
		part := all[min(len(all), i*MaxPayload):min(len(all), (i+1)*MaxPayload)]
		if err := EncodeBlock(buf[i*BlockSize:(i+1)*BlockSize], d.Header().UUID, KindNodeArea, part); err != nil {
			return err
		}
	}
	if err := d.begin(); err != nil {
		return err
	}
	defer d.mu.Unlock()
	return d.do(true, buf, NodeAreaOffset(n))
}

// ReadNodeArea returns the payload node n last stored in its area.
func (d *Disk) ReadNodeArea(n cluster.NodeID) ([]byte, error) {
	if !validNode(n) {
		return nil, fmt.Errorf("%w: node %d", ErrInvalid, n)
	}
	buf := AlignedBuffer(NodeAreaSize)
	if err := d.begin(); err != nil {
		return nil, err
	}
	err := d.do(false, buf, NodeAreaOffset(n))
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var all []byte
	for i := 0; i < NodeAreaSize/BlockSize; i++ {
		part, err := DecodeBlock(buf[i*BlockSize:(i+1)*BlockSize], d.Header().UUID, KindNodeArea)
		if err != nil {
			return nil, fmt.Errorf("node %d area block %d: %w", n, i, err)
		}
		all = append(all, part...)
	}
	if len(all) < 40 {
		return nil, fmt.Errorf("%w: node %d area too short", ErrCorrupt, n)
	}
	size := binary.LittleEndian.Uint64(all)
	if size > uint64(len(all)-40) {
		return nil, fmt.Errorf("%w: node %d area claims %d bytes", ErrCorrupt, n, size)
	}
	payload := all[40 : 40+size]
	if sum := sha256.Sum256(payload); string(sum[:]) != string(all[8:40]) {
		return nil, fmt.Errorf("%w: node %d area checksum mismatch", ErrCorrupt, n)
	}
	return payload, nil
}
