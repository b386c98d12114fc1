package netheart

import (
	"errors"
	"sync/atomic"
)

// Counters are the packet counts of one link, or of all links.
type Counters struct {
	Sent       uint64 // packets written to the socket
	SendErrors uint64 // packets the socket refused
	Received   uint64 // packets that passed every check
	// Overflow counts accepted packets not delivered because the consumer
	// of Received lagged. They still count as heard in LastHeard.
	Overflow   uint64
	ReadErrors uint64 // socket read errors other than close

	// Drops, one counter per reason (see the package documentation).
	Malformed      uint64 // ErrMalformed, ErrShort: short, truncated, bad lengths or values
	BadMagic       uint64 // ErrMagic
	BadVersion     uint64 // ErrVersion
	WrongCluster   uint64 // ErrCluster
	Secauth        uint64 // ErrSecauth
	BadMAC         uint64 // ErrMAC
	UnknownType    uint64 // ErrType
	FromSelf       uint64 // ErrFromSelf
	Misaddressed   uint64 // ErrMisaddressed
	UnknownSender  uint64 // ErrUnknownSender
	SenderMismatch uint64 // ErrSenderMismatch
	Replay         uint64 // ErrReplay
}

// Dropped is the number of packets dropped by the checks (Overflow is not
// included: those packets were accepted).
func (c Counters) Dropped() uint64 {
	return c.Malformed + c.BadMagic + c.BadVersion + c.WrongCluster + c.Secauth + c.BadMAC +
		c.UnknownType + c.FromSelf + c.Misaddressed + c.UnknownSender + c.SenderMismatch + c.Replay
}

// Stats are the transport's counters per link and summed.
type Stats struct {
	Links []Counters
	Total Counters
}

// counter indexes a link's counter array.
type counter int

const (
	cSent counter = iota
	cSendErrors
	cReceived
	cOverflow
	cReadErrors
	cMalformed
	cBadMagic
	cBadVersion
	cWrongCluster
	cSecauth
	cBadMAC
	cUnknownType
	cFromSelf
	cMisaddressed
	cUnknownSender
	cSenderMismatch
	cReplay
	numCounters
)

type counters [numCounters]atomic.Uint64

func (c *counters) inc(k counter) { c[k].Add(1) }

// fields lists each counter's field, in counter order.
func (s *Counters) fields() [numCounters]*uint64 {
	return [numCounters]*uint64{&s.Sent, &s.SendErrors, &s.Received, &s.Overflow, &s.ReadErrors,
		&s.Malformed, &s.BadMagic, &s.BadVersion, &s.WrongCluster, &s.Secauth, &s.BadMAC,
		&s.UnknownType, &s.FromSelf, &s.Misaddressed, &s.UnknownSender, &s.SenderMismatch, &s.Replay}
}

func (c *counters) snapshot() Counters {
	var s Counters
	for i, f := range s.fields() {
		*f = c[i].Load()
	}
	return s
}

func (s *Counters) add(o Counters) {
	of := o.fields()
	for i, f := range s.fields() {
		*f += *of[i]
	}
}

// dropReasons maps each drop sentinel to its counter. Order matters:
// ErrShort matches ErrMalformed too.
var dropReasons = []struct {
	err error
	c   counter
}{
	{ErrMalformed, cMalformed}, {ErrMagic, cBadMagic}, {ErrVersion, cBadVersion},
	{ErrCluster, cWrongCluster}, {ErrSecauth, cSecauth}, {ErrMAC, cBadMAC},
	{ErrType, cUnknownType}, {ErrFromSelf, cFromSelf}, {ErrMisaddressed, cMisaddressed},
	{ErrUnknownSender, cUnknownSender}, {ErrSenderMismatch, cSenderMismatch}, {ErrReplay, cReplay},
}

func dropCounter(err error) counter {
	for _, r := range dropReasons {
		if errors.Is(err, r.err) {
			return r.c
		}
	}
	return cMalformed
}

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	s := Stats{Links: make([]Counters, len(t.links))}
	for i, l := range t.links {
		s.Links[i] = l.counters.snapshot()
		s.Total.add(s.Links[i])
	}
	return s
}
