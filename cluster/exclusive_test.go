package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func svc(name string, mod ...func(*ServiceInfo)) ServiceInfo {
	s := ServiceInfo{Name: name, Autostart: true, Recovery: "restart"}
	for _, f := range mod {
		f(&s)
	}
	return s
}

func exclusive(s *ServiceInfo) { s.Exclusive = true }

func only(ids ...NodeID) func(*ServiceInfo) {
	return func(s *ServiceInfo) { s.Domain, s.Restricted, s.Ordered = ids, true, true }
}

func prefer(ids ...NodeID) func(*ServiceInfo) {
	return func(s *ServiceInfo) { s.Domain, s.Ordered = ids, true }
}

func noFailback(s *ServiceInfo) { s.NoFailback = true }

func recovery(r string) func(*ServiceInfo) { return func(s *ServiceInfo) { s.Recovery = r } }

// reconfigure hands every running node the services svcs as a new version.
func (w *world) reconfigure(svcs ...ServiceInfo) {
	w.t.Helper()
	w.cfg.Services = svcs
	w.cfg.ConfigVersion++
	for _, wn := range w.nodes {
		if !wn.up {
			continue
		}
		c := w.cfg
		c.Self = wn.id
		if err := wn.n.Reconfigure(c); err != nil {
			w.t.Fatal(err)
		}
		w.drain(wn)
	}
}

// kill makes service name die where it runs, as the daemon's monitor reports it.
func (w *world) kill(name string) NodeID {
	w.t.Helper()
	key := ServiceKey(name)
	for id, wn := range w.nodes {
		if wn.runs[key] {
			delete(wn.runs, key)
			w.step(wn, 0, ServiceDone{Key: key, Gen: wn.n.local[key].gen, State: SvcFailed, Reason: "died (test)"})
			return id
		}
	}
	w.t.Fatalf("%s runs nowhere", name)
	return 0
}

func TestExclusiveRunsAlone(t *testing.T) {
	w := newWorld(t, 3, svc("a"), svc("b"), svc("e", exclusive), svc("c"))
	w.settle()
	e := w.entry("e")
	if !w.started("e") {
		t.Fatalf("exclusive service not started with a free member: %+v", e)
	}
	for _, name := range []string{"a", "b", "c"} {
		if o := w.entry(name); !w.started(name) || o.Owner == e.Owner {
			t.Fatalf("service %s: %+v; exclusive e is on node %d", name, o, e.Owner)
		}
	}
}

func TestExclusiveWaitsForFreeMember(t *testing.T) {
	e := svc("e", exclusive)
	e.Autostart = false
	w := newWorld(t, 2, svc("a", only(1)), svc("b", only(2)), e, svc("c"))
	w.settle()
	err := w.command("enable", "e", 0)
	if !errors.Is(err, ErrExclusive) || !errors.Is(err, ErrBadMember) || !strings.Contains(err.Error(), "no member free for an exclusive service") {
		t.Fatalf("enable with every member busy: %v", err)
	}
	w.run(time.Second)
	got := w.entry("e")
	if got.State != SvcStopped || got.Held || got.Owner != 0 {
		t.Fatalf("e should wait stopped and enabled: %+v", got)
	}
	for id, wn := range w.nodes {
		if r := wn.n.ServiceReason(got.Key); r != whyNoFreeMember {
			t.Fatalf("node %d gives reason %q", id, r)
		}
	}
	err = w.command("enable", "e", 1)
	if !errors.Is(err, ErrExclusive) || !strings.Contains(err.Error(), "e is exclusive and node 1 runs service ") {
		t.Fatalf("enable on a busy member: %v", err)
	}
	if err := w.command("disable", "b", 0); err != nil {
		t.Fatal(err)
	}
	w.until(3*time.Second, "e starting on the member b left", func() bool { return w.started("e") })
	if o := w.entry("e").Owner; o != 2 {
		t.Fatalf("e on node %d, want 2", o)
	}
	if r := w.master().ServiceReason(got.Key); r != "" {
		t.Fatalf("started service still has a reason: %q", r)
	}
	// Nothing else goes where e runs.
	err = w.command("relocate", "c", 2)
	if !errors.Is(err, ErrExclusive) || !strings.Contains(err.Error(), "node 2 runs exclusive service e") {
		t.Fatalf("relocating onto the exclusive member: %v", err)
	}
	if err := w.command("enable", "b", 0); !errors.Is(err, ErrExclusive) || !strings.Contains(err.Error(), "b is enabled but stays stopped") {
		t.Fatalf("enable b: %v", err)
	}
	w.run(time.Second)
	if b := w.entry("b"); b.State != SvcStopped || b.Owner != 0 || w.master().ServiceReason(b.Key) != whyAllExclusive {
		t.Fatalf("b must wait while e holds its only member: %+v reason %q", b, w.master().ServiceReason(b.Key))
	}
}

func TestExclusiveRecoveryKeepsTheRule(t *testing.T) {
	w := newWorld(t, 3, svc("e", exclusive, prefer(2, 3)), svc("a"))
	w.settle()
	e, a := w.entry("e"), w.entry("a")
	if e.Owner != 2 || a.Owner == 2 {
		t.Fatalf("e %+v, a %+v", e, a)
	}
	free := NodeID(1)
	if a.Owner == 1 {
		free = 3
	}
	// a's node dies: a recovers onto the free node, never onto e's.
	w.crash(a.Owner)
	w.until(5*time.Second, "a recovered", func() bool { return w.started("a") })
	if o := w.entry("a").Owner; o != free {
		t.Fatalf("a recovered onto node %d, want %d", o, free)
	}
	// Its new node dies too: only e's node is left, so a waits.
	w.crash(free)
	w.until(5*time.Second, "a waiting", func() bool {
		s := w.entry("a")
		return s.State == SvcStopped && s.Owner == 0
	})
	if r := w.master().ServiceReason(ServiceKey("a")); r != whyAllExclusive {
		t.Fatalf("reason %q", r)
	}
	w.run(time.Second)
	if !w.started("e") || w.entry("a").Owner != 0 {
		t.Fatalf("table %+v", w.table())
	}
	w.boot(free)
	w.until(5*time.Second, "a started on the node that came back", func() bool { return w.started("a") })
	if o := w.entry("a").Owner; o != free {
		t.Fatalf("a on node %d, want %d", o, free)
	}
}

func TestExclusiveRelocatesOnlyToFreeMembers(t *testing.T) {
	b := svc("b", only(2))
	b.Autostart = false
	w := newWorld(t, 3, svc("a", only(1)), b, svc("e", exclusive, prefer(2, 3), noFailback, recovery("relocate")))
	w.settle()
	if e := w.entry("e"); e.Owner != 2 || !w.started("e") {
		t.Fatalf("e %+v", e)
	}
	w.kill("e")
	w.until(3*time.Second, "e relocated", func() bool { return w.started("e") && w.entry("e").Owner != 2 })
	if o := w.entry("e").Owner; o != 3 {
		t.Fatalf("e relocated to node %d, want the free node 3", o)
	}
	if err := w.command("enable", "b", 0); err != nil {
		t.Fatal(err)
	}
	w.until(3*time.Second, "b started", func() bool { return w.started("b") })
	// e fails again: nodes 1 and 2 are busy, so it failed on every member
	// free to take it.
	w.kill("e")
	w.until(3*time.Second, "e failed", func() bool { return w.entry("e").State == SvcFailed })
	if r := w.master().ServiceReason(ServiceKey("e")); !strings.Contains(r, "failed on node 3") || !strings.Contains(r, "clusvcadm -e") {
		t.Fatalf("reason %q", r)
	}
	if err := w.command("disable", "b", 0); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.command("enable", "e", 0); err != nil {
		t.Fatal(err)
	}
	w.until(3*time.Second, "e enabled again", func() bool { return w.started("e") })
	if o := w.entry("e").Owner; o != 2 {
		t.Fatalf("e started on node %d, want its preferred free node 2", o)
	}
}

// A service removed from the configuration runs until its owner reads the
// new table: an exclusive service must not start next to it meanwhile.
func TestExclusiveWaitsForRemovedServiceToStop(t *testing.T) {
	a, r, e := svc("a", only(1)), svc("r", only(2)), svc("e", exclusive)
	w := newWorld(t, 2, a, r, e)
	w.cfg.TKO, w.cfg.Token = 8, 800*time.Millisecond // node 2 survives its pause as a member
	w.reconfigure(a, r, e)
	w.settle()
	if got := w.entry("e"); got.Owner != 0 {
		t.Fatalf("e placed on a busy member: %+v", got)
	}
	// Node 2 is paused while the master drops r from the table, so it
	// learns late that r is gone: for a few cycles the master sees r
	// running in node 2's slot but not in its table, and node 2 then reads
	// r's removal and any placement of e at once.
	w.pause(2, 400*time.Millisecond)
	w.reconfigure(a, e) // the check in world.run fails the test if e starts next to r
	w.until(3*time.Second, "e started once r stopped", func() bool { return w.started("e") })
	if w.nodes[2].runs[ServiceKey("r")] {
		t.Fatal("r still runs")
	}
}
