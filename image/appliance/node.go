package appliance

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/quorate/quorate/conf"
)

// ErrNoNodeName: this node's name cannot be worked out or is not a node of
// the configuration.
var ErrNoNodeName = errors.New("cannot tell which cluster node this is")

// Identity is what the machine knows about itself before it has a name.
type Identity struct {
	CmdlineNode string       // quorate.node=
	DHCPNames   []string     // host names from DHCP leases, in interface order
	Addrs       []netip.Addr // this machine's IP addresses
}

// ResolveNode returns this node's <clusternode> name: the command line's
// quorate.node if given (it must exist in c), else the first DHCP host
// name that is a node name (as is, then the part before the first dot),
// else the node whose addr or addr2 host is one of id.Addrs.
func ResolveNode(c *conf.Cluster, id Identity) (string, error) {
	if id.CmdlineNode != "" {
		if c.NodeByName(id.CmdlineNode) == nil {
			return "", fmt.Errorf("%w: quorate.node=%s is not a <clusternode> of cluster %q (nodes: %s)",
				ErrNoNodeName, id.CmdlineNode, c.Name, nodeNames(c))
		}
		return id.CmdlineNode, nil
	}
	for _, h := range id.DHCPNames {
		short, _, _ := strings.Cut(h, ".")
		for _, n := range []string{h, short} {
			if n != "" && c.NodeByName(n) != nil {
				return n, nil
			}
		}
	}
	if n := nodeByAddr(c, id.Addrs); n != "" {
		return n, nil
	}
	return "", fmt.Errorf("%w: DHCP host names %q and addresses %v match no <clusternode> of cluster %q (nodes: %s); "+
		"set quorate.node=NAME on the kernel command line or hand out the node's name by DHCP",
		ErrNoNodeName, id.DHCPNames, id.Addrs, c.Name, nodeNames(c))
}

func nodeByAddr(c *conf.Cluster, addrs []netip.Addr) string {
	for _, n := range c.Nodes {
		for _, a := range []string{n.Addr, n.Addr2} {
			ip, ok := addrHost(a)
			if !ok {
				continue
			}
			for _, mine := range addrs {
				if mine.Unmap() == ip.Unmap() {
					return n.Name
				}
			}
		}
	}
	return ""
}

// addrHost extracts the IP address of a host:port (or host) node addr;
// false for a host name.
func addrHost(a string) (netip.Addr, bool) {
	if a == "" {
		return netip.Addr{}, false
	}
	host := a
	if h, _, err := net.SplitHostPort(a); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return ip, err == nil
}

func nodeNames(c *conf.Cluster) string {
	var s []string
	for _, n := range c.Nodes {
		s = append(s, n.Name)
	}
	return strings.Join(s, ", ")
}
