package sim

import (
	"time"

	"github.com/quorate/quorate/cluster"
)

// boot starts (or restarts) a node with a new incarnation, restoring its
// ballot from its slot as the real daemon does.
func (s *Sim) boot(sn *simNode) {
	if sn.n != nil {
		sn.counters = add(sn.counters, sn.n.Counters())
	}
	cfg := s.cfg
	cfg.Self = sn.id
	cfg.Incarnation = s.rng.Uint64() | 1
	cfg.Rand = nil
	if b := s.disk[sn.id]; b != nil && !b.corrupt {
		cfg.Ballot = b.slot.Ballot
		cfg.Released = b.slot.Master
		cfg.SeenGen, cfg.SeenOwner, cfg.SeenOwnerInc = b.slot.SeenGen, b.slot.SeenOwner, b.slot.SeenOwnerInc
	}
	n, err := cluster.NewNode(cfg, s.now)
	if err != nil {
		s.res.Violations = append(s.res.Violations, "config: "+err.Error())
		return
	}
	s.powerOff(sn)
	sn.n, sn.alive, sn.paused, sn.deferred = n, true, false, nil
	sn.svcGen = map[uint64]uint64{}
	sn.boot++
	sn.lastPet = s.now
	if s.cfg.WatchdogTimeout > 0 {
		s.watchdog(sn, sn.boot)
	}
	s.tracef("node %d boots as %016x", sn.id, cfg.Incarnation)
	s.at(s.now, &event{kind: evTick, node: sn.id, inc: sn.boot})
	s.drain(sn)
}

// drain carries out a node's actions on the simulated world.
func (s *Sim) drain(sn *simNode) {
	defer s.rebootEvicted(sn)
	for _, a := range sn.n.Ready() {
		switch a := a.(type) {
		case cluster.SendHeartbeat:
			s.send(sn, a.HB)
		case cluster.WriteSlot:
			s.write(sn, a)
		case cluster.ReadSlots:
			s.read(sn, a)
		case cluster.FenceNode:
			s.fence(sn, a)
		case cluster.StartService:
			s.startService(sn, a)
		case cluster.StopService:
			s.stopService(sn, a)
		case cluster.Notice:
			if a.Level >= cluster.LevelInfo {
				s.tracef("node %d: %s", sn.id, a.Msg)
			}
		}
	}
}

func (s *Sim) connected(a, b cluster.NodeID) bool { return s.group[a] == s.group[b] }

func (s *Sim) send(from *simNode, hb cluster.Heartbeat) {
	for _, to := range s.nodes {
		if to.id == from.id || !to.alive || !s.connected(from.id, to.id) || s.rng.Float64() < s.drop() {
			continue
		}
		copies := 1
		if s.rng.Float64() < s.dup() {
			copies = 2
		}
		for i := 0; i < copies; i++ {
			d := time.Duration(100+s.rng.IntN(2900)) * time.Microsecond
			if s.rng.IntN(100) == 0 {
				d += 50 * time.Millisecond
			}
			s.at(s.now+d, &event{kind: evDeliver, node: to.id, inc: to.boot, ev: cluster.HeartbeatIn{HB: hb}})
		}
	}
}

func (s *Sim) faulty() bool { return s.now < s.opt.Faults.Until }
func (s *Sim) drop() float64 {
	if s.faulty() {
		return s.opt.Faults.Drop
	}
	return 0
}
func (s *Sim) dup() float64 {
	if s.faulty() {
		return s.opt.Faults.Dup
	}
	return 0
}

// latency draws one I/O's service time: mostly fast, sometimes slow.
func (s *Sim) latency() time.Duration {
	d := time.Duration(200+s.rng.IntN(2800)) * time.Microsecond
	if s.rng.IntN(50) == 0 {
		d += time.Duration(s.rng.IntN(60)) * time.Millisecond
	}
	return d
}

// ioOutcome decides how an I/O issued now ends: when the node hears of it,
// whether it failed, and (for writes) whether and when it lands.
func (s *Sim) ioOutcome(sn *simNode) (done time.Duration, fail error, lands bool, landAt time.Duration) {
	lat := s.latency()
	deadline := s.now + s.cfg.IOTimeout
	switch {
	case s.now < sn.stallTill:
		// Path lost: the I/O hangs; the daemon's deadline fires; a write
		// may still land within its deadline, or never.
		lands = s.rng.IntN(2) == 0
		return deadline, errTimeout, lands, s.now + time.Duration(s.rng.Int64N(int64(s.cfg.IOTimeout)))
	case s.now < sn.eioTill && s.rng.IntN(2) == 0:
		return s.now + lat, errEIO, false, 0
	}
	landAt = s.now + time.Duration(s.rng.Int64N(int64(lat)+1))
	if s.now+lat > deadline {
		return deadline, errTimeout, landAt <= deadline, landAt
	}
	return s.now + lat, nil, true, landAt
}

func (s *Sim) write(sn *simNode, a cluster.WriteSlot) {
	done, fail, lands, landAt := s.ioOutcome(sn)
	if lands {
		slot := a.Slot
		b := &block{node: sn.id, slot: &slot, corrupt: s.faulty() && s.rng.Float64() < s.opt.Faults.Torn}
		s.at(landAt, &event{kind: evLand, land: b})
	}
	s.at(done, &event{kind: evIODone, node: sn.id, inc: sn.boot, ev: cluster.WriteDone{Op: a.Op, Err: fail}})
}

func (s *Sim) landBlock(b *block) {
	s.disk[b.node] = b
	if b.corrupt || b.slot.Master == nil || b.slot.State != cluster.StateMaster {
		return
	}
	for _, e := range b.slot.Master.Evictions {
		if v := s.nodes[e.Node-1]; e.Fenced && v.alive && v.n.Incarnation() == e.Incarnation && v.n.State() != cluster.StateEvicted {
			s.violate("node %d is marked fenced by master %d but still runs as %s", e.Node, b.node, v.n.State())
		}
		k := evictKey{e.Node, e.Incarnation}
		if _, ok := s.evicted[k]; !ok {
			s.evicted[k] = s.now
		}
	}
}

func (s *Sim) read(sn *simNode, a cluster.ReadSlots) {
	done, fail, _, sampleAt := s.ioOutcome(sn)
	r := &readOp{op: a.Op, first: a.First, last: a.Last, done: done, fail: fail}
	if fail != nil {
		s.at(done, &event{kind: evIODone, node: sn.id, inc: sn.boot, ev: cluster.ReadDone{Op: a.Op, Err: fail}})
		return
	}
	s.at(sampleAt, &event{kind: evSample, node: sn.id, inc: sn.boot, read: r})
}

// sample takes the read's snapshot of the disk at one instant of the I/O.
func (s *Sim) sample(e *event) {
	r := e.read
	var out []cluster.SlotRead
	for id := r.first; id <= r.last; id++ {
		sr := cluster.SlotRead{Node: id}
		switch b := s.disk[id]; {
		case b == nil:
			sr.Err = cluster.ErrSlotEmpty
		case b.corrupt:
			sr.Err = errTorn
		default:
			sr.Slot = b.slot
		}
		out = append(out, sr)
	}
	s.at(r.done, &event{kind: evIODone, node: e.node, inc: e.inc, ev: cluster.ReadDone{Op: r.op, Slots: out}})
}

// rebootEvicted restarts a node some time after it obeyed an eviction, as
// its watchdog or an operator would.
func (s *Sim) rebootEvicted(sn *simNode) {
	if !sn.n.Evicted() || sn.rebooting == sn.boot {
		return
	}
	sn.rebooting = sn.boot
	boot := sn.boot
	s.at(s.now+s.dur(500*time.Millisecond, 1500*time.Millisecond), &event{kind: evFault, act: func() {
		if sn.alive && sn.boot == boot {
			s.tracef("node %d reboots after its eviction", sn.id)
			s.boot(sn)
		}
	}})
}

// fence carries out a FenceNode like a BMC: usually the victim's power goes
// off (it crashes) and comes back a little later; sometimes the BMC fails.
func (s *Sim) fence(by *simNode, a cluster.FenceNode) {
	if !by.n.MasterAt(s.now) {
		s.violate("node %d fences node %d without a valid lease", by.id, a.Node)
		return
	}
	victim := s.nodes[a.Node-1]
	boot := by.boot
	ok := s.rng.Float64() < 0.8
	s.at(s.now+s.dur(20*time.Millisecond, 300*time.Millisecond), &event{kind: evFault, act: func() {
		if ok && victim.alive && victim.n.Incarnation() == a.Incarnation {
			victim.alive = false
			s.powerOff(victim)
			s.tracef("fence: node %d powered off", victim.id)
			s.at(s.now+s.dur(200*time.Millisecond, time.Second), &event{kind: evFault, act: func() {
				if !victim.alive {
					s.boot(victim)
				}
			}})
		}
		if by.alive && by.boot == boot {
			ev := cluster.FenceDone{Node: a.Node, Incarnation: a.Incarnation, OK: ok, Method: "sim-bmc"}
			if !ok {
				ev.Err = "BMC did not answer"
			}
			s.at(s.now, &event{kind: evIODone, node: by.id, inc: boot, ev: ev})
		}
	}})
}

// watchdog resets a node that stopped petting for WatchdogTimeout, like
// the i6300esb: a paused node does not pet either.
func (s *Sim) watchdog(sn *simNode, boot uint64) {
	s.at(s.now+50*time.Millisecond, &event{kind: evFault, act: func() {
		if !sn.alive || sn.boot != boot {
			return
		}
		if s.now-sn.lastPet > s.cfg.WatchdogTimeout {
			s.tracef("watchdog resets node %d", sn.id)
			sn.alive = false
			s.powerOff(sn)
			s.at(s.now+s.dur(200*time.Millisecond, time.Second), &event{kind: evFault, act: func() {
				if !sn.alive {
					s.boot(sn)
				}
			}})
			return
		}
		s.watchdog(sn, boot)
	}})
}
