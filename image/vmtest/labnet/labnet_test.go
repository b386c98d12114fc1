package labnet

import (
	"net"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

func TestPlan(t *testing.T) {
	l := VM(3)
	if l.MAC.String() != "52:54:00:77:00:03" || l.Addr.String() != "10.77.0.13" || l.Name != "node3" {
		t.Fatalf("VM(3) = %v", l)
	}
	back, err := ParseLease(l.String())
	if err != nil || back.String() != l.String() {
		t.Fatalf("ParseLease(%q) = %v, %v", l.String(), back, err)
	}
	for _, bad := range []string{"52:54:00:77:00:03=10.78.0.1,n", "zz=10.77.0.2,n", "52:54:00:77:00:03=10.77.0.2", "x"} {
		if _, err := ParseLease(bad); err == nil {
			t.Errorf("ParseLease(%q) accepted", bad)
		}
	}
}

func request(t *testing.T, mac net.HardwareAddr, typ dhcpv4.MessageType, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	m, err := dhcpv4.New(append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(mac), dhcpv4.WithMessageType(typ)}, mods...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReply(t *testing.T) {
	s := &Server{Addr: ServerAddr.AsSlice(), Leases: []Lease{VM(1), VM(2)}}
	offer := s.Reply(request(t, VM(2).MAC, dhcpv4.MessageTypeDiscover))
	if offer == nil || offer.MessageType() != dhcpv4.MessageTypeOffer || offer.YourIPAddr.String() != "10.77.0.12" ||
		offer.HostName() != "node2" || offer.IPAddressLeaseTime(0) != Infinite ||
		offer.ServerIdentifier().String() != "10.77.0.1" || net.IP(offer.SubnetMask()).String() != "255.255.255.0" {
		t.Fatalf("offer %v", offer)
	}
	ack := s.Reply(request(t, VM(2).MAC, dhcpv4.MessageTypeRequest,
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP("10.77.0.12")))))
	if ack == nil || ack.MessageType() != dhcpv4.MessageTypeAck || ack.YourIPAddr.String() != "10.77.0.12" {
		t.Fatalf("ack %v", ack)
	}
	nak := s.Reply(request(t, VM(2).MAC, dhcpv4.MessageTypeRequest,
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP("10.77.0.50")))))
	if nak == nil || nak.MessageType() != dhcpv4.MessageTypeNak || !nak.YourIPAddr.IsUnspecified() {
		t.Fatalf("nak %v", nak)
	}
	if r := s.Reply(request(t, VM(9).MAC, dhcpv4.MessageTypeDiscover)); r != nil {
		t.Fatalf("unknown MAC answered: %v", r)
	}
	if r := s.Reply(request(t, VM(1).MAC, dhcpv4.MessageTypeRelease)); r != nil {
		t.Fatalf("release answered: %v", r)
	}
}
