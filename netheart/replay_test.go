package netheart

import (
	"errors"
	"testing"
	"time"
)

type replayStep struct {
	name      string
	link      int
	inc, seq  uint64
	after     time.Duration // since the start
	wantErr   error         // nil: accepted
	clockBack bool          // the drop is the clock-step one
}

func runReplay(t *testing.T, window time.Duration, steps []replayStep) {
	t.Helper()
	var r replayState
	t0 := time.Unix(1000, 0)
	for _, s := range steps {
		err := r.admit(s.link, s.inc, s.seq, t0.Add(s.after), window)
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
			t.Fatalf("%s: got %v, want %v", s.name, err, s.wantErr)
		}
		if isClockBack(err) != s.clockBack {
			t.Fatalf("%s: clock-back %v, want %v (%v)", s.name, isClockBack(err), s.clockBack, err)
		}
	}
}

func TestReplaySameIncarnation(t *testing.T) {
	runReplay(t, time.Second, []replayStep{
		{name: "first", inc: 1, seq: 100},
		{name: "next", inc: 1, seq: 101},
		{name: "duplicate", inc: 1, seq: 101, wantErr: ErrReplay},
		{name: "older", inc: 1, seq: 50, wantErr: ErrReplay},
		{name: "other link, lower than link 0", link: 1, inc: 1, seq: 99},
		{name: "link 0 continues", inc: 1, seq: 102},
		{name: "link 1 reordered", link: 1, inc: 1, seq: 98, wantErr: ErrReplay},
		{name: "old packet long after", inc: 1, seq: 60, after: time.Hour, wantErr: ErrReplay},
	})
}

func TestReplayRestart(t *testing.T) {
	runReplay(t, time.Second, []replayStep{
		{name: "old run", inc: 1, seq: 100},
		{name: "old run link 1", link: 1, inc: 1, seq: 105},
		{name: "restart, higher numbers", inc: 2, seq: 200},
		{name: "old run on link 1 after restart", link: 1, inc: 1, seq: 106, wantErr: ErrReplay},
		{name: "new run on link 1", link: 1, inc: 2, seq: 201},
		{name: "old run, long silent", inc: 1, seq: 107, after: time.Hour, wantErr: ErrReplay},
	})
}

func TestReplayClockStepBack(t *testing.T) {
	runReplay(t, 10*time.Second, []replayStep{
		{name: "old run", inc: 1, seq: 1000},
		{name: "old run still heard", inc: 1, seq: 1001, after: 5 * time.Second},
		{name: "restart below, old heard 1s ago", inc: 2, seq: 10, after: 6 * time.Second, wantErr: ErrReplay, clockBack: true},
		{name: "restart below, old silent exactly the window", inc: 2, seq: 11, after: 15 * time.Second, wantErr: ErrReplay, clockBack: true},
		{name: "restart below, old silent past the window", inc: 2, seq: 12, after: 15*time.Second + 1},
		{name: "new run continues", inc: 2, seq: 13, after: 16 * time.Second},
		{name: "replay of the dead run never returns", inc: 1, seq: 1002, after: time.Hour, wantErr: ErrReplay},
	})
}

func TestReplayWindowNegativeNeverBelieves(t *testing.T) {
	runReplay(t, -1, []replayStep{
		{name: "old run", inc: 1, seq: 1000},
		{name: "restart below, much later", inc: 2, seq: 10, after: time.Hour, wantErr: ErrReplay, clockBack: true},
		{name: "numbers caught up", inc: 2, seq: 1001, after: time.Hour},
	})
}

func TestReplayRemembersRetiredIncarnations(t *testing.T) {
	var r replayState
	t0 := time.Unix(0, 0)
	for inc := uint64(1); inc <= maxRetired+2; inc++ {
		if err := r.admit(0, inc, inc*100, t0, time.Second); err != nil {
			t.Fatalf("incarnation %d: %v", inc, err)
		}
	}
	late := t0.Add(time.Hour)
	// The last maxRetired ended incarnations stay refused however long the
	// current one has been silent.
	for inc := uint64(3); inc <= maxRetired+1; inc++ {
		if err := r.admit(0, inc, 1, late, time.Second); !errors.Is(err, ErrReplay) || isClockBack(err) {
			t.Errorf("retired incarnation %d: %v", inc, err)
		}
	}
	// Incarnation 1 was forgotten: the documented residue.
	if err := r.admit(0, 1, 1, late, time.Second); err != nil {
		t.Errorf("forgotten incarnation after the window: %v, want accepted", err)
	}
	if len(r.retired) != maxRetired {
		t.Errorf("retired %d, want %d", len(r.retired), maxRetired)
	}
}
