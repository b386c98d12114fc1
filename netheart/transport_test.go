package netheart

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
)

func TestSendReceive(t *testing.T) {
	a, b := node(t, 1, 1, testKey, nil), node(t, 2, 1, testKey, nil)
	connect(t, a, b)
	if err := a.SetExtension([]byte("ext")); err != nil {
		t.Fatal(err)
	}
	hb := hbFrom(a)
	if err := a.Send(hb); err != nil {
		t.Fatal(err)
	}
	r := recv(t, b)
	if r.Heartbeat != hb || r.Link != 0 || r.Addr != a.LocalAddr(0) || !bytes.Equal(r.Ext, []byte("ext")) {
		t.Fatalf("received %+v", r)
	}
	if at, link, ok := b.LastHeard(1); !ok || link != 0 || !at.Equal(r.At) {
		t.Errorf("LastHeard = %v %d %v, want %v 0 true", at, link, ok, r.At)
	}
	if _, _, ok := b.LastHeard(3); ok {
		t.Error("LastHeard of a node never heard")
	}
	if s := a.Stats(); s.Links[0].Sent != 1 || s.Total.Sent != 1 {
		t.Errorf("sender stats %+v", s)
	}
	if s := b.Stats(); s.Total.Received != 1 || s.Total.Dropped() != 0 {
		t.Errorf("receiver stats %+v", s)
	}
}

func TestSendChecks(t *testing.T) {
	a, b := node(t, 1, 1, testKey, nil), node(t, 2, 1, testKey, nil)
	connect(t, a, b)
	if err := a.Send(hbFrom(b)); !errors.Is(err, ErrNotSelf) {
		t.Errorf("Send of another node's heartbeat: %v", err)
	}
	if err := a.SetExtension(make([]byte, MaxExt+1)); !errors.Is(err, ErrExtTooLong) {
		t.Errorf("long extension: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(hbFrom(a)); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, ok := <-a.Received(); ok {
		t.Error("Received not closed by Close")
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSendToSubset(t *testing.T) {
	a := node(t, 1, 1, testKey, nil)
	b, c := node(t, 2, 1, testKey, nil), node(t, 3, 1, testKey, nil)
	connect(t, a, b)
	connect(t, a, c)
	if err := a.SendTo(hbFrom(a), []cluster.NodeID{3, 9}); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, c); r.Heartbeat.From != 1 {
		t.Fatalf("c received %+v", r)
	}
	if sent := a.Stats().Total.Sent; sent != 1 {
		t.Errorf("sent %d packets, want 1", sent)
	}
}

// TestDropReasons injects one packet per reason into b's socket and
// checks that each lands in its own counter.
func TestDropReasons(t *testing.T) {
	a := node(t, 1, 1, testKey, nil)
	b := node(t, 2, 1, testKey, func(c *Config) { c.QueueLen = 8 })
	raw := rawSocket(t)
	connect(t, a, b)
	setPeer(t, b, 0, 3, "127.0.0.1:9") // node 3 is configured but speaks through raw
	bAddr := b.LocalAddr(0)

	// Capture a real packet from a, then let a reach b directly.
	setPeer(t, a, 0, 2, rawAddr(raw).String())
	if err := a.Send(hbFrom(a)); err != nil {
		t.Fatal(err)
	}
	captured := capture(t, raw)
	setPeer(t, a, 0, 2, bAddr.String())
	if err := a.Send(hbFrom(a)); err != nil {
		t.Fatal(err)
	}
	recv(t, b)

	fresh := func(mod func(p *Packet)) Packet {
		p := Packet{Type: TypeHeartbeat, Cluster: ClusterID("alpha"), Sender: 3, To: 2, Incarnation: 30,
			Seq: uint64(time.Now().UnixNano()), Heartbeat: cluster.Heartbeat{From: 3, Incarnation: 30, State: cluster.StateJoining}}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	edit := func(b []byte, f func([]byte)) []byte { b = bytes.Clone(b); f(b); return b }
	injections := []struct {
		name string
		b    []byte
	}{
		{"replay of captured", captured},
		{"forged with another key", Encode(fresh(nil), otherKey)},
		{"foreign cluster", Encode(fresh(func(p *Packet) { p.Cluster = ClusterID("beta") }), testKey)},
		{"other version", edit(captured, func(b []byte) { b[4] = 2 })},
		{"truncated", captured[:50]},
		{"wrong magic", edit(captured, func(b []byte) { b[1] = 'x' })},
		{"secauth off", Encode(fresh(nil), nil)},
		{"unknown type", Encode(fresh(func(p *Packet) { p.Type = 9 }), testKey)},
		{"from self", Encode(fresh(func(p *Packet) { p.Sender, p.Heartbeat.From = 2, 2 }), testKey)},
		{"to node 1", Encode(fresh(func(p *Packet) { p.To = 1 }), testKey)},
		{"sent on link 1", Encode(fresh(func(p *Packet) { p.Link = 1 }), testKey)},
		{"unknown sender", Encode(fresh(func(p *Packet) { p.Sender, p.Heartbeat.From = 9, 9 }), testKey)},
		{"sender mismatch", Encode(fresh(func(p *Packet) { p.Heartbeat.From = 1 }), testKey)},
		{"incarnation mismatch", Encode(fresh(func(p *Packet) { p.Heartbeat.Incarnation = 31 }), testKey)},
		{"valid from node 3", Encode(fresh(nil), testKey)},
	}
	for _, in := range injections {
		inject(t, raw, bAddr, in.b)
	}
	// The same valid packet again is a duplicate.
	inject(t, raw, bAddr, injections[len(injections)-1].b)

	want := Counters{Received: 2, Malformed: 1, BadMagic: 1, BadVersion: 1, WrongCluster: 1, Secauth: 1,
		BadMAC: 1, UnknownType: 1, FromSelf: 1, Misaddressed: 2, UnknownSender: 1, SenderMismatch: 2, Replay: 2}
	total := want.Received + want.Dropped()
	eventually(t, "all injections counted", func() bool {
		s := b.Stats().Total
		return s.Received+s.Dropped() >= total
	})
	if got := b.Stats().Links[0]; got != want {
		t.Errorf("counters\n got %+v\nwant %+v", got, want)
	}
	r := recv(t, b)
	if r.Heartbeat.From != 3 || r.Addr != rawAddr(raw) {
		t.Errorf("accepted %+v, want node 3's heartbeat from %v", r, rawAddr(raw))
	}
}

func TestOverflowCounted(t *testing.T) {
	a := node(t, 1, 1, testKey, nil)
	b := node(t, 2, 1, testKey, func(c *Config) { c.QueueLen = 1 })
	connect(t, a, b)
	for range 3 {
		if err := a.Send(hbFrom(a)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "3 packets accepted", func() bool { return b.Stats().Total.Received == 3 })
	if s := b.Stats().Total; s.Overflow != 2 {
		t.Errorf("overflow %d, want 2", s.Overflow)
	}
	if _, _, ok := b.LastHeard(1); !ok {
		t.Error("overflowed packets not counted as heard")
	}
}

func TestSecondLinkCarriesOn(t *testing.T) {
	clk := newClock()
	a := node(t, 1, 2, testKey, nil)
	b := node(t, 2, 2, testKey, func(c *Config) { c.Now = clk.Now })
	connect(t, a, b)

	if err := a.Send(hbFrom(a)); err != nil {
		t.Fatal(err)
	}
	got := map[int]bool{recv(t, b).Link: true, recv(t, b).Link: true}
	if !got[0] || !got[1] {
		t.Fatalf("links heard: %v, want both", got)
	}

	clk.Advance(time.Second)
	setPeer(t, a, 0, 2, deadPort(t)) // link 0 to b is now cut
	a.Send(hbFrom(a))                // a may or may not learn of the dead port; link 1 must still work
	r := recv(t, b)
	if r.Link != 1 || r.Heartbeat != hbFrom(a) {
		t.Fatalf("received %+v, want the heartbeat on link 1", r)
	}
	if _, link, _ := b.LastHeard(1); link != 1 {
		t.Errorf("LastHeard link %d, want 1", link)
	}
	ls := b.Links(500 * time.Millisecond)
	if ls[0].Up || !ls[1].Up || !ls[1].Heard.Has(1) || ls[0].Heard.Has(1) {
		t.Errorf("link status %+v, want link 0 down and link 1 up with node 1", ls)
	}
	arr, _ := b.Arrivals(1)
	if len(arr.PerLink) != 2 || arr.PerLink[1].Sub(arr.PerLink[0]) != time.Second || len(arr.Recent) != 3 {
		t.Errorf("arrivals %+v", arr)
	}
}

func TestRestartedSender(t *testing.T) {
	clk := newClock()
	b := node(t, 2, 1, testKey, func(c *Config) { c.Now = clk.Now; c.ReplayWindow = 10 * time.Second })
	// The first run of node 1 starts at a wall clock ahead of the second's:
	// its clock was stepped back across the restart.
	early := func(c *Config) { c.Now = func() time.Time { return time.Unix(2_000_000_000, 0) } }
	late := func(c *Config) { c.Now = func() time.Time { return time.Unix(1_000_000_000, 0) } }
	a1 := node(t, 1, 1, testKey, early)
	connect(t, a1, b)
	hb1 := cluster.Heartbeat{From: 1, Incarnation: 111, State: cluster.StateMember}
	a1.Send(hb1)
	recv(t, b)
	a1.Close()

	a2 := node(t, 1, 1, testKey, late)
	connect(t, a2, b)
	hb2 := cluster.Heartbeat{From: 1, Incarnation: 222, State: cluster.StateJoining}
	a2.Send(hb2)
	eventually(t, "clock-stepped restart dropped", func() bool { return b.Stats().Total.Replay == 1 })

	clk.Advance(11 * time.Second)
	a2.Send(hb2)
	if r := recv(t, b); r.Heartbeat != hb2 {
		t.Fatalf("received %+v, want the new incarnation", r)
	}
	if a, _ := b.Arrivals(1); a.Incarnation != 222 {
		t.Errorf("incarnation %d, want 222", a.Incarnation)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	busy := node(t, 5, 1, nil, nil)
	one := []Link{{Listen: "127.0.0.1:0"}}
	peer := func(id cluster.NodeID, addr string) []Link {
		return []Link{{Listen: "127.0.0.1:0", Peers: map[cluster.NodeID]string{id: addr}}}
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no cluster", Config{Self: 1, Links: one}, "empty cluster name"},
		{"node 0", Config{Cluster: "c", Links: one}, "node id 0 outside"},
		{"node too big", Config{Cluster: "c", Self: cluster.MaxNodes + 1, Links: one}, "node id 257 outside"},
		{"no links", Config{Cluster: "c", Self: 1}, "0 links"},
		{"three links", Config{Cluster: "c", Self: 1, Links: []Link{one[0], one[0], one[0]}}, "3 links"},
		{"short key", Config{Cluster: "c", Self: 1, Links: one, Key: []byte("short")}, "too short"},
		{"self as peer", Config{Cluster: "c", Self: 1, Links: peer(1, "127.0.0.1:1")}, "node 1 is this node"},
		{"peer 0", Config{Cluster: "c", Self: 1, Links: peer(0, "127.0.0.1:1")}, "peer node id 0"},
		{"bad peer address", Config{Cluster: "c", Self: 1, Links: peer(2, "nowhere")}, `node 2 address "nowhere"`},
		{"bad listen", Config{Cluster: "c", Self: 1, Links: []Link{{Listen: "127.0.0.1"}}}, `listen address "127.0.0.1"`},
		{"port in use", Config{Cluster: "c", Self: 1, Links: []Link{one[0], {Listen: busy.LocalAddr(0).String()}}}, "link 1: listen"},
	}
	for _, c := range cases {
		tr, err := New(c.cfg)
		if err == nil {
			tr.Close()
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.want)
		}
	}
	err := busy.SetPeers(0, map[cluster.NodeID]string{5: "127.0.0.1:1"})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("SetPeers with self: %v", err)
	}
}

func TestStatsSumLinks(t *testing.T) {
	a := node(t, 1, 2, nil, nil)
	b := node(t, 2, 2, nil, nil)
	connect(t, a, b)
	a.Send(hbFrom(a))
	a.Send(hbFrom(a))
	s := a.Stats()
	want := []Counters{{Sent: 2}, {Sent: 2}}
	if !reflect.DeepEqual(s.Links, want) || s.Total.Sent != 4 {
		t.Errorf("stats %+v", s)
	}
}
