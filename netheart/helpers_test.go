package netheart

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
)

const waitLimit = 5 * time.Second

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// node starts a transport for id on nLinks loopback links with no peers.
func node(t *testing.T, id cluster.NodeID, nLinks int, key []byte, mod func(*Config)) *Transport {
	t.Helper()
	cfg := Config{Cluster: "alpha", Self: id, Key: key}
	for range nLinks {
		cfg.Links = append(cfg.Links, Link{Listen: "127.0.0.1:0"})
	}
	if mod != nil {
		mod(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// connect makes a and b peers of each other on every link.
func connect(t *testing.T, a, b *Transport) {
	t.Helper()
	for i := range a.links {
		setPeer(t, a, i, b.cfg.Self, b.LocalAddr(i).String())
		setPeer(t, b, i, a.cfg.Self, a.LocalAddr(i).String())
	}
}

// setPeer adds or moves one peer of tr on link.
func setPeer(t *testing.T, tr *Transport, link int, id cluster.NodeID, addr string) {
	t.Helper()
	peers := map[cluster.NodeID]string{}
	for pid, ap := range tr.links[link].peers.Load().addr {
		peers[pid] = ap.String()
	}
	peers[id] = addr
	if err := tr.SetPeers(link, peers); err != nil {
		t.Fatal(err)
	}
}

func hbFrom(tr *Transport) cluster.Heartbeat {
	return cluster.Heartbeat{From: tr.cfg.Self, Incarnation: uint64(tr.cfg.Self) * 1000, State: cluster.StateMember, ConfigVersion: 3}
}

func recv(t *testing.T, tr *Transport) Received {
	t.Helper()
	select {
	case r := <-tr.Received():
		return r
	case <-time.After(waitLimit):
		t.Fatal("no heartbeat received")
		return Received{}
	}
}

// eventually polls cond until it holds or waitLimit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// rawSocket is an unauthenticated UDP socket for capturing and injecting.
func rawSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func rawAddr(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func capture(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, MaxPacket+1)
	c.SetReadDeadline(time.Now().Add(waitLimit))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func inject(t *testing.T, c *net.UDPConn, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// deadPort is a loopback port nobody listens on.
func deadPort(t *testing.T) string {
	c := rawSocket(t)
	addr := rawAddr(c).String()
	c.Close()
	return addr
}
