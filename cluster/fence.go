package cluster

import (
	"fmt"
	"time"
)

// fenceOp is a fence the master owes: one per evicted, unfenced node.
type fenceOp struct {
	inc      uint64
	reason   EvictReason
	due      time.Duration // post_fail_delay after the eviction
	nextTry  time.Duration
	attempts int
	inflight bool
	pillFrom time.Duration // issue of the first successful write carrying the notice
	warned   bool
}

// maxFenceBackoff caps the wait between two attempts of a failing fence.
const maxFenceBackoff = 30 * time.Second

// startFence records that node id (incarnation inc) must be fenced.
func (n *Node) startFence(id NodeID, inc uint64, why EvictReason) {
	if n.fences == nil {
		n.fences = map[NodeID]*fenceOp{}
	}
	if op := n.fences[id]; op != nil && op.inc == inc {
		return
	}
	n.fences[id] = &fenceOp{inc: inc, reason: why, due: n.now + n.cfg.PostFailDelay, pillFrom: never}
}

// fenceCycle starts due fences and confirms poison pills, right after the
// master read every slot (so it has just re-read every ballot block). A
// victim that restarted, acknowledged its eviction or passed its watchdog
// deadline is confirmed at the first cycle that shows it, even while a
// failed power fence waits for its next attempt (the back-off is for the
// BMC, not for the proof).
func (n *Node) fenceCycle() {
	n.oweFences()
	for _, id := range n.ids {
		op := n.fences[id]
		if op == nil || op.inflight || n.selfFenced(id, op) || n.now < op.due || n.now < op.nextTry {
			continue
		}
		info := n.cfg.node(id)
		if info != nil && info.Fence {
			op.inflight = true
			op.attempts++
			n.emit(FenceNode{Node: id, Incarnation: op.inc, Reason: op.reason, Attempt: op.attempts, Generation: n.master.gen})
			n.notice(LevelWarn, fmt.Sprintf("fencing node %d (%s), attempt %d", id, op.reason, op.attempts), id, op.reason.String())
			continue
		}
		if !op.warned && n.cfg.WatchdogTimeout <= 0 {
			op.warned = true
			n.notice(LevelError, fmt.Sprintf("node %d cannot be fenced: it has no fence method and no watchdog is configured; its services stay where they are until it restarts or acknowledges its eviction", id), id, "fence")
		}
	}
}

// oweFences keeps one rule for every notice not yet fenced: a fence is
// owed for it, or it is confirmed by a restart. Fences are kept per node,
// so a notice for an older incarnation loses its fence when a newer
// incarnation of the same node is evicted (or when a new master inherits
// several notices for one node); without this, that notice would stay
// unfenced forever and hold the services of its incarnation in recovering.
// A slot that shows another incarnation proves the notice's incarnation
// gone, as in selfFenced: one daemon runs per node, and the slot is read
// after the notice was posted.
func (n *Node) oweFences() {
	for i := range n.master.evictions {
		e := &n.master.evictions[i]
		op, p := n.fences[e.Node], n.peers[e.Node]
		if e.Fenced || p == nil || (op != nil && op.inc == e.Incarnation) {
			continue
		}
		switch {
		case p.slot != nil && p.slot.Incarnation != e.Incarnation:
			e.Fenced = true
			n.notice(LevelWarn, fmt.Sprintf("node %d (incarnation %016x) is fenced: restarted", e.Node, e.Incarnation), e.Node, "restarted")
		case op == nil:
			n.startFence(e.Node, e.Incarnation, e.Reason)
		}
	}
}

// selfFenced confirms a fence without power control: the victim restarted
// (a new incarnation proves the old one gone), acknowledged its eviction in
// its slot (it stopped everything before writing that), or its watchdog
// deadline passed since the notice reached the disk: lease + watchdog
// timeout + margin on the master's own monotonic clock (sbd's msgwait rule,
// with the lease added because a victim cut off from the disk only stops
// petting when its trust in the master's view runs out).
func (n *Node) selfFenced(id NodeID, op *fenceOp) bool {
	p := n.peers[id]
	switch {
	case p.slot != nil && p.slot.Incarnation != op.inc:
		n.fenceConfirmed(id, "restarted")
		return true
	case p.slot != nil && p.slot.State == StateEvicted && p.slot.Incarnation == op.inc && !holdsServices(p.slot):
		n.fenceConfirmed(id, "acknowledged its eviction with every service stopped")
		return true
	}
	if n.cfg.WatchdogTimeout <= 0 {
		return false
	}
	if op.pillFrom == never {
		if n.lastOkWrite > op.due-n.cfg.PostFailDelay {
			op.pillFrom = n.lastOkWrite
		}
		return false
	}
	// A victim that cannot read the notice stops petting at the latest when
	// its trust in our view runs out (one lease), then resets within the
	// watchdog timeout.
	if n.now >= op.pillFrom+n.cfg.LeaseTimeout+n.cfg.WatchdogTimeout+n.cfg.Margin() {
		n.fenceConfirmed(id, "watchdog deadline passed after the poison pill")
		return true
	}
	return false
}

func (n *Node) onFenceDone(e FenceDone) {
	op := n.fences[e.Node]
	if n.role != roleMaster || op == nil || op.inc != e.Incarnation || !op.inflight {
		return
	}
	op.inflight = false
	if e.OK {
		n.fenceConfirmed(e.Node, "fenced by "+e.Method)
		// Recover its services now rather than at the next cycle.
		n.serviceCycle()
		n.nextCycle = n.now
		return
	}
	back := min(maxFenceBackoff, time.Second<<min(op.attempts-1, 5))
	op.nextTry = n.now + back
	n.notice(LevelError, fmt.Sprintf("fencing node %d failed (attempt %d): %s; retrying in %v; its services stay where they are", e.Node, op.attempts, e.Err, back), e.Node, "fence")
}

// fenceConfirmed marks the victim's eviction fenced.
func (n *Node) fenceConfirmed(id NodeID, how string) {
	op := n.fences[id]
	delete(n.fences, id)
	for i := range n.master.evictions {
		if e := &n.master.evictions[i]; e.Node == id && (op == nil || e.Incarnation == op.inc) {
			e.Fenced = true
		}
	}
	n.notice(LevelWarn, fmt.Sprintf("node %d is fenced: %s", id, how), id, how)
}

// onFenceRequest is fence_node: the master evicts and fences by hand.
func (n *Node) onFenceRequest(e FenceRequest) {
	if n.role != roleMaster || e.Node == n.cfg.Self || n.peers[e.Node] == nil {
		return
	}
	inc := n.master.memberInc[e.Node]
	if inc == 0 {
		if p := n.peers[e.Node]; p.slot != nil {
			inc = p.slot.Incarnation
		}
	}
	if n.master.members.Has(e.Node) {
		n.evict(e.Node, EvictOperator)
		return
	}
	n.addEviction(e.Node, inc, EvictOperator)
	n.startFence(e.Node, inc, EvictOperator)
}

// Fencing reports whether the master owes a fence to node id.
func (n *Node) Fencing(id NodeID) bool { return n.role == roleMaster && n.fences[id] != nil }

// holdsServices reports whether a slot says its writer still runs (or is
// still stopping) a service.
func holdsServices(s *Slot) bool {
	for _, r := range s.Services {
		if running(r.State) || r.State == SvcStopping {
			return true
		}
	}
	return false
}
