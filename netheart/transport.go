package netheart

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorate/quorate/cluster"
)

// Transport sends and receives heartbeats over one or two UDP links. Its
// methods are safe for concurrent use.
type Transport struct {
	cfg       Config
	clusterID [8]byte
	links     []*link
	recv      chan Received

	seq atomic.Uint64          // last sequence number used
	ext atomic.Pointer[[]byte] // extension for outgoing heartbeats
	now func() time.Time

	sendMu sync.Mutex // serializes Send; guards buf
	buf    []byte

	mu     sync.Mutex // guards peers and warned
	peers  map[cluster.NodeID]*peerRecord
	warned map[warnKey]time.Time

	wg        sync.WaitGroup
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

type link struct {
	index    int
	conn     *net.UDPConn
	local    netip.AddrPort
	peers    atomic.Pointer[peerMap]
	counters counters
}

// Received is one accepted heartbeat.
type Received struct {
	Heartbeat cluster.Heartbeat
	Link      int            // link it arrived on
	Addr      netip.AddrPort // source address
	Seq       uint64
	At        time.Time // Config.Now at arrival
	Ext       []byte    // extension bytes (nil: none); the receiver owns them
}

// New checks cfg, binds one UDP socket per link and starts receiving.
func New(cfg Config) (*Transport, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	t := &Transport{
		cfg:       cfg,
		clusterID: ClusterID(cfg.Cluster),
		recv:      make(chan Received, cfg.QueueLen),
		now:       cfg.Now,
		peers:     make(map[cluster.NodeID]*peerRecord),
		warned:    make(map[warnKey]time.Time),
	}
	t.seq.Store(startSeq(cfg.Now()))
	if err := t.bind(); err != nil {
		t.closeConns()
		return nil, err
	}
	t.logStart()
	for _, l := range t.links {
		t.wg.Add(1)
		go t.readLoop(l)
	}
	return t, nil
}

// startSeq is the first sequence number: wall-clock Unix nanoseconds.
func startSeq(now time.Time) uint64 {
	return uint64(max(now.UnixNano(), 0))
}

func (t *Transport) bind() error {
	for i, lc := range t.cfg.Links {
		pm, err := resolvePeers(t.cfg.Self, i, lc.Peers)
		if err != nil {
			return err
		}
		conn, err := listen(i, lc.Listen)
		if err != nil {
			return err
		}
		l := &link{index: i, conn: conn, local: conn.LocalAddr().(*net.UDPAddr).AddrPort()}
		l.peers.Store(pm)
		t.links = append(t.links, l)
	}
	return nil
}

func listen(i int, addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: link %d: listen address %q: %w (want host:port)", ErrConfig, i, addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("netheart: link %d: %w (is another quorated running, or is %s not an address of this host?)", i, err, addr)
	}
	return conn, nil
}

func (t *Transport) logStart() {
	for _, l := range t.links {
		t.cfg.Log.Info("heartbeat link up", "link", l.index, "listen", l.local.String(),
			"peers", len(l.peers.Load().ids), "secauth", len(t.cfg.Key) > 0)
	}
	if len(t.cfg.Key) == 0 {
		t.cfg.Log.Warn("secauth is off: heartbeats are checked for corruption only, anyone who reaches the heartbeat port can forge them")
	}
}

// Received delivers accepted heartbeats. Delivery never blocks the
// receiver: when the channel is full the packet is counted as Overflow and
// dropped. The channel is closed by Close.
func (t *Transport) Received() <-chan Received { return t.recv }

// LocalAddr is the address link is bound to (useful with port 0).
func (t *Transport) LocalAddr(link int) netip.AddrPort { return t.links[link].local }

// SetPeers replaces the peers of link, for a configuration change. The
// arrival history and replay state of the peers are kept.
func (t *Transport) SetPeers(link int, peers map[cluster.NodeID]string) error {
	if link < 0 || link >= len(t.links) {
		return fmt.Errorf("%w: link %d, have %d", ErrConfig, link, len(t.links))
	}
	pm, err := resolvePeers(t.cfg.Self, link, peers)
	if err != nil {
		return err
	}
	t.links[link].peers.Store(pm)
	return nil
}

// SetExtension sets the opaque extension bytes carried by every following
// heartbeat (nil: none). ext is copied.
func (t *Transport) SetExtension(ext []byte) error {
	if len(ext) > MaxExt {
		return fmt.Errorf("%w: %d bytes", ErrExtTooLong, len(ext))
	}
	c := append([]byte(nil), ext...)
	t.ext.Store(&c)
	return nil
}

func (t *Transport) extension() []byte {
	if p := t.ext.Load(); p != nil {
		return *p
	}
	return nil
}

// Close closes the sockets, waits for the readers and closes the Received
// channel. It is safe to call more than once.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		t.closeErr = t.closeConns()
		t.wg.Wait()
		close(t.recv)
	})
	return t.closeErr
}

func (t *Transport) closeConns() error {
	var errs []error
	for _, l := range t.links {
		if err := l.conn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("netheart: link %d: %w", l.index, err))
		}
	}
	return errors.Join(errs...)
}
