package netheart

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/quorate/quorate/cluster"
)

// Send sends hb to every peer on every link, one packet per peer per link.
// It tries every peer and returns the failures joined, each naming the
// link and the peer. hb.From must be Config.Self.
func (t *Transport) Send(hb cluster.Heartbeat) error { return t.send(hb, nil) }

// SendTo sends hb only to the peers in to (see Targets), on every link
// where they are configured. Ids configured on no link are ignored.
func (t *Transport) SendTo(hb cluster.Heartbeat, to []cluster.NodeID) error {
	s := cluster.SetOf(to...)
	return t.send(hb, &s)
}

func (t *Transport) send(hb cluster.Heartbeat, to *cluster.NodeSet) error {
	if t.closed.Load() {
		return ErrClosed
	}
	if hb.From != t.cfg.Self {
		return fmt.Errorf("%w: From is %d, this node is %d", ErrNotSelf, hb.From, t.cfg.Self)
	}
	ext := t.extension()
	t.sendMu.Lock()
	defer t.sendMu.Unlock()
	var errs []error
	for _, l := range t.links {
		pm := l.peers.Load()
		for _, id := range pm.ids {
			if to != nil && !to.Has(id) {
				continue
			}
			if err := t.sendOne(l, id, pm.addr[id], hb, ext); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// sendOne encodes and writes one packet; the caller holds sendMu.
func (t *Transport) sendOne(l *link, id cluster.NodeID, addr netip.AddrPort, hb cluster.Heartbeat, ext []byte) error {
	p := Packet{
		Type:        TypeHeartbeat,
		Link:        uint8(l.index),
		Cluster:     t.clusterID,
		Sender:      t.cfg.Self,
		To:          id,
		Incarnation: hb.Incarnation,
		Seq:         t.seq.Add(1),
		Heartbeat:   hb,
		Ext:         ext,
	}
	t.buf = appendPacket(t.buf[:0], p, t.cfg.Key)
	if _, err := l.conn.WriteToUDPAddrPort(t.buf, addr); err != nil {
		l.counters.inc(cSendErrors)
		return fmt.Errorf("netheart: link %d: heartbeat to node %d at %s: %w", l.index, id, addr, err)
	}
	l.counters.inc(cSent)
	return nil
}
