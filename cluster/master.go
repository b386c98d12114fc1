package cluster

import (
	"fmt"
	"time"
)

// masterState is what the lease holder keeps: the view it publishes.
type masterState struct {
	gen       uint64
	members   NodeSet
	memberInc map[NodeID]uint64
	evictions []Eviction
	quorate   bool
	votes     int
	expected  int
	demotedAt time.Duration
	released  *MasterRecord // last record of the generation we gave up, kept in our slot
	svc       map[uint64]*ServiceEntry
	meta      map[uint64]*svcMeta
	// durable is the last record that reached the disk: the master runs its
	// own services by it, never by a table no successor could have seen.
	durable *MasterRecord
}

func (m *masterState) record() *MasterRecord {
	r := &MasterRecord{Generation: m.gen, Members: m.members, Quorate: m.quorate,
		Votes: uint16(m.votes), Expected: uint16(m.expected), Evictions: append([]Eviction(nil), m.evictions...)}
	return r
}

// masterValid is rule R1: the holder acts only while its last successful
// write was issued less than lease - margin ago.
func (n *Node) masterValid() bool {
	return n.lastOkWrite != never && n.now < n.lastOkWrite+n.cfg.LeaseTimeout-n.cfg.Margin()
}

// IsMaster reports whether the node holds a valid arbiter lease now.
func (n *Node) IsMaster() bool { return n.role == roleMaster && n.masterValid() }

// becomeMaster takes generation gen after a ballot chose us.
func (n *Node) becomeMaster(gen uint64) {
	n.role = roleMaster
	n.follow.reset()
	prev := n.lastRecord()
	m := masterState{gen: gen, memberInc: map[NodeID]uint64{}, demotedAt: n.master.demotedAt}
	m.members.Add(n.cfg.Self)
	m.memberInc[n.cfg.Self] = n.inc
	stale := n.now - 2*n.cfg.Interval
	for _, id := range n.ids {
		p := n.peers[id]
		if id == n.cfg.Self || p.slot == nil {
			continue
		}
		if p.lastReadIssue < stale {
			p.changeAt = n.now // observations too old to judge: give it tko intervals
		}
		if prev != nil && prev.Members.Has(id) {
			// Keep the old view's members so the dead among them are
			// evicted (and fenced) rather than silently forgotten.
			m.members.Add(id)
			m.memberInc[id] = p.slot.Incarnation
		}
	}
	m.evictions = n.allEvictions()
	m.svc, m.meta = map[uint64]*ServiceEntry{}, map[uint64]*svcMeta{}
	if prev != nil {
		for _, e := range prev.Services {
			e := e
			m.svc[e.Key] = &e
		}
	}
	n.master = m
	n.fences = nil
	for _, e := range m.evictions {
		if !e.Fenced {
			n.startFence(e.Node, e.Incarnation, e.Reason) // a fence the last master owed
		}
	}
	n.state = StateMember
	n.setNote(fmt.Sprintf("master, generation %d", gen))
	n.nextCycle = n.now
	n.notice(LevelInfo, fmt.Sprintf("took the arbiter lease: master of generation %d", gen), n.cfg.Self, "")
	n.updateQuorum()
}

// allEvictions gathers the notices of every master record on the disk,
// claimed or given up: a new master keeps them so no victim that has not
// obeyed yet is readmitted.
func (n *Node) allEvictions() []Eviction {
	var out []Eviction
	seen := map[Eviction]bool{}
	for _, id := range n.ids {
		p := n.peers[id]
		if p.slot == nil || p.slot.Master == nil {
			continue
		}
		for _, e := range p.slot.Master.Evictions {
			if !seen[e] && len(out) < MaxEvictions {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// lastRecord is the newest master record this node has seen, claimed or
// given up.
func (n *Node) lastRecord() *MasterRecord {
	var best *MasterRecord
	for _, id := range n.ids {
		if p := n.peers[id]; p.slot != nil && p.slot.Master != nil {
			if best == nil || p.slot.Master.Generation > best.Generation {
				best = p.slot.Master
			}
		}
	}
	return best
}

// demote stops acting as master at once; the next write releases the lease.
func (n *Node) demote(why string) {
	if n.role != roleMaster {
		return
	}
	n.master.released = n.masterRecord()
	n.master.demotedAt = n.now
	n.role = roleFollower
	n.setNote("gave up the lease: " + why)
	n.notice(LevelWarn, fmt.Sprintf("giving up the arbiter lease (generation %d): %s", n.master.gen, why), n.cfg.Self, why)
}

// masterCycle runs after each full read: judge every node, arbitrate a
// partition, admit joiners, and recompute quorum.
func (n *Node) masterCycle() {
	for _, id := range n.ids {
		if id == n.cfg.Self {
			continue
		}
		if b := n.ballotOf(id); b.Lver > n.master.gen && b.Bal > 0 {
			n.demote(fmt.Sprintf("node %d accepted a newer lease generation %d", id, b.Lver))
			return
		}
	}
	if n.arbitrate() {
		return
	}
	n.judgeMembers()
	n.admitJoiners()
	n.fenceCycle()
	n.pruneEvictions()
	n.updateQuorum()
	n.serviceCycle()
}

// arbitrate handles a network partition seen on the disk. It returns true
// if this master abdicated because another side is stronger.
func (n *Node) arbitrate() bool {
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	var mine, cut NodeSet
	undecided := false
	mine.Add(n.cfg.Self)
	for _, id := range n.ids {
		p := n.peers[id]
		if id == n.cfg.Self || !p.running() || !p.diskAlive(n.now, window) || n.evicted(id, p.slot.Incarnation) {
			continue
		}
		switch {
		case p.heard(n.now, n.cfg.Token):
			mine.Add(id)
		case p.cutOff(n.now, &n.cfg):
			cut.Add(id)
		default:
			// Silent on the network, but not yet shown to be cut off (its
			// slot has not gone on changing long enough): judge the sides
			// only once every node is placed on one, or a side seen half
			// would lose a tie it should win.
			undecided = true
		}
	}
	if cut.Len() == 0 || undecided || n.bridged(mine, cut) {
		return false
	}
	best := n.strongestComponent(cut)
	if n.cfg.votesOf(best) > n.cfg.votesOf(mine) {
		n.demote(fmt.Sprintf("network partition: side %v has more votes than ours %v", best, mine))
		return true
	}
	for _, id := range cut.IDs() {
		if n.master.members.Has(id) {
			n.evict(id, EvictPartition)
		}
	}
	return false
}

// bridged reports whether a node of cut still hears, and is heard by, a
// node we hear, while it has been silent to us for less than two tokens.
// When a network splits us from several nodes at once, their heartbeats
// stop reaching us at different moments (up to a heartbeat period apart,
// more under load): for that while we still hear some of them, and the
// first one silent would seem a side of its own that our side outvotes,
// though it and the ones we still hear are one side. So wait until
// they fall silent too, or, if they do not (a partial partition: we hear
// a node that hears the silent one), until the silence has lasted two
// tokens, and judge then.
func (n *Node) bridged(mine, cut NodeSet) bool {
	for _, b := range cut.IDs() {
		if n.now-n.peers[b].heardAt >= 2*n.cfg.Token {
			continue
		}
		for _, a := range mine.IDs() {
			if a != n.cfg.Self && n.mutual(a, b) {
				return true
			}
		}
	}
	return false
}

// judgeMembers removes members that died, left, restarted or lost their disk.
func (n *Node) judgeMembers() {
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	for _, id := range n.master.members.IDs() {
		if id == n.cfg.Self {
			continue
		}
		p := n.peers[id]
		inc := n.master.memberInc[id]
		switch {
		case p.slot == nil:
			n.evict(id, EvictDead)
		case p.slot.Incarnation != inc:
			n.removeMember(id, "restarted (new incarnation)")
		case p.slot.State == StateLeaving:
			n.removeMember(id, "left the cluster")
		case p.slot.State == StateEvicted || p.slot.State == StateDown:
			n.removeMember(id, "gave up membership ("+p.slot.State.String()+")")
		case !p.diskAlive(n.now, window) && !p.heard(n.now, n.cfg.Token):
			n.evict(id, EvictDead)
		case p.diskLost(n.now, &n.cfg):
			n.evict(id, EvictDiskLost)
		}
	}
}

// admitJoiners adds running nodes that both channels show alive.
func (n *Node) admitJoiners() {
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	for _, id := range n.ids {
		p := n.peers[id]
		if id == n.cfg.Self || n.master.members.Has(id) || !p.running() {
			continue
		}
		if !p.diskAlive(n.now, window) || p.changes <= n.cfg.TKOUp || !p.heard(n.now, n.cfg.Token) ||
			!p.slot.NetView.Has(n.cfg.Self) || n.evicted(id, p.slot.Incarnation) {
			continue
		}
		if p.hb.Incarnation != p.slot.Incarnation {
			continue // network and disk must speak for the same incarnation
		}
		if p.hb.State == StateLeaving {
			continue // its slot says member only because the leave has not reached the disk yet
		}
		n.master.members.Add(id)
		n.master.memberInc[id] = p.slot.Incarnation
		n.notice(LevelInfo, fmt.Sprintf("node %d joined the cluster", id), id, "")
	}
}

func (n *Node) evicted(id NodeID, inc uint64) bool {
	for _, e := range n.master.evictions {
		if e.Node == id && e.Incarnation == inc {
			return true
		}
	}
	return false
}

// evict removes a member and posts an eviction notice for its incarnation.
func (n *Node) evict(id NodeID, why EvictReason) {
	inc := n.master.memberInc[id]
	n.master.members.Remove(id)
	delete(n.master.memberInc, id)
	n.addEviction(id, inc, why)
	n.counters.Evictions++
	n.notice(LevelError, fmt.Sprintf("evicting node %d: %s", id, why), id, why.String())
	n.startFence(id, inc, why)
}

func (n *Node) addEviction(id NodeID, inc uint64, why EvictReason) {
	if !n.evicted(id, inc) && len(n.master.evictions) < MaxEvictions {
		n.master.evictions = append(n.master.evictions, Eviction{Node: id, Incarnation: inc, Reason: why})
	}
}

func (n *Node) removeMember(id NodeID, why string) {
	n.master.members.Remove(id)
	delete(n.master.memberInc, id)
	n.notice(LevelInfo, fmt.Sprintf("node %d removed from the view: %s", id, why), id, why)
}

// pruneEvictions forgets notices of fenced victims that have restarted.
func (n *Node) pruneEvictions() {
	kept := n.master.evictions[:0]
	for _, e := range n.master.evictions {
		p := n.peers[e.Node]
		if e.Fenced && n.fences[e.Node] == nil && p.slot != nil && p.slot.Incarnation != e.Incarnation {
			continue
		}
		kept = append(kept, e)
	}
	n.master.evictions = kept
}

func (n *Node) updateQuorum() {
	votes := n.cfg.votesOf(n.master.members) + n.cfg.QdiskVotes
	q := votes >= n.cfg.QuorumVotes()
	if q != n.master.quorate {
		if q {
			n.notice(LevelInfo, fmt.Sprintf("quorum regained: %d of %d votes", votes, n.cfg.Expected()), 0, "")
		} else {
			n.notice(LevelWarn, fmt.Sprintf("quorum lost: %d votes, %d needed", votes, n.cfg.QuorumVotes()), 0, "")
		}
	}
	n.master.quorate, n.master.votes, n.master.expected = q, votes, n.cfg.Expected()
}

// masterRecord is the record we publish: view, evictions, service table.
func (n *Node) masterRecord() *MasterRecord {
	r := n.master.record()
	r.Services = n.serviceTable()
	for _, id := range r.Members.IDs() {
		r.MemberIncs = append(r.MemberIncs, uint32(n.master.memberInc[id]))
	}
	return r
}
