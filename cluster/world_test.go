package cluster

import (
	"container/heap"
	"fmt"
	"testing"
	"time"
)

// world is a small deterministic cluster for unit tests: a fault-free
// network and disk with fixed latencies, services that start and stop in a
// few milliseconds, and fences that the test may hold back. It checks
// after every event that no service runs on two nodes and that no
// exclusive service shares its node. cluster/sim is the randomised one.
type world struct {
	t     *testing.T
	now   time.Duration
	cfg   Config
	nodes map[NodeID]*wnode
	disk  map[NodeID]*Slot
	q     wqueue
	seq   uint64
	incs  uint64
	// holdFence keeps fences of these nodes unanswered.
	holdFence  map[NodeID]bool
	held       []FenceNode
	failFence  map[NodeID]bool // the BMC of these nodes does not answer
	fenceTries map[NodeID]int
	cut        map[[2]NodeID]bool // heartbeats lost between these two nodes
	failStart  map[string]bool    // service names whose next start fails
	stall      map[NodeID]bool    // slot writes of these nodes neither land nor complete
	notices    []string
}

type wnode struct {
	id     NodeID
	n      *Node
	up     bool
	boot   int
	runs   map[uint64]bool
	paused time.Duration // the node does nothing until then (SIGSTOP)
}

type wevent struct {
	at   time.Duration
	seq  uint64
	node NodeID
	boot int
	ev   Event  // stepped into the node
	act  func() // or done in the world
}

type wqueue []*wevent

func (q wqueue) Len() int { return len(q) }
func (q wqueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q wqueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *wqueue) Push(x any)   { *q = append(*q, x.(*wevent)) }
func (q *wqueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// newWorld builds a cluster of size nodes (all fenceable) with services,
// and boots every node.
func newWorld(t *testing.T, size int, svcs ...ServiceInfo) *world {
	t.Helper()
	w := &world{t: t, cfg: DefaultTimings, nodes: map[NodeID]*wnode{}, disk: map[NodeID]*Slot{},
		holdFence: map[NodeID]bool{}, failStart: map[string]bool{},
		failFence: map[NodeID]bool{}, fenceTries: map[NodeID]int{}, cut: map[[2]NodeID]bool{},
		stall: map[NodeID]bool{}}
	w.cfg.QdiskVotes = max(1, size-1) // a lone survivor stays quorate with the disk
	w.cfg.Services = svcs
	for i := 1; i <= size; i++ {
		w.cfg.Nodes = append(w.cfg.Nodes, NodeInfo{ID: NodeID(i), Name: fmt.Sprintf("node%d", i), Votes: 1, Fence: true})
	}
	for i := 1; i <= size; i++ {
		w.nodes[NodeID(i)] = &wnode{id: NodeID(i)}
		w.boot(NodeID(i))
	}
	return w
}

func (w *world) at(d time.Duration, e *wevent) {
	e.at = w.now + d
	w.seq++
	e.seq = w.seq
	heap.Push(&w.q, e)
}

// boot starts node id as a new incarnation, restoring what its slot holds.
func (w *world) boot(id NodeID) {
	wn := w.nodes[id]
	cfg := w.cfg
	cfg.Self = id
	w.incs++
	cfg.Incarnation = w.incs<<8 | uint64(id)
	if s := w.disk[id]; s != nil {
		cfg.Ballot, cfg.Released = s.Ballot, s.Master
		cfg.SeenGen, cfg.SeenOwner, cfg.SeenOwnerInc = s.SeenGen, s.SeenOwner, s.SeenOwnerInc
	}
	n, err := NewNode(cfg, w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	wn.n, wn.up, wn.runs = n, true, map[uint64]bool{}
	wn.boot++
	w.tick(wn, wn.boot)
}

func (w *world) tick(wn *wnode, boot int) {
	if !wn.up || wn.boot != boot {
		return
	}
	if w.now < wn.paused {
		w.at(wn.paused-w.now, &wevent{act: func() { w.tick(wn, boot) }})
		return
	}
	wn.n.Tick(w.now)
	w.drain(wn)
	w.at(10*time.Millisecond, &wevent{act: func() { w.tick(wn, boot) }})
}

// crash powers node id off (what it ran dies with it).
func (w *world) crash(id NodeID) {
	wn := w.nodes[id]
	wn.up, wn.runs = false, map[uint64]bool{}
}

// cutNet loses the heartbeats between a and b (on) or heals that (off).
func (w *world) cutNet(a, b NodeID, on bool) { w.cut[[2]NodeID{min(a, b), max(a, b)}] = on }

// pause stops node id for d; what reaches it waits.
func (w *world) pause(id NodeID, d time.Duration) { w.nodes[id].paused = w.now + d }

// run advances the world by d.
func (w *world) run(d time.Duration) {
	w.t.Helper()
	end := w.now + d
	for w.q.Len() > 0 && w.q[0].at <= end {
		e := heap.Pop(&w.q).(*wevent)
		w.now = e.at
		if e.act != nil {
			e.act()
		} else if wn := w.nodes[e.node]; wn.up && wn.boot == e.boot && w.now < wn.paused {
			w.at(wn.paused-w.now, e) // delivered when it wakes
		} else if wn.up && wn.boot == e.boot {
			wn.n.Step(w.now, e.ev)
			w.drain(wn)
		}
		w.check()
	}
	w.now = end
}

// until runs the world until cond holds, failing the test after limit.
func (w *world) until(limit time.Duration, what string, cond func() bool) {
	w.t.Helper()
	for end := w.now + limit; !cond(); {
		if w.now >= end {
			w.t.Fatalf("after %v: %s did not happen; table %+v", limit, what, w.table())
		}
		w.run(10 * time.Millisecond)
	}
}

func (w *world) drain(wn *wnode) {
	for _, a := range wn.n.Ready() {
		w.act(wn, a)
	}
}

func (w *world) step(wn *wnode, d time.Duration, ev Event) {
	w.at(d, &wevent{node: wn.id, boot: wn.boot, ev: ev})
}

func (w *world) act(wn *wnode, a Action) {
	switch a := a.(type) {
	case SendHeartbeat:
		for _, to := range w.nodes {
			if to != wn && to.up && !w.cut[[2]NodeID{min(wn.id, to.id), max(wn.id, to.id)}] {
				w.step(to, time.Millisecond, HeartbeatIn{HB: a.HB})
			}
		}
	case WriteSlot:
		if w.stall[wn.id] {
			return
		}
		slot := a.Slot
		w.at(time.Millisecond, &wevent{act: func() { w.disk[wn.id] = &slot }})
		w.step(wn, time.Millisecond, WriteDone{Op: a.Op})
	case ReadSlots:
		var out []SlotRead
		for id := a.First; id <= a.Last; id++ {
			sr := SlotRead{Node: id, Slot: w.disk[id], Err: nil}
			if sr.Slot == nil {
				sr.Err = ErrSlotEmpty
			}
			out = append(out, sr)
		}
		w.step(wn, time.Millisecond, ReadDone{Op: a.Op, Slots: out})
	case FenceNode:
		w.fence(wn, a)
	case StartService:
		w.notices = append(w.notices, fmt.Sprintf("%8v node %d: START %s", w.now, wn.id, a.Name))
		fail := w.failStart[a.Name]
		delete(w.failStart, a.Name)
		w.at(5*time.Millisecond, &wevent{act: func() {
			if !wn.up {
				return
			}
			ev := ServiceDone{Key: a.Key, Gen: a.Gen, State: SvcStarted}
			if fail {
				ev.State, ev.Reason = SvcFailed, "start failed (test)"
			}
			wn.runs[a.Key] = !fail
			w.step(wn, 0, ev)
		}})
	case StopService:
		w.notices = append(w.notices, fmt.Sprintf("%8v node %d: STOP %s", w.now, wn.id, a.Name))
		w.at(5*time.Millisecond, &wevent{act: func() {
			delete(wn.runs, a.Key)
			w.step(wn, 0, ServiceDone{Key: a.Key, Gen: a.Gen, State: SvcStopped})
		}})
	case Notice:
		w.notices = append(w.notices, fmt.Sprintf("%8v node %d: %s", w.now, wn.id, a.Msg))
	}
}

// fence powers the victim off and answers, unless the test holds it or
// makes its BMC fail.
func (w *world) fence(by *wnode, a FenceNode) {
	if w.holdFence[a.Node] {
		w.held = append(w.held, a)
		return
	}
	w.fenceTries[a.Node]++
	if w.failFence[a.Node] {
		w.at(20*time.Millisecond, &wevent{act: func() {
			w.step(by, 0, FenceDone{Node: a.Node, Incarnation: a.Incarnation, Err: "BMC did not answer"})
		}})
		return
	}
	w.at(20*time.Millisecond, &wevent{act: func() {
		if v := w.nodes[a.Node]; v.up && v.n.Incarnation() == a.Incarnation {
			w.crash(a.Node)
		}
		w.step(by, 0, FenceDone{Node: a.Node, Incarnation: a.Incarnation, OK: true, Method: "test"})
	}})
}

// check is the safety net under every test: one owner, and the exclusive
// rule, for what really runs.
func (w *world) check() {
	w.t.Helper()
	on := map[uint64][]NodeID{}
	for id, wn := range w.nodes {
		for k := range wn.runs {
			on[k] = append(on[k], id)
		}
	}
	for k, ids := range on {
		if len(ids) > 1 {
			w.t.Fatalf("%v: service %x runs on %v", w.now, k, ids)
		}
	}
	for _, s := range w.cfg.Services {
		ids := on[ServiceKey(s.Name)]
		if !s.Exclusive || len(ids) == 0 {
			continue
		}
		for k := range w.nodes[ids[0]].runs {
			if k != ServiceKey(s.Name) {
				w.t.Fatalf("%v: exclusive service %s shares node %d with %x", w.now, s.Name, ids[0], k)
			}
		}
	}
}

// master is the node holding the lease (nil if none).
func (w *world) master() *Node {
	for _, wn := range w.nodes {
		if wn.up && wn.n.IsMaster() {
			return wn.n
		}
	}
	return nil
}

func (w *world) table() []ServiceEntry {
	if m := w.master(); m != nil {
		return m.serviceTable()
	}
	return nil
}

// entry is the master's entry for service name.
func (w *world) entry(name string) ServiceEntry {
	for _, e := range w.table() {
		if e.Key == ServiceKey(name) {
			return e
		}
	}
	return ServiceEntry{}
}

// started reports whether name is started in the table and really runs
// on its owner.
func (w *world) started(name string) bool {
	e := w.entry(name)
	return e.State == SvcStarted && w.nodes[e.Owner] != nil && w.nodes[e.Owner].runs[e.Key]
}

// settle runs until there is a master with every member in the view and
// no service in a transient state.
func (w *world) settle() {
	w.t.Helper()
	w.until(5*time.Second, "the cluster settling", func() bool {
		m := w.master()
		if m == nil {
			return false
		}
		up := 0
		for _, wn := range w.nodes {
			if wn.up {
				up++
			}
		}
		if m.master.members.Len() != up {
			return false
		}
		for _, e := range w.table() {
			switch e.State {
			case SvcStarting, SvcStopping, SvcRecovering:
				return false
			case SvcStarted:
				if !w.nodes[e.Owner].runs[e.Key] {
					return false
				}
			}
		}
		return true
	})
}

// command runs a clusvcadm operation on the master.
func (w *world) command(op, name string, target NodeID) error {
	w.t.Helper()
	m := w.master()
	if m == nil {
		w.t.Fatal("no master")
	}
	err := m.ServiceCommand(op, name, target)
	for _, wn := range w.nodes {
		if wn.n == m {
			w.drain(wn)
		}
	}
	return err
}
