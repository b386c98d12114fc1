// Command labdhcp is the VM test lab's DHCPv4 server: static, infinite
// leases by MAC address (package labnet), served on one interface with
// github.com/insomniacslk/dhcp's server4. Run it inside the lab's network
// namespace:
//
//	ip netns exec NS labdhcp -iface br0 -lease 52:54:00:77:00:01=10.77.0.11,node1 ...
//
// It logs every answer on stdout and runs until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"

	"github.com/quorate/quorate/image/vmtest/labnet"
)

type leaseFlags []labnet.Lease

func (l *leaseFlags) String() string { return fmt.Sprint(*l) }
func (l *leaseFlags) Set(s string) error {
	lease, err := labnet.ParseLease(s)
	if err == nil {
		*l = append(*l, lease)
	}
	return err
}

func main() {
	var leases leaseFlags
	iface := flag.String("iface", "br0", "interface to serve on")
	flag.Var(&leases, "lease", "static lease `MAC=ADDR,NAME` (repeat)")
	flag.Parse()
	s := &labnet.Server{Addr: labnet.ServerAddr.AsSlice(), Leases: leases}
	log.SetOutput(os.Stdout)
	log.SetFlags(log.Lmicroseconds)
	handler := func(conn net.PacketConn, peer net.Addr, req *dhcpv4.DHCPv4) {
		resp := s.Reply(req)
		if resp == nil {
			log.Printf("ignored %s from %s", req.MessageType(), req.ClientHWAddr)
			return
		}
		dst := peer
		if u, ok := peer.(*net.UDPAddr); !ok || u.IP.IsUnspecified() || req.IsBroadcast() {
			dst = &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ClientPort}
		}
		if _, err := conn.WriteTo(resp.ToBytes(), dst); err != nil {
			log.Printf("send %s to %s: %v", resp.MessageType(), req.ClientHWAddr, err)
			return
		}
		log.Printf("%s %s -> %s %s %s", req.MessageType(), req.ClientHWAddr, resp.MessageType(), resp.YourIPAddr, resp.HostName())
	}
	srv, err := server4.NewServer(*iface, &net.UDPAddr{IP: net.IPv4zero, Port: dhcpv4.ServerPort}, handler)
	if err != nil {
		log.Fatalf("labdhcp: %v", err)
	}
	var names []string
	for _, l := range leases {
		names = append(names, l.String())
	}
	log.Printf("labdhcp serving on %s: %s", *iface, strings.Join(names, " "))
	if err := srv.Serve(); err != nil {
		log.Fatalf("labdhcp: %v", err)
	}
}
