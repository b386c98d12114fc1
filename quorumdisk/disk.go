package quorumdisk

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorate/quorate/cluster"
)

// DefaultIOTimeout is used when a Disk is opened with a zero I/O timeout.
const DefaultIOTimeout = 2 * time.Second

// Disk is an open quorum disk: a BlockDevice with I/O deadlines, counters,
// and the block encodings. Its methods are safe for concurrent use; device
// calls are serialised, one at a time.
type Disk struct {
	dev     BlockDevice
	name    string
	timeout time.Duration
	log     *slog.Logger
	hdr     atomic.Pointer[Header]
	stats   counters

	mu     sync.Mutex // serialises device calls; guards the fields below
	closed bool
	stuck  *stuckIO // abandoned call still running, or nil
	blk    []byte   // one aligned block
	pair   []byte   // one aligned slot pair
	slots  []byte   // aligned buffer for ReadSlots, allocated on first use
	// counts is the next write count of each slot this Disk writes,
	// learnt from the disk before the first write.
	counts map[cluster.NodeID]uint32
}

// Open opens the quorum disk at path read-write with O_DIRECT, and reads
// and checks its header. ioTimeout bounds every device call (zero:
// DefaultIOTimeout).
func Open(path string, ioTimeout time.Duration, log *slog.Logger) (*Disk, error) {
	return open(path, false, ioTimeout, log)
}

// OpenReadOnly is Open without write access, for inspecting a disk.
func OpenReadOnly(path string, ioTimeout time.Duration, log *slog.Logger) (*Disk, error) {
	return open(path, true, ioTimeout, log)
}

func open(path string, readOnly bool, ioTimeout time.Duration, log *slog.Logger) (*Disk, error) {
	dev, err := OpenDevice(path, readOnly)
	if err != nil {
		return nil, err
	}
	d, err := NewDisk(dev, ioTimeout, log)
	if err != nil {
		dev.Close()
		return nil, err
	}
	return d, nil
}

// NewDisk wraps dev, reads and checks its header. On error the caller
// still owns dev; on success the Disk does, and Close closes it.
func NewDisk(dev BlockDevice, ioTimeout time.Duration, log *slog.Logger) (*Disk, error) {
	if ioTimeout <= 0 {
		ioTimeout = DefaultIOTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Disk{dev: dev, name: deviceName(dev), timeout: ioTimeout, log: log, blk: AlignedBuffer(BlockSize),
		pair: AlignedBuffer(SlotPairSize), counts: map[cluster.NodeID]uint32{}}
	if err := checkGeometry(d.name, dev); err != nil {
		return nil, err
	}
	if err := d.begin(); err != nil {
		return nil, err
	}
	defer d.mu.Unlock()
	h, err := d.readHeaderLocked()
	if err != nil {
		return nil, err
	}
	if int(h.SectorSize) != dev.SectorSize() {
		log.Warn("quorum disk sector size differs from the one recorded by mkqdisk", "device", d.name,
			"sector_size", dev.SectorSize(), "recorded", h.SectorSize)
	}
	d.hdr.Store(&h)
	return d, nil
}

func checkGeometry(name string, dev BlockDevice) error {
	if dev.Size() < MinDeviceSize {
		return opErr(ErrTooSmall, nil, "quorum disk %s is %d bytes; at least %d bytes (%d MiB) are needed: "+
			"use a larger LUN or file", name, dev.Size(), MinDeviceSize, MinDeviceSize>>20)
	}
	if s := dev.SectorSize(); !validSectorSize(uint32(s)) {
		return opErr(ErrSectorSize, nil, "quorum disk %s: logical sector size %d is not supported (need 512..%d)",
			name, s, MaxSectorSize)
	}
	return nil
}

// readHeaderLocked reads and decodes the header block; d.mu is held.
func (d *Disk) readHeaderLocked() (Header, error) {
	if err := d.do(false, d.blk, HeaderOffset); err != nil {
		return Header{}, err
	}
	h, err := DecodeHeader(d.blk)
	d.stats.decoded(err)
	switch {
	case errors.Is(err, ErrEmpty), errors.Is(err, ErrBadMagic):
		return Header{}, opErr(err, nil, "%s is not a quorum disk (%v); initialise it with mkqdisk -c %s -l LABEL",
			d.name, err, d.name)
	case err != nil:
		return Header{}, opErr(err, nil, "quorum disk %s: unreadable header: %v; re-initialise it with mkqdisk -c",
			d.name, err)
	}
	return h, nil
}

// Name is the device path (for messages and status).
func (d *Disk) Name() string { return d.name }

// Header returns the header as last read or written.
func (d *Disk) Header() Header { return *d.hdr.Load() }

// Size is the device size in bytes.
func (d *Disk) Size() int64 { return d.dev.Size() }

// SectorSize is the device's logical sector size.
func (d *Disk) SectorSize() int { return d.dev.SectorSize() }

// Stats returns the counters.
func (d *Disk) Stats() Stats { return d.stats.get() }

// WriteSlot writes s into the slot of s.Node: one block, one device call.
// Writes alternate between the slot's two copies, each stamped with a
// write count one above the last, so a torn write leaves the previous
// copy intact. Before the first write of a node's slot the Disk reads the
// pair once to learn where the count stands.
func (d *Disk) WriteSlot(s *cluster.Slot) error {
	if !validNode(s.Node) {
		return fmt.Errorf("%w: slot of node %d, valid ids are 1..%d", ErrInvalid, s.Node, SlotCount)
	}
	if err := d.begin(); err != nil {
		return err
	}
	defer d.mu.Unlock()
	count, ok := d.counts[s.Node]
	if !ok {
		if err := d.do(false, d.pair, SlotOffset(s.Node)); err != nil {
			return err
		}
		if r := DecodeSlotPair(d.pair, d.Header().UUID, s.Node); r.Err == nil {
			count = r.Count + 1
		}
	}
	if err := EncodeSlotCopy(d.blk, d.Header().UUID, s, count); err != nil {
		return err
	}
	// The count moves on even when the write fails: the next write goes
	// to the other copy, so a write that failed but may still land never
	// races one that follows it into the same block.
	d.counts[s.Node] = count + 1
	return d.do(true, d.blk, SlotCopyOffset(s.Node, int(count&1)))
}

// SlotResult is the outcome of decoding one slot.
type SlotResult struct {
	Node cluster.NodeID
	Slot *cluster.Slot // nil when Err != nil
	Err  error         // ErrEmpty, ErrStale, an ErrCorrupt family member, ErrVersion
	// Lost is set when Slot came from one copy because the other was
	// damaged (see PairResult.Lost).
	Lost error
}

// ReadSlots reads the slots of nodes first..last (both copies of each)
// with ONE device call and decodes each, as DecodeSlotPair. The error is for the read itself; per-slot problems are in
// the results.
func (d *Disk) ReadSlots(first, last cluster.NodeID) ([]SlotResult, error) {
	if !validNode(first) || !validNode(last) || first > last {
		return nil, fmt.Errorf("%w: slot range %d..%d, valid ids are 1..%d", ErrInvalid, first, last, SlotCount)
	}
	if err := d.begin(); err != nil {
		return nil, err
	}
	defer d.mu.Unlock()
	if d.slots == nil {
		d.slots = AlignedBuffer(SlotsSize)
	}
	n := int(last-first) + 1
	buf := d.slots[:n*SlotPairSize]
	if err := d.do(false, buf, SlotOffset(first)); err != nil {
		return nil, err
	}
	uuid := d.Header().UUID
	out := make([]SlotResult, n)
	for i := range out {
		node := first + cluster.NodeID(i)
		r := DecodeSlotPair(buf[i*SlotPairSize:(i+1)*SlotPairSize], uuid, node)
		d.stats.decoded(r.Copies[0])
		d.stats.decoded(r.Copies[1])
		if r.Lost != nil {
			d.stats.update(func(s *Stats) { s.LostCopies++ })
		}
		out[i] = SlotResult{Node: node, Slot: r.Slot, Err: r.Err, Lost: r.Lost}
	}
	return out, nil
}

// ReadSlot reads one slot; a decoding problem is the returned error.
func (d *Disk) ReadSlot(node cluster.NodeID) (*cluster.Slot, error) {
	res, err := d.ReadSlots(node, node)
	if err != nil {
		return nil, err
	}
	return res[0].Slot, res[0].Err
}

// Close closes the device. It does not wait for a stuck call.
func (d *Disk) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	return d.dev.Close()
}

var _ io.Closer = (*Disk)(nil)
