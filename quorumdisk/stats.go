package quorumdisk

import (
	"errors"
	"sync"
	"time"
)

// Stats counts a Disk's I/O since it was opened.
type Stats struct {
	Reads        uint64 // read calls issued to the device
	Writes       uint64 // write calls issued to the device
	BytesRead    uint64 // bytes of successful reads
	BytesWritten uint64 // bytes of successful writes
	IOErrors     uint64 // calls that failed (not counting timeouts)
	Timeouts     uint64 // calls abandoned at the I/O deadline
	Busy         uint64 // calls refused with ErrBusy while one was stuck
	Late         uint64 // abandoned calls that returned later
	Corrupt      uint64 // blocks (slot copies) read that failed to decode (ErrCorrupt, ErrVersion)
	Stale        uint64 // blocks (slot copies) read that carried another disk UUID
	LostCopies   uint64 // slots read whose other copy was damaged (a torn or interrupted write; the good copy was used)
	MaxLatency   time.Duration
	LastLatency  time.Duration
}

// counters is the mutex-protected Stats of a Disk.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) get() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

func (c *counters) update(f func(*Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

// completed accounts a call that returned within the deadline.
func (c *counters) completed(write bool, n int, err error, took time.Duration) {
	c.update(func(s *Stats) {
		s.LastLatency = took
		s.MaxLatency = max(s.MaxLatency, took)
		switch {
		case err != nil:
			s.IOErrors++
		case write:
			s.BytesWritten += uint64(n)
		default:
			s.BytesRead += uint64(n)
		}
	})
}

// decoded accounts the outcome of decoding one block.
func (c *counters) decoded(err error) {
	switch {
	case err == nil, errors.Is(err, ErrEmpty):
	case errors.Is(err, ErrStale):
		c.update(func(s *Stats) { s.Stale++ })
	default:
		c.update(func(s *Stats) { s.Corrupt++ })
	}
}
