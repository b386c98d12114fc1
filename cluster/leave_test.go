package cluster

import (
	"strings"
	"testing"
	"time"
)

// A leave requested while a slot write of the member state is in flight
// is the leave only once a slot saying "leaving" reached the disk: the
// master must see it leave, never evict it as dead, fence it or admit it
// again from its stale member slot.
func TestLeaveDuringASlotWriteIsNotTakenForADeath(t *testing.T) {
	for _, leaver := range []NodeID{2, 3} {
		w := newWorld(t, 3)
		w.settle()
		if w.master().cfg.Self == leaver {
			continue
		}
		wn := w.nodes[leaver]
		w.until(time.Second, "a slot write in flight", func() bool {
			p := wn.n.pending
			return p != nil && p.kind == opWrite
		})
		wn.n.Step(w.now, LeaveRequest{})
		w.drain(wn)
		w.until(time.Second, "the leave written", wn.n.Left)
		if s := w.disk[leaver]; s == nil || s.State != StateLeaving {
			t.Fatalf("node %d says it left, but its slot on the disk is %+v", leaver, s)
		}
		w.crash(leaver) // quorated exits once Left
		for end := w.now + 3*time.Second; w.now < end; {
			w.run(10 * time.Millisecond)
			if m := w.master(); m != nil && m.master.members.Has(leaver) && w.now > end-2*time.Second {
				t.Fatalf("node %d is a member again %v after it left", leaver, w.now)
			}
		}
		if w.fenceTries[leaver] > 0 || len(w.held) > 0 {
			t.Errorf("node %d left cleanly but was fenced %d times", leaver, w.fenceTries[leaver])
		}
		for _, n := range w.notices {
			if strings.Contains(n, "evicting") {
				t.Errorf("a clean leave led to an eviction: %s", n)
			}
		}
	}
}

// A node whose leave has not reached the disk yet (its slot still says
// member) is removed on its leaving heartbeats and not admitted again from
// that stale slot.
func TestLeavingHeartbeatsAreNotUndoneByAStaleMemberSlot(t *testing.T) {
	w := newWorld(t, 3)
	w.settle()
	var leaver *wnode
	for _, id := range []NodeID{2, 3} {
		if w.master().cfg.Self != id {
			leaver = w.nodes[id]
		}
	}
	w.stall[leaver.id] = true
	leaver.n.Step(w.now, LeaveRequest{})
	w.drain(leaver)
	removed := false
	for end := w.now + 500*time.Millisecond; w.now < end; {
		w.run(time.Millisecond)
		m := w.master()
		if m == nil {
			continue
		}
		switch in := m.master.members.Has(leaver.id); {
		case !in:
			removed = true
		case removed:
			t.Fatalf("node %d was removed on its leaving heartbeats, then admitted again from its stale slot at %v", leaver.id, w.now)
		}
	}
	if !removed {
		t.Fatalf("node %d's leaving heartbeats did not remove it", leaver.id)
	}
}
