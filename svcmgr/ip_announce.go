package svcmgr

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// arpPacket is an Ethernet/IPv4 ARP packet (RFC 826), 28 bytes:
//
//	0  hardware type  2  1 (Ethernet)
//	2  protocol type  2  0x0800 (IPv4)
//	4  hw addr length 1  6
//	5  proto length   1  4
//	6  operation      2  1 request, 2 reply
//	8  sender MAC     6
//	14 sender IPv4    4
//	18 target MAC     6
//	24 target IPv4    4
//
// A gratuitous ARP (an RFC 5227 announcement) is a broadcast request
// whose sender and target IPv4 are both the announced address.
type arpPacket struct {
	Op       uint16
	SenderHW [6]byte
	SenderIP [4]byte
	TargetHW [6]byte
	TargetIP [4]byte
}

const arpLen = 28

var errPacket = errors.New("not an Ethernet/IPv4 ARP packet")

func (p arpPacket) marshal() []byte {
	b := make([]byte, arpLen)
	binary.BigEndian.PutUint16(b[0:], 1)
	binary.BigEndian.PutUint16(b[2:], unix.ETH_P_IP)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], p.Op)
	copy(b[8:], p.SenderHW[:])
	copy(b[14:], p.SenderIP[:])
	copy(b[18:], p.TargetHW[:])
	copy(b[24:], p.TargetIP[:])
	return b
}

func parseARP(b []byte) (arpPacket, error) {
	var p arpPacket
	if len(b) != arpLen || binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != unix.ETH_P_IP || b[4] != 6 || b[5] != 4 {
		return p, errPacket
	}
	p.Op = binary.BigEndian.Uint16(b[6:])
	copy(p.SenderHW[:], b[8:])
	copy(p.SenderIP[:], b[14:])
	copy(p.TargetHW[:], b[18:])
	copy(p.TargetIP[:], b[24:])
	return p, nil
}

// gratuitous reports whether p announces its sender address.
func (p arpPacket) gratuitous() bool { return p.SenderIP == p.TargetIP }

// naPacket is an ICMPv6 Neighbor Advertisement (RFC 4861 §4.4) with a
// target link-layer address option, 32 bytes:
//
//	0  type      1  136
//	1  code      1  0
//	2  checksum  2  (the kernel fills it in on send)
//	4  flags     4  R 0x80000000, S 0x40000000, O 0x20000000; rest reserved, 0
//	8  target   16  the advertised IPv6 address
//	24 option    1  2 (target link-layer address)
//	25 length    1  1 (units of 8 bytes)
//	26 MAC       6
//
// An unsolicited advertisement has S clear and O set, and goes to
// ff02::1 with hop limit 255.
type naPacket struct {
	Checksum uint16
	Flags    uint32
	Target   [16]byte
	MAC      [6]byte
}

const (
	naLen       = 32
	naOverride  = 0x20000000
	naSolicited = 0x40000000
	naFlagsMask = 0xe0000000
)

func (p naPacket) marshal() []byte {
	b := make([]byte, naLen)
	b[0] = 136
	binary.BigEndian.PutUint16(b[2:], p.Checksum)
	binary.BigEndian.PutUint32(b[4:], p.Flags&naFlagsMask)
	copy(b[8:], p.Target[:])
	b[24], b[25] = 2, 1
	copy(b[26:], p.MAC[:])
	return b
}

func parseNA(b []byte) (naPacket, error) {
	var p naPacket
	if len(b) != naLen || b[0] != 136 || b[1] != 0 || b[24] != 2 || b[25] != 1 ||
		binary.BigEndian.Uint32(b[4:])&^naFlagsMask != 0 {
		return p, errors.New("not a neighbor advertisement with one link-layer option")
	}
	p.Checksum = binary.BigEndian.Uint16(b[2:])
	p.Flags = binary.BigEndian.Uint32(b[4:])
	copy(p.Target[:], b[8:])
	copy(p.MAC[:], b[26:])
	return p, nil
}

// announcer sends one prepared packet again and again.
type announcer struct {
	fd  int
	to  unix.Sockaddr
	pkt []byte
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// newAnnouncer opens a socket, in the calling thread's network
// namespace, that announces ip on interface ifindex with hardware
// address mac: gratuitous ARP for IPv4, unsolicited NA for IPv6.
func newAnnouncer(ifindex int, mac net.HardwareAddr, ip netip.Addr) (*announcer, error) {
	if len(mac) != 6 {
		return nil, errors.New("interface has no Ethernet address")
	}
	var hw [6]byte
	copy(hw[:], mac)
	if ip.Is4() {
		return arpAnnouncer(ifindex, hw, ip)
	}
	return naAnnouncer(ifindex, hw, ip)
}

func arpAnnouncer(ifindex int, hw [6]byte, ip netip.Addr) (*announcer, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return nil, err
	}
	to := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: ifindex, Halen: 6,
		Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	p := arpPacket{Op: 1, SenderHW: hw, SenderIP: ip.As4(), TargetIP: ip.As4()}
	return &announcer{fd: fd, to: to, pkt: p.marshal()}, nil
}

func naAnnouncer(ifindex int, hw [6]byte, ip netip.Addr) (*announcer, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
	if err != nil {
		return nil, err
	}
	err = errors.Join(
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255),
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex))
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// Send from the advertised address when it is usable (added with
	// NODAD); otherwise the kernel picks the link-local one.
	_ = unix.Bind(fd, &unix.SockaddrInet6{Addr: ip.As16(), ZoneId: uint32(ifindex)})
	to := &unix.SockaddrInet6{Addr: netip.MustParseAddr("ff02::1").As16(), ZoneId: uint32(ifindex)}
	p := naPacket{Flags: naOverride, Target: ip.As16(), MAC: hw}
	return &announcer{fd: fd, to: to, pkt: p.marshal()}, nil
}

func (a *announcer) send() error { return unix.Sendto(a.fd, a.pkt, 0, a.to) }

func (a *announcer) close() { unix.Close(a.fd) }
