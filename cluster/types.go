package cluster

import (
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"
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
	Services   []ServiceEntry // the service table, in cluster.conf order
	// MemberIncs holds the low 32 bits of each member's incarnation, in
	// Members.IDs() order: a node restarted under the same id is not a
	// member until the master admits the new incarnation.
	MemberIncs []uint32
}

// Service is the table's entry for the service with key, or nil.
func (r *MasterRecord) Service(key uint64) *ServiceEntry {
	for i := range r.Services {
		if r.Services[i].Key == key {
			return &r.Services[i]
		}
	}
	return nil
}

// Admits reports whether the record lists incarnation inc of node id as a
// member.
func (r *MasterRecord) Admits(id NodeID, inc uint64) bool {
	if !r.Members.Has(id) {
		return false
	}
	if len(r.MemberIncs) != r.Members.Len() {
		return false
	}
	return r.MemberIncs[r.Members.rank(id)] == uint32(inc)
}

// rank is how many members of s come before id (its index in IDs).
func (s NodeSet) rank(id NodeID) int {
	i := int(id) - 1
	n := 0
	for w := 0; w < i/64; w++ {
		n += bits.OnesCount64(s[w])
	}
	return n + bits.OnesCount64(s[i/64]&(1<<(uint(i)%64)-1))
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
	Services      []ServiceReport
	// SeenGen is the highest lease generation the writer has seen decided:
	// a ballot always asks for a higher one, so a generation is never
	// decided twice even when the master's own block was lost (torn).
	SeenGen      uint64
	SeenOwner    NodeID // who holds SeenGen
	SeenOwnerInc uint64 // and its incarnation then
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

// ServiceState is a service's state, with rgmanager's names.
type ServiceState uint8

// Service states; the numeric values are part of the disk format.
const (
	SvcStopped    ServiceState = 0 // not running; placed when a node can take it
	SvcStarting   ServiceState = 1 // assigned to Owner, which is starting it
	SvcStarted    ServiceState = 2 // running on Owner
	SvcStopping   ServiceState = 3 // Owner is stopping it (relocation, disable, stop)
	SvcFailed     ServiceState = 4 // could not be started anywhere; waits for an operator
	SvcRecovering ServiceState = 5 // its owner failed; waits for the fence, then moves
	SvcDisabled   ServiceState = 6 // kept down by an operator (or autostart="0")
)

var svcNames = [...]string{"stopped", "starting", "started", "stopping", "failed", "recovering", "disabled"}

func (s ServiceState) String() string {
	if int(s) < len(svcNames) {
		return svcNames[s]
	}
	return fmt.Sprintf("service-state(%d)", uint8(s))
}

// Valid reports whether s is a defined state.
func (s ServiceState) Valid() bool { return int(s) < len(svcNames) }

// ServiceEntry is one service in the master's table. A node runs a
// service only while the trusted table names it Owner in state starting or
// started; Gen changes at every order the owner must act on.
type ServiceEntry struct {
	Key       uint64 // ServiceKey(name)
	Gen       uint64
	Owner     NodeID
	OwnerInc  uint32 // low 32 bits of the owner's incarnation when it was given the service
	LastOwner NodeID
	Target    NodeID // where a relocation goes once the owner stopped it
	State     ServiceState
	Frozen    bool
	Held      bool // stopped by clusvcadm -s: not placed again until enabled
	Restarts  uint16
	// Reason is why a failed service failed (the owner's last report),
	// at most ReasonLen bytes; kept on disk only while State is SvcFailed.
	Reason string
}

// ReasonLen bounds the failure reason a slot carries per service.
const ReasonLen = 240

// ServiceReport is what a node says in its slot about a service it holds
// or last held: the order (Gen) it acted on and where that stands.
type ServiceReport struct {
	Key   uint64
	Gen   uint64
	State ServiceState // starting, started, stopping, stopped or failed
	// Reason is why it failed (State SvcFailed only), at most ReasonLen
	// bytes: what the agent said, so every node can show it.
	Reason string
}

// ClipReason cuts a failure reason to ReasonLen bytes on a rune boundary.
func ClipReason(r string) string {
	if len(r) <= ReasonLen {
		return r
	}
	cut := ReasonLen - len("…")
	for cut > 0 && !utf8.RuneStart(r[cut]) {
		cut--
	}
	return r[:cut] + "…"
}

// ServiceKey names a service in tables and reports: FNV-1a of its name.
func ServiceKey(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}
