package cluster

import (
	"fmt"
	"sort"
)

// Exclusive services (rgmanager's exclusive="1"). An exclusive service is
// placed only on a member that holds no other service, and while a member
// holds an exclusive service nothing else is placed there. A member holds a
// service from the moment the table names it owner until the owner's stop
// is confirmed, and also while its own slot still reports the service
// running or stopping (a service just removed from cluster.conf, or a table
// rebuilt after a torn master block): what a node runs is judged by both.
// When no member is free the service stays stopped, with the reason in
// ServiceReason, and is placed at the first cycle that finds one free.

// Reasons a stopped service waits; ServiceReason returns them.
const (
	whyNoFreeMember = "no member free for an exclusive service: every member it may run on runs another service"
	whyAllExclusive = "every member it may run on runs an exclusive service"
	whyNoMember     = "no member of its failover domain is online"
)

// occupancy is which services each node holds, for placement.
type occupancy struct {
	held      map[NodeID][]uint64 // services owned in the table or reported running
	load      map[NodeID]int      // services owned in the table
	exclusive map[uint64]bool     // exclusive services of the configuration
}

func (n *Node) newOccupancy() occupancy {
	o := occupancy{held: map[NodeID][]uint64{}, load: map[NodeID]int{}, exclusive: map[uint64]bool{}}
	for _, s := range n.cfg.Services {
		if s.Exclusive {
			o.exclusive[ServiceKey(s.Name)] = true
		}
	}
	return o
}

func (o occupancy) own(e ServiceEntry) {
	if e.Owner != 0 {
		o.held[e.Owner] = append(o.held[e.Owner], e.Key)
		o.load[e.Owner]++
	}
}

// addReports adds what the nodes' slots say they run or are stopping.
func (n *Node) addReports(o occupancy) {
	for _, id := range n.ids {
		if id == n.cfg.Self {
			for k, l := range n.local {
				if running(l.state) || l.state == SvcStopping {
					o.held[id] = append(o.held[id], k)
				}
			}
			continue
		}
		if p := n.peers[id]; p != nil && p.slot != nil {
			for _, r := range p.slot.Services {
				if running(r.State) || r.State == SvcStopping {
					o.held[id] = append(o.held[id], r.Key)
				}
			}
		}
	}
}

// masterOccupancy is the master's picture: its table and every slot.
func (n *Node) masterOccupancy() occupancy {
	o := n.newOccupancy()
	for _, e := range n.master.svc {
		o.own(*e)
	}
	n.addReports(o)
	return o
}

// blocker finds a service that keeps s off node id: any other service
// when s is exclusive, an exclusive one otherwise.
func (o occupancy) blocker(s *ServiceInfo, id NodeID) (key uint64, ok bool) {
	self := ServiceKey(s.Name)
	for _, k := range o.held[id] {
		if k != self && (s.Exclusive || o.exclusive[k]) {
			return k, true
		}
	}
	return 0, false
}

// candidates lists the members that may run s now, best first, leaving
// out exclude (members where it failed).
func (n *Node) candidates(s *ServiceInfo, exclude NodeSet) ([]NodeID, string) {
	return n.candidatesIn(s, n.master.members, n.masterOccupancy(), exclude)
}

// candidatesIn lists the members of view that may run s given occ, best
// first: domain members first (in order if the domain is ordered), then
// the least loaded. When none may, why says what keeps s off the others
// ("" when no member outside exclude is allowed by its domain).
func (n *Node) candidatesIn(s *ServiceInfo, view NodeSet, occ occupancy, exclude NodeSet) (out []NodeID, why string) {
	rank := map[NodeID]int{}
	for i, id := range s.Domain {
		rank[id] = i + 1
	}
	blocked := false
	for _, id := range view.IDs() {
		if exclude.Has(id) || (s.Restricted && rank[id] == 0) {
			continue
		}
		if _, ok := occ.blocker(s, id); ok {
			blocked = true
			continue
		}
		out = append(out, id)
	}
	if len(out) == 0 && blocked {
		why = whyAllExclusive
		if s.Exclusive {
			why = whyNoFreeMember
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ra, rb := rank[a], rank[b]
		if (ra == 0) != (rb == 0) {
			return ra != 0 // domain nodes first
		}
		if s.Ordered && ra != rb {
			return ra < rb
		}
		return occ.load[a] < occ.load[b]
	})
	return out, why
}

// refuseTarget explains why an operator may not send s to member target
// now (clusvcadm -e/-r -m), or returns nil.
func (n *Node) refuseTarget(s *ServiceInfo, target NodeID) error {
	key, ok := n.masterOccupancy().blocker(s, target)
	if !ok {
		return nil
	}
	other := n.svcName(key)
	if s.Exclusive {
		return fmt.Errorf("%w: %s is exclusive and node %d runs service %s; pick a member that runs no other service, or move %s away first",
			ErrExclusive, s.Name, target, other, other)
	}
	return fmt.Errorf("%w: node %d runs exclusive service %s, which shares its node with no other service; pick another member",
		ErrExclusive, target, other)
}

// ServiceReason says why service key stands where the trusted table shows
// it, when its state alone does not: why a stopped service is not started
// (it waits for a member free for an exclusive service, or for a member
// of its domain), why one failed or recovers. It is "" when there is
// nothing to add. Every node can answer: it is derived from the table and
// the configuration (the master also counts what the slots report).
func (n *Node) ServiceReason(key uint64) string {
	_, rec, ok := n.View()
	s := n.svcInfo(key)
	if !ok || s == nil {
		return ""
	}
	e := rec.Service(key)
	switch {
	case e == nil || e.Frozen:
		return ""
	case e.State == SvcRecovering:
		return fmt.Sprintf("owner node %d lost; waiting for it to be fenced", e.Owner)
	case e.State == SvcFailed:
		reason := e.Reason
		if m := n.master.meta[key]; reason == "" && n.role == roleMaster && m != nil {
			reason = m.reason
		}
		if reason != "" {
			return reason + "; no other member it may run on could take it; enable it again with clusvcadm -e"
		}
		return "failed on every member that could take it; enable it again with clusvcadm -e"
	case e.State != SvcStopped || e.Owner != 0 || !rec.Quorate:
		return ""
	case e.Held:
		return "stopped by an operator; start it with clusvcadm -e"
	}
	if why := dependencyWhy(s, rec.Service(ServiceKey(s.Depend))); why != "" {
		return why + "; it starts once that one has started"
	}
	occ := n.newOccupancy()
	for _, o := range rec.Services {
		occ.own(o)
	}
	if n.role == roleMaster {
		n.addReports(occ)
	}
	c, why := n.candidatesIn(s, rec.Members, occ, NodeSet{})
	switch {
	case len(c) > 0:
		return ""
	case why == "":
		return whyNoMember
	}
	return why
}
