package appliance

import "time"

// Backoff is the delay before restarting a process that exited: Min after
// the first quick exit, doubling each time up to Max. Reset starts over at
// Min; the supervisor calls it when the process ran for StableAfter.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Next returns the delay to wait now and advances the sequence.
func (b *Backoff) Next() time.Duration {
	if b.next < b.Min {
		b.next = b.Min
	}
	d := b.next
	b.next = min(2*b.next, b.Max)
	if d > b.Max {
		d = b.Max
	}
	return d
}

// Reset makes the next delay Min again.
func (b *Backoff) Reset() { b.next = 0 }
