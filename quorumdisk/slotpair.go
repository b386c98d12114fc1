package quorumdisk

import (
	"errors"
	"fmt"

	"github.com/quorate/quorate/cluster"
)

// PairResult is what DecodeSlotPair made of the two copies of a slot.
type PairResult struct {
	Slot  *cluster.Slot // the newer good copy; nil when Err != nil
	Count uint32        // its write count
	Copy  int           // which copy it came from (0 or 1)
	// Lost is the error of the other copy when it was damaged or stale
	// while this one was good (a torn or interrupted write): nothing was
	// lost, but it is counted.
	Lost error
	Err  error
	// Copies holds each copy's own decoding error (nil for a good copy).
	Copies [2]error
}

// DecodeSlotPair decodes both copies of node's slot (2×BlockSize bytes:
// copy 0, then copy 1) and picks the one written last: of two good copies
// the one with the newer write count (compared as serial numbers, so the
// count may wrap); of one good copy, that one. A copy whose count does
// not match its position (count&1) is damaged.
//
// With no good copy the slot is unreadable, and the error says why:
// ErrCorrupt (or another decoding error) when a copy is damaged and the
// other is not empty, ErrStale when a copy is of another disk, ErrEmpty
// when both are empty — or when one is empty and the other damaged: the
// node's very first write was torn, so no write of it ever completed and
// nobody can have acted on what it held.
func DecodeSlotPair(buf []byte, uuid UUID, node cluster.NodeID) PairResult {
	if len(buf) != SlotPairSize {
		return PairResult{Err: fmt.Errorf("%w: slot pair buffer is %d bytes, want %d", ErrInvalid, len(buf), SlotPairSize)}
	}
	var s [2]*cluster.Slot
	var n [2]uint32
	var err [2]error
	for c := range 2 {
		s[c], n[c], err[c] = decodeSlot(buf[c*BlockSize:(c+1)*BlockSize], uuid, node)
		if err[c] == nil && int(n[c]&1) != c {
			s[c], err[c] = nil, fmt.Errorf("%w: slot copy %d of node %d has write count %d (odd counts belong in copy 1)", ErrCorrupt, c, node, n[c])
		}
	}
	r := pick(s, n, err, node)
	r.Copies = err
	return r
}

func pick(s [2]*cluster.Slot, n [2]uint32, err [2]error, node cluster.NodeID) PairResult {
	switch {
	case err[0] == nil && err[1] == nil:
		c := 0
		if int32(n[1]-n[0]) > 0 {
			c = 1
		}
		return PairResult{Slot: s[c], Count: n[c], Copy: c}
	case err[0] == nil:
		return PairResult{Slot: s[0], Count: n[0], Copy: 0, Lost: lostCopy(err[1])}
	case err[1] == nil:
		return PairResult{Slot: s[1], Count: n[1], Copy: 1, Lost: lostCopy(err[0])}
	}
	empty0, empty1 := errors.Is(err[0], ErrEmpty), errors.Is(err[1], ErrEmpty)
	switch {
	case empty0 && empty1, empty1 && errors.Is(err[0], ErrCorrupt):
		return PairResult{Err: fmt.Errorf("%w (slot of node %d)", ErrEmpty, node)}
	case !empty0 && !errors.Is(err[0], ErrStale):
		return PairResult{Err: err[0]}
	case !empty1 && !errors.Is(err[1], ErrStale):
		return PairResult{Err: err[1]}
	case !empty0:
		return PairResult{Err: err[0]}
	default:
		return PairResult{Err: err[1]}
	}
}

// lostCopy is the Lost of a pair: an empty other copy (a node that wrote
// once) is not a loss.
func lostCopy(err error) error {
	if errors.Is(err, ErrEmpty) {
		return nil
	}
	return err
}
