package svcmgr

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pick chooses the interface for the address and its prefix: the one
// already holding it; else one with an address whose subnet contains it
// (prefer_interface first among several); else prefer_interface itself
// when address= carries a prefix length.
func (a *ipAgent) pick() (netlink.Link, netip.Prefix, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, netip.Prefix{}, fmt.Errorf("listing interfaces: %w", err)
	}
	var best netlink.Link
	bits := a.bits
	for _, l := range links {
		addrs, err := netlink.AddrList(l, a.family())
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			p, ok := prefixOf(ad)
			switch {
			case !ok:
			case p.Addr() == a.addr:
				return l, netip.PrefixFrom(a.addr, p.Bits()), nil
			case p.Masked().Contains(a.addr) && !p.Addr().IsLinkLocalUnicast() && (best == nil || l.Attrs().Name == a.prefer):
				best = l
				if a.bits < 0 {
					bits = p.Bits()
				}
			}
		}
	}
	if best == nil && a.prefer != "" && a.bits >= 0 {
		best, _ = netlink.LinkByName(a.prefer)
	}
	if best == nil {
		return nil, netip.Prefix{}, notInstalledErr(
			fmt.Sprintf("no interface on this node has an address in the subnet of %s", a.addr),
			"configure one, or write address= with its prefix length and name the interface with prefer_interface=")
	}
	return best, netip.PrefixFrom(a.addr, bits), nil
}

func prefixOf(ad netlink.Addr) (netip.Prefix, bool) {
	if ad.IPNet == nil {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(ad.IP)
	ones, _ := ad.Mask.Size()
	if !ok {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ones), true
}

// hasAddr reports whether link holds ip.
func hasAddr(link netlink.Link, ip netip.Addr) bool {
	l, _, _ := findAddr([]netlink.Link{link}, ip)
	return l != nil
}

// holder returns the interface holding the address and the address as
// configured there, or nil.
func (a *ipAgent) holder() (netlink.Link, *netlink.Addr, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, nil, fmt.Errorf("listing interfaces: %w", err)
	}
	return findAddr(links, a.addr)
}

func findAddr(links []netlink.Link, ip netip.Addr) (netlink.Link, *netlink.Addr, error) {
	fam := netlink.FAMILY_V4
	if ip.Is6() {
		fam = netlink.FAMILY_V6
	}
	for _, l := range links {
		addrs, err := netlink.AddrList(l, fam)
		if err != nil {
			continue
		}
		for i := range addrs {
			if p, ok := prefixOf(addrs[i]); ok && p.Addr() == ip {
				return l, &addrs[i], nil
			}
		}
	}
	return nil, nil, nil
}

// monitor reports a failure at once when the interface loses its link
// or disappears. The netlink socket is opened here, in this thread's
// namespace.
func (a *ipAgent) monitor(index int, name string) error {
	ch := make(chan netlink.LinkUpdate, 16)
	done := make(chan struct{})
	if err := netlink.LinkSubscribe(ch, done); err != nil {
		return err
	}
	stop := a.stop
	a.bg.Go(func() {
		defer close(done)
		down := false // report each loss once
		for {
			select {
			case <-stop:
				return
			case u, ok := <-ch:
				if !ok {
					return
				}
				if u.Attrs().Index != index {
					continue
				}
				switch {
				case u.Header.Type == unix.RTM_DELLINK:
					a.env.report(Failed, fmt.Errorf("interface %s holding %s was removed", name, a.addr))
					return
				case linkUp(u.Attrs()):
					down = false
				case !down:
					down = true
					a.env.report(Failed, fmt.Errorf("interface %s holding %s lost its link", name, a.addr))
				}
			}
		}
	})
	return nil
}
