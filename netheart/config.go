package netheart

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/quorate/quorate/cluster"
)

// DefaultQueueLen is Config.QueueLen when left zero.
const DefaultQueueLen = 256

// Config configures a Transport.
type Config struct {
	Cluster string         // cluster name; its hash is the cluster id
	Self    cluster.NodeID // this node
	// Key is the cluster key (see LoadKey); nil only when secauth is off.
	Key   []byte
	Links []Link // 1 or 2 links, in the same order on every node
	Log   *slog.Logger
	Now   func() time.Time // default time.Now
	// ReplayWindow is how long a sender's current incarnation must have
	// been silent before a new incarnation with lower sequence numbers is
	// believed (see the package documentation). Zero: DefaultReplayWindow;
	// negative: never.
	ReplayWindow time.Duration
	// QueueLen is the capacity of the Received channel; zero:
	// DefaultQueueLen.
	QueueLen int
}

// Link is one network a Transport heartbeats on.
type Link struct {
	Listen string                    // host:port to bind
	Peers  map[cluster.NodeID]string // host:port of each peer on this link
}

// peerMap is a link's resolved peers; it is replaced whole, never changed.
type peerMap struct {
	ids  []cluster.NodeID // ascending
	addr map[cluster.NodeID]netip.AddrPort
}

func (c *Config) normalize() error {
	switch {
	case c.Cluster == "":
		return fmt.Errorf("%w: empty cluster name", ErrConfig)
	case c.Self == 0 || int(c.Self) > cluster.MaxNodes:
		return fmt.Errorf("%w: node id %d outside 1..%d", ErrConfig, c.Self, cluster.MaxNodes)
	case len(c.Links) == 0 || len(c.Links) > MaxLinks:
		return fmt.Errorf("%w: %d links, give 1 to %d", ErrConfig, len(c.Links), MaxLinks)
	case c.Key != nil && len(c.Key) < MinKeyLen:
		return fmt.Errorf("%w: %w: %d bytes, at least %d", ErrConfig, ErrKeyShort, len(c.Key), MinKeyLen)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ReplayWindow == 0 {
		c.ReplayWindow = DefaultReplayWindow
	}
	if c.QueueLen <= 0 {
		c.QueueLen = DefaultQueueLen
	}
	return nil
}

// resolvePeers checks and resolves one link's peer addresses.
func resolvePeers(self cluster.NodeID, link int, peers map[cluster.NodeID]string) (*peerMap, error) {
	pm := &peerMap{addr: make(map[cluster.NodeID]netip.AddrPort, len(peers))}
	for id, s := range peers {
		switch {
		case id == 0 || int(id) > cluster.MaxNodes:
			return nil, fmt.Errorf("%w: link %d: peer node id %d outside 1..%d", ErrConfig, link, id, cluster.MaxNodes)
		case id == self:
			return nil, fmt.Errorf("%w: link %d: node %d is this node, not a peer", ErrConfig, link, id)
		}
		ua, err := net.ResolveUDPAddr("udp", s)
		if err != nil {
			return nil, fmt.Errorf("%w: link %d: node %d address %q: %w (want host:port)", ErrConfig, link, id, s, err)
		}
		ap := ua.AddrPort()
		pm.addr[id] = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		pm.ids = append(pm.ids, id)
	}
	slices.Sort(pm.ids)
	return pm, nil
}

func (pm *peerMap) has(id cluster.NodeID) bool {
	_, ok := pm.addr[id]
	return ok
}
