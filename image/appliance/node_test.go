package appliance

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/quorate/quorate/conf"
)

func mustConf(t *testing.T) *conf.Cluster {
	t.Helper()
	c, err := conf.Parse("", testConf("lab", 1, ""))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolveNode(t *testing.T) {
	c := mustConf(t)
	addr := netip.MustParseAddr
	cases := []struct {
		id   Identity
		want string
	}{
		{Identity{CmdlineNode: "node3", DHCPNames: []string{"node1"}}, "node3"},
		{Identity{DHCPNames: []string{"lab-gw", "node2.lab.example"}}, "node2"},
		{Identity{DHCPNames: []string{"node1"}, Addrs: []netip.Addr{addr("10.77.0.12")}}, "node1"},
		{Identity{Addrs: []netip.Addr{addr("127.0.0.1"), addr("::ffff:10.77.0.13")}}, "node3"},
	}
	for _, c2 := range cases {
		got, err := ResolveNode(c, c2.id)
		if err != nil || got != c2.want {
			t.Errorf("ResolveNode(%+v) = %q, %v; want %q", c2.id, got, err, c2.want)
		}
	}
	_, err := ResolveNode(c, Identity{CmdlineNode: "node9"})
	if !errors.Is(err, ErrNoNodeName) || !strings.Contains(err.Error(), "node1, node2, node3") {
		t.Errorf("unknown cmdline node: %v", err)
	}
	_, err = ResolveNode(c, Identity{DHCPNames: []string{"web4"}, Addrs: []netip.Addr{addr("10.77.0.99")}})
	if !errors.Is(err, ErrNoNodeName) || !strings.Contains(err.Error(), "quorate.node=NAME") {
		t.Errorf("no match: %v", err)
	}
}
