package labnet

import (
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Infinite is the lease time of every lease (RFC 2131: 0xffffffff seconds).
const Infinite = time.Duration(0xffffffff) * time.Second

// Server holds the static leases.
type Server struct {
	Addr   net.IP // this server's address (option 54, next to the router option)
	Leases []Lease
}

// Reply answers a DHCPDISCOVER with an offer and a DHCPREQUEST with an
// ack, both carrying the client's fixed address, the /24 mask and its host
// name. A request for another address is refused (NAK); an unknown MAC, a
// message of another type or a reply message gets no answer (nil).
func (s *Server) Reply(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
	if req.OpCode != dhcpv4.OpcodeBootRequest {
		return nil
	}
	l, ok := s.lookup(req.ClientHWAddr)
	if !ok {
		return nil
	}
	var typ dhcpv4.MessageType
	switch req.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		typ = dhcpv4.MessageTypeOffer
	case dhcpv4.MessageTypeRequest:
		typ = dhcpv4.MessageTypeAck
		if want := requested(req); want != nil && !want.Equal(l.Addr.AsSlice()) {
			typ = dhcpv4.MessageTypeNak
		}
	default:
		return nil
	}
	return s.build(req, l, typ)
}

func requested(req *dhcpv4.DHCPv4) net.IP {
	if ip := req.RequestedIPAddress(); ip != nil && !ip.IsUnspecified() {
		return ip
	}
	if !req.ClientIPAddr.IsUnspecified() {
		return req.ClientIPAddr
	}
	return nil
}

func (s *Server) build(req *dhcpv4.DHCPv4, l Lease, typ dhcpv4.MessageType) *dhcpv4.DHCPv4 {
	mods := []dhcpv4.Modifier{dhcpv4.WithMessageType(typ), dhcpv4.WithServerIP(s.Addr),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(s.Addr))}
	if typ != dhcpv4.MessageTypeNak {
		mods = append(mods,
			dhcpv4.WithYourIP(l.Addr.AsSlice()),
			dhcpv4.WithNetmask(net.CIDRMask(Prefix.Bits(), 32)),
			dhcpv4.WithLeaseTime(uint32(Infinite/time.Second)),
			dhcpv4.WithOption(dhcpv4.OptHostName(l.Name)))
	}
	resp, err := dhcpv4.NewReplyFromRequest(req, mods...)
	if err != nil {
		return nil
	}
	return resp
}

func (s *Server) lookup(mac net.HardwareAddr) (Lease, bool) {
	for _, l := range s.Leases {
		if l.MAC.String() == mac.String() {
			return l, true
		}
	}
	return Lease{}, false
}
