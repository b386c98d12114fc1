package cluster

import "time"

// IsQuorate reports whether the node may act now (start services, fence):
// it holds a valid lease whose view is quorate, or it follows a master
// that it still trusts and that lists it as a member of a quorate view.
func (n *Node) IsQuorate() bool { return n.QuorateAt(n.now) }

// QuorateAt is IsQuorate judged at time now without advancing the node:
// what the node would be allowed to do if it woke up at now.
func (n *Node) QuorateAt(now time.Duration) bool {
	switch {
	case n.state != StateMember:
		return false
	case n.role == roleMaster:
		return n.MasterAt(now) && n.master.quorate
	}
	r := n.follow.record
	return n.follow.valid(now) && r != nil && r.Quorate && r.Admits(n.cfg.Self, n.inc)
}

// MasterAt reports whether the node's lease is still valid at now.
func (n *Node) MasterAt(now time.Duration) bool {
	return n.role == roleMaster && n.lastOkWrite != never && now < n.lastOkWrite+n.cfg.LeaseTimeout-n.cfg.Margin()
}

// Generation is the lease generation of the view the node acts under
// (0 when it follows nobody).
func (n *Node) Generation() uint64 {
	if n.role == roleMaster {
		return n.master.gen
	}
	if n.follow.valid(n.now) {
		return n.follow.gen
	}
	return 0
}

// View is the membership the node currently trusts.
func (n *Node) View() (master NodeID, r MasterRecord, ok bool) {
	if n.role == roleMaster && n.masterValid() {
		return n.cfg.Self, *n.masterRecord(), true
	}
	if n.follow.valid(n.now) && n.follow.record != nil {
		return n.follow.id, *n.follow.record, true
	}
	return 0, MasterRecord{}, false
}

// PeerStatus is one configured node as this node sees it.
type PeerStatus struct {
	ID        NodeID
	Votes     int
	Member    bool // in the trusted view
	Heard     bool // heard on the network within token
	HeardAgo  time.Duration
	DiskAlive bool // slot advancing (known only where this node reads it)
	DiskKnown bool
	State     NodeState // as the node says (slot or heartbeat)
	Evicted   bool      // an eviction notice for its current incarnation is posted
	Reason    string
	// ConfigVersion is the cluster.conf version the node last announced
	// (heartbeat or slot; 0 if unknown).
	ConfigVersion uint64
}

// Status is a snapshot for clustat and logs.
type Status struct {
	Self        NodeID
	Incarnation uint64
	State       NodeState
	Role        string // master, candidate, follower
	Quorate     bool
	Master      NodeID
	Generation  uint64
	Votes       int
	Expected    int
	Quorum      int
	DiskOK      bool
	Note        string
	Peers       []PeerStatus
	Counters    Counters
}

// ConfigVersion is the configuration version the node runs.
func (n *Node) ConfigVersion() uint64 { return n.cfg.ConfigVersion }

// MasterConfigVersion is the configuration version the followed master
// announces in its heartbeats (0 if unknown).
func (n *Node) MasterConfigVersion() uint64 {
	if n.role == roleMaster {
		return n.cfg.ConfigVersion
	}
	if p := n.peers[n.follow.id]; p != nil && n.follow.valid(n.now) {
		return p.hb.ConfigVersion
	}
	return 0
}

// Status reports the node's current picture.
func (n *Node) Status() Status {
	master, rec, ok := n.View()
	st := Status{Self: n.cfg.Self, Incarnation: n.inc, State: n.state, Role: [...]string{"follower", "candidate", "master"}[n.role],
		Quorate: n.IsQuorate(), Master: master, Generation: n.Generation(), Expected: n.cfg.Expected(),
		Quorum: n.cfg.QuorumVotes(), DiskOK: n.writeFails == 0 && n.lastOkWrite != never, Note: n.note, Counters: n.counters}
	if ok {
		st.Votes = int(rec.Votes)
	}
	window := time.Duration(n.cfg.TKO) * n.cfg.Interval
	for _, id := range n.ids {
		p := n.peers[id]
		ps := PeerStatus{ID: id, Votes: p.votes, Member: ok && rec.Members.Has(id)}
		if id == n.cfg.Self {
			ps.Heard, ps.DiskAlive, ps.DiskKnown, ps.State = true, st.DiskOK, true, n.state
			ps.ConfigVersion = n.cfg.ConfigVersion
		} else {
			ps.ConfigVersion = p.hb.ConfigVersion
			if p.slot != nil && p.slot.ConfigVersion > ps.ConfigVersion {
				ps.ConfigVersion = p.slot.ConfigVersion
			}
			ps.Heard = p.heard(n.now, n.cfg.Token)
			if p.heardAt != never {
				ps.HeardAgo = n.now - p.heardAt
				ps.State = p.hb.State
			}
			if p.slot != nil && n.now-p.lastReadIssue < 2*window {
				ps.DiskKnown = true
				ps.DiskAlive = p.diskAlive(n.now, window)
				ps.State = p.slot.State
			}
		}
		for _, e := range rec.Evictions {
			if e.Node == id && (p.slot == nil || p.slot.Incarnation == e.Incarnation) {
				ps.Evicted, ps.Reason = true, e.Reason.String()
			}
		}
		st.Peers = append(st.Peers, ps)
	}
	return st
}
