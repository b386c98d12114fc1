package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/conf"
)

// ipAgent adds a floating address to the interface whose subnet holds
// it. Network calls act in the network namespace of the calling thread.
type ipAgent struct {
	env         Env
	addr        netip.Addr
	bits        int // prefix length from address=, -1 when absent
	monitorLink bool
	prefer      string
	arpCount    int
	arpInterval time.Duration

	mu   sync.Mutex
	stop chan struct{} // closes the announcer and link monitor; nil when none
	bg   sync.WaitGroup
}

func newIP(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	raw, err := p.required("address", "10.0.0.100/24")
	if err != nil {
		return nil, err
	}
	a := &ipAgent{env: env, bits: -1, prefer: p.first("prefer_interface", "interface")}
	if a.addr, a.bits, err = parseAddress(raw); err != nil {
		return nil, err
	}
	var errs [3]error
	a.monitorLink, errs[0] = p.boolean("monitor_link", true)
	a.arpCount, errs[1] = p.integer("arp_count", 5, 0, 100)
	ms, e := p.integer("arp_interval", 200, 1, 10000)
	a.arpInterval, errs[2] = time.Duration(ms)*time.Millisecond, e
	return a, errors.Join(errs[:]...)
}

// parseAddress reads "10.0.0.5", "10.0.0.5/24" or an IPv6 form.
func parseAddress(s string) (netip.Addr, int, error) {
	bad := configErr(fmt.Sprintf("address %q is not a unicast IPv4 or IPv6 address", s), `write address="10.0.0.100/24" or address="fd00::100/64"`)
	ip, bits := netip.Addr{}, -1
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil || pfx.Addr().Is4In6() {
			return ip, 0, bad
		}
		ip, bits = pfx.Addr(), pfx.Bits()
	} else {
		var err error
		if ip, err = netip.ParseAddr(s); err != nil || ip.Is4In6() {
			return ip, 0, bad
		}
	}
	if ip.Zone() != "" || !ip.IsGlobalUnicast() {
		return ip, 0, bad
	}
	return ip, bits, nil
}

func (a *ipAgent) family() int {
	if a.addr.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

// Validate checks that some interface can take the address.
func (a *ipAgent) Validate() error {
	_, _, err := a.pick()
	return err
}

// Start adds the address (unless present), announces it arp_count times
// arp_interval apart (the first before returning) and, with
// monitor_link, watches the interface.
func (a *ipAgent) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopBackground()
	link, pfx, err := a.pick()
	if err != nil {
		return err
	}
	attrs := link.Attrs()
	if a.monitorLink && !linkUp(attrs) {
		return fmt.Errorf("interface %s has no link; connect it or set monitor_link=\"0\"", attrs.Name)
	}
	if !hasAddr(link, a.addr) {
		if err := netlink.AddrAdd(link, a.nlAddr(pfx)); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("adding %s to %s: %w", pfx, attrs.Name, err)
		}
		a.env.log().Info("address added", "address", pfx.String(), "interface", attrs.Name)
	}
	a.stop = make(chan struct{})
	a.announce(attrs)
	if a.monitorLink {
		if err := a.monitor(attrs.Index, attrs.Name); err != nil {
			return fmt.Errorf("watching %s: %w", attrs.Name, err)
		}
	}
	return nil
}

func (a *ipAgent) nlAddr(pfx netip.Prefix) *netlink.Addr {
	ad := &netlink.Addr{IPNet: &net.IPNet{IP: pfx.Addr().AsSlice(), Mask: net.CIDRMask(pfx.Bits(), pfx.Addr().BitLen())}}
	if pfx.Addr().Is6() {
		ad.Flags = unix.IFA_F_NODAD // usable at once; the cluster ensures one owner
	}
	return ad
}

// announce sends the first announcement now and the rest from a
// goroutine, on a socket opened here (in this thread's namespace).
func (a *ipAgent) announce(attrs *netlink.LinkAttrs) {
	if a.arpCount == 0 || attrs.Flags&net.FlagLoopback != 0 || (a.addr.Is4() && attrs.RawFlags&unix.IFF_NOARP != 0) {
		return
	}
	ann, err := newAnnouncer(attrs.Index, attrs.HardwareAddr, a.addr)
	if err != nil {
		a.env.log().Warn("cannot announce address", "address", a.addr.String(), "interface", attrs.Name, "reason", err)
		return
	}
	if err := ann.send(); err != nil {
		a.env.log().Warn("announcement failed", "address", a.addr.String(), "interface", attrs.Name, "reason", err)
	}
	stop := a.stop
	a.bg.Go(func() {
		defer ann.close()
		tk := time.NewTicker(a.arpInterval)
		defer tk.Stop()
		for i := 1; i < a.arpCount; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
				_ = ann.send()
			}
		}
	})
}

// Stop stops announcing and watching, and removes the address from
// whichever interface holds it.
func (a *ipAgent) Stop(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopBackground()
	link, ad, err := a.holder()
	if err != nil || link == nil {
		return err
	}
	if err := netlink.AddrDel(link, ad); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("removing %s from %s: %w", a.addr, link.Attrs().Name, err)
	}
	a.env.log().Info("address removed", "address", a.addr.String(), "interface", link.Attrs().Name)
	return nil
}

// Status: Running when an interface holds the address (and, with
// monitor_link, has link), Stopped when none does.
func (a *ipAgent) Status(context.Context) (State, error) {
	link, _, err := a.holder()
	switch {
	case err != nil:
		return Failed, err
	case link == nil:
		return Stopped, nil
	case a.monitorLink && !linkUp(link.Attrs()):
		return Failed, fmt.Errorf("interface %s holding %s has no link", link.Attrs().Name, a.addr)
	}
	return Running, nil
}

// Close stops the background goroutines; the address stays.
func (a *ipAgent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopBackground()
	return nil
}

func (a *ipAgent) stopBackground() {
	if a.stop != nil {
		close(a.stop)
		a.stop = nil
	}
	a.bg.Wait()
}

// linkUp: administratively up and with carrier (not NO-CARRIER or
// LOWERLAYERDOWN).
func linkUp(at *netlink.LinkAttrs) bool {
	return at.Flags&net.FlagUp != 0 && at.RawFlags&unix.IFF_RUNNING != 0 && at.OperState != netlink.OperDown
}
