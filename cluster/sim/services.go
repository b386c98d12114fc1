package sim

import (
	"fmt"
	"slices"
	"time"

	"github.com/quorate/quorate/cluster"
)

// addServices draws the run's services: failover domains, recovery
// policies and restart limits vary by seed.
func (s *Sim) addServices() {
	count := s.opt.Services
	if count == 0 {
		count = s.rng.IntN(4)
	}
	for i := 0; i < count; i++ {
		si := cluster.ServiceInfo{Name: fmt.Sprintf("svc%d", i), Autostart: s.rng.IntN(8) != 0,
			Recovery: []string{"restart", "relocate", "disable"}[s.rng.IntN(3)], MaxRestarts: s.rng.IntN(3),
			RestartExpire: time.Duration(s.rng.IntN(3)) * time.Second}
		if s.rng.IntN(2) == 0 {
			for _, n := range s.rng.Perm(s.opt.Nodes) {
				if s.rng.IntN(3) != 0 {
					si.Domain = append(si.Domain, cluster.NodeID(n+1))
				}
			}
			if len(si.Domain) == 0 {
				si.Domain = []cluster.NodeID{cluster.NodeID(1 + s.rng.IntN(s.opt.Nodes))}
			}
			si.Ordered, si.Restricted, si.NoFailback = s.rng.IntN(2) == 0, s.rng.IntN(2) == 0, s.rng.IntN(2) == 0
		}
		if i > 0 && s.rng.IntN(3) == 0 {
			// It depends on an earlier one (no circles), hard or soft.
			si.Depend, si.DependSoft = fmt.Sprintf("svc%d", s.rng.IntN(i)), s.rng.IntN(2) == 0
		}
		s.cfg.Services = append(s.cfg.Services, si)
	}
	if count > 0 && s.rng.IntN(2) == 0 {
		// One exclusive service: it runs only on a node with no other.
		s.cfg.Services[s.rng.IntN(count)].Exclusive = true
	}
	if len(s.cfg.Services) > 0 {
		s.poisson(0.3, s.killService)
	}
}

func (s *Sim) runs(key uint64, id cluster.NodeID) bool { return s.running[key][id] }

func (s *Sim) setRunning(key uint64, id cluster.NodeID, on bool) {
	if s.running[key] == nil {
		s.running[key] = map[cluster.NodeID]bool{}
	}
	if on {
		s.running[key][id] = true
	} else {
		delete(s.running[key], id)
	}
}

// startService runs a service's start like svcmgr: it takes a while and
// sometimes fails (then nothing runs).
func (s *Sim) startService(sn *simNode, a cluster.StartService) {
	boot := sn.boot
	sn.svcGen[a.Key] = a.Gen
	fail := s.faulty() && s.rng.IntN(10) == 0
	s.at(s.now+s.dur(time.Millisecond, 30*time.Millisecond), &event{kind: evFault, act: func() {
		if !sn.alive || sn.boot != boot {
			return
		}
		ev := cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcStarted}
		if fail {
			s.setRunning(a.Key, sn.id, false)
			ev.State, ev.Reason = cluster.SvcFailed, "start failed (simulated)"
		} else {
			s.setRunning(a.Key, sn.id, true)
		}
		s.at(s.now, &event{kind: evIODone, node: sn.id, inc: boot, ev: ev})
	}})
}

func (s *Sim) stopService(sn *simNode, a cluster.StopService) {
	boot := sn.boot
	s.at(s.now+s.dur(time.Millisecond, 20*time.Millisecond), &event{kind: evFault, act: func() {
		if !sn.alive || sn.boot != boot {
			return
		}
		s.setRunning(a.Key, sn.id, false)
		s.at(s.now, &event{kind: evIODone, node: sn.id, inc: boot, ev: cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcStopped}})
	}})
}

// killService is a service crashing on its own: the daemon's monitor tells
// the node at once.
func (s *Sim) killService() {
	sn := s.pick()
	if !sn.alive || len(s.cfg.Services) == 0 {
		return
	}
	key := cluster.ServiceKey(s.cfg.Services[s.rng.IntN(len(s.cfg.Services))].Name)
	if !s.runs(key, sn.id) {
		return
	}
	s.setRunning(key, sn.id, false)
	s.tracef("fault: service %x dies on node %d", key, sn.id)
	s.at(s.now, &event{kind: evIODone, node: sn.id, inc: sn.boot,
		ev: cluster.ServiceDone{Key: key, Gen: sn.svcGen[key], State: cluster.SvcFailed, Reason: "process died (simulated)"}})
}

// powerOff stops everything a node ran: a crash, a fence or a reset.
func (s *Sim) powerOff(sn *simNode) {
	for key := range s.running {
		s.setRunning(key, sn.id, false)
	}
}

// checkServices: a service runs on at most one node at any instant.
func (s *Sim) checkServices() {
	for key, nodes := range s.running {
		var on []cluster.NodeID
		for id := range nodes {
			if s.nodes[id-1].alive {
				on = append(on, id)
			}
		}
		if len(on) > 1 {
			s.violate("service %x runs on %d nodes at once: %v", key, len(on), on)
		}
	}
}

// checkExclusive: an exclusive service never shares its node with another
// running service.
func (s *Sim) checkExclusive() {
	for _, si := range s.cfg.Services {
		key := cluster.ServiceKey(si.Name)
		if !si.Exclusive {
			continue
		}
		for id := range s.running[key] {
			if !s.nodes[id-1].alive {
				continue
			}
			for other, nodes := range s.running {
				if other != key && nodes[id] {
					s.violate("exclusive service %s shares node %d with service %x", si.Name, id, other)
				}
			}
		}
	}
}

// checkServicesSettled: after healing, every service is started on its
// owner (which really runs it), or failed or disabled with a reason.
func (s *Sim) checkServicesSettled() {
	var master *simNode
	for _, sn := range s.nodes {
		if sn.alive && sn.n.IsMaster() {
			master = sn
		}
	}
	if master == nil {
		return
	}
	_, rec, _ := master.n.View()
	for _, e := range rec.Services {
		switch e.State {
		case cluster.SvcStarted:
			if !s.runs(e.Key, e.Owner) {
				s.violate("service %x is started on node %d by the table, but does not run there", e.Key, e.Owner)
			}
			if si := s.svcInfo(e.Key); si != nil && si.Depend != "" && !si.DependSoft {
				if d := rec.Service(cluster.ServiceKey(si.Depend)); d == nil || d.State != cluster.SvcStarted {
					s.violate("service %s runs though %s, which it depends on (hard), is not started: %+v", si.Name, si.Depend, d)
				}
			}
		case cluster.SvcFailed, cluster.SvcDisabled:
		case cluster.SvcStopped:
			if !e.Held && !s.mustWait(rec, e.Key) {
				s.violate("service %x was never recovered: %s", e.Key, e.State)
			} else if !e.Held && master.n.ServiceReason(e.Key) == "" {
				s.violate("service %x waits without a reason", e.Key)
			}
		default:
			s.violate("service %x did not settle: %s (owner %d)", e.Key, e.State, e.Owner)
		}
	}
}

// mustWait reports whether a stopped service has no member it may run on
// under the exclusive rule, judged from the table alone: every member its
// domain allows holds another service (it is exclusive), or holds an
// exclusive one (it is not).
func (s *Sim) mustWait(rec cluster.MasterRecord, key uint64) bool {
	var si *cluster.ServiceInfo
	excl := map[uint64]bool{}
	for i := range s.cfg.Services {
		c := &s.cfg.Services[i]
		excl[cluster.ServiceKey(c.Name)] = c.Exclusive
		if cluster.ServiceKey(c.Name) == key {
			si = c
		}
	}
	if si == nil {
		return false
	}
	if si.Depend != "" {
		if d := rec.Service(cluster.ServiceKey(si.Depend)); d == nil || d.State != cluster.SvcStarted {
			return true // it waits for its dependency
		}
	}
	for _, id := range rec.Members.IDs() {
		if si.Restricted && !slices.Contains(si.Domain, id) {
			continue
		}
		held := false
		for _, e := range rec.Services {
			if e.Key != key && e.Owner == id && (si.Exclusive || excl[e.Key]) {
				held = true
			}
		}
		if !held {
			return false
		}
	}
	return true
}

// svcInfo is the configured service with key.
func (s *Sim) svcInfo(key uint64) *cluster.ServiceInfo {
	for i := range s.cfg.Services {
		if cluster.ServiceKey(s.cfg.Services[i].Name) == key {
			return &s.cfg.Services[i]
		}
	}
	return nil
}
