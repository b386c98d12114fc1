package cluster

import "time"

// peer is what one node knows about another (or itself, for disk
// observations of its own slot).
type peer struct {
	id    NodeID
	votes int

	// network
	heardAt time.Duration // last heartbeat arrival, never if none
	hb      Heartbeat     // last heartbeat

	// disk, as read by this node
	slot          *Slot
	lastReadIssue time.Duration // issue time of the last read that covered this slot
	changeAt      time.Duration // completion of the read that last saw the slot change
	credit        time.Duration // issue time of the read before that change (≤ landing of the write)
	claimChangeAt time.Duration // like changeAt, for changes while the slot claimed the lease
	claimCredit   time.Duration // like credit, for claim changes
	changes       int           // consecutive changes seen of this incarnation
	incChangeAt   time.Duration // completion of the read that first saw this incarnation
	releaseSeenAt time.Duration // completion of the read that first saw the slot release the lease
}

func newPeer(id NodeID, votes int) *peer {
	return &peer{id: id, votes: votes, heardAt: never, lastReadIssue: never, changeAt: never,
		credit: never, claimChangeAt: never, claimCredit: never, incChangeAt: never, releaseSeenAt: never}
}

// heard reports whether p's heartbeats arrive within token.
func (p *peer) heard(now, token time.Duration) bool {
	return p.heardAt != never && now-p.heardAt < token
}

// diskAlive reports whether p's slot changed within window.
func (p *peer) diskAlive(now, window time.Duration) bool {
	return p.changeAt != never && now-p.changeAt < window
}

// cutOff reports whether p is alive on the disk but cut off from us on
// the network: not heard for a token, and its slot went on changing after
// the last heartbeat for longer than a dying node's last write can lag
// behind its last heartbeat. Without that evidence a silent node is left
// to the disk timeout, which tells a dead node from a partitioned one.
func (p *peer) cutOff(now time.Duration, c *Config) bool {
	window := time.Duration(c.TKO) * c.Interval
	if p.heard(now, c.Token) || !p.diskAlive(now, window) {
		return false
	}
	return p.heardAt == never || p.changeAt > p.heardAt+c.Heartbeat+c.Interval+c.IOTimeout
}

// diskLost reports whether p is heard on the network but its slot stopped:
// heard for longer after its last slot change than a dying node's last
// heartbeat can lag behind its last write.
func (p *peer) diskLost(now time.Duration, c *Config) bool {
	window := time.Duration(c.TKO) * c.Interval
	if !p.heard(now, c.Token) || p.diskAlive(now, window) {
		return false
	}
	return p.heardAt > p.changeAt+c.Heartbeat+c.Interval+c.IOTimeout
}

// running reports whether p's slot says it takes part in the cluster.
func (p *peer) running() bool {
	if p.slot == nil {
		return false
	}
	switch p.slot.State {
	case StateJoining, StateMember, StateMaster:
		return true
	}
	return false
}

// claims reports whether p's slot claims the lease for generation gen.
func (p *peer) claims(gen uint64) bool {
	s := p.slot
	return s != nil && s.State == StateMaster && s.Master != nil && s.Master.Generation == gen &&
		s.Ballot.Lver == gen && s.Ballot.Owner == s.Node && s.Ballot.Bal > 0
}

// released reports whether p's slot says it gave up generation gen.
func (p *peer) released(gen uint64) bool {
	s := p.slot
	return s != nil && s.State != StateMaster && s.Master != nil && s.Master.Generation == gen
}

// observe records a read of p's slot issued at issue and completed at now.
func (p *peer) observe(s *Slot, issue, now time.Duration) {
	old := p.slot
	changed := old == nil || old.Incarnation != s.Incarnation || old.Seq != s.Seq
	if changed {
		// The write landed after the previous read began (that read saw the old
		// value), so the previous read's issue time is a safe lower bound. On
		// first sight nothing bounds the landing time: no credit.
		p.credit = never
		if old != nil {
			p.credit = p.lastReadIssue
		}
		p.changeAt = now
		if old == nil || old.Incarnation != s.Incarnation {
			p.changes = 1
			p.incChangeAt = now
		} else {
			p.changes++
		}
		if s.State == StateMaster && s.Master != nil {
			p.claimChangeAt = now
			p.claimCredit = p.credit
		}
	}
	if isRelease(s) && (old == nil || !isRelease(old) || old.Master.Generation != s.Master.Generation) {
		p.releaseSeenAt = now
	}
	p.slot = s
	p.lastReadIssue = issue
}

// isRelease reports whether s says its writer gave its lease generation up.
func isRelease(s *Slot) bool { return s.State != StateMaster && s.Master != nil }
