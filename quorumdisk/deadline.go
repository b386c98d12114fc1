package quorumdisk

import (
	"time"
)

// ioResult is what a device call returned.
type ioResult struct {
	n   int
	err error
}

// stuckIO is a call abandoned at its deadline and still running.
type stuckIO struct {
	write bool
	off   int64
	start time.Time
	done  <-chan ioResult // receives once, when the call returns
}

func opName(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

// begin locks the Disk for one operation and makes sure no abandoned call
// is still running: if one is, it fails at once with ErrBusy; if it has
// returned meanwhile, it is reaped and the device is usable again. On nil,
// the caller must call d.mu.Unlock when done.
func (d *Disk) begin() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	if d.stuck == nil {
		return nil
	}
	select {
	case r := <-d.stuck.done:
		d.reap(r)
		return nil
	default:
		s := d.stuck
		d.mu.Unlock()
		d.stats.update(func(st *Stats) { st.Busy++ })
		return opErr(ErrBusy, nil, "quorum disk %s busy: a %s at offset %d has been stuck for %s",
			d.name, opName(s.write), s.off, time.Since(s.start).Round(time.Millisecond))
	}
}

// reap notes that the abandoned call returned. Nobody is waiting for its
// result, so it is logged here.
func (d *Disk) reap(r ioResult) {
	s := d.stuck
	d.stuck = nil
	d.stats.update(func(st *Stats) { st.Late++ })
	d.log.Warn("stuck quorum disk I/O returned", "device", d.name, "op", opName(s.write),
		"off", s.off, "after", time.Since(s.start).Round(time.Millisecond), "err", r.err)
}

// do runs one device call with the I/O deadline. The caller holds d.mu
// (from begin). p belongs to the device until the call returns; when the
// deadline passes first, the call is recorded as stuck and p must not be
// touched until begin has reaped it, which the busy rule guarantees.
func (d *Disk) do(write bool, p []byte, off int64) error {
	done := make(chan ioResult, 1)
	start := time.Now()
	d.stats.update(func(s *Stats) {
		if write {
			s.Writes++
		} else {
			s.Reads++
		}
	})
	go func() {
		var r ioResult
		if write {
			r.n, r.err = d.dev.WriteAt(p, off)
		} else {
			r.n, r.err = d.dev.ReadAt(p, off)
		}
		if r.err == nil && r.n != len(p) {
			r.err = errShort(r.n, len(p))
		}
		done <- r
	}()
	timer := time.NewTimer(d.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		d.stats.completed(write, r.n, r.err, time.Since(start))
		if r.err != nil {
			return opErr(r.err, nil, "quorum disk %s: %s of %d bytes at offset %d: %v",
				d.name, opName(write), len(p), off, r.err)
		}
		return nil
	case <-timer.C:
		d.stuck = &stuckIO{write: write, off: off, start: start, done: done}
		d.stats.update(func(s *Stats) { s.Timeouts++ })
		return opErr(ErrTimeout, nil, "quorum disk %s: %s of %d bytes at offset %d did not finish within %s; "+
			"check the storage path (multipath, SAN, cabling)", d.name, opName(write), len(p), off, d.timeout)
	}
}
