package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/fencer"
)

// fakeLUN is a logical unit with the persistent reservation commands
// quorated's worker uses, shared by nexuses (one per node).
type fakeLUN struct {
	mu     sync.Mutex
	regs   map[int]fencer.PRKey
	holder int
	typ    fencer.PRType
	broken map[int]int // nexus -> commands that fail in transport
}

func newFakeLUN() *fakeLUN { return &fakeLUN{regs: map[int]fencer.PRKey{}, broken: map[int]int{}} }

type fakeNexus struct {
	l  *fakeLUN
	id int
}

func (n fakeNexus) Exec(cdb []byte, _ fencer.Direction, data []byte, _ time.Duration) (fencer.SGResult, error) {
	l := n.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken[n.id] > 0 {
		l.broken[n.id]--
		return fencer.SGResult{}, errors.New("path down")
	}
	good := fencer.SGResult{Status: fencer.StatusGood}
	conflict := fencer.SGResult{Status: fencer.StatusReservationConflict}
	if cdb[0] == fencer.OpPRIn {
		sa, _, _ := fencer.DecodePRInCDB(cdb)
		var resp []byte
		if sa == fencer.PRInReadKeys {
			k := fencer.Keys{}
			for _, id := range slices.Sorted(prMapKeys(l.regs)) {
				k.Keys = append(k.Keys, l.regs[id])
			}
			resp = k.Encode()
		} else {
			r := fencer.Reservation{}
			if l.holder != 0 {
				r.Reserved, r.Key, r.Type = true, l.regs[l.holder], l.typ
			}
			resp = r.Encode()
		}
		good.Resid = len(data) - copy(data, resp)
		return good, nil
	}
	c, err := fencer.DecodePROut(cdb, data)
	if err != nil {
		return fencer.SGResult{}, err
	}
	mine, registered := l.regs[n.id]
	switch c.Action {
	case fencer.PROutRegisterIgnore, fencer.PROutRegister:
		if c.Action == fencer.PROutRegister && c.Key != mine {
			return conflict, nil
		}
		if c.SAKey == 0 {
			delete(l.regs, n.id)
			if l.holder == n.id {
				l.holder = 0
			}
		} else {
			l.regs[n.id] = c.SAKey
		}
	case fencer.PROutReserve:
		if !registered || c.Key != mine || (l.holder != 0 && l.holder != n.id) {
			return conflict, nil
		}
		l.holder, l.typ = n.id, c.Type
	case fencer.PROutPreempt, fencer.PROutPreemptAndAbort:
		for id, k := range l.regs {
			if k == c.SAKey && id != n.id {
				delete(l.regs, id)
				if l.holder == id {
					l.holder, l.typ = n.id, c.Type
				}
			}
		}
	}
	return good, nil
}

func prMapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// prNode is a daemon reduced to what the PR worker uses: node id reaches
// the LUNs in luns (by path) through nexus id; opens counts device opens.
type prNode struct {
	d     *daemon
	opens int
}

func newPRNode(t *testing.T, id int, luns map[string]*fakeLUN) *prNode {
	n := &prNode{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n.d = &daemon{log: log, events: make(chan cluster.Event, 16),
		res: &reservations{on: true, handles: map[string]*prHandle{}, waiting: map[uint64]cluster.StartService{}, holders: map[fencer.PRKey]bool{}}}
	n.d.fencer = fencer.New(fencer.Options{Log: log, Self: fmt.Sprintf("n%d", id), OpenSG: func(path string) (fencer.SGIO, error) {
		l, ok := luns[path]
		if !ok {
			return nil, fmt.Errorf("open %s: no such device", path)
		}
		n.opens++
		return fakeNexus{l: l, id: id}, nil
	}})
	return n
}

func prKey(t *testing.T, id int) fencer.PRKey {
	k, err := fencer.KeyFor("alpha", id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func prCfg(t *testing.T, id int, devs ...string) fencer.SCSIConfig {
	return fencer.SCSIConfig{Devices: devs, Key: prKey(t, id), Interval: time.Second}
}

func prViews(v []api.Reservation) string {
	s := ""
	for _, r := range v {
		s += fmt.Sprintf("[%s %s keys=%v holder=%s %s err=%q]", r.Device, r.State, r.Keys, r.Holder, r.Type, r.Error)
	}
	return s
}

func TestPRWorkerRegisterReserveCheck(t *testing.T) {
	luns := map[string]*fakeLUN{"/dev/sda": newFakeLUN(), "/dev/sdb": newFakeLUN()}
	n1, n2, n3 := newPRNode(t, 1, luns), newPRNode(t, 2, luns), newPRNode(t, 3, luns)
	c1, c2, c3 := prCfg(t, 1, "/dev/sda", "/dev/sdb"), prCfg(t, 2, "/dev/sda", "/dev/sdb"), prCfg(t, 3, "/dev/sda", "/dev/sdb")

	// node1 registers as master and takes WERO on both LUNs.
	res := n1.d.prRegister(c1, true)
	if !res.registered || res.err != nil || res.holder != 0 || len(res.view) != 2 {
		t.Fatalf("node1 registering: %+v", res)
	}
	for _, v := range res.view {
		if v.State != "registered" || v.Holder != c1.Key.String() || v.Type != "WERO" || !slices.Equal(v.Keys, []string{c1.Key.String()}) {
			t.Errorf("node1's view after registering: %s", prViews(res.view))
		}
	}
	// node2 registers; as master later it finds node1's reservation and
	// reports it (logged once by the loop), without failing.
	if res := n2.d.prRegister(c2, false); !res.registered {
		t.Fatalf("node2 registering: %+v", res)
	}
	if res := n2.d.prCheck(c2, true); res.holder != c1.Key || len(res.gone) != 0 || res.err != nil {
		t.Errorf("node2's check as master = %+v, want node1's key reported as holder", res)
	}
	// node3 never registered: a check finds nothing of its own gone.
	if res := n3.d.prCheck(c3, false); len(res.gone) != 0 {
		t.Errorf("unregistered node3's check reports its key gone: %+v", res)
	}
	// node2 fences node1 on /dev/sdb only: node1's check sees exactly that.
	prMust(t, (&fencer.PR{Dev: fakeNexus{l: luns["/dev/sdb"], id: 2}}).Preempt(c2.Key, c1.Key))
	res = n1.d.prCheck(c1, false)
	if fmt.Sprint(res.gone) != "[/dev/sdb]" || res.view[1].State != "fenced" || res.view[0].State != "registered" {
		t.Errorf("node1's check after the preempt: gone %v, %s", res.gone, prViews(res.view))
	}
	if res.view[1].Holder != c2.Key.String() {
		t.Errorf("the preempt should have moved node1's reservation on /dev/sdb to node2: %s", prViews(res.view))
	}
	// A graceful leave removes node2's key everywhere.
	n2.d.prUnregister(c2)
	for p, l := range luns {
		if _, ok := l.regs[2]; ok {
			t.Errorf("%s still lists node2 after its leave", p)
		}
	}
}

func TestPRWorkerMissingDeviceAndTransportErrors(t *testing.T) {
	luns := map[string]*fakeLUN{"/dev/sda": newFakeLUN()}
	n := newPRNode(t, 1, luns)
	cfg := prCfg(t, 1, "/dev/sda", "/dev/sdb")
	res := n.d.prRegister(cfg, false)
	if res.registered || !res.retry || res.err == nil {
		t.Fatalf("registering with /dev/sdb missing = %+v, want a retryable failure", res)
	}
	luns["/dev/sdb"] = newFakeLUN()
	if res := n.d.prRegister(cfg, false); !res.registered || res.err != nil {
		t.Fatalf("registering once /dev/sdb exists = %+v", res)
	}
	// A path that fails drops its handle; the next check opens it again
	// and is not mistaken for a fence.
	opens := n.opens
	luns["/dev/sda"].broken[1] = 1
	if res := n.d.prCheck(cfg, false); res.err == nil || len(res.gone) != 0 {
		t.Errorf("check through a failing path = %+v, want an error and no fence", res)
	}
	if res := n.d.prCheck(cfg, false); res.err != nil || len(res.gone) != 0 || n.opens != opens+1 {
		t.Errorf("check after the path came back = %+v, opens %d -> %d (want one reopen)", res, opens, n.opens)
	}
	// A SCSI refusal (not a transport error) is not retried as such.
	other := newPRNode(t, 2, luns)
	prMust(t, (&fencer.PR{Dev: fakeNexus{l: luns["/dev/sda"], id: 2}}).Register(prKey(t, 2)))
	prMust(t, (&fencer.PR{Dev: fakeNexus{l: luns["/dev/sda"], id: 2}}).Preempt(prKey(t, 2), cfg.Key))
	if res := n.d.prRegister(cfg, false); len(res.gone) != 1 || res.retry {
		t.Errorf("registering again after being preempted = %+v: it must report the fence, never re-register", res)
	}
	if k, _ := (&fencer.PR{Dev: fakeNexus{l: luns["/dev/sda"], id: 9}}).ReadKeys(); k.Has(cfg.Key) {
		t.Error("the preempted key was registered again")
	}
	_ = other
}

func TestPRHeldAndRefusedStarts(t *testing.T) {
	n := newPRNode(t, 1, nil)
	d, r := n.d, n.d.res
	r.cfg = prCfg(t, 1, "/dev/sda")
	a := cluster.StartService{Key: 7, Name: "web", Gen: 3}
	d.startWhenRegistered(a)
	if _, held := r.waiting[7]; !held {
		t.Fatal("a start before the registration was not held")
	}
	d.forgetHeldStart(7)
	if len(r.waiting) != 0 {
		t.Fatal("a stop did not drop the held start")
	}
	d.startWhenRegistered(a)
	r.phase = prRegistered
	if d.fencedWrite() != nil || d.prFenced() {
		t.Fatal("fenced before anything happened")
	}
	d.fencedByPR([]string{"/dev/sda"})
	if !errors.Is(d.fencedWrite(), errFencedByPR) || !d.prFenced() || r.phase != prFenced {
		t.Errorf("after the key vanished: write error %v, fenced %v, phase %v", d.fencedWrite(), d.prFenced(), r.phase)
	}
	ev := (<-d.events).(cluster.ServiceDone)
	if ev.Key != 7 || ev.Gen != 3 || ev.State != cluster.SvcFailed {
		t.Errorf("held start after the fence = %+v, want reported failed", ev)
	}
	d.startWhenRegistered(cluster.StartService{Key: 8, Name: "db", Gen: 1})
	if ev := (<-d.events).(cluster.ServiceDone); ev.Key != 8 || ev.State != cluster.SvcFailed {
		t.Errorf("start on a fenced node = %+v, want refused", ev)
	}
}

func prMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
