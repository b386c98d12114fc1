package cluster

import (
	"fmt"
	"math/bits"
	"strings"
)

// NodeID is a node's static identifier from cluster.conf (clusternode
// nodeid). Valid ids are 1..MaxNodes; 0 means "nobody".
type NodeID uint16

// MaxNodes is the number of status slots on a quorum disk and the highest
// valid NodeID.
const MaxNodes = 256

// NodeSet is a set of node ids, stored as a 256-bit bitmap so it has a
// fixed 32-byte encoding on the wire and on disk. The zero value is empty.
type NodeSet [MaxNodes / 64]uint64

// Add puts id into the set; ids outside 1..MaxNodes are ignored.
func (s *NodeSet) Add(id NodeID) {
	if id == 0 || int(id) > MaxNodes {
		return
	}
	i := int(id) - 1
	s[i/64] |= 1 << (uint(i) % 64)
}

// Remove takes id out of the set.
func (s *NodeSet) Remove(id NodeID) {
	if id == 0 || int(id) > MaxNodes {
		return
	}
	i := int(id) - 1
	s[i/64] &^= 1 << (uint(i) % 64)
}

// Has reports whether id is in the set.
func (s NodeSet) Has(id NodeID) bool {
	if id == 0 || int(id) > MaxNodes {
		return false
	}
	i := int(id) - 1
	return s[i/64]&(1<<(uint(i)%64)) != 0
}

// Len is the number of ids in the set.
func (s NodeSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// IDs lists the members in ascending order.
func (s NodeSet) IDs() []NodeID {
	var out []NodeID
	for w, word := range s {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			out = append(out, NodeID(w*64+b+1))
			word &^= 1 << uint(b)
		}
	}
	return out
}

// String prints the set as {1,2,3}.
func (s NodeSet) String() string {
	ids := s.IDs()
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// SetOf builds a NodeSet from ids.
func SetOf(ids ...NodeID) NodeSet {
	var s NodeSet
	for _, id := range ids {
		s.Add(id)
	}
	return s
}

// NodeState is what a node says about itself in its slot and heartbeats.
type NodeState uint8

// Node states. The numeric values are part of the disk and wire formats.
const (
	StateNone    NodeState = 0 // slot never written, or node not running
	StateJoining NodeState = 1 // running, asking the master to be admitted
	StateMember  NodeState = 2 // admitted member of the master's view
	StateMaster  NodeState = 3 // holds the arbiter lease
	StateLeaving NodeState = 4 // left gracefully (SIGTERM); not a member
	StateEvicted NodeState = 5 // obeyed an eviction notice; acts no more until restarted
	StateDown    NodeState = 6 // gave up by itself (lost its disk or quorum); not a member
)

var stateNames = [...]string{"none", "joining", "member", "master", "leaving", "evicted", "down"}

func (s NodeState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Valid reports whether s is one of the defined states.
func (s NodeState) Valid() bool { return int(s) < len(stateNames) }

// Ballot is a node's Disk Paxos block for the arbiter lease, stored in its
// own slot. Lver names the Paxos instance: instance g decides who holds
// lease generation g. See the package documentation for the protocol.
type Ballot struct {
	Lver  uint64 // lease generation this ballot is about
	Mbal  uint64 // highest ballot number this node has started
	Bal   uint64 // ballot number of the value this node last accepted (0: none)
	Owner NodeID // accepted value: who holds generation Lver
	// OwnerIncarnation is the incarnation of Owner when the value was proposed.
	OwnerIncarnation uint64
}

// EvictReason says why the master evicted a node.
type EvictReason uint8

// Eviction reasons; numeric values are part of the disk format.
const (
	EvictNone      EvictReason = 0
	EvictDead      EvictReason = 1 // silent on network and disk
	EvictPartition EvictReason = 2 // disk alive, network cut off from the master's side
	EvictDiskLost  EvictReason = 3 // heard on the network, but its slot stopped advancing
	EvictOperator  EvictReason = 4 // an operator asked for it
)

var evictNames = [...]string{"none", "dead", "network partition", "lost its quorum disk", "operator request"}

func (r EvictReason) String() string {
	if int(r) < len(evictNames) {
		return evictNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Eviction is a notice from the master to one incarnation of a node: leave
// the cluster now. The victim reads it from the master's area and obeys.
type Eviction struct {
	Node        NodeID
	Incarnation uint64
	Reason      EvictReason
	Fenced      bool // the master confirmed the victim fenced
}

// MasterRecord is the part of a slot that only the lease holder writes. It
// is believed only when Generation is the highest committed generation.
type MasterRecord struct {
	Generation uint64
	Members    NodeSet // the membership view
	Quorate    bool
	Votes      uint16 // votes of Members plus the quorum disk's votes
	Expected   uint16 // expected votes the quorum was computed against
	Evictions  []Eviction
}

// MaxEvictions bounds MasterRecord.Evictions (one per possible node).
const MaxEvictions = MaxNodes

// NoteLen bounds Slot.Note in bytes.
const NoteLen = 64

// Slot is the content of a node's status slot on the quorum disk. Each node
// writes only its own slot, once per quorum-disk interval.
type Slot struct {
	Node          NodeID
	Incarnation   uint64 // random per daemon start
	Seq           uint64 // increases at every write of this incarnation
	State         NodeState
	ConfigVersion uint64
	NetView       NodeSet // peers this node currently hears on the network
	Ballot        Ballot
	Master        *MasterRecord // non-nil only while the writer claims the lease
	Note          string        // last message for operators, at most NoteLen bytes
}

// Heartbeat is the payload of one network heartbeat. The transport adds
// authentication, the cluster identity and a replay-proof sequence number.
type Heartbeat struct {
	From          NodeID
	Incarnation   uint64
	State         NodeState
	ConfigVersion uint64
	Master        NodeID // whom the sender follows (0: nobody)
	MasterGen     uint64
}
