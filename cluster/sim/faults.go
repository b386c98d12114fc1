package sim

import (
	"fmt"
	"time"

	"github.com/quorate/quorate/cluster"
)

// scheduleFaults lays out the whole run's faults up front from the seed.
func (s *Sim) scheduleFaults() {
	f := s.opt.Faults
	s.poisson(f.Partitions, func() { s.partition(s.dur(200*time.Millisecond, 3*time.Second)) })
	s.poisson(f.Pauses, func() { s.pause(s.pick(), s.dur(50*time.Millisecond, 2*time.Second)) })
	s.poisson(f.Crashes, func() { s.crash(s.pick(), s.dur(100*time.Millisecond, 2*time.Second)) })
	s.poisson(f.Stalls, func() {
		sn := s.pick()
		sn.stallTill = s.now + s.dur(50*time.Millisecond, 1500*time.Millisecond)
		s.tracef("fault: disk path of node %d stalls until %.3fs", sn.id, sn.stallTill.Seconds())
	})
	s.poisson(f.EIO, func() {
		sn := s.pick()
		sn.eioTill = s.now + s.dur(50*time.Millisecond, time.Second)
		s.tracef("fault: disk of node %d returns EIO until %.3fs", sn.id, sn.eioTill.Seconds())
	})
	s.poisson(0.1, s.reconfigure)
	// Heal: reconnect everything, and restart evicted nodes as an operator would.
	s.at(f.Until, &event{kind: evFault, act: s.heal})
}

func (s *Sim) poisson(rate float64, act func()) {
	if rate <= 0 {
		return
	}
	t := 500 * time.Millisecond
	for {
		t += time.Duration(s.rng.ExpFloat64() / rate * float64(time.Second))
		if t >= s.opt.Faults.Until {
			return
		}
		s.at(t, &event{kind: evFault, act: act})
	}
}

func (s *Sim) dur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)))
}

func (s *Sim) pick() *simNode { return s.nodes[s.rng.IntN(len(s.nodes))] }

func (s *Sim) partition(d time.Duration) {
	for _, sn := range s.nodes {
		s.group[sn.id] = s.rng.IntN(2)
	}
	s.tracef("fault: network partition %v for %v", s.sides(), d)
	s.at(s.now+d, &event{kind: evFault, act: func() {
		for id := range s.group {
			s.group[id] = 0
		}
		s.tracef("network healed")
	}})
}

func (s *Sim) sides() string {
	var a, b cluster.NodeSet
	for _, sn := range s.nodes {
		if s.group[sn.id] == 0 {
			a.Add(sn.id)
		} else {
			b.Add(sn.id)
		}
	}
	return fmt.Sprintf("%v|%v", a, b)
}

func (s *Sim) pause(sn *simNode, d time.Duration) {
	if !sn.alive || sn.paused {
		return
	}
	sn.paused = true
	s.tracef("fault: node %d paused for %v", sn.id, d)
	s.at(s.now+d, &event{kind: evFault, act: func() { s.resume(sn) }})
}

func (s *Sim) resume(sn *simNode) {
	if !sn.alive || !sn.paused {
		return
	}
	sn.paused = false
	s.tracef("node %d resumes", sn.id)
	sn.n.Tick(s.now)
	s.drain(sn)
	deferred := sn.deferred
	sn.deferred = nil
	for _, e := range deferred {
		if e.kind == evTick {
			continue
		}
		s.deliver(sn, e)
	}
	s.at(s.now, &event{kind: evTick, node: sn.id, inc: sn.boot})
}

func (s *Sim) crash(sn *simNode, d time.Duration) {
	if !sn.alive {
		return
	}
	sn.alive = false
	s.powerOff(sn)
	s.tracef("fault: node %d crashes, restarts in %v", sn.id, d)
	s.at(s.now+d, &event{kind: evFault, act: func() { s.boot(sn) }})
}

func (s *Sim) heal() {
	for id := range s.group {
		s.group[id] = 0
	}
	s.tracef("heal: network whole, disks healthy")
	for _, sn := range s.nodes {
		sn.stallTill, sn.eioTill = 0, 0
		switch {
		case !sn.alive:
		case sn.paused:
			s.resume(sn)
		}
	}
}

// reconfigure hands every node a new configuration version at slightly
// different times, as the real distribution does: a service added or
// removed and the token timeout changed.
func (s *Sim) reconfigure() {
	cfg := s.cfg
	cfg.ConfigVersion++
	cfg.Services = append([]cluster.ServiceInfo(nil), s.cfg.Services...)
	if len(cfg.Services) > 0 && s.rng.IntN(2) == 0 {
		cfg.Services = cfg.Services[:len(cfg.Services)-1]
	} else {
		cfg.Services = append(cfg.Services, cluster.ServiceInfo{Name: fmt.Sprintf("added%d", cfg.ConfigVersion), Autostart: true, Recovery: "restart"})
	}
	cfg.Token = cluster.DefaultTimings.Token + time.Duration(s.rng.IntN(3))*50*time.Millisecond
	s.cfg = cfg
	s.tracef("reconfigure: version %d, %d services, token %v", cfg.ConfigVersion, len(cfg.Services), cfg.Token)
	for _, sn := range s.nodes {
		s.at(s.now+s.dur(0, 300*time.Millisecond), &event{kind: evFault, act: func() { s.pushConfig(sn, cfg) }})
	}
}

// pushConfig hands cfg to a node, as the daemon's distribution does: a
// paused node gets it once it resumes (it would see the announcement),
// a node down or already newer does not need it (boot uses s.cfg).
func (s *Sim) pushConfig(sn *simNode, cfg cluster.Config) {
	switch {
	case !sn.alive || sn.n.ConfigVersion() >= cfg.ConfigVersion:
		return
	case sn.paused:
		s.at(s.now+100*time.Millisecond, &event{kind: evFault, act: func() { s.pushConfig(sn, cfg) }})
		return
	}
	c := cfg
	c.Self = sn.id
	if err := sn.n.Reconfigure(c); err != nil {
		s.violate("node %d refused configuration %d: %v", sn.id, c.ConfigVersion, err)
	}
	s.drain(sn)
}
