package sim

import (
	"fmt"

	"github.com/quorate/quorate/cluster"
)

func (s *Sim) violate(format string, a ...any) {
	msg := fmt.Sprintf("%.3fs: ", s.now.Seconds()) + fmt.Sprintf(format, a...)
	s.tracef("VIOLATION %s", msg)
	s.res.Violations = append(s.res.Violations, msg)
}

// check verifies the safety invariants at the current instant, judging
// every node (paused ones too) by what it would be allowed to do now.
func (s *Sim) check() {
	var masters []cluster.NodeID
	gens := map[uint64][]cluster.NodeID{}
	for _, sn := range s.nodes {
		if !sn.alive || sn.n == nil {
			continue
		}
		n := sn.n
		if n.MasterAt(s.now) {
			masters = append(masters, sn.id)
		}
		if n.QuorateAt(s.now) {
			gen := n.Generation()
			gens[gen] = append(gens[gen], sn.id)
			s.checkNotEvicted(sn)
		}
	}
	if len(masters) > 1 {
		s.violate("more than one arbiter: %v", masters)
	}
	if len(gens) > 1 {
		s.violate("more than one quorate partition: %v", gens)
	}
	s.checkServices()
	s.checkExclusive()
}

// checkNotEvicted: a node must not act on a view that evicted it for
// longer than it takes to read the notice (one lease timeout), unless it
// is paused (a paused node acts on nothing; it re-checks when it wakes).
func (s *Sim) checkNotEvicted(sn *simNode) {
	if sn.paused {
		return
	}
	at, ok := s.evicted[evictKey{sn.id, sn.n.Incarnation()}]
	if ok && s.now-at > s.cfg.LeaseTimeout {
		s.violate("node %d still acts %v after its eviction notice landed", sn.id, s.now-at)
	}
}

// checkConverged is the liveness check after the faults healed: every node
// is a quorate member and all follow one master.
func (s *Sim) checkConverged() {
	var master cluster.NodeID
	for _, sn := range s.nodes {
		if !sn.alive {
			s.violate("node %d is not running at the end", sn.id)
			continue
		}
		st := sn.n.Status()
		if !st.Quorate || st.State != cluster.StateMember {
			s.violate("did not converge: node %d is %s, quorate=%v, master=%d", sn.id, st.State, st.Quorate, st.Master)
			continue
		}
		if master == 0 {
			master = st.Master
		} else if st.Master != master {
			s.violate("did not converge: node %d follows %d, others %d", sn.id, st.Master, master)
		}
	}
	if s.opt.ServiceLiveness {
		s.checkServicesSettled()
	}
}
