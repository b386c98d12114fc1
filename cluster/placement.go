package cluster

import "fmt"

// serviceCycle is the master's placement pass, after each full read.
func (n *Node) serviceCycle() {
	if n.master.svc == nil {
		n.master.svc = map[uint64]*ServiceEntry{}
		n.master.meta = map[uint64]*svcMeta{}
	}
	keep := map[uint64]bool{}
	for i := range n.cfg.Services {
		s := &n.cfg.Services[i]
		key := ServiceKey(s.Name)
		keep[key] = true
		e := n.master.svc[key]
		if e == nil {
			e = &ServiceEntry{Key: key, State: SvcStopped}
			if !s.Autostart {
				e.State, e.Held = SvcDisabled, true
			}
			n.master.svc[key] = e
		}
		if n.master.meta[key] == nil {
			n.master.meta[key] = &svcMeta{}
		}
		if !e.Frozen && n.master.quorate {
			n.placeOne(s, e, n.master.meta[key])
		}
	}
	for k := range n.master.svc {
		if !keep[k] {
			delete(n.master.svc, k)
			delete(n.master.meta, k)
		}
	}
}

// placeOne advances one service's entry.
func (n *Node) placeOne(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	ownerGone := e.Owner != 0 && (!n.master.members.Has(e.Owner) || uint32(n.master.memberInc[e.Owner]) != e.OwnerInc)
	if ownerGone && e.State != SvcStopped && e.State != SvcDisabled && e.State != SvcFailed {
		if !n.ownerSafe(e.Owner, e) {
			if e.State != SvcRecovering {
				e.State = SvcRecovering
				n.notice(LevelWarn, fmt.Sprintf("service %s: owner %d lost; recovery waits for its fence", s.Name, e.Owner), e.Owner, "fence")
			}
			return
		}
		stopping := e.State == SvcStopping || m.after != "" // a stop ordered before the owner was lost
		e.LastOwner, e.Owner = e.Owner, 0
		if stopping {
			n.finishStop(s, e, m)
		} else {
			e.State = SvcStopped
		}
	}
	if !ownerGone && e.State == SvcRecovering {
		// The owner is a member under the same incarnation again: it was
		// never evicted, only not yet admitted when the table named it (a
		// new master that adopted what it reports running, or inherited a
		// table newer than its view). It is still the owner; follow its
		// reports again (a stop that was ordered goes on).
		e.State = SvcStarting
		if m.after != "" {
			e.State = SvcStopping
		}
		n.notice(LevelInfo, fmt.Sprintf("service %s: owner %d is a member again; it keeps the service", s.Name, e.Owner), e.Owner, "")
	}
	rep, ok := n.report(e.Owner, e.Key)
	acted := ok && rep.Gen == e.Gen
	switch e.State {
	case SvcStopped, SvcRecovering:
		if e.Owner == 0 && !e.Held {
			n.place(s, e, m)
		}
	case SvcStarting, SvcStarted:
		if why := n.dependencyDown(s); why != "" && !s.DependSoft {
			n.notice(LevelWarn, fmt.Sprintf("service %s: stopping it: %s (depend_mode hard)", s.Name, why), e.Owner, "depend")
			n.stopThen(e, m, "place", 0)
			return
		}
		switch {
		case acted && rep.State == SvcStarted:
			if e.State != SvcStarted {
				n.notice(LevelInfo, fmt.Sprintf("service %s started on node %d", s.Name, e.Owner), e.Owner, "")
			}
			e.State = SvcStarted
			m.tried = NodeSet{}
			n.failback(s, e, m)
		case acted && rep.State == SvcFailed:
			n.onFailure(s, e, m)
		case acted && rep.State == SvcStopped:
			// The owner stopped it on its own (it lost quorum for too
			// long): place it again.
			e.LastOwner, e.Owner, e.State = e.Owner, 0, SvcStopped
			n.place(s, e, m)
		}
	case SvcStopping:
		if acted && (rep.State == SvcStopped || rep.State == SvcFailed) {
			e.LastOwner, e.Owner = e.Owner, 0
			n.finishStop(s, e, m)
		}
	}
}

// ownerSafe reports whether a lost owner's service may move: it left
// cleanly (it stopped it first), restarted, was fenced, or its slot says
// it stopped the service.
func (n *Node) ownerSafe(owner NodeID, e *ServiceEntry) bool {
	p := n.peers[owner]
	if p == nil {
		return true // removed from the configuration
	}
	stopped := true
	if r, ok := n.report(owner, e.Key); ok && (running(r.State) || r.State == SvcStopping) {
		stopped = false
	}
	switch {
	case p.slot == nil:
		return false
	case n.fences[owner] != nil:
		return false
	case uint32(p.slot.Incarnation) != e.OwnerInc:
		// The owning incarnation is gone: restarted (which ended all it
		// ran) unless a notice for it still waits to be fenced.
		for _, ev := range n.master.evictions {
			if ev.Node == owner && !ev.Fenced && uint32(ev.Incarnation) == e.OwnerInc {
				return false
			}
		}
		return true
	}
	for _, ev := range n.master.evictions {
		if ev.Node == owner && ev.Incarnation == p.slot.Incarnation {
			return ev.Fenced
		}
	}
	return stopped
}

// finishStop ends a two-phase stop: disable, hold, or place elsewhere.
func (n *Node) finishStop(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	switch m.after {
	case "disable":
		e.State = SvcDisabled
	default:
		e.State = SvcStopped
		if m.after == "" || m.after == "place" {
			e.Held = false
			n.place(s, e, m)
		}
	}
	m.after = ""
}

// place gives a stopped service to the best member (its Target if set).
// A service some node's slot still reports running is never placed: that
// node is taken as its owner (and recovered from, fenced if need be). This
// also rebuilds a table lost with a torn master block.
func (n *Node) place(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	if n.adoptRunning(s, e) {
		return
	}
	if why := n.dependencyDown(s); why != "" {
		if m.waiting != why {
			n.notice(LevelInfo, fmt.Sprintf("service %s stays stopped: %s", s.Name, why), 0, why)
		}
		m.waiting = why
		return
	}
	c, why := n.candidates(s, m.tried)
	if len(c) == 0 {
		switch {
		case m.tried.Len() > 0:
			// It failed on every member that was free to take it.
			e.State, e.Reason = SvcFailed, ClipReason(m.reason)
			msg := fmt.Sprintf("service %s failed on every node it may run on: %s", s.Name, m.reason)
			if why != "" {
				msg += "; " + why
			}
			n.notice(LevelError, msg, 0, m.reason)
		case why != "" && m.waiting != why:
			n.notice(LevelWarn, fmt.Sprintf("service %s stays stopped: %s", s.Name, why), 0, why)
		}
		m.waiting = why
		return
	}
	m.waiting = ""
	to := c[0]
	for _, id := range c {
		if id == e.Target {
			to = id
		}
	}
	e.Owner, e.OwnerInc, e.Target, e.State = to, uint32(n.master.memberInc[to]), 0, SvcStarting
	n.bumpGen(e)
	n.notice(LevelInfo, fmt.Sprintf("service %s: starting on node %d", s.Name, to), to, "")
}

// adoptRunning makes a node that reports the service running its owner.
func (n *Node) adoptRunning(s *ServiceInfo, e *ServiceEntry) bool {
	for _, id := range n.ids {
		r, ok := n.report(id, e.Key)
		if !ok || !(running(r.State) || r.State == SvcStopping) {
			continue
		}
		inc := n.inc
		if id != n.cfg.Self {
			inc = n.peers[id].slot.Incarnation
			if n.fencedInc(id, inc) {
				continue // its last slot outlived it: what it ran died with the fence
			}
		}
		e.Owner, e.OwnerInc, e.State = id, uint32(inc), SvcStarted
		if r.State == SvcStopping {
			e.State = SvcStopping
		}
		e.Gen = max(e.Gen, r.Gen)
		n.notice(LevelWarn, fmt.Sprintf("service %s: node %d reports it running; taking that as its owner", s.Name, id), id, "adopt")
		return true
	}
	return false
}

// bumpGen gives e a generation no node has acted on yet: above the
// table's and above every generation a slot reports for the service. The
// table may restart from nothing (a torn master block, a service removed
// and added again) while a node still remembers a higher generation; an
// owner acts only on a generation newer than the one it knows, so a reused
// one would be ignored and the service would stay starting forever.
func (n *Node) bumpGen(e *ServiceEntry) {
	for _, id := range n.ids {
		if r, ok := n.report(id, e.Key); ok && r.Gen > e.Gen {
			e.Gen = r.Gen
		}
	}
	e.Gen++
}

// fencedInc reports whether incarnation inc of node id was fenced.
func (n *Node) fencedInc(id NodeID, inc uint64) bool {
	for _, ev := range n.master.evictions {
		if ev.Node == id && ev.Incarnation == inc && ev.Fenced {
			return true
		}
	}
	return false
}

// onFailure applies the service's recovery policy.
func (n *Node) onFailure(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	m.reason = fmt.Sprintf("failed on node %d", e.Owner)
	if rep, ok := n.report(e.Owner, e.Key); ok && rep.Reason != "" {
		m.reason += ": " + rep.Reason
	}
	switch s.Recovery {
	case "disable":
		n.stopThen(e, m, "disable", 0)
		return
	case "relocate":
	default: // restart
		if s.RestartExpire > 0 {
			kept := m.restarts[:0]
			for _, t := range m.restarts {
				if n.now-t < s.RestartExpire {
					kept = append(kept, t)
				}
			}
			m.restarts = kept
		}
		if s.MaxRestarts == 0 || len(m.restarts) < s.MaxRestarts {
			m.restarts = append(m.restarts, n.now)
			e.Restarts++
			n.bumpGen(e)
			e.State = SvcStarting
			n.notice(LevelWarn, fmt.Sprintf("service %s failed on node %d: restarting it there (restart %d)", s.Name, e.Owner, e.Restarts), e.Owner, "restart")
			return
		}
	}
	m.tried.Add(e.Owner)
	m.restarts = nil
	n.notice(LevelWarn, fmt.Sprintf("service %s failed on node %d: relocating", s.Name, e.Owner), e.Owner, "relocate")
	n.stopThen(e, m, "place", 0)
}

// stopThen orders the owner to stop the service, then does after.
func (n *Node) stopThen(e *ServiceEntry, m *svcMeta, after string, target NodeID) {
	m.after = after
	e.Target = target
	e.Held = after != "place"
	if e.Owner == 0 {
		n.finishStop(n.svcInfo(e.Key), e, m)
		return
	}
	e.State = SvcStopping
	n.bumpGen(e)
}

// failback moves a service back to a more preferred node of an ordered
// domain when it rejoins, unless nofailback is set.
func (n *Node) failback(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	if !s.Ordered || s.NoFailback || len(s.Domain) == 0 {
		return
	}
	c, _ := n.candidates(s, NodeSet{})
	if len(c) > 0 && c[0] != e.Owner && domainRank(s, c[0]) < domainRank(s, e.Owner) {
		n.notice(LevelInfo, fmt.Sprintf("service %s: failing back to node %d", s.Name, c[0]), c[0], "failback")
		n.stopThen(e, m, "place", c[0])
	}
}

func domainRank(s *ServiceInfo, id NodeID) int {
	for i, d := range s.Domain {
		if d == id {
			return i
		}
	}
	return len(s.Domain)
}

// dependencyDown says why s's dependency (depend="service:NAME") keeps
// it from running: the dependency is not started by the master's table.
// "" when s has none, or it runs.
func (n *Node) dependencyDown(s *ServiceInfo) string {
	if s.Depend == "" {
		return ""
	}
	d := n.master.svc[ServiceKey(s.Depend)]
	return dependencyWhy(s, d)
}

// dependencyWhy judges s's dependency by its table entry d (nil when it
// has none yet).
func dependencyWhy(s *ServiceInfo, d *ServiceEntry) string {
	switch {
	case s.Depend == "":
		return ""
	case d == nil:
		return fmt.Sprintf("it depends on service %s, which is not placed yet", s.Depend)
	case d.State == SvcStarted:
		return ""
	}
	return fmt.Sprintf("it depends on service %s, which is %s", s.Depend, d.State)
}
