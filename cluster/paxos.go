package cluster

import (
	"fmt"
	"sort"
	"time"
)

// paxosState is an ongoing Disk Paxos ballot for one lease instance.
type paxosState struct {
	phase    int    // 0 none, 1 prepare, 2 accept
	inst     uint64 // lease generation being decided
	mbal     uint64
	watch    NodeID // presumed owner whose slot must stay still, 0 if none
	watchSeq uint64
	watchInc uint64
}

// maybeCampaign starts a ballot when no master is valid, the presumed
// owner's slot has stood still long enough that nobody can still trust
// it, and this node's side of any network partition is the strongest.
func (n *Node) maybeCampaign() {
	if (n.state != StateJoining && n.state != StateMember) || n.writeFails > 0 || n.now < n.ballotHoldOf {
		return
	}
	if n.now-n.started < n.cfg.LeaseTimeout {
		return // observe the disk for a whole lease first
	}
	owner, ownerInc, gen := n.presumedOwner()
	since := n.quietSince(owner, ownerInc, gen)
	rank, ok := n.candidateRank()
	if !ok {
		return
	}
	if n.now-since < n.cfg.LeaseTimeout+time.Duration(rank)*n.cfg.Interval {
		return
	}
	inst := gen + 1
	if owner == 0 {
		inst = 1
	}
	maxMbal := uint64(0)
	for _, id := range n.ids {
		b := n.ballotOf(id)
		if b.Lver > inst && b.Bal == 0 {
			inst, maxMbal = b.Lver, 0 // join a newer instance someone started
		}
		if b.Lver == inst && b.Mbal > maxMbal {
			maxMbal = b.Mbal
		}
	}
	mbal := (maxMbal/MaxNodes+1)*MaxNodes + uint64(n.cfg.Self)
	if n.ballot.Lver != inst {
		n.ballot = Ballot{Lver: inst}
	}
	n.ballot.Mbal = mbal
	n.paxos = paxosState{phase: 1, inst: inst, mbal: mbal}
	if owner != 0 && owner != n.cfg.Self {
		p := n.peers[owner]
		n.paxos.watch, n.paxos.watchSeq, n.paxos.watchInc = owner, p.slot.Seq, p.slot.Incarnation
	}
	n.role = roleCandidate
	n.counters.Ballots++
	n.nextCycle = n.now
	n.notice(LevelInfo, fmt.Sprintf("no valid master: starting ballot %d for lease generation %d", mbal, inst), 0, "")
}

// quietSince is when the presumed owner of generation gen last did
// something that could have extended anyone's trust in it; a ballot may
// start one lease timeout later.
func (n *Node) quietSince(owner NodeID, ownerInc, gen uint64) time.Duration {
	switch {
	case owner == 0:
		return n.started
	case owner == n.cfg.Self && ownerInc == n.inc:
		return n.master.demotedAt
	case owner == n.cfg.Self:
		return n.started // an earlier incarnation of ours, dead before we started
	}
	p := n.peers[owner]
	switch {
	case p.slot == nil:
		return n.now
	case p.slot.Incarnation != ownerInc:
		return p.incChangeAt
	case p.released(gen):
		return p.releaseSeenAt
	}
	return p.changeAt
}

// candidateRank decides whether this node may bid and in which turn: only
// a node whose side of the network has at least as many votes as any
// other side it can see on the disk bids, lowest node id first.
func (n *Node) candidateRank() (int, bool) {
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	var mine, others NodeSet
	mine.Add(n.cfg.Self)
	for _, id := range n.ids {
		p := n.peers[id]
		if id == n.cfg.Self || !p.running() || !p.diskAlive(n.now, window) {
			continue
		}
		if p.heard(n.now, n.cfg.Token) {
			mine.Add(id)
		} else if p.cutOff(n.now, &n.cfg) {
			others.Add(id)
		}
	}
	best := n.strongestComponent(others)
	if n.cfg.votesOf(best) > n.cfg.votesOf(mine) {
		return 0, false
	}
	ids := mine.IDs()
	return sort.Search(len(ids), func(i int) bool { return ids[i] >= n.cfg.Self }), true
}

// strongestComponent splits set into groups of nodes that hear each other
// (by the net views in their slots) and returns the group with the most
// votes, ties to the group holding the lowest id.
func (n *Node) strongestComponent(set NodeSet) NodeSet {
	var best NodeSet
	bestVotes := -1
	left := set
	for _, id := range set.IDs() {
		if !left.Has(id) {
			continue
		}
		var comp NodeSet
		queue := []NodeID{id}
		left.Remove(id)
		comp.Add(id)
		for len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			for _, b := range left.IDs() {
				if n.mutual(a, b) {
					left.Remove(b)
					comp.Add(b)
					queue = append(queue, b)
				}
			}
		}
		if v := n.cfg.votesOf(comp); v > bestVotes {
			best, bestVotes = comp, v
		}
	}
	return best
}

// mutual reports whether a and b hear each other, by their slots.
func (n *Node) mutual(a, b NodeID) bool {
	sa, sb := n.peers[a].slot, n.peers[b].slot
	return sa != nil && sb != nil && sa.NetView.Has(b) && sb.NetView.Has(a)
}

// paxosStep runs after the read that follows each phase's write.
func (n *Node) paxosStep() {
	px := &n.paxos
	for _, id := range n.ids {
		if id == n.cfg.Self {
			continue
		}
		b := n.ballotOf(id)
		if b.Lver > px.inst || (b.Lver == px.inst && b.Mbal > px.mbal) {
			n.paxosAbort(fmt.Sprintf("node %d holds a higher ballot", id))
			return
		}
	}
	if px.watch != 0 {
		s := n.peers[px.watch].slot
		if s == nil || s.Seq != px.watchSeq || s.Incarnation != px.watchInc {
			n.paxosAbort(fmt.Sprintf("presumed master %d wrote its slot again", px.watch))
			return
		}
	}
	if px.phase == 1 {
		n.ballot.Owner, n.ballot.OwnerIncarnation = n.chooseValue()
		n.ballot.Bal = px.mbal
		px.phase = 2
		n.nextCycle = n.now
		return
	}
	// Phase 2 read saw no higher ballot: the value is chosen.
	owner, inc := n.ballot.Owner, n.ballot.OwnerIncarnation
	inst := px.inst
	n.paxos = paxosState{}
	n.role = roleFollower
	if owner == n.cfg.Self && inc == n.inc {
		n.becomeMaster(inst)
		return
	}
	n.notice(LevelInfo, fmt.Sprintf("ballot chose node %d for generation %d", owner, inst), owner, "")
}

// chooseValue picks the value of the highest accepted ballot of this
// instance, or ourselves if none was accepted (Disk Paxos phase 1).
func (n *Node) chooseValue() (NodeID, uint64) {
	var bal uint64
	owner, inc := n.cfg.Self, n.inc
	for _, id := range n.ids {
		b := n.ballotOf(id)
		if b.Lver == n.paxos.inst && b.Bal > bal {
			bal, owner, inc = b.Bal, b.Owner, b.OwnerIncarnation
		}
	}
	return owner, inc
}

func (n *Node) paxosAbort(reason string) {
	if n.paxos.phase == 0 {
		return
	}
	n.paxos = paxosState{}
	n.role = roleFollower
	n.counters.BallotAborts++
	n.ballotHoldOf = n.now + time.Duration(1+n.rng.IntN(3))*n.cfg.Interval
	n.notice(LevelInfo, "ballot aborted: "+reason, 0, "")
}
