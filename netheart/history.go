package netheart

import (
	"net/netip"
	"time"

	"github.com/quorate/quorate/cluster"
)

// HistoryLen is how many recent arrival times Arrival.Recent holds.
const HistoryLen = 8

// Arrival is the arrival history of one peer, as seen by this node.
type Arrival struct {
	Peer        cluster.NodeID
	Incarnation uint64    // incarnation of the last accepted packet
	Last        time.Time // last accepted packet on any link
	Link        int       // link of Last
	// PerLink is the last accepted packet per link (zero: never).
	PerLink []time.Time
	// Recent are the last HistoryLen arrival times on any link, oldest
	// first, for jitter or phi-accrual estimates.
	Recent []time.Time
}

// peerRecord is everything the receiver remembers about one sender.
type peerRecord struct {
	replay  replayState
	last    [MaxLinks]time.Time
	link    int
	recent  [HistoryLen]time.Time
	nRecent int // arrivals recorded, saturating at HistoryLen
	next    int // ring index of the next arrival
}

func (p *peerRecord) arrived(link int, at time.Time) {
	p.last[link] = at
	p.link = link
	p.recent[p.next] = at
	p.next = (p.next + 1) % HistoryLen
	p.nRecent = min(p.nRecent+1, HistoryLen)
}

func (p *peerRecord) arrival(id cluster.NodeID, links int) Arrival {
	a := Arrival{
		Peer:        id,
		Incarnation: p.replay.inc,
		Last:        p.last[p.link],
		Link:        p.link,
		PerLink:     append([]time.Time(nil), p.last[:links]...),
	}
	for i := range p.nRecent {
		a.Recent = append(a.Recent, p.recent[(p.next-p.nRecent+i+HistoryLen)%HistoryLen])
	}
	return a
}

// LastHeard returns when a packet from id was last accepted, and on which
// link; ok is false if id has never been heard.
func (t *Transport) LastHeard(id cluster.NodeID) (at time.Time, link int, ok bool) {
	a, ok := t.Arrivals(id)
	return a.Last, a.Link, ok
}

// Arrivals returns the arrival history of id; ok is false if id has never
// been heard since New.
func (t *Transport) Arrivals(id cluster.NodeID) (Arrival, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.peers[id]
	if !ok {
		return Arrival{}, false
	}
	return p.arrival(id, len(t.links)), true
}

// LinkStatus is the liveness of one link.
type LinkStatus struct {
	Link      int
	Local     netip.AddrPort // the bound address
	Peers     int            // peers configured on the link
	Heard     cluster.NodeSet
	LastHeard time.Time // newest accepted packet on the link (zero: never)
	Up        bool      // some peer was heard on it within the asked window
}

// Links reports, per link, which peers were heard on it within the last
// within (by Config.Now). A link is Up when at least one peer was heard on
// it. A peer heard on one link but not on the other means that link, or
// that peer's end of it, is broken; all peers silent on all links says
// nothing about the links.
func (t *Transport) Links(within time.Duration) []LinkStatus {
	now := t.now()
	out := make([]LinkStatus, len(t.links))
	for i, l := range t.links {
		out[i] = LinkStatus{Link: i, Local: l.local, Peers: len(l.peers.Load().ids)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, p := range t.peers {
		for i := range out {
			at := p.last[i]
			if at.After(out[i].LastHeard) {
				out[i].LastHeard = at
			}
			if !at.IsZero() && now.Sub(at) < within {
				out[i].Heard.Add(id)
				out[i].Up = true
			}
		}
	}
	return out
}
