package netheart

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// readErrorPause keeps a reader that keeps failing from spinning.
const readErrorPause = 10 * time.Millisecond

// warnEvery limits the warnings about drops to one per link and reason.
const warnEvery = time.Minute

type warnKey struct {
	link int
	c    counter
}

func (t *Transport) readLoop(l *link) {
	defer t.wg.Done()
	buf := make([]byte, MaxPacket+1) // one more: an oversized datagram fails the length check
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if t.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			l.counters.inc(cReadErrors)
			t.warn(l.index, cReadErrors, "heartbeat socket read failed", "err", err)
			time.Sleep(readErrorPause)
			continue
		}
		t.handle(l, buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	}
}

// handle checks one datagram and delivers it if it passes.
func (t *Transport) handle(l *link, b []byte, from netip.AddrPort) {
	at := t.now()
	p, err := Decode(b, t.cfg.Key, t.clusterID)
	if err == nil {
		err = t.check(l, p)
	}
	if err == nil {
		err = t.admit(l.index, p, at)
	}
	if err != nil {
		t.drop(l, err, from)
		return
	}
	l.counters.inc(cReceived)
	t.cfg.Log.Debug("heartbeat", "link", l.index, "peer", p.Sender, "seq", p.Seq, "state", p.Heartbeat.State)
	r := Received{Heartbeat: p.Heartbeat, Link: l.index, Addr: from, Seq: p.Seq, At: at, Ext: p.Ext}
	select {
	case t.recv <- r:
	default:
		l.counters.inc(cOverflow)
	}
}

// check applies the receiver's checks that need no state.
func (t *Transport) check(l *link, p Packet) error {
	switch {
	case p.Sender == t.cfg.Self:
		return ErrFromSelf
	case p.To != t.cfg.Self:
		return wrapf(ErrMisaddressed, "sent to node %d, this is node %d", p.To, t.cfg.Self)
	case int(p.Link) != l.index:
		return wrapf(ErrMisaddressed, "sent on link %d, arrived on link %d", p.Link, l.index)
	case !l.peers.Load().has(p.Sender):
		return wrapf(ErrUnknownSender, "node %d is not a peer on link %d", p.Sender, l.index)
	case p.Heartbeat.From != p.Sender || p.Heartbeat.Incarnation != p.Incarnation:
		return wrapf(ErrSenderMismatch, "packet from node %d incarnation %#x carries heartbeat of node %d incarnation %#x",
			p.Sender, p.Incarnation, p.Heartbeat.From, p.Heartbeat.Incarnation)
	}
	return nil
}

// admit runs the replay check and records the arrival.
func (t *Transport) admit(link int, p Packet, at time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.peers[p.Sender]
	if rec == nil {
		rec = &peerRecord{}
		t.peers[p.Sender] = rec
	}
	if err := rec.replay.admit(link, p.Incarnation, p.Seq, at, t.cfg.ReplayWindow); err != nil {
		return fmt.Errorf("node %d: %w", p.Sender, err)
	}
	rec.arrived(link, at)
	return nil
}

// drop counts a rejected packet and logs it: at Warn (once a minute per
// link and reason) when it points at a misconfiguration or an attack, at
// Debug otherwise.
func (t *Transport) drop(l *link, err error, from netip.AddrPort) {
	c := dropCounter(err)
	l.counters.inc(c)
	switch {
	case c == cReplay && !isClockBack(err), c == cFromSelf, c == cMalformed, c == cBadMagic:
		t.cfg.Log.Debug("heartbeat dropped", "link", l.index, "from", from.String(), "reason", err)
	default:
		t.warn(l.index, c, "heartbeat dropped", "from", from.String(), "reason", err)
	}
}

// warn logs at Warn at most once per warnEvery per link and counter.
func (t *Transport) warn(link int, c counter, msg string, args ...any) {
	if t.shouldWarn(warnKey{link, c}) {
		t.cfg.Log.Warn(msg, append([]any{"link", link}, args...)...)
	}
}

func (t *Transport) shouldWarn(k warnKey) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.warned[k]; ok && now.Sub(last) < warnEvery {
		return false
	}
	t.warned[k] = now
	return true
}

// wrapf wraps the sentinel err with a formatted detail.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{err}, args...)...)
}
