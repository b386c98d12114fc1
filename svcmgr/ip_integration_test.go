//go:build integration

package svcmgr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ipLab is two namespaces joined by a veth pair: the node ("va" in
// node, 10.99.0.1/24 and fd99::1/64) and a neighbour ("vb" in peer,
// 10.99.0.2/24 and fd99::2/64).
type ipLab struct {
	node, peer string
	mac        net.HardwareAddr // va's
}

func newIPLab(t *testing.T) *ipLab {
	needRoot(t)
	l := &ipLab{node: newNetns(t, "qsvc-node"), peer: newNetns(t, "qsvc-peer")}
	sh(t, "ip", "-n", l.node, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", l.peer)
	sh(t, "ip", "-n", l.node, "addr", "add", "10.99.0.1/24", "dev", "va")
	sh(t, "ip", "-n", l.node, "addr", "add", "fd99::1/64", "dev", "va", "nodad")
	sh(t, "ip", "-n", l.peer, "addr", "add", "10.99.0.2/24", "dev", "vb")
	// The test takes vb down and up; keep its IPv6 address meanwhile.
	sh(t, "ip", "netns", "exec", l.peer, "sh", "-c", "echo 1 >/proc/sys/net/ipv6/conf/vb/keep_addr_on_down")
	sh(t, "ip", "-n", l.peer, "addr", "add", "fd99::2/64", "dev", "vb", "nodad")
	sh(t, "ip", "-n", l.node, "link", "set", "va", "up")
	sh(t, "ip", "-n", l.peer, "link", "set", "vb", "up")
	inNetns(t, l.node, func() {
		link, err := netlink.LinkByName("va")
		if err != nil {
			t.Error(err)
			return
		}
		l.mac = link.Attrs().HardwareAddr
	})
	return l
}

// capture opens a packet socket on vb in the peer namespace.
func (l *ipLab) capture(t *testing.T) int {
	fd := -1
	inNetns(t, l.peer, func() {
		link, err := netlink.LinkByName("vb")
		if err != nil {
			t.Error(err)
			return
		}
		s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			t.Error(err)
			return
		}
		if err := unix.Bind(s, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: link.Attrs().Index}); err != nil {
			t.Error(err)
			unix.Close(s)
			return
		}
		tv := unix.NsecToTimeval(int64(100 * time.Millisecond))
		unix.SetsockoptTimeval(s, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		fd = s
	})
	if fd < 0 {
		t.FailNow()
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// announced waits up to 2 s for a frame on fd announcing ip from mac.
func announced(fd int, ip netip.Addr, mac net.HardwareAddr) error {
	buf := make([]byte, 2048)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil || n < 14 {
			continue
		}
		if announces(buf[:n], ip, mac) {
			return nil
		}
	}
	return fmt.Errorf("no announcement of %s from %s seen", ip, mac)
}

// announces decodes an Ethernet frame: a gratuitous ARP request or an
// unsolicited NA (hop limit 255, override set) for ip from mac.
func announces(f []byte, ip netip.Addr, mac net.HardwareAddr) bool {
	switch binary.BigEndian.Uint16(f[12:]) {
	case unix.ETH_P_ARP:
		if len(f) < 14+arpLen {
			return false
		}
		p, err := parseARP(f[14 : 14+arpLen])
		return err == nil && ip.Is4() && p.Op == 1 && p.gratuitous() && p.SenderIP == ip.As4() && net.HardwareAddr(p.SenderHW[:]).String() == mac.String()
	case unix.ETH_P_IPV6:
		v6 := f[14:]
		if len(v6) < 40+naLen || v6[6] != unix.IPPROTO_ICMPV6 || v6[7] != 255 {
			return false
		}
		p, err := parseNA(v6[40 : 40+naLen])
		return err == nil && ip.Is6() && p.Target == ip.As16() && p.Flags&naOverride != 0 && p.Flags&naSolicited == 0 &&
			net.HardwareAddr(p.MAC[:]).String() == mac.String()
	}
	return false
}

func TestIPIntegration(t *testing.T) {
	began := time.Now()
	l := newIPLab(t)
	for _, tc := range []struct{ address, want string }{
		{"10.99.0.100", "10.99.0.100/24"}, // prefix taken from va's 10.99.0.1/24
		{"fd99::100/64", "fd99::100/64"},
	} {
		t.Run(tc.address, func(t *testing.T) { l.floating(t, tc.address, tc.want) })
	}
	t.Logf("ip integration took %v", time.Since(began))
}

func (l *ipLab) floating(t *testing.T, address, want string) {
	lb := newLab(t)
	ip := netip.MustParsePrefix(want).Addr()
	fd := l.capture(t)
	tr := lb.tree(fmt.Sprintf(`<service name="vip"><ip address="%s" arp_count="3" arp_interval="50"/></service>`, address), lb.env())
	inNetns(t, l.node, func() {
		defer tr.Close()
		defer tr.Stop(ctx)
		if err := tr.Start(ctx); err != nil {
			t.Error(err)
			return
		}
		if out := sh(t, "ip", "addr", "show", "dev", "va"); !strings.Contains(out, want) {
			t.Errorf("va lacks %s:\n%s", want, out)
		}
		if err := announced(fd, ip, l.mac); err != nil {
			t.Error(err)
		}
		if st, list := tr.Status(ctx); st != Running {
			t.Errorf("Status = %v %+v", st, list)
		}
		l.linkLoss(t, tr)
		if err := tr.Stop(ctx); err != nil {
			t.Error(err)
		}
		if out := sh(t, "ip", "addr", "show", "dev", "va"); strings.Contains(out, ip.String()+"/") {
			t.Errorf("address still on va after Stop:\n%s", out)
		}
		if st, _ := tr.Status(ctx); st != Stopped {
			t.Errorf("Status after Stop = %v", st)
		}
	})
	// The neighbour reaches the address only while it is up: check it
	// answers from the peer namespace after a fresh start.
	inNetns(t, l.node, func() {
		if err := tr.Start(ctx); err != nil {
			t.Error(err)
		}
	})
	if _, err := exec.LookPath("ping"); err == nil {
		sh(t, "ip", "netns", "exec", l.peer, "ping", "-c", "1", "-W", "2", ip.String())
	} else {
		t.Log("ping not installed (iputils-ping): reachability from the peer not checked")
	}
	inNetns(t, l.node, func() { tr.Stop(ctx) })
}

// linkLoss takes the peer end down: the node's end loses carrier, which
// must be pushed on Watch and seen by Status; then it comes back.
func (l *ipLab) linkLoss(t *testing.T, tr *Tree) {
	down := time.Now()
	sh(t, "ip", "-n", l.peer, "link", "set", "vb", "down")
	select {
	case ev := <-tr.Watch():
		t.Logf("link loss pushed after %v: %s", time.Since(down), ev.Reason)
		if !strings.Contains(ev.Reason, "lost its link") {
			t.Errorf("event %+v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Error("link loss not pushed within 2s")
	}
	if st, list := tr.Status(ctx); st != Failed || !strings.Contains(list[0].Reason, "has no link") {
		t.Errorf("Status with the link down = %v %+v", st, list)
	}
	sh(t, "ip", "-n", l.peer, "link", "set", "vb", "up")
	deadline := time.Now().Add(3 * time.Second)
	for st, _ := tr.Status(ctx); st != Running; st, _ = tr.Status(ctx) {
		if time.Now().After(deadline) {
			t.Errorf("Status stays %v after the link came back", st)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIPIntegrationNoSubnet(t *testing.T) {
	l := newIPLab(t)
	lb := newLab(t)
	tr := lb.tree(`<service name="vip"><ip address="192.0.2.10"/></service>`, lb.env())
	inNetns(t, l.node, func() {
		err := tr.Start(ctx)
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "no interface on this node has an address in the subnet of 192.0.2.10") {
			t.Errorf("Start = %v", err)
		}
	})
	// With a prefix and prefer_interface the address goes there anyway.
	tr = lb.tree(`<service name="vip2"><ip address="192.0.2.10/24" prefer_interface="va"/></service>`, lb.env())
	inNetns(t, l.node, func() {
		defer tr.Stop(ctx)
		if err := tr.Start(ctx); err != nil {
			t.Error(err)
		}
		if out := sh(t, "ip", "addr", "show", "dev", "va"); !strings.Contains(out, "192.0.2.10/24") {
			t.Errorf("va lacks 192.0.2.10/24:\n%s", out)
		}
	})
}
