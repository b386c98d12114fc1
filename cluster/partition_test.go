package cluster

import (
	"testing"
	"time"
)

// A master cut off from both other nodes at once must give the lease up
// to their side, which has more votes. Heartbeats of the two arrive at
// different moments, so one of them goes silent a little before the
// other: for that instant the master still hears the second one and
// must not judge the first one's side from it (the first one hears the
// second one; they are one side). Seen in the netns integration tier:
// the master evicted node 2, then node 3, and ran on alone with the
// disk's votes.
func TestIsolatedMasterYieldsToTheLargerSide(t *testing.T) {
	for lag := time.Duration(0); lag <= 200*time.Millisecond; lag += 10 * time.Millisecond {
		t.Run(lag.String(), func(t *testing.T) {
			w := newWorld(t, 3, svc("s", prefer(1, 2, 3)))
			w.settle()
			if w.master() != w.nodes[1].n || w.entry("s").Owner != 1 {
				t.Fatalf("want node 1 master and s on node 1: %+v", w.table())
			}
			w.cutNet(1, 2, true)
			w.run(lag)
			w.cutNet(1, 3, true)
			w.until(5*time.Second, "a master on the side of nodes 2 and 3", func() bool {
				m := w.master()
				return m != nil && m != w.nodes[1].n
			})
			m := w.master()
			for _, id := range []NodeID{2, 3} {
				if !m.master.members.Has(id) {
					t.Errorf("node %d is not a member of the new master's cluster", id)
				}
				if w.nodes[id].n.state == StateEvicted {
					t.Errorf("node %d was evicted; node 1 alone had fewer votes", id)
				}
			}
			w.until(5*time.Second, "s recovered on node 2", func() bool {
				e := w.entry("s")
				return e.State == SvcStarted && e.Owner == 2
			})
			if t.Failed() || testing.Verbose() {
				for _, l := range w.notices {
					t.Log(l)
				}
			}
		})
	}
}

// A partial partition (the master and node 2 do not hear each other, both
// hear node 3) is still judged: once node 2 has been silent for two
// tokens, the master's side {1,3} outvotes it and node 2 is evicted.
func TestPartialPartitionIsJudged(t *testing.T) {
	w := newWorld(t, 3, svc("s", prefer(2, 1, 3)))
	w.settle()
	if w.master() != w.nodes[1].n || w.entry("s").Owner != 2 {
		t.Fatalf("want node 1 master and s on node 2: %+v", w.table())
	}
	cutAt := w.now
	w.cutNet(1, 2, true)
	w.until(5*time.Second, "node 2 evicted", func() bool { return !w.nodes[1].n.master.members.Has(2) })
	// The last heartbeat before the cut came up to one period earlier.
	if took := w.now - cutAt; took < 2*w.cfg.Token-w.cfg.Heartbeat {
		t.Errorf("node 2 evicted %v after the cut, before two tokens (%v) of silence", took, 2*w.cfg.Token)
	}
	if w.master() != w.nodes[1].n {
		t.Errorf("the master changed; node 1 and 3 outvote node 2")
	}
	w.until(5*time.Second, "s recovered on node 1", func() bool {
		e := w.entry("s")
		return e.State == SvcStarted && e.Owner == 1
	})
}
