package fencer

import (
	"sort"
	"sync"
	"time"
)

// lun is an in-memory logical unit with SPC-4 persistent reservations,
// shared by several nexuses (initiators). It implements what tgt 1.0.85
// does, including rejecting PREEMPT AND ABORT when rejectPA is set and
// queueing unit attentions for preempted initiators.
type lun struct {
	mu       sync.Mutex
	regs     map[int]PRKey
	holder   int // nexus id holding the reservation, 0 = none
	resType  PRType
	gen      uint32
	rejectPA bool
	ignorePR bool // a broken target: PREEMPT returns GOOD but changes nothing
	ua       map[int][]Sense
	calls    map[int][]string
}

func newLUN() *lun {
	return &lun{regs: map[int]PRKey{}, ua: map[int][]Sense{}, calls: map[int][]string{}}
}

// nexus is one initiator's path to the lun; it implements SGIO.
type nexus struct {
	l  *lun
	id int // >= 1
}

func (l *lun) nexus(id int) *nexus { return &nexus{l: l, id: id} }

var (
	senseInvalidCDB     = Sense{0x70, SenseIllegalRequest, 0x24, 0}
	senseInvalidOpcode  = Sense{0x70, SenseIllegalRequest, 0x20, 0}
	senseRegsPreempted  = Sense{0x72, SenseUnitAttention, 0x2a, 0x05}
	senseResvsPreempted = Sense{0x70, SenseUnitAttention, 0x2a, 0x03}
)

func check(s Sense) SGResult { return SGResult{Status: StatusCheckCondition, Sense: s.Encode()} }

var conflict = SGResult{Status: StatusReservationConflict}

func (n *nexus) Exec(cdb []byte, dir Direction, data []byte, _ time.Duration) (SGResult, error) {
	l := n.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.ua[n.id]; len(q) > 0 {
		l.ua[n.id] = q[1:]
		l.calls[n.id] = append(l.calls[n.id], "UA")
		return check(q[0]), nil
	}
	switch cdb[0] {
	case OpPRIn:
		sa, _, _ := DecodePRInCDB(cdb)
		l.calls[n.id] = append(l.calls[n.id], "IN"+string('0'+byte(sa)))
		return l.prIn(sa, data), nil
	case OpPROut:
		c, err := DecodePROut(cdb, data)
		if err != nil {
			return check(senseInvalidCDB), nil
		}
		l.calls[n.id] = append(l.calls[n.id], c.Action.String())
		return l.prOut(n.id, c), nil
	}
	return check(senseInvalidOpcode), nil
}

func (l *lun) prIn(sa PRInAction, data []byte) SGResult {
	var resp []byte
	switch sa {
	case PRInReadKeys:
		ids := make([]int, 0, len(l.regs))
		for id := range l.regs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		k := Keys{Generation: l.gen}
		for _, id := range ids {
			k.Keys = append(k.Keys, l.regs[id])
		}
		resp = k.Encode()
	case PRInReadReservation:
		r := Reservation{Generation: l.gen}
		if l.holder != 0 {
			r.Reserved, r.Key, r.Type = true, l.regs[l.holder], l.resType
		}
		resp = r.Encode()
	default:
		return check(senseInvalidCDB)
	}
	n := copy(data, resp)
	return SGResult{Status: StatusGood, Resid: len(data) - n}
}

func (l *lun) prOut(id int, c PROut) SGResult {
	mine, registered := l.regs[id]
	switch c.Action {
	case PROutRegister, PROutRegisterIgnore:
		if c.Action == PROutRegister && c.Key != mine {
			return conflict
		}
		l.setKey(id, c.SAKey)
	case PROutReserve:
		if !registered || c.Key != mine {
			return conflict
		}
		if l.holder != 0 && (l.holder != id || l.resType != c.Type) {
			return conflict
		}
		l.holder, l.resType = id, c.Type
	case PROutRelease:
		if l.holder == id && c.Key == mine {
			l.holder = 0
		}
	case PROutClear:
		if !registered || c.Key != mine {
			return conflict
		}
		for other := range l.regs {
			if other != id {
				l.ua[other] = append(l.ua[other], senseResvsPreempted)
			}
		}
		l.regs, l.holder = map[int]PRKey{}, 0
		l.gen++
	case PROutPreemptAndAbort, PROutPreempt:
		if c.Action == PROutPreemptAndAbort && l.rejectPA {
			return check(senseInvalidCDB)
		}
		if !registered || c.Key != mine {
			return conflict
		}
		if !l.ignorePR {
			l.preempt(id, c)
		}
	default:
		return check(senseInvalidCDB)
	}
	return SGResult{Status: StatusGood}
}

func (l *lun) setKey(id int, k PRKey) {
	if k == 0 {
		delete(l.regs, id)
		if l.holder == id {
			l.holder = 0
		}
	} else {
		l.regs[id] = k
	}
	l.gen++
}

func (l *lun) preempt(id int, c PROut) {
	for other, k := range l.regs {
		if k != c.SAKey || other == id {
			continue
		}
		delete(l.regs, other)
		l.ua[other] = append(l.ua[other], senseRegsPreempted)
		if l.holder == other {
			l.holder, l.resType = id, c.Type
		}
	}
	l.gen++
}
