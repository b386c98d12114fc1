package quorumdisk

import (
	"fmt"

	"github.com/quorate/quorate/cluster"
)

// Slot payload layout, see the package documentation.
const (
	slotFixedLen   = 164 // without the master record
	masterFixedLen = 48  // master record without its evictions
	evictionLen    = 12
	evictFenced    = 1 // eviction flag: the victim was fenced
	// maxSlotLen is the payload of a slot with a full master record.
	maxSlotLen = slotFixedLen + masterFixedLen + cluster.MaxEvictions*evictionLen

	flagMaster   = 1 << 0 // the slot carries a master record
	flagServices = 1 << 1 // the slot carries a services section
	reportLen    = 20
	entryLen     = 32
	svcFrozen    = 1 << 0
	svcHeld      = 1 << 1
)

// A full slot must fit one block; this fails to compile otherwise.
var _ [MaxPayload - maxSlotLen]struct{}

// EncodeSlot fills buf (BlockSize bytes) with s as a slot block for the
// disk uuid, with write count 0. It refuses slots it cannot store
// faithfully (bad node id or state, note or eviction list too long).
func EncodeSlot(buf []byte, uuid UUID, s *cluster.Slot) error {
	return EncodeSlotCopy(buf, uuid, s, 0)
}

// EncodeSlotCopy is EncodeSlot with the write count that orders the two
// copies of a slot; the block belongs in copy count&1.
func EncodeSlotCopy(buf []byte, uuid UUID, s *cluster.Slot, count uint32) error {
	if err := checkSlot(s); err != nil {
		return err
	}
	if len(buf) != BlockSize {
		return fmt.Errorf("%w: block buffer is %d bytes, want %d", ErrInvalid, len(buf), BlockSize)
	}
	w := writer{b: buf[BlockHeaderLen:]}
	writeSlotFixed(&w, s, count)
	if s.Master != nil {
		writeMaster(&w, s.Master)
	}
	if hasServices(s) {
		writeServices(&w, s)
	}
	seal(buf, uuid, KindSlot, w.off)
	return nil
}

func hasServices(s *cluster.Slot) bool {
	return s.SeenGen > 0 || len(s.Services) > 0 || (s.Master != nil && (len(s.Master.Services) > 0 || len(s.Master.MemberIncs) > 0))
}

// slotLen is the payload length EncodeSlot would write for s.
func slotLen(s *cluster.Slot) int {
	n := slotFixedLen
	if s.Master != nil {
		n += masterFixedLen + len(s.Master.Evictions)*evictionLen
	}
	if hasServices(s) {
		n += 24 + len(s.Services)*reportLen
		for _, r := range s.Services {
			n += len(r.Reason)
		}
		if s.Master != nil {
			n += len(s.Master.Services)*entryLen + 4*len(s.Master.MemberIncs)
			for _, e := range s.Master.Services {
				n += len(entryReason(e))
			}
		}
	}
	return n
}

// writeServices writes the services section: the writer's reports, then
// (for a master record) the service table.
func writeServices(w *writer, s *cluster.Slot) {
	w.u64(s.SeenGen)
	w.u16(uint16(s.SeenOwner))
	w.u64(s.SeenOwnerInc)
	w.u16(uint16(len(s.Services)))
	for _, r := range s.Services {
		w.u64(r.Key)
		w.u64(r.Gen)
		w.u8(uint8(r.State))
		w.u8(uint8(len(r.Reason)))
		w.u16(0)
		w.bytes([]byte(r.Reason))
	}
	var table []cluster.ServiceEntry
	if s.Master != nil {
		table = s.Master.Services
	}
	w.u16(uint16(len(table)))
	for _, e := range table {
		w.u64(e.Key)
		w.u64(e.Gen)
		w.u16(uint16(e.Owner))
		w.u16(uint16(e.LastOwner))
		w.u16(uint16(e.Target))
		w.u8(uint8(e.State))
		var f uint8
		if e.Frozen {
			f |= svcFrozen
		}
		if e.Held {
			f |= svcHeld
		}
		w.u8(f)
		w.u16(e.Restarts)
		reason := entryReason(e)
		w.u8(uint8(len(reason)))
		w.u8(0)
		w.u32(e.OwnerInc)
		w.bytes([]byte(reason))
	}
	var incs []uint32
	if s.Master != nil {
		incs = s.Master.MemberIncs
	}
	w.u16(uint16(len(incs)))
	for _, v := range incs {
		w.u32(v)
	}
}

// badReason names a failure reason the slot cannot store: too long, or on
// a report of a service that did not fail.
func badReason(s *cluster.Slot) string {
	for _, r := range s.Services {
		switch {
		case len(r.Reason) > cluster.ReasonLen:
			return fmt.Sprintf("report of service %x: reason of %d bytes, at most %d", r.Key, len(r.Reason), cluster.ReasonLen)
		case r.Reason != "" && r.State != cluster.SvcFailed:
			return fmt.Sprintf("report of service %x: a reason, but state %d is not failed", r.Key, r.State)
		}
	}
	if s.Master != nil {
		for _, e := range s.Master.Services {
			if len(entryReason(e)) > cluster.ReasonLen {
				return fmt.Sprintf("service %x: reason of %d bytes, at most %d", e.Key, len(e.Reason), cluster.ReasonLen)
			}
		}
	}
	return ""
}

// entryReason is the reason a table entry carries on disk: only a failed
// service's.
func entryReason(e cluster.ServiceEntry) string {
	if e.State != cluster.SvcFailed {
		return ""
	}
	return e.Reason
}

// reason reads n bytes of a failure reason, which only a failed service
// may carry.
func (r *reader) reason(n int, st cluster.ServiceState) (string, error) {
	switch {
	case n > cluster.ReasonLen:
		return "", fmt.Errorf("%w: failure reason of %d bytes > %d", ErrLength, n, cluster.ReasonLen)
	case n > 0 && st != cluster.SvcFailed:
		return "", fmt.Errorf("%w: a failure reason on a service in state %d", ErrCorrupt, st)
	case len(r.b)-r.off < n:
		return "", fmt.Errorf("%w: failure reason runs past the payload", ErrLength)
	}
	v := string(r.b[r.off : r.off+n])
	r.off += n
	return v, nil
}

func readServices(r *reader, s *cluster.Slot) error {
	if len(r.b)-r.off < 20 {
		return fmt.Errorf("%w: extension section too short", ErrLength)
	}
	s.SeenGen, s.SeenOwner, s.SeenOwnerInc = r.u64(), cluster.NodeID(r.u16()), r.u64()
	if s.SeenOwner > SlotCount {
		return fmt.Errorf("%w: seen owner %d", ErrCorrupt, s.SeenOwner)
	}
	n := int(r.u16())
	if len(r.b)-r.off < n*reportLen+2 {
		return fmt.Errorf("%w: %d service reports in %d bytes", ErrLength, n, len(r.b)-r.off)
	}
	for range n {
		if len(r.b)-r.off < reportLen {
			return fmt.Errorf("%w: service report runs past the payload", ErrLength)
		}
		rep := cluster.ServiceReport{Key: r.u64(), Gen: r.u64(), State: cluster.ServiceState(r.u8())}
		rl := int(r.u8())
		r.zero(2)
		if !rep.State.Valid() {
			return fmt.Errorf("%w: service report state %d", ErrCorrupt, rep.State)
		}
		var err error
		if rep.Reason, err = r.reason(rl, rep.State); err != nil {
			return err
		}
		s.Services = append(s.Services, rep)
	}
	t := int(r.u16())
	if len(r.b)-r.off < t*entryLen+2 || (t > 0 && s.Master == nil) {
		return fmt.Errorf("%w: %d service entries in %d bytes", ErrLength, t, len(r.b)-r.off)
	}
	for range t {
		if len(r.b)-r.off < entryLen {
			return fmt.Errorf("%w: service entry runs past the payload", ErrLength)
		}
		e := cluster.ServiceEntry{Key: r.u64(), Gen: r.u64(), Owner: cluster.NodeID(r.u16()),
			LastOwner: cluster.NodeID(r.u16()), Target: cluster.NodeID(r.u16()), State: cluster.ServiceState(r.u8())}
		f := r.u8()
		e.Restarts = r.u16()
		rl := int(r.u8())
		r.zero(1)
		e.OwnerInc = r.u32()
		e.Frozen, e.Held = f&svcFrozen != 0, f&svcHeld != 0
		if !e.State.Valid() || f&^(svcFrozen|svcHeld) != 0 || e.Owner > SlotCount || e.LastOwner > SlotCount || e.Target > SlotCount {
			return fmt.Errorf("%w: service entry %x", ErrCorrupt, e.Key)
		}
		var err error
		if e.Reason, err = r.reason(rl, e.State); err != nil {
			return err
		}
		s.Master.Services = append(s.Master.Services, e)
	}
	m := int(r.u16())
	if len(r.b)-r.off != 4*m || (m > 0 && s.Master == nil) || m > cluster.MaxNodes {
		return fmt.Errorf("%w: %d member incarnations in %d bytes", ErrLength, m, len(r.b)-r.off)
	}
	for range m {
		s.Master.MemberIncs = append(s.Master.MemberIncs, r.u32())
	}
	return nil
}

func checkSlot(s *cluster.Slot) error {
	switch {
	case !validNode(s.Node):
		return fmt.Errorf("%w: slot for node %d, valid ids are 1..%d", ErrInvalid, s.Node, SlotCount)
	case !s.State.Valid():
		return fmt.Errorf("%w: node %d: %s", ErrInvalid, s.Node, s.State)
	case len(s.Note) > cluster.NoteLen:
		return fmt.Errorf("%w: node %d: note is %d bytes, at most %d", ErrInvalid, s.Node, len(s.Note), cluster.NoteLen)
	case badReason(s) != "":
		return fmt.Errorf("%w: node %d: %s", ErrInvalid, s.Node, badReason(s))
	case slotLen(s) > MaxPayload:
		return fmt.Errorf("%w: node %d: slot of %d bytes does not fit one block (%d): too many services or evictions", ErrInvalid, s.Node, slotLen(s), MaxPayload)
	case s.Master == nil:
		return nil
	case len(s.Master.Evictions) > cluster.MaxEvictions:
		return fmt.Errorf("%w: node %d: %d evictions, at most %d", ErrInvalid, s.Node, len(s.Master.Evictions), cluster.MaxEvictions)
	}
	for _, e := range s.Master.Evictions {
		if !validNode(e.Node) {
			return fmt.Errorf("%w: node %d: eviction of node %d", ErrInvalid, s.Node, e.Node)
		}
	}
	return nil
}

func writeSlotFixed(w *writer, s *cluster.Slot, count uint32) {
	w.u16(uint16(s.Node))
	w.u8(uint8(s.State))
	var flags uint8
	if s.Master != nil {
		flags |= flagMaster
	}
	if hasServices(s) {
		flags |= flagServices
	}
	w.u8(flags)
	w.u32(count)
	w.u64(s.Incarnation)
	w.u64(s.Seq)
	w.u64(s.ConfigVersion)
	w.set(s.NetView)
	w.u64(s.Ballot.Lver)
	w.u64(s.Ballot.Mbal)
	w.u64(s.Ballot.Bal)
	w.u64(s.Ballot.OwnerIncarnation)
	w.u16(uint16(s.Ballot.Owner))
	w.u8(uint8(len(s.Note)))
	w.u8(0)
	w.field(s.Note, cluster.NoteLen)
}

func writeMaster(w *writer, m *cluster.MasterRecord) {
	w.u64(m.Generation)
	w.set(m.Members)
	w.u16(m.Votes)
	w.u16(m.Expected)
	if m.Quorate {
		w.u8(1)
	} else {
		w.u8(0)
	}
	w.u8(0)
	w.u16(uint16(len(m.Evictions)))
	for _, e := range m.Evictions {
		w.u16(uint16(e.Node))
		w.u8(uint8(e.Reason))
		var flags uint8
		if e.Fenced {
			flags |= evictFenced
		}
		w.u8(flags)
		w.u64(e.Incarnation)
	}
}

// DecodeSlot checks and decodes the slot block of node for the disk uuid.
// An all-zero block gives ErrEmpty; see the package errors for the rest.
func DecodeSlot(buf []byte, uuid UUID, node cluster.NodeID) (*cluster.Slot, error) {
	s, _, err := decodeSlot(buf, uuid, node)
	return s, err
}

// DecodeSlotCopy is DecodeSlot that also returns the block's write count.
func DecodeSlotCopy(buf []byte, uuid UUID, node cluster.NodeID) (*cluster.Slot, uint32, error) {
	return decodeSlot(buf, uuid, node)
}

func decodeSlot(buf []byte, uuid UUID, node cluster.NodeID) (*cluster.Slot, uint32, error) {
	p, err := DecodeBlock(buf, uuid, KindSlot)
	if err != nil {
		return nil, 0, err
	}
	if len(p) < slotFixedLen {
		return nil, 0, fmt.Errorf("%w: slot payload is %d bytes, want at least %d", ErrLength, len(p), slotFixedLen)
	}
	r := reader{b: p}
	s, flags, count, err := readSlotFixed(&r)
	if err != nil {
		return nil, 0, err
	}
	if flags&flagMaster != 0 {
		if s.Master, err = readMaster(&r); err != nil {
			return nil, 0, err
		}
	}
	if flags&flagServices != 0 {
		if err := readServices(&r, s); err != nil {
			return nil, 0, err
		}
	}
	switch {
	case r.off != len(p):
		return nil, 0, fmt.Errorf("%w: slot payload is %d bytes, its content %d", ErrLength, len(p), r.off)
	case r.bad:
		return nil, 0, fmt.Errorf("%w: reserved slot bytes not zero", ErrLength)
	case s.Node != node:
		return nil, 0, fmt.Errorf("%w: slot of node %d holds a block of node %d", ErrWrongSlot, node, s.Node)
	}
	return s, count, nil
}

func readSlotFixed(r *reader) (*cluster.Slot, uint8, uint32, error) {
	s := &cluster.Slot{Node: cluster.NodeID(r.u16()), State: cluster.NodeState(r.u8())}
	flags := r.u8()
	count := r.u32()
	s.Incarnation = r.u64()
	s.Seq = r.u64()
	s.ConfigVersion = r.u64()
	s.NetView = r.set()
	s.Ballot.Lver = r.u64()
	s.Ballot.Mbal = r.u64()
	s.Ballot.Bal = r.u64()
	s.Ballot.OwnerIncarnation = r.u64()
	s.Ballot.Owner = cluster.NodeID(r.u16())
	n := int(r.u8())
	r.zero(1)
	switch {
	case !validNode(s.Node):
		return nil, 0, 0, fmt.Errorf("%w: slot names node %d", ErrCorrupt, s.Node)
	case !s.State.Valid():
		return nil, 0, 0, fmt.Errorf("%w: slot of node %d has unknown %s", ErrCorrupt, s.Node, s.State)
	case flags&^(flagMaster|flagServices) != 0:
		return nil, 0, 0, fmt.Errorf("%w: unknown slot flags %#02x", ErrCorrupt, flags)
	case n > cluster.NoteLen:
		return nil, 0, 0, fmt.Errorf("%w: note length %d > %d", ErrLength, n, cluster.NoteLen)
	}
	s.Note = r.field(n, cluster.NoteLen)
	return s, flags, count, nil
}

func readMaster(r *reader) (*cluster.MasterRecord, error) {
	if len(r.b)-r.off < masterFixedLen {
		return nil, fmt.Errorf("%w: slot payload too short for its master record", ErrLength)
	}
	m := &cluster.MasterRecord{Generation: r.u64(), Members: r.set(), Votes: r.u16(), Expected: r.u16()}
	q := r.u8()
	r.zero(1)
	n := int(r.u16())
	switch {
	case q > 1:
		return nil, fmt.Errorf("%w: quorate flag %d", ErrCorrupt, q)
	case n > cluster.MaxEvictions || len(r.b)-r.off < n*evictionLen:
		return nil, fmt.Errorf("%w: %d evictions in %d bytes", ErrLength, n, len(r.b)-r.off)
	}
	m.Quorate = q == 1
	for range n {
		e := cluster.Eviction{Node: cluster.NodeID(r.u16()), Reason: cluster.EvictReason(r.u8())}
		flags := r.u8()
		if flags&^evictFenced != 0 {
			return nil, fmt.Errorf("%w: eviction flags %#x", ErrCorrupt, flags)
		}
		e.Fenced = flags&evictFenced != 0
		e.Incarnation = r.u64()
		if !validNode(e.Node) {
			return nil, fmt.Errorf("%w: eviction of node %d", ErrCorrupt, e.Node)
		}
		m.Evictions = append(m.Evictions, e)
	}
	return m, nil
}
