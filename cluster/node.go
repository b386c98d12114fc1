package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// role is the node's part in the lease protocol.
type role int

const (
	roleFollower  role = iota // follows a master, or waits for one
	roleCandidate             // running a Disk Paxos ballot
	roleMaster                // holds the arbiter lease
)

// opKind says what an outstanding disk operation is for.
type opKind int

const (
	opWrite opKind = iota
	opRead
)

type pendingOp struct {
	id      uint64
	kind    opKind
	issued  time.Duration
	full    bool          // a read of every configured slot
	record  *MasterRecord // the master record this write carries
	leaving bool          // the slot this write carries says leaving
}

// Counters are the node's running totals, for status and benchmarks.
type Counters struct {
	HeartbeatsSent uint64
	HeartbeatsIn   uint64
	SlotWrites     uint64
	SlotReads      uint64 // read operations (each may cover many slots)
	SlotsRead      uint64 // slots covered by reads
	WriteErrors    uint64
	ReadErrors     uint64
	BadSlots       uint64 // corrupt, stale or foreign slots ignored
	Ballots        uint64 // ballots started
	BallotAborts   uint64
	Evictions      uint64 // evictions ordered (as master)
}

// Node is the pure state machine of one cluster node. It does no I/O and
// reads no clock: the daemon feeds it Step and Tick and carries out the
// actions Ready returns. It is not safe for concurrent use.
type Node struct {
	cfg     Config
	rng     *rand.Rand
	now     time.Duration
	started time.Duration
	inc     uint64
	state   NodeState
	seq     uint64
	note    string

	peers map[NodeID]*peer
	ids   []NodeID

	hbNext      time.Duration
	leavingHBs  int  // leave heartbeats still to send
	leftWritten bool // the leave reached the disk

	op        uint64
	pending   *pendingOp
	nextCycle time.Duration

	lastOkWrite  time.Duration // issue time of the last successful write
	writeFails   int           // consecutive failed writes
	okSinceDown  int           // successful writes since giving up
	ballotHoldOf time.Duration // no ballot before this time (back-off)

	role   role
	ballot Ballot
	paxos  paxosState
	master masterState
	follow followState

	fences map[NodeID]*fenceOp // fences owed, while master

	local          map[uint64]*localSvc // services this node runs or ran
	inquorateSince time.Duration

	actions  []Action
	counters Counters
}

// NewNode returns a node that starts at monotonic time now.
func NewNode(cfg Config, now time.Duration) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := cfg.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(cfg.Incarnation, uint64(cfg.Self)))
	}
	inc := cfg.Incarnation
	for inc == 0 {
		inc = rng.Uint64()
	}
	n := &Node{cfg: cfg, rng: rng, now: now, started: now, inc: inc, state: StateJoining,
		peers: map[NodeID]*peer{}, ids: cfg.ids(), hbNext: now, nextCycle: now,
		lastOkWrite: never, ballotHoldOf: now, ballot: cfg.Ballot, local: map[uint64]*localSvc{}, inquorateSince: never}
	for _, ni := range cfg.Nodes {
		n.peers[ni.ID] = newPeer(ni.ID, ni.Votes)
	}
	n.follow.reset()
	n.master.released = cfg.Released
	n.notice(LevelInfo, "starting as incarnation "+fmt.Sprintf("%016x", inc), 0, "")
	return n, nil
}

// Incarnation is this node's random incarnation number.
func (n *Node) Incarnation() uint64 { return n.inc }

// State is the node's own state.
func (n *Node) State() NodeState { return n.state }

// Counters returns the node's running totals.
func (n *Node) Counters() Counters { return n.counters }

// Ready returns and clears the pending actions.
func (n *Node) Ready() []Action {
	a := n.actions
	n.actions = nil
	return a
}

func (n *Node) emit(a Action) { n.actions = append(n.actions, a) }

func (n *Node) notice(l NoticeLevel, msg string, node NodeID, reason string) {
	n.emit(Notice{Level: l, Msg: msg, Node: node, Reason: reason})
}

// Tick advances the node's clock to now and does what is due.
func (n *Node) Tick(now time.Duration) {
	n.advance(now)
	n.maybeHeartbeat()
	n.ownerCycle()
	n.maybeStartCycle()
}

// Step feeds one event observed at time now.
func (n *Node) Step(now time.Duration, ev Event) {
	n.advance(now)
	switch e := ev.(type) {
	case HeartbeatIn:
		n.onHeartbeat(e.HB)
	case WriteDone:
		n.onWriteDone(e)
	case ReadDone:
		n.onReadDone(e)
	case LeaveRequest:
		n.onLeave()
	case FenceDone:
		n.onFenceDone(e)
	case FenceRequest:
		n.onFenceRequest(e)
	case ServiceDone:
		n.onServiceDone(e)
	}
	n.ownerCycle()
	n.maybeStartCycle()
}

// advance moves the clock and enforces the time-based rules before anything
// else happens, so a node waking from a pause never acts on a lapsed lease.
func (n *Node) advance(now time.Duration) {
	if now > n.now {
		n.now = now
	}
	if n.role == roleMaster && !n.masterValid() {
		n.demote("lease expired: no successful slot write for too long")
	}
	n.checkDiskHealth()
}

// checkDiskHealth gives up membership when the node's own slot could not be
// written for tko intervals (invariant 7), and comes back when it can.
func (n *Node) checkDiskHealth() {
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	last := n.lastOkWrite
	if last == never {
		last = n.started
	}
	switch n.state {
	case StateJoining, StateMember, StateMaster:
		if n.now-last > window {
			if n.role == roleMaster {
				n.demote("cannot write the quorum disk")
			}
			n.role = roleFollower
			n.paxos = paxosState{}
			n.follow.reset()
			n.state = StateDown
			n.okSinceDown = 0
			n.setNote("gave up membership: quorum disk not writable")
			n.notice(LevelError, "giving up membership: own quorum-disk slot not written for "+window.String(), n.cfg.Self, "disk")
		}
	}
}

func (n *Node) setNote(s string) {
	if len(s) > NoteLen {
		s = s[:NoteLen]
	}
	n.note = s
}

func (n *Node) maybeHeartbeat() {
	if n.now < n.hbNext || n.state == StateNone {
		return
	}
	if n.state == StateLeaving {
		if n.leavingHBs <= 0 {
			return
		}
		n.leavingHBs--
	}
	n.hbNext = n.now + n.cfg.Heartbeat
	hb := Heartbeat{From: n.cfg.Self, Incarnation: n.inc, State: n.state,
		ConfigVersion: n.cfg.ConfigVersion, Master: n.follow.id, MasterGen: n.follow.gen}
	if n.role == roleMaster {
		hb.Master, hb.MasterGen = n.cfg.Self, n.master.gen
	}
	n.counters.HeartbeatsSent++
	n.emit(SendHeartbeat{HB: hb})
}

func (n *Node) onHeartbeat(hb Heartbeat) {
	p := n.peers[hb.From]
	if p == nil || hb.From == n.cfg.Self {
		return
	}
	n.counters.HeartbeatsIn++
	p.heardAt = n.now
	p.hb = hb
	if hb.State == StateLeaving && n.role == roleMaster && n.master.members.Has(hb.From) &&
		n.master.memberInc[hb.From] == hb.Incarnation {
		n.removeMember(hb.From, "left the cluster")
	}
	if hb.State == StateLeaving && n.follow.id == hb.From && hb.MasterGen == n.follow.gen {
		// Our master left: it stopped acting before saying so.
		n.follow.reset()
	}
}

// onLeave starts a graceful leave: the next write says so, and a few
// heartbeats tell the peers at once.
func (n *Node) onLeave() {
	if n.state == StateLeaving {
		return
	}
	if n.role == roleMaster {
		n.demote("leaving the cluster")
	}
	n.role = roleFollower
	n.paxos = paxosState{}
	n.state = StateLeaving
	for _, l := range n.local {
		l.state = SvcStopped // the daemon stopped every service before asking to leave
	}
	n.follow.reset()
	n.setNote("left the cluster")
	n.leavingHBs = 3
	n.hbNext = n.now
	n.nextCycle = n.now
	n.maybeHeartbeat()
}

// Left reports whether a requested leave has been written to the disk.
func (n *Node) Left() bool {
	return n.state == StateLeaving && n.pending == nil && n.leftWritten
}

// maybeStartCycle issues the next slot write when one is due.
func (n *Node) maybeStartCycle() {
	if n.pending != nil || n.now < n.nextCycle || n.state == StateNone {
		return
	}
	if n.state == StateLeaving && n.leftWritten {
		return
	}
	n.seq++
	s := n.slot()
	n.op++
	n.pending = &pendingOp{id: n.op, kind: opWrite, issued: n.now, leaving: s.State == StateLeaving}
	if s.State == StateMaster {
		n.pending.record = s.Master
	}
	n.counters.SlotWrites++
	n.emit(WriteSlot{Op: n.op, Slot: s})
}

// slot builds the content of the node's own slot for the next write.
func (n *Node) slot() Slot {
	s := Slot{Node: n.cfg.Self, Incarnation: n.inc, Seq: n.seq, State: n.state,
		ConfigVersion: n.cfg.ConfigVersion, Ballot: n.ballot, Note: n.note, Services: n.reports()}
	s.SeenGen, s.SeenOwner, s.SeenOwnerInc = n.seen()
	for _, id := range n.ids {
		if id != n.cfg.Self && n.peers[id].heard(n.now, n.cfg.Token) {
			s.NetView.Add(id)
		}
	}
	if n.role == roleMaster {
		s.State = StateMaster
		s.Master = n.masterRecord()
	} else if n.master.released != nil {
		// Keep saying that we gave our generation up, with its last view and
		// evictions: candidates time their ballot from it, and its victims
		// must still obey.
		s.Master = n.master.released
	}
	return s
}

func (n *Node) onWriteDone(e WriteDone) {
	op := n.pending
	if op == nil || op.id != e.Op || op.kind != opWrite {
		return
	}
	n.pending = nil
	if e.Err != nil {
		n.counters.WriteErrors++
		n.writeFails++
		if n.writeFails == 1 || n.writeFails == n.cfg.TKO/2 {
			n.notice(LevelWarn, "quorum-disk slot write failed: "+e.Err.Error(), n.cfg.Self, "disk")
		}
		n.paxosAbort("ballot write failed")
	} else {
		n.writeFails = 0
		n.lastOkWrite = op.issued
		if op.record != nil && n.role == roleMaster && op.record.Generation == n.master.gen {
			n.master.durable = op.record
		}
		if n.state == StateLeaving {
			// Only a write that carried the leave is the leave: one issued
			// before the request still said member, and the leaving slot
			// goes out in the next cycle.
			n.leftWritten = op.leaving
			return
		}
		if n.state == StateDown {
			n.okSinceDown++
			if n.okSinceDown > n.cfg.TKOUp {
				n.rejoin()
			}
		}
	}
	n.startRead()
}

// rejoin brings a node that gave up back as a new incarnation.
func (n *Node) rejoin() {
	old := n.inc
	for n.inc == old || n.inc == 0 {
		n.inc = n.rng.Uint64()
	}
	n.seq = 0
	n.state = StateJoining
	n.started = n.now // the ballot block is kept: Disk Paxos promises outlive incarnations
	n.setNote("quorum disk writable again: rejoining")
	n.notice(LevelInfo, fmt.Sprintf("quorum disk writable again: rejoining as incarnation %016x", n.inc), n.cfg.Self, "disk")
}

// startRead issues the read half of the cycle: one slot (the master's)
// while following a valid master, every slot otherwise.
func (n *Node) startRead() {
	first, last := n.ids[0], n.ids[len(n.ids)-1]
	full := true
	if n.role == roleFollower && n.follow.id != 0 && n.follow.valid(n.now) && n.paxos.phase == 0 {
		first, last, full = n.follow.id, n.follow.id, false
	}
	n.op++
	n.pending = &pendingOp{id: n.op, kind: opRead, issued: n.now, full: full}
	n.counters.SlotReads++
	n.counters.SlotsRead += uint64(last - first + 1)
	n.emit(ReadSlots{Op: n.op, First: first, Last: last})
}

func (n *Node) onReadDone(e ReadDone) {
	op := n.pending
	if op == nil || op.id != e.Op || op.kind != opRead {
		return
	}
	n.pending = nil
	n.nextCycle = op.issued + n.cfg.Interval
	if e.Err != nil {
		n.counters.ReadErrors++
		n.paxosAbort("read failed")
		return
	}
	unreadable := false
	for _, sr := range e.Slots {
		p := n.peers[sr.Node]
		if p == nil {
			continue
		}
		if sr.Err != nil || sr.Slot == nil {
			if !errors.Is(sr.Err, ErrSlotEmpty) {
				n.counters.BadSlots++
				unreadable = true
			}
			p.lastReadIssue = op.issued
			continue
		}
		if sr.Slot.Node != sr.Node {
			n.counters.BadSlots++
			continue
		}
		p.observe(sr.Slot, op.issued, n.now)
	}
	if unreadable && n.paxos.phase != 0 {
		// Disk Paxos must see every block: an unreadable one may hide a
		// higher ballot or an accepted value.
		n.paxosAbort("a slot could not be read")
		return
	}
	n.afterRead(op.full)
}

// afterRead runs the protocol's decisions for the node's role.
func (n *Node) afterRead(full bool) {
	if n.state == StateLeaving || n.state == StateEvicted || n.state == StateDown {
		return
	}
	switch {
	case n.paxos.phase != 0:
		n.paxosStep()
	case n.role == roleMaster:
		n.masterCycle()
	default:
		n.followerCycle(full)
	}
}

// NextTick is the latest time the daemon may call Tick next without
// missing anything due: a heartbeat, a disk cycle, or the lapse of the
// node's own lease or disk health. Events arriving earlier are stepped as
// they come.
func (n *Node) NextTick() time.Duration {
	next := n.hbNext
	if n.pending == nil && n.nextCycle < next {
		next = n.nextCycle
	}
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	if n.lastOkWrite != never {
		if d := n.lastOkWrite + window + time.Millisecond; d > n.now && d < next {
			next = d
		}
		if n.role == roleMaster {
			if d := n.lastOkWrite + n.cfg.LeaseTimeout - n.cfg.Margin(); d > n.now && d < next {
				next = d
			}
		}
	}
	if next < n.now {
		next = n.now
	}
	return next
}

// Healthy reports whether the node may pet its hardware watchdog now: it
// runs normally (joining, or a member that is quorate) and its own slot
// writes succeed. An evicted, down, leaving or inquorate member stops
// petting, so the watchdog resets it.
func (n *Node) Healthy() bool {
	switch {
	case n.writeFails > 0:
		return false
	case n.state == StateJoining:
		return true
	case n.state == StateMember:
		return n.IsQuorate()
	}
	return false
}

// Reconfigure applies a new configuration to the running node: timings,
// votes and expected votes take effect at the next interval, new nodes are
// watched, removed nodes are dropped from the view. Self, the incarnation
// and the lease state are kept.
func (n *Node) Reconfigure(cfg Config) error {
	cfg.Self, cfg.Incarnation, cfg.Rand = n.cfg.Self, n.inc, n.rng
	cfg.Ballot, cfg.Released = n.ballot, nil
	if err := cfg.Validate(); err != nil {
		return err
	}
	n.cfg = cfg
	n.ids = cfg.ids()
	keep := map[NodeID]bool{}
	for _, ni := range cfg.Nodes {
		keep[ni.ID] = true
		if p := n.peers[ni.ID]; p != nil {
			p.votes = ni.Votes
		} else {
			n.peers[ni.ID] = newPeer(ni.ID, ni.Votes)
		}
	}
	for id := range n.peers {
		if !keep[id] {
			if n.role == roleMaster && n.master.members.Has(id) {
				n.removeMember(id, "removed from cluster.conf")
			}
			delete(n.peers, id)
			delete(n.fences, id)
		}
	}
	if n.role == roleMaster {
		n.updateQuorum()
	}
	n.notice(LevelInfo, fmt.Sprintf("configuration version %d applied", cfg.ConfigVersion), 0, "")
	return nil
}

// seen is the newest lease generation this node knows was decided, and
// its owner: from ballots, master records, what peers say they saw, what
// it follows or holds, and what its slot said at start.
func (n *Node) seen() (gen uint64, owner NodeID, inc uint64) {
	take := func(g uint64, o NodeID, i uint64) {
		if g > gen && o != 0 {
			gen, owner, inc = g, o, i
		}
	}
	take(n.cfg.SeenGen, n.cfg.SeenOwner, n.cfg.SeenOwnerInc)
	if n.role == roleMaster {
		take(n.master.gen, n.cfg.Self, n.inc)
	}
	for _, id := range n.ids {
		p := n.peers[id]
		if p == nil || p.slot == nil {
			continue
		}
		take(p.slot.SeenGen, p.slot.SeenOwner, p.slot.SeenOwnerInc)
		if p.slot.Master != nil {
			take(p.slot.Master.Generation, id, p.slot.Incarnation)
		}
	}
	if b := n.ballot; b.Bal > 0 {
		take(b.Lver, b.Owner, b.OwnerIncarnation)
	}
	if f := n.follow; f.id != 0 {
		if p := n.peers[f.id]; p != nil && p.slot != nil {
			take(f.gen, f.id, p.slot.Incarnation)
		}
	}
	return gen, owner, inc
}
