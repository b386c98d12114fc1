package fencer

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// The fencing scenario of ../shared/recipes/san-tgt/example-prtest.c.txt:
// A and B register, A reserves WERO, B fences A.
func TestPRFencingScenario(t *testing.T) {
	for _, rejectPA := range []bool{true, false} {
		t.Run(fmt.Sprintf("rejectPreemptAndAbort=%v", rejectPA), func(t *testing.T) {
			l := newLUN()
			l.rejectPA = rejectPA
			a, b := &PR{Dev: l.nexus(1)}, &PR{Dev: l.nexus(2)}
			ka, _ := KeyFor("alpha", 1)
			kb, _ := KeyFor("alpha", 2)
			must(t, a.Register(ka))
			must(t, b.Register(kb))
			must(t, a.Reserve(ka))
			must(t, a.Reserve(ka)) // again: same holder and type is fine
			if err := b.Reserve(kb); !errors.Is(err, ErrReservationConflict) {
				t.Errorf("B reserving A's reservation = %v, want ErrReservationConflict", err)
			}
			keys, err := b.ReadKeys()
			if err != nil || fmt.Sprint(keys.Keys) != fmt.Sprint([]PRKey{ka, kb}) {
				t.Fatalf("keys = %+v, %v", keys, err)
			}
			r, err := b.ReadReservation()
			if err != nil || !r.Reserved || r.Key != ka || r.Type != PRWriteExclusiveRegistrants {
				t.Fatalf("reservation = %+v, %v", r, err)
			}

			must(t, b.Preempt(kb, ka))
			wantCalls := "PREEMPT AND ABORT IN0"
			if rejectPA {
				wantCalls = "PREEMPT AND ABORT PREEMPT IN0"
			}
			if !strings.HasSuffix(strings.Join(l.calls[2], " "), wantCalls) {
				t.Errorf("B's commands end %v, want ... %s", l.calls[2], wantCalls)
			}
			r, _ = b.ReadReservation()
			if !r.Reserved || r.Key != kb {
				t.Errorf("after preempt the reservation is %+v, want held by B", r)
			}
			// A's next command meets the unit attention and is retried once.
			keys, err = a.ReadKeys()
			if err != nil || fmt.Sprint(keys.Keys) != fmt.Sprint([]PRKey{kb}) {
				t.Errorf("A reads keys = %+v, %v", keys, err)
			}
			if got := strings.Join(l.calls[1][len(l.calls[1])-2:], " "); got != "UA IN0" {
				t.Errorf("A's last commands = %s, want UA then the retried READ KEYS", got)
			}
			// The fenced node cannot take the reservation back with its stale key.
			if err := a.Reserve(ka); !errors.Is(err, ErrReservationConflict) {
				t.Errorf("fenced A reserving = %v, want ErrReservationConflict", err)
			}
		})
	}
}

func TestPRPreemptChecks(t *testing.T) {
	l := newLUN()
	a, b := &PR{Dev: l.nexus(1)}, &PR{Dev: l.nexus(2)}
	must(t, a.Register(0xA))
	must(t, b.Register(0xB))
	for _, victim := range []PRKey{0, 0xB} {
		if err := b.Preempt(0xB, victim); !errors.Is(err, ErrBadParam) {
			t.Errorf("Preempt(B, %v) = %v, want refused", victim, err)
		}
	}
	l.ignorePR = true
	if err := b.Preempt(0xB, 0xA); !errors.Is(err, ErrNotVerified) {
		t.Errorf("preempt on a target that ignores it = %v, want ErrNotVerified", err)
	}
	if err := b.Register(0); !errors.Is(err, ErrBadParam) {
		t.Errorf("Register(0) = %v", err)
	}
	must(t, b.Unregister(0xB))
	if k, _ := a.ReadKeys(); k.Has(0xB) {
		t.Error("B still registered after Unregister")
	}
}

func TestPRUnitAttentionRetriedOnlyOnce(t *testing.T) {
	l := newLUN()
	l.ua[1] = []Sense{senseResvsPreempted, senseRegsPreempted}
	p := &PR{Dev: l.nexus(1)}
	if _, err := p.ReadKeys(); !errors.Is(err, ErrUnitAttention) {
		t.Errorf("two unit attentions = %v, want ErrUnitAttention after one retry", err)
	}
	if _, err := p.ReadKeys(); err != nil {
		t.Errorf("after the attentions are consumed: %v", err)
	}
}

func TestPRReadKeysGrowsBuffer(t *testing.T) {
	l := newLUN()
	for i := 1; i <= 200; i++ {
		must(t, (&PR{Dev: l.nexus(i)}).Register(PRKey(i)))
	}
	k, err := (&PR{Dev: l.nexus(1)}).ReadKeys()
	if err != nil || len(k.Keys) != 200 || k.Keys[199] != 200 {
		t.Errorf("200 keys: got %d, %v", len(k.Keys), err)
	}
	if got := strings.Join(l.calls[1][len(l.calls[1])-2:], " "); got != "IN0 IN0" {
		t.Errorf("READ KEYS with 1608 bytes of response should be re-issued once: %v", l.calls[1])
	}
}

func TestPRClear(t *testing.T) {
	l := newLUN()
	a, b := &PR{Dev: l.nexus(1)}, &PR{Dev: l.nexus(2)}
	must(t, a.Register(0xA))
	must(t, b.Register(0xB))
	must(t, a.Reserve(0xA))
	must(t, b.Clear(0xB))
	r, err := a.ReadReservation() // UA, retried
	if err != nil || r.Reserved {
		t.Errorf("after CLEAR: %+v, %v", r, err)
	}
	must(t, a.Register(0xA))
	must(t, a.Reserve(0xA))
	must(t, a.Release(0xA))
	if r, _ := a.ReadReservation(); r.Reserved {
		t.Errorf("after RELEASE: %+v", r)
	}
}

func TestSGIOHeaderLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) == 8 {
		if s := unsafe.Sizeof(sgIOHdr{}); s != 88 {
			t.Errorf("sizeof(sg_io_hdr) = %d, want 88", s)
		}
		if o := unsafe.Offsetof(sgIOHdr{}.status); o != 64 {
			t.Errorf("offsetof(status) = %d, want 64", o)
		}
		if o := unsafe.Offsetof(sgIOHdr{}.resid); o != 72 {
			t.Errorf("offsetof(resid) = %d, want 72", o)
		}
	}
}

func TestSGIOOnNonSCSIDevice(t *testing.T) {
	d, err := OpenSG(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := &PR{Dev: d}
	_, err = p.ReadKeys()
	if !errors.Is(err, ErrTransport) || !errors.Is(err, syscall.ENOTTY) {
		t.Errorf("READ KEYS on /dev/null = %v, want a transport error (ENOTTY)", err)
	}
	if _, err := OpenSG("/nonexistent/sg0"); err == nil || !strings.Contains(err.Error(), "/nonexistent/sg0") {
		t.Errorf("OpenSG of a missing path = %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
