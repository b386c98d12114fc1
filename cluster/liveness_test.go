package cluster

import (
	"testing"
	"time"
)

// A service removed and added again starts from a fresh table entry while
// its old owner still remembers a higher generation: the new order must be
// above it, or the owner ignores it and the service stays starting.
func TestReaddedServiceStartsOnItsOldOwner(t *testing.T) {
	s := svc("s", only(2))
	w := newWorld(t, 2, s)
	w.settle()
	if err := w.command("restart", "s", 0); err != nil { // raise the generation
		t.Fatal(err)
	}
	w.settle()
	if err := w.command("disable", "s", 0); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := w.entry("s"); got.State != SvcDisabled || got.Gen < 3 {
		t.Fatalf("s %+v", got)
	}
	w.reconfigure()
	w.run(500 * time.Millisecond)
	w.reconfigure(s)
	w.until(3*time.Second, "s started again", func() bool { return w.started("s") })
}

// Fences are kept per node: when a newer incarnation of a node is evicted
// while the fence of an older one is still out, the older notice must still
// end fenced (the slot shows the newer incarnation, so the older one is
// gone) or the services of that incarnation stay recovering forever.
func TestOlderEvictionEndsFencedWhenANewerOneIsFenced(t *testing.T) {
	w := newWorld(t, 3, svc("s", only(2)))
	w.settle()
	if o := w.entry("s").Owner; o != 2 {
		t.Fatalf("s on node %d", o)
	}
	w.holdFence[2] = true
	w.crash(2)
	w.until(3*time.Second, "the fence of node 2 sent", func() bool { return len(w.held) == 1 })
	if st := w.entry("s").State; st != SvcRecovering {
		t.Fatalf("s is %s, want recovering while the fence is out", st)
	}
	w.boot(2) // back as a new incarnation while the BMC has not answered
	m := w.master()
	w.until(3*time.Second, "node 2 admitted again", func() bool { return m.master.members.Has(2) })
	w.holdFence[2] = false
	w.crash(2) // and dies again: its newer incarnation is evicted and fenced
	w.until(3*time.Second, "node 2 evicted again", func() bool { return !m.master.members.Has(2) })
	w.run(time.Second)
	w.boot(2)
	w.until(5*time.Second, "s recovered on node 2", func() bool { return w.started("s") })
	for _, e := range m.master.evictions {
		if !e.Fenced {
			t.Fatalf("notice left unfenced: %+v", e)
		}
	}
}

// A victim that restarts while its BMC keeps failing is proved gone by its
// new incarnation: its services recover at once, not after the back-off
// of the next power-fence attempt.
func TestRestartProvesFenceDespiteFenceBackoff(t *testing.T) {
	w := newWorld(t, 3, svc("s", only(2)))
	w.settle()
	w.failFence[2] = true
	w.crash(2)
	w.until(10*time.Second, "three failed fence attempts", func() bool { return w.fenceTries[2] >= 3 })
	w.run(100 * time.Millisecond) // the third attempt failed: the next one is 4 s away
	w.boot(2)
	w.until(1500*time.Millisecond, "s recovered on the restarted node", func() bool { return w.started("s") })
}

// A master whose table was lost (its slot wiped, no record left on the
// disk) rebuilds it by adopting what the nodes report running, before
// those nodes are back in its view: an owner that then joins under the
// same incarnation keeps its service, which must not stay recovering.
func TestAdoptedOwnerThatJoinsKeepsItsService(t *testing.T) {
	w := newWorld(t, 3, svc("s", only(3)))
	w.settle()
	if w.master() != w.nodes[1].n || w.entry("s").Owner != 3 {
		t.Fatalf("want node 1 master and s on node 3: %+v", w.table())
	}
	w.crash(1)
	delete(w.disk, 1) // the newest master record is gone
	w.cutNet(1, 3, true)
	w.boot(1)
	w.until(3*time.Second, "node 1 master again", func() bool { return w.master() == w.nodes[1].n })
	w.until(time.Second, "s adopted from node 3", func() bool { return w.entry("s").Owner == 3 })
	w.run(300 * time.Millisecond) // the master judges the adopted owner outside its view
	if m := w.master(); m.master.members.Has(3) {
		t.Fatal("node 3 admitted through a cut network")
	}
	w.cutNet(1, 3, false)
	w.until(time.Second, "node 3 admitted", func() bool { return w.master().master.members.Has(3) })
	w.until(time.Second, "s started on node 3", func() bool { return w.started("s") })
	w.run(time.Second)
	if st := w.entry("s"); st.State != SvcStarted || st.Owner != 3 || !w.nodes[3].runs[st.Key] {
		t.Fatalf("s %+v", st)
	}
}

// An operator's disable whose owner dies before it confirmed the stop ends
// disabled once the owner is fenced: the order outlives the recovery.
func TestDisableOutlivesTheOwnersDeath(t *testing.T) {
	w := newWorld(t, 3, svc("s", prefer(2, 3)))
	w.settle()
	owner := w.entry("s").Owner
	if owner != 2 || w.master() != w.nodes[1].n {
		t.Fatalf("want node 1 master and s on node 2: %+v", w.table())
	}
	if err := w.command("disable", "s", 0); err != nil {
		t.Fatal(err)
	}
	w.crash(owner) // before it read the order
	w.until(5*time.Second, "s disabled", func() bool { return w.entry("s").State == SvcDisabled })
	w.run(time.Second)
	if st := w.entry("s"); st.State != SvcDisabled || st.Owner != 0 {
		t.Fatalf("s %+v", st)
	}
}
