// Package sim is a deterministic simulator for the cluster state machine:
// a virtual clock, a network that drops, delays, duplicates and
// partitions, a sector disk with latency, torn writes, EIO and stalls, and
// nodes that pause, crash and restart. After every event it checks the
// invariants of DESIGN.md, and that an exclusive service never shares its
// node with another running service; at the end of a run it checks that
// the cluster converged and that every service settled. A failing seed
// replays exactly.
package sim

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/quorate/quorate/cluster"
)

// Faults are the fault rates of one run. Rates are per second of virtual
// time across the whole cluster; probabilities are per operation.
type Faults struct {
	Until      time.Duration // faults are injected until then, healed after
	Drop       float64       // packet loss probability
	Dup        float64       // packet duplication probability
	Partitions float64       // network partitions per second
	Pauses     float64       // node pauses (SIGSTOP) per second
	Crashes    float64       // node crashes (restarted later) per second
	Stalls     float64       // disk path stalls per second (I/O hangs, writes never land)
	EIO        float64       // EIO bursts per second
	Torn       float64       // probability that a write lands torn (corrupt)
}

// DefaultFaults draws a seed's fault mix.
func DefaultFaults(rng *rand.Rand, until time.Duration) Faults {
	return Faults{Until: until, Drop: rng.Float64() * 0.2, Dup: 0.01,
		Partitions: 0.3, Pauses: 0.3, Crashes: 0.2, Stalls: 0.3, EIO: 0.2, Torn: 0.01}
}

// Options configure one run.
type Options struct {
	Seed     uint64
	Nodes    int
	Duration time.Duration // total virtual time; must leave time to converge after Faults.Until
	Faults   Faults
	Timings  cluster.Config // timing fields only; zero = cluster.DefaultTimings
	Trace    int            // lines of trace kept for a failure report (0 = 200)
	// Converge asks for the liveness check at the end: every running node a
	// quorate member under one master.
	Converge bool
	// Services is the number of services (-1: none; 0: drawn from the seed).
	Services int
	// ServiceLiveness adds to Converge that every service settled: started
	// where the table says, failed or disabled, stopped by an operator, or
	// stopped because the exclusive rule leaves it no member (with a
	// reason). The test runs it by default (-svcliveness=false turns it off).
	ServiceLiveness bool
}

// Result is the outcome of one run.
type Result struct {
	Seed       uint64
	Violations []string
	Trace      []string
	Counters   []cluster.Counters // per node, summed over restarts
	Elapsed    time.Duration      // virtual time simulated
	Events     int
}

// Err is nil when no invariant was violated.
func (r *Result) Err() error {
	if len(r.Violations) == 0 {
		return nil
	}
	return fmt.Errorf("seed %d: %s\ntrace (last %d lines):\n%s", r.Seed, strings.Join(r.Violations, "; "),
		len(r.Trace), strings.Join(r.Trace, "\n"))
}

type evKind int

const (
	evTick evKind = iota
	evDeliver
	evIODone
	evLand
	evSample
	evFault
)

type event struct {
	at   time.Duration
	seq  uint64
	kind evKind
	node cluster.NodeID
	ev   cluster.Event
	land *block
	read *readOp
	inc  uint64 // incarnation the event belongs to (dropped after a restart)
	act  func()
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// block is one slot as it sits on the simulated disk.
type block struct {
	node    cluster.NodeID
	slot    *cluster.Slot
	corrupt bool
}

type readOp struct {
	op          uint64
	first, last cluster.NodeID
	done        time.Duration
	fail        error
}

type simNode struct {
	id        cluster.NodeID
	n         *cluster.Node
	alive     bool
	paused    bool
	deferred  []*event
	stallTill time.Duration
	eioTill   time.Duration
	boot      uint64 // boot count; events of an earlier boot are dropped
	rebooting uint64 // boot whose post-eviction reboot is scheduled
	lastPet   time.Duration
	svcGen    map[uint64]uint64 // generation of the last start per service
	counters  cluster.Counters
}

// Errors the simulated disk returns.
var (
	errEIO     = errors.New("EIO")
	errTimeout = errors.New("I/O deadline exceeded")
	errTorn    = errors.New("corrupt block (CRC mismatch)")
)

// Sim is one simulated cluster.
type Sim struct {
	opt     Options
	cfg     cluster.Config
	rng     *rand.Rand
	now     time.Duration
	q       eventQueue
	seq     uint64
	nodes   []*simNode
	disk    map[cluster.NodeID]*block
	group   map[cluster.NodeID]int // partition side; equal sides talk
	res     Result
	trace   []string
	evicted map[evictKey]time.Duration // eviction notice landed at
	running map[uint64]map[cluster.NodeID]bool
}

type evictKey struct {
	node cluster.NodeID
	inc  uint64
}

// New builds a simulation; Run runs it.
func New(opt Options) *Sim {
	if opt.Trace == 0 {
		opt.Trace = 200
	}
	t := opt.Timings
	if t.Interval == 0 {
		t = cluster.DefaultTimings
	}
	s := &Sim{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15)),
		disk: map[cluster.NodeID]*block{}, group: map[cluster.NodeID]int{}, evicted: map[evictKey]time.Duration{},
		running: map[uint64]map[cluster.NodeID]bool{}}
	s.cfg = t
	s.cfg.QdiskVotes = opt.Nodes - 1
	if s.cfg.QdiskVotes < 1 {
		s.cfg.QdiskVotes = 1
	}
	fenced := s.rng.IntN(4) != 0 // most seeds power-fence; the rest rely on acknowledgements and restarts
	if s.rng.IntN(2) == 0 {
		s.cfg.WatchdogTimeout = 500 * time.Millisecond
	}
	for i := 1; i <= opt.Nodes; i++ {
		s.cfg.Nodes = append(s.cfg.Nodes, cluster.NodeInfo{ID: cluster.NodeID(i), Name: fmt.Sprintf("node%d", i), Votes: 1, Fence: fenced})
	}
	s.addServices()
	s.res = Result{Seed: opt.Seed, Counters: make([]cluster.Counters, opt.Nodes)}
	for i := 1; i <= opt.Nodes; i++ {
		sn := &simNode{id: cluster.NodeID(i)}
		s.nodes = append(s.nodes, sn)
		start := time.Duration(s.rng.IntN(300)) * time.Millisecond
		s.at(start, &event{kind: evFault, act: func() { s.boot(sn) }})
	}
	s.scheduleFaults()
	return s
}

func (s *Sim) at(t time.Duration, e *event) {
	e.at = t
	s.seq++
	e.seq = s.seq
	heap.Push(&s.q, e)
}

func (s *Sim) tracef(format string, a ...any) {
	line := fmt.Sprintf("%9.3fs ", s.now.Seconds()) + fmt.Sprintf(format, a...)
	s.trace = append(s.trace, line)
	if len(s.trace) > 4*s.opt.Trace {
		s.trace = append([]string(nil), s.trace[len(s.trace)-s.opt.Trace:]...)
	}
}

// Run simulates until Duration and returns the result.
func (s *Sim) Run() Result {
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(*event)
		if e.at > s.opt.Duration {
			break
		}
		s.now = e.at
		s.res.Events++
		s.dispatch(e)
		s.check()
		if len(s.res.Violations) > 0 {
			break
		}
	}
	s.res.Elapsed = s.now
	if len(s.res.Violations) == 0 && s.opt.Converge {
		s.checkConverged()
	}
	for _, sn := range s.nodes {
		s.res.Counters[sn.id-1] = add(sn.counters, sn.liveCounters())
	}
	if len(s.trace) > s.opt.Trace {
		s.trace = s.trace[len(s.trace)-s.opt.Trace:]
	}
	s.res.Trace = s.trace
	return s.res
}

func (sn *simNode) liveCounters() cluster.Counters {
	if sn.n == nil {
		return cluster.Counters{}
	}
	return sn.n.Counters()
}

func add(a, b cluster.Counters) cluster.Counters {
	a.HeartbeatsSent += b.HeartbeatsSent
	a.HeartbeatsIn += b.HeartbeatsIn
	a.SlotWrites += b.SlotWrites
	a.SlotReads += b.SlotReads
	a.SlotsRead += b.SlotsRead
	a.WriteErrors += b.WriteErrors
	a.ReadErrors += b.ReadErrors
	a.BadSlots += b.BadSlots
	a.Ballots += b.Ballots
	a.BallotAborts += b.BallotAborts
	a.Evictions += b.Evictions
	return a
}

func (s *Sim) dispatch(e *event) {
	switch e.kind {
	case evFault:
		e.act()
		return
	case evLand:
		s.landBlock(e.land)
		return
	case evSample:
		s.sample(e)
		return
	}
	sn := s.nodes[e.node-1]
	if !sn.alive || e.inc != sn.boot {
		return
	}
	if sn.paused {
		sn.deferred = append(sn.deferred, e)
		return
	}
	s.deliver(sn, e)
	if sn.n.Healthy() {
		sn.lastPet = s.now
	}
}

func (s *Sim) deliver(sn *simNode, e *event) {
	switch e.kind {
	case evTick:
		sn.n.Tick(s.now)
		s.at(s.now+10*time.Millisecond, &event{kind: evTick, node: sn.id, inc: sn.boot})
	case evDeliver, evIODone:
		sn.n.Step(s.now, e.ev)
	}
	s.drain(sn)
}
