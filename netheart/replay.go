package netheart

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// MaxLinks is the number of redundant links a Transport can use.
const MaxLinks = 2

// DefaultReplayWindow is Config.ReplayWindow when left zero.
const DefaultReplayWindow = 30 * time.Second

// maxRetired is how many ended incarnations a receiver remembers per sender.
const maxRetired = 8

// errClockBack is the replay drop of a new incarnation whose numbers are
// below its predecessor's: a restart across a backward clock step, or a
// replay of an incarnation we never saw. It matches ErrReplay.
var errClockBack = fmt.Errorf("%w: new incarnation with lower sequence numbers (clock stepped back across a restart, or a replay)", ErrReplay)

// replayState is what a receiver remembers about one sender's sequence
// numbers. The zero value has seen nothing.
type replayState struct {
	seen    bool
	inc     uint64           // current incarnation
	high    [MaxLinks]uint64 // highest sequence accepted per link, of inc
	last    time.Time        // when a packet of inc was last accepted
	retired []uint64         // ended incarnations, oldest first
}

// admit decides whether a packet of incarnation inc with sequence seq,
// arriving on link at now, is fresh, and records it if so. window is the
// silence after which a new incarnation with lower numbers is believed
// (negative: never). It returns nil or an error matching ErrReplay.
func (r *replayState) admit(link int, inc, seq uint64, now time.Time, window time.Duration) error {
	switch {
	case !r.seen:
		r.start(inc, link, seq, now)
		return nil
	case inc == r.inc:
		return r.next(link, seq, now)
	case slices.Contains(r.retired, inc):
		return fmt.Errorf("%w: incarnation %#x has ended", ErrReplay, inc)
	case seq > r.maxSeq():
		r.restart(inc, link, seq, now)
		return nil
	case window >= 0 && now.Sub(r.last) > window:
		r.restart(inc, link, seq, now)
		return nil
	}
	return fmt.Errorf("%w: incarnation %#x seq %d, incarnation %#x was heard %v ago (believed after %v)",
		errClockBack, inc, seq, r.inc, now.Sub(r.last).Round(time.Millisecond), window)
}

func (r *replayState) next(link int, seq uint64, now time.Time) error {
	if seq <= r.high[link] {
		return fmt.Errorf("%w: seq %d, already accepted %d on link %d", ErrReplay, seq, r.high[link], link)
	}
	r.high[link] = seq
	r.last = now
	return nil
}

func (r *replayState) restart(inc uint64, link int, seq uint64, now time.Time) {
	r.retired = append(r.retired, r.inc)
	if len(r.retired) > maxRetired {
		r.retired = slices.Delete(r.retired, 0, len(r.retired)-maxRetired)
	}
	r.start(inc, link, seq, now)
}

func (r *replayState) start(inc uint64, link int, seq uint64, now time.Time) {
	r.seen, r.inc, r.last = true, inc, now
	r.high = [MaxLinks]uint64{}
	r.high[link] = seq
}

func (r *replayState) maxSeq() uint64 { return slices.Max(r.high[:]) }

// isClockBack reports whether err is the drop that a backward clock step
// at the sender's restart causes.
func isClockBack(err error) bool { return errors.Is(err, errClockBack) }
