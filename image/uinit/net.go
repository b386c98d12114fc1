package main

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/image/appliance"
)

// netState is what DHCP told this machine about itself.
type netState struct {
	mu    sync.Mutex
	names []string
	mac   net.HardwareAddr
	// wake cuts the boot sequence's wait short: a disk may have appeared
	// (iSCSI login done).
	wake chan struct{}
}

func (s *netState) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *netState) identity() appliance.Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := appliance.Identity{DHCPNames: append([]string(nil), s.names...)}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if pfx, err := netip.ParsePrefix(a.String()); err == nil && !pfx.Addr().IsLoopback() {
			id.Addrs = append(id.Addrs, pfx.Addr())
		}
	}
	return id
}

// bringUpNetwork runs DHCPv4 on every interface but loopback until at
// least one gets a lease (or ctx ends), configures the leases, and sets the host name
// from the first lease that carries one.
func bringUpNetwork(ctx context.Context, log *slog.Logger) *netState {
	st := &netState{wake: make(chan struct{}, 1)}
	for ctx.Err() == nil {
		links := nics(log)
		if len(links) > 0 {
			st.mac = links[0].Attrs().HardwareAddr
			if dhcp(ctx, links, st, log) > 0 {
				return st
			}
		}
		log.Warn("no DHCP lease on any interface; retrying in 5s", "interfaces", len(links))
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
	return st
}

func nics(log *slog.Logger) []netlink.Link {
	all, err := netlink.LinkList()
	if err != nil {
		log.Error("listing network interfaces", "err", err)
		return nil
	}
	var out []netlink.Link
	for _, l := range all {
		if l.Attrs().Flags&net.FlagLoopback == 0 && l.Type() == "device" {
			out = append(out, l)
		}
	}
	return out
}

// dhcp asks for leases on links and returns how many were configured.
func dhcp(ctx context.Context, links []netlink.Link, st *netState, log *slog.Logger) int {
	start := time.Now()
	cfg := dhclient.Config{
		Timeout: 2 * time.Second, Retries: 4,
		Modifiers4: []dhcpv4.Modifier{dhcpv4.WithRequestedOptions(dhcpv4.OptionHostName, dhcpv4.OptionDomainName)},
	}
	n := 0
	for r := range dhclient.SendRequests(ctx, links, true, false, cfg, 5*time.Second) {
		name := r.Interface.Attrs().Name
		if r.Err != nil {
			log.Warn("DHCP failed", "interface", name, "err", r.Err)
			continue
		}
		if err := r.Lease.Configure(); err != nil {
			log.Warn("DHCP lease not applied", "interface", name, "err", err)
			continue
		}
		n++
		msg, _ := r.Lease.Message()
		host := ""
		if msg != nil {
			host = msg.HostName()
		}
		log.Info("DHCP lease", "interface", name, "lease", r.Lease.String(), "hostname", host,
			"took", time.Since(start).Round(time.Millisecond))
		if host != "" {
			st.mu.Lock()
			if len(st.names) == 0 {
				unix.Sethostname([]byte(host))
			}
			st.names = append(st.names, host)
			st.mu.Unlock()
		}
	}
	return n
}
