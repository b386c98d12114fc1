package fencer

import "time"

// Never is the confirmation time of a poison pill that can never be
// trusted (no watchdog): later than any real clock reading.
var Never = time.Unix(1<<62, 0)

// PoisonPillConfirmedAt applies sbd's msgwait rule: a poison pill
// (eviction/reset notice) written into the victim's slot at written
// counts as a successful fence only at written + watchdogTimeout +
// margin, and only when that deadline has passed on the fencer's own
// monotonic clock: pass written from time.Now (or the Fencer's Now) on
// the fencing node and compare with !now.Before(deadline), never with a
// time read from the disk or another node.
//
// watchdogTimeout is the victim's hardware watchdog timeout: a victim
// that stopped petting is reset within it. margin must cover how long a
// healthy victim takes to see the pill and stop petting (its slot read
// interval times tko, plus scheduling slack); sbd uses margin =
// watchdogTimeout (msgwait = 2 × watchdog). Without a watchdog
// (watchdogTimeout <= 0) a hung victim would never reset, so the pill is
// never a fence: the result is Never. A negative margin counts as 0.
func PoisonPillConfirmedAt(written time.Time, watchdogTimeout, margin time.Duration) time.Time {
	if watchdogTimeout <= 0 {
		return Never
	}
	return written.Add(watchdogTimeout + max(margin, 0))
}
