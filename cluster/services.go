package cluster

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Services. The master keeps the service table (in its Master record, so
// it is on the disk and carried by the next master); each entry names an
// owner and a generation. A node runs a service only while the table it
// trusts names it owner in state starting or started; it reports in its
// own slot which generation it acted on and how that went. The master moves
// a service only after its owner reported it stopped, left cleanly, or was
// fenced: a service never runs on two nodes at once (invariant 1).

// localSvc is what this node itself does with a service.
type localSvc struct {
	gen    uint64
	state  ServiceState // starting, started, stopping, stopped, failed
	reason string
}

// svcMeta is master-only bookkeeping that does not go on the disk.
type svcMeta struct {
	restarts []time.Duration // restarts in place within restart_expire_time
	tried    NodeSet         // nodes where it failed since it was last started
	after    string          // what a stop leads to: "place" (default), "disable", "hold"
	reason   string
}

// Service command errors, for clusvcadm's exit codes and messages.
var (
	ErrNoService   = errors.New("no such service")
	ErrNotMaster   = errors.New("not the master")
	ErrSvcState    = errors.New("service is not in a state that allows this")
	ErrBadMember   = errors.New("member cannot run this service")
	ErrFencing     = errors.New("fencing operation pending; try again later")
	ErrSvcNoQuorum = errors.New("operation requires quorum")
)

func (n *Node) svcInfo(key uint64) *ServiceInfo {
	for i := range n.cfg.Services {
		if ServiceKey(n.cfg.Services[i].Name) == key {
			return &n.cfg.Services[i]
		}
	}
	return nil
}

// reports is the service part of our next slot write.
func (n *Node) reports() []ServiceReport {
	var out []ServiceReport
	keys := make([]uint64, 0, len(n.local))
	for k := range n.local {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		l := n.local[k]
		out = append(out, ServiceReport{Key: k, Gen: l.gen, State: l.state})
	}
	return out
}

// report is node id's last report about service key (ok false if none).
func (n *Node) report(id NodeID, key uint64) (ServiceReport, bool) {
	if id == n.cfg.Self {
		if l := n.local[key]; l != nil {
			return ServiceReport{Key: key, Gen: l.gen, State: l.state}, true
		}
		return ServiceReport{}, false
	}
	p := n.peers[id]
	if p == nil || p.slot == nil {
		return ServiceReport{}, false
	}
	for _, r := range p.slot.Services {
		if r.Key == key {
			return r, true
		}
	}
	return ServiceReport{}, false
}

func (n *Node) onServiceDone(e ServiceDone) {
	l := n.local[e.Key]
	if l == nil || e.Gen != l.gen {
		return
	}
	if e.State == SvcStopped && l.state == SvcFailed {
		return // the cleanup after a failure; the failure is what counts
	}
	l.state, l.reason = e.State, e.Reason
	if e.State == SvcFailed {
		n.notice(LevelError, fmt.Sprintf("service %s failed: %s", n.svcName(e.Key), e.Reason), n.cfg.Self, e.Reason)
	}
	n.nextCycle = n.now // tell the master soon
}

func (n *Node) svcName(key uint64) string {
	if s := n.svcInfo(key); s != nil {
		return s.Name
	}
	return fmt.Sprintf("%016x", key)
}

// quorumGrace is how long a member keeps its services without a trusted
// view (a master handover takes about one lease) before it stops them.
func (n *Node) quorumGrace() time.Duration { return 3 * n.cfg.LeaseTimeout }

// ownerCycle makes this node's services match the table it trusts.
func (n *Node) ownerCycle() {
	switch n.state {
	case StateEvicted, StateDown, StateLeaving:
		n.stopAll("left the cluster")
		return
	}
	_, rec, ok := n.View()
	if n.role == roleMaster {
		if n.master.durable == nil {
			ok = false
		} else {
			rec = *n.master.durable
		}
	}
	if !ok || !n.IsQuorate() {
		if n.inquorateSince == never {
			n.inquorateSince = n.now
		}
		if n.now-n.inquorateSince > n.quorumGrace() {
			n.stopAll("no quorum")
		}
		return
	}
	n.inquorateSince = never
	inTable := map[uint64]bool{}
	for _, e := range rec.Services {
		inTable[e.Key] = true
		if !e.Frozen {
			n.followEntry(e)
		}
	}
	for k, l := range n.local {
		if !inTable[k] && running(l.state) {
			n.stopLocal(k, l.gen, "no longer in the service table")
		}
	}
}

func running(s ServiceState) bool { return s == SvcStarting || s == SvcStarted }

// followEntry carries out one table entry on this node.
func (n *Node) followEntry(e ServiceEntry) {
	l := n.local[e.Key]
	mine := e.Owner == n.cfg.Self && e.OwnerInc == uint32(n.inc)
	switch {
	case mine && running(e.State):
		if l == nil || l.gen < e.Gen {
			restart := l != nil && running(l.state)
			n.local[e.Key] = &localSvc{gen: e.Gen, state: SvcStarting}
			n.emit(StartService{Key: e.Key, Name: n.svcName(e.Key), Gen: e.Gen, Restart: restart})
		}
	case mine && e.State == SvcStopping:
		switch {
		case l == nil:
			n.local[e.Key] = &localSvc{gen: e.Gen, state: SvcStopped}
		case running(l.state):
			n.stopLocal(e.Key, e.Gen, "ordered by the master")
		case l.gen < e.Gen && (l.state == SvcStopped || l.state == SvcFailed):
			l.gen, l.state = e.Gen, SvcStopped // nothing runs: acknowledge the order
		}
	case l != nil && running(l.state):
		n.stopLocal(e.Key, l.gen, "the master moved it")
	}
}

func (n *Node) stopLocal(key, gen uint64, why string) {
	n.local[key] = &localSvc{gen: gen, state: SvcStopping, reason: why}
	n.emit(StopService{Key: key, Name: n.svcName(key), Gen: gen})
}

func (n *Node) stopAll(why string) {
	for k, l := range n.local {
		if running(l.state) {
			n.notice(LevelWarn, fmt.Sprintf("stopping service %s: %s", n.svcName(k), why), n.cfg.Self, why)
			n.stopLocal(k, l.gen, why)
		}
	}
}

// Runs reports whether this node runs (or is starting) service key.
func (n *Node) Runs(key uint64) bool {
	l := n.local[key]
	return l != nil && (running(l.state) || l.state == SvcStopping)
}

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
		stopping := e.State == SvcStopping
		e.LastOwner, e.Owner = e.Owner, 0
		if stopping {
			n.finishStop(s, e, m)
		} else {
			e.State = SvcStopped
		}
	}
	rep, ok := n.report(e.Owner, e.Key)
	acted := ok && rep.Gen == e.Gen
	switch e.State {
	case SvcStopped, SvcRecovering:
		if e.Owner == 0 && !e.Held {
			n.place(s, e, m)
		}
	case SvcStarting, SvcStarted:
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

// candidates lists members that may run s, best first.
func (n *Node) candidates(s *ServiceInfo, e *ServiceEntry, exclude NodeSet) []NodeID {
	load := map[NodeID]int{}
	for _, o := range n.master.svc {
		if o.Owner != 0 {
			load[o.Owner]++
		}
	}
	rank := map[NodeID]int{}
	for i, id := range s.Domain {
		rank[id] = i + 1
	}
	var out []NodeID
	for _, id := range n.master.members.IDs() {
		if exclude.Has(id) || (s.Restricted && rank[id] == 0) {
			continue
		}
		out = append(out, id)
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
		return load[a] < load[b]
	})
	return out
}

// place gives a stopped service to the best member (its Target if set).
// A service some node's slot still reports running is never placed: that
// node is taken as its owner (and recovered from, fenced if need be). This
// also rebuilds a table lost with a torn master block.
func (n *Node) place(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	if n.adoptRunning(s, e) {
		return
	}
	c := n.candidates(s, e, m.tried)
	if len(c) == 0 {
		if m.tried.Len() > 0 {
			e.State = SvcFailed
			n.notice(LevelError, fmt.Sprintf("service %s failed on every node it may run on: %s", s.Name, m.reason), 0, m.reason)
		}
		return
	}
	to := c[0]
	for _, id := range c {
		if id == e.Target {
			to = id
		}
	}
	e.Owner, e.OwnerInc, e.Target, e.State = to, uint32(n.master.memberInc[to]), 0, SvcStarting
	e.Gen++
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
	rep, _ := n.report(e.Owner, e.Key)
	m.reason = fmt.Sprintf("failed on node %d", e.Owner)
	if p := n.peers[e.Owner]; p != nil {
		_ = rep
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
			e.Gen++
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
	e.Gen++
}

// failback moves a service back to a more preferred node of an ordered
// domain when it rejoins, unless nofailback is set.
func (n *Node) failback(s *ServiceInfo, e *ServiceEntry, m *svcMeta) {
	if !s.Ordered || s.NoFailback || len(s.Domain) == 0 {
		return
	}
	c := n.candidates(s, e, NodeSet{})
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

// ServiceCommand is clusvcadm on the master: enable (-e, optionally on a
// member), disable (-d), stop (-s), relocate (-r), restart (-R), freeze
// (-Z), unfreeze (-U).
func (n *Node) ServiceCommand(op string, name string, target NodeID) error {
	if n.role != roleMaster || !n.masterValid() {
		return ErrNotMaster
	}
	if !n.master.quorate {
		return ErrSvcNoQuorum
	}
	s := n.svcInfo(ServiceKey(name))
	e := n.master.svc[ServiceKey(name)]
	if s == nil || e == nil {
		return fmt.Errorf("%w: %q", ErrNoService, name)
	}
	m := n.master.meta[e.Key]
	if target != 0 {
		if !n.master.members.Has(target) {
			return fmt.Errorf("%w: node %d is not an online member", ErrBadMember, target)
		}
		if s.Restricted && domainRank(s, target) == len(s.Domain) {
			return fmt.Errorf("%w: node %d is not in the restricted failover domain of %s", ErrBadMember, target, name)
		}
	}
	if e.State == SvcRecovering && op != "freeze" && op != "unfreeze" {
		return ErrFencing
	}
	if e.Frozen && op != "unfreeze" {
		return fmt.Errorf("%w: %s is frozen; unfreeze it first (clusvcadm -U)", ErrSvcState, name)
	}
	switch op {
	case "enable":
		switch {
		case running(e.State) && target != 0 && target != e.Owner:
			n.stopThen(e, m, "place", target)
		case running(e.State):
			return fmt.Errorf("%w: %s is already %s on node %d", ErrSvcState, name, e.State, e.Owner)
		case e.State == SvcStopping:
			return fmt.Errorf("%w: %s is stopping", ErrSvcState, name)
		default:
			e.Held, e.Target, e.State = false, target, SvcStopped
			m.tried, m.after = NodeSet{}, ""
			n.place(s, e, m)
		}
	case "disable":
		n.stopThen(e, m, "disable", 0)
	case "stop":
		n.stopThen(e, m, "hold", 0)
	case "relocate":
		if !running(e.State) {
			return fmt.Errorf("%w: %s is %s, not running", ErrSvcState, name, e.State)
		}
		if target == 0 {
			c := n.candidates(s, e, SetOf(e.Owner))
			if len(c) == 0 {
				return fmt.Errorf("%w: no other member can run %s", ErrBadMember, name)
			}
			target = c[0]
		}
		n.stopThen(e, m, "place", target)
	case "restart":
		if !running(e.State) {
			return fmt.Errorf("%w: %s is %s, not running", ErrSvcState, name, e.State)
		}
		e.Gen++
		e.State = SvcStarting
	case "freeze":
		e.Frozen = true
	case "unfreeze":
		e.Frozen = false
	default:
		return fmt.Errorf("unknown service operation %q", op)
	}
	n.notice(LevelInfo, fmt.Sprintf("service %s: %s requested by an operator", name, op), target, op)
	n.nextCycle = n.now
	return nil
}

// serviceTable is the master's table in cluster.conf order.
func (n *Node) serviceTable() []ServiceEntry {
	var out []ServiceEntry
	for _, s := range n.cfg.Services {
		if e := n.master.svc[ServiceKey(s.Name)]; e != nil {
			out = append(out, *e)
		}
	}
	return out
}
