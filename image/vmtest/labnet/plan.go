package labnet

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Lab address plan.
var (
	// Prefix is the lab network.
	Prefix = netip.MustParsePrefix("10.77.0.0/24")
	// ServerAddr is the host side of the bridge: DHCP server and iSCSI portal.
	ServerAddr = netip.MustParseAddr("10.77.0.1")
)

// MaxVMs is the number of VMs the plan has addresses for.
const MaxVMs = 99

// Lease is the fixed address and name of one VM.
type Lease struct {
	MAC  net.HardwareAddr
	Addr netip.Addr
	Name string
}

// VM returns the lease of VM n (1..MaxVMs).
func VM(n int) Lease {
	if n < 1 || n > MaxVMs {
		panic(fmt.Sprintf("labnet: VM %d out of range 1..%d", n, MaxVMs))
	}
	return Lease{
		MAC:  net.HardwareAddr{0x52, 0x54, 0x00, 0x77, 0x00, byte(n)},
		Addr: netip.AddrFrom4([4]byte{10, 77, 0, byte(10 + n)}),
		Name: fmt.Sprintf("node%d", n),
	}
}

// ParseLease parses MAC=ADDR,NAME (the labdhcp -lease flag).
func ParseLease(s string) (Lease, error) {
	mac, rest, ok := strings.Cut(s, "=")
	addr, name, ok2 := strings.Cut(rest, ",")
	if !ok || !ok2 || name == "" {
		return Lease{}, fmt.Errorf("lease %q: want MAC=ADDR,NAME", s)
	}
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return Lease{}, fmt.Errorf("lease %q: bad MAC address", s)
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() || !Prefix.Contains(a) {
		return Lease{}, fmt.Errorf("lease %q: address must be in %v", s, Prefix)
	}
	return Lease{MAC: hw, Addr: a, Name: name}, nil
}

// String formats l for ParseLease.
func (l Lease) String() string { return fmt.Sprintf("%s=%s,%s", l.MAC, l.Addr, l.Name) }
