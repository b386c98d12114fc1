package cluster

import (
	"fmt"
	"time"
)

// followState is what a non-master knows of the master it follows.
type followState struct {
	id         NodeID
	gen        uint64
	validUntil time.Duration // credit of the last claim change + lease - margin
	record     *MasterRecord
}

func (f *followState) reset() {
	*f = followState{validUntil: never}
}

func (f *followState) valid(now time.Duration) bool {
	return f.id != 0 && now < f.validUntil
}

// presumedOwner finds the latest lease instance that may have been decided
// (the highest Lver with an accepted value) and the value with the highest
// ballot in it: the node that holds, or is about to hold, the lease.
func (n *Node) presumedOwner() (owner NodeID, ownerInc, gen uint64) {
	var bestBal uint64
	for _, id := range n.ids {
		b := n.ballotOf(id)
		if b.Bal == 0 {
			continue
		}
		if b.Lver > gen || (b.Lver == gen && b.Bal > bestBal) {
			gen, bestBal, owner, ownerInc = b.Lver, b.Bal, b.Owner, b.OwnerIncarnation
		}
	}
	// A generation decided by blocks since lost (torn, or the owner's slot
	// rewritten by its next incarnation) is still known from what others
	// saw; its owner must be quiet before anyone bids past it.
	if g, o, i := n.seen(); g > gen {
		owner, ownerInc, gen = o, i, g
	}
	return owner, ownerInc, gen
}

// ballotOf is the last ballot known for id (our own is in memory).
func (n *Node) ballotOf(id NodeID) Ballot {
	if id == n.cfg.Self {
		return n.ballot
	}
	if p := n.peers[id]; p.slot != nil {
		return p.slot.Ballot
	}
	return Ballot{}
}

// followerCycle updates what the node follows after a read and, when no
// master is valid, considers starting a ballot.
func (n *Node) followerCycle(full bool) {
	if n.follow.id != 0 {
		n.refreshFollow()
	}
	if n.follow.id == 0 && full {
		if n.obeyAnyEviction() {
			return
		}
		n.findMaster()
	}
	if n.follow.valid(n.now) && n.follow.record != nil {
		n.obeyRecord(n.follow.record)
		return
	}
	if n.state == StateMember {
		n.state = StateJoining
	}
	if full {
		n.maybeCampaign()
	}
}

// refreshFollow extends or ends trust in the followed master from its slot.
func (n *Node) refreshFollow() {
	p := n.peers[n.follow.id]
	if p.claims(n.follow.gen) && n.follow.valid(n.now) {
		if p.claimCredit != never {
			if v := p.claimCredit + n.cfg.LeaseTimeout - n.cfg.Margin(); v > n.follow.validUntil {
				n.follow.validUntil = v
			}
		}
		n.follow.record = p.slot.Master
		return
	}
	if !n.follow.valid(n.now) || p.slot != nil {
		// It stopped claiming (gave up, restarted, was deposed) or we
		// lost track of it for a whole lease: look again from scratch.
		n.notice(LevelInfo, fmt.Sprintf("no longer following master %d (generation %d)", n.follow.id, n.follow.gen), n.follow.id, "")
		n.follow.reset()
	}
}

// findMaster starts following the presumed owner if its slot claims the
// lease and has changed since we first saw it (so we can credit it).
func (n *Node) findMaster() {
	owner, _, gen := n.presumedOwner()
	if owner == 0 || owner == n.cfg.Self {
		return
	}
	p := n.peers[owner]
	if !p.claims(gen) || p.claimCredit == never {
		return
	}
	v := p.claimCredit + n.cfg.LeaseTimeout - n.cfg.Margin()
	if n.now >= v {
		return
	}
	n.follow = followState{id: owner, gen: gen, validUntil: v, record: p.slot.Master}
	n.notice(LevelInfo, fmt.Sprintf("following master %d (generation %d)", owner, gen), owner, "")
}

// obeyRecord applies the master's view to ourselves: obey an eviction,
// become a member when listed.
func (n *Node) obeyRecord(r *MasterRecord) {
	for _, ev := range r.Evictions {
		if ev.Node == n.cfg.Self && ev.Incarnation == n.inc {
			n.obeyEviction(n.follow.id, ev.Reason)
			return
		}
	}
	if r.Admits(n.cfg.Self, n.inc) {
		if n.state != StateMember {
			n.notice(LevelInfo, fmt.Sprintf("admitted to the cluster by master %d", n.follow.id), n.cfg.Self, "")
			n.setNote("member")
		}
		n.state = StateMember
	} else if n.state == StateMember {
		n.state = StateJoining
	}
}

// obeyAnyEviction obeys an eviction notice for this incarnation found in
// any master record on the disk, including one a master left behind when
// it gave its lease up: that master may already be fencing us.
func (n *Node) obeyAnyEviction() bool {
	for _, id := range n.ids {
		p := n.peers[id]
		if p.slot == nil || p.slot.Master == nil {
			continue
		}
		for _, ev := range p.slot.Master.Evictions {
			if ev.Node == n.cfg.Self && ev.Incarnation == n.inc {
				n.obeyEviction(id, ev.Reason)
				return true
			}
		}
	}
	return false
}

// obeyEviction leaves the cluster for good (until the daemon restarts).
func (n *Node) obeyEviction(by NodeID, why EvictReason) {
	n.state = StateEvicted
	n.role = roleFollower
	n.paxos = paxosState{}
	n.follow.reset()
	n.setNote(fmt.Sprintf("evicted by node %d: %s", by, why))
	n.notice(LevelError, fmt.Sprintf("evicted by master %d (%s): leaving the cluster; restart quorated to rejoin", by, why), n.cfg.Self, why.String())
}

// Evicted reports whether the node obeyed an eviction notice.
func (n *Node) Evicted() bool { return n.state == StateEvicted }
