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

// report is what this node's slot says about service key.
func (l *localSvc) report(key uint64) ServiceReport {
	r := ServiceReport{Key: key, Gen: l.gen, State: l.state}
	if l.state == SvcFailed {
		r.Reason = ClipReason(l.reason)
	}
	return r
}

// svcMeta is master-only bookkeeping that does not go on the disk.
type svcMeta struct {
	restarts []time.Duration // restarts in place within restart_expire_time
	tried    NodeSet         // nodes where it failed since it was last started
	after    string          // what a stop leads to: "place" (default), "disable", "hold"
	reason   string          // why it last failed
	waiting  string          // why it could not be placed (noticed once)
}

// Service command errors, for clusvcadm's exit codes and messages.
var (
	ErrNoService = errors.New("no such service")
	ErrNotMaster = errors.New("not the master")
	ErrSvcState  = errors.New("service is not in a state that allows this")
	ErrBadMember = errors.New("member cannot run this service")
	ErrExclusive = fmt.Errorf("%w (exclusive service)", ErrBadMember)
	// ErrDependency: the service was enabled but waits for the service it
	// depends on.
	ErrDependency  = errors.New("waiting for the service it depends on")
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
		out = append(out, n.local[k].report(k))
	}
	return out
}

// report is node id's last report about service key (ok false if none).
func (n *Node) report(id NodeID, key uint64) (ServiceReport, bool) {
	if id == n.cfg.Self {
		if l := n.local[key]; l != nil {
			return l.report(key), true
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
