//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// The floating address of the netns tests and the port its server
// listens on.
const (
	vip     = "10.231.0.100"
	vipPort = 8080
)

// netCluster starts three BMC-powered nodes, each in its own network
// namespace, running one service: the floating address with the name
// server inside it.
func netCluster(t *testing.T, base int) (*harness.Cluster, string, string) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "nameserver.py")
	if err := os.WriteFile(script, []byte(harness.NameServer), 0o644); err != nil {
		t.Fatal(err)
	}
	logf := filepath.Join(dir, "svc.log")
	os.WriteFile(logf, nil, 0o666)
	rm := fmt.Sprintf(`<rm>
    <failoverdomains><failoverdomain name="d" ordered="1" nofailback="1">
      <failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="2"/><failoverdomainnode name="node3" priority="3"/>
    </failoverdomain></failoverdomains>
    <service name="app" domain="d" recovery="relocate">
      <ip address="%s/%d" monitor_link="1"><exec name="names" command="/usr/bin/python3 %s %s %s %d"/></ip>
    </service>
  </rm>`, vip, harness.NetBits, script, logf, vip, vipPort)
	// A fenced node boots for 4 s before its quorated runs, so it cannot
	// be back (and first in the domain again) before the recovery.
	c, master := startFenced(t, harness.Options{BasePort: base, Netns: true, Extra: rm, BootDelay: 4 * time.Second})
	return c, master, logf
}

// answer asks the floating address from the client namespace which node
// serves it ("" when nothing answers).
func answer(c *harness.Cluster) string {
	who, err := harness.Ask(c.Net.Client(), fmt.Sprintf("%s:%d", vip, vipPort), 100*time.Millisecond)
	if err != nil {
		return ""
	}
	return who
}

// waitAnswer waits until the client gets an answer from a node for
// which ok holds, and returns it with the time taken.
func waitAnswer(t *testing.T, c *harness.Cluster, ok func(string) bool, what string) (string, time.Duration) {
	t.Helper()
	var who string
	took, done := harness.Until(60*time.Second, time.Millisecond, func() bool { who = answer(c); return who != "" && ok(who) })
	if !done {
		t.Fatalf("the floating address never answered %s (last answer %q); holders %v:\n%s", what, who, c.Net.Holders(vip), c.Describe())
	}
	return who, took
}

// placed waits until the service is started and the client sees its
// owner answer; it returns the owner and a surviving watcher.
func placed(t *testing.T, c *harness.Cluster, master string) (*harness.Node, *harness.Node) {
	t.Helper()
	s, _ := waitService(t, c.Node(master), started, "started")
	waitAnswer(t, c, func(w string) bool { return w == s.Owner }, "from the owner "+s.Owner)
	if h := c.Net.Holders(vip); !slices.Equal(h, []int{c.Node(s.Owner).ID}) {
		t.Fatalf("address %s held by nodes %v, want only %s", vip, h, s.Owner)
	}
	watcher := victim(c, s.Owner)
	if watcher.Name == s.Owner {
		watcher = c.Node(master)
	}
	return c.Node(s.Owner), watcher
}

// nextInDomain checks that the node answering, who, is the one the
// service table names and the next node of the ordered domain
// (node1 > node2 > node3) after the failed owner.
func nextInDomain(t *testing.T, c *harness.Cluster, watcher, owner *harness.Node, who string) {
	t.Helper()
	waitService(t, watcher, func(s api.Service) bool { return started(s) && s.Owner == who }, "shown started on "+who)
	for _, n := range c.Nodes {
		if n == owner {
			continue
		}
		if n.Name != who {
			t.Errorf("the service moved to %s, but %s comes first in the domain", who, n.Name)
		}
		return
	}
}

// fenceEnd is when the fence of node ended (its power was off by then),
// as the master at the time of asking records it.
func fenceEnd(t *testing.T, c *harness.Cluster, watcher *harness.Node, node string) (api.FenceEvent, float64) {
	t.Helper()
	st, err := watcher.Status()
	if err != nil || c.Node(st.QuorumDisk.Master) == nil {
		t.Fatalf("no master known to %s (%v):\n%s", watcher.Name, err, c.Describe())
	}
	f, ok := fenceRecord(c.Node(st.QuorumDisk.Master), node, "success", 5*time.Second)
	if !ok {
		t.Fatalf("the service moved but no successful fence of %s is recorded:\n%s", node, c.Describe())
	}
	return f, float64(f.Started.UnixNano())/1e9 + float64(f.DurationMS)/1e3
}

// onlyNewOwnerHolds checks that the address is on the new owner alone
// (the fenced node's power cycle took it off its NIC).
func onlyNewOwnerHolds(t *testing.T, c *harness.Cluster, owner string) {
	t.Helper()
	want := []int{c.Node(owner).ID}
	if _, ok := harness.Until(5*time.Second, 20*time.Millisecond, func() bool { return slices.Equal(c.Net.Holders(vip), want) }); !ok {
		t.Errorf("address %s held by nodes %v after the failover, want only %s", vip, c.Net.Holders(vip), owner)
	}
}

func TestNetServiceAnswersFromNewOwnerAfterKill(t *testing.T) {
	c, master, logf := netCluster(t, 6800)
	owner, watcher := placed(t, c, master)
	kills := map[string][]float64{owner.Name: {now()}}
	owner.Signal(syscall.SIGKILL)
	who, took := waitAnswer(t, c, func(w string) bool { return w != owner.Name }, "from a new owner")
	t.Logf("owner %s killed -> fenced -> %s answers on %s in %v", owner.Name, who, vip, took)
	nextInDomain(t, c, watcher, owner, who)
	fenceEnd(t, c, watcher, owner.Name)
	onlyNewOwnerHolds(t, c, who)
	checkNoOverlap(t, logf, kills)
}

func TestNetPartitionedOwnerFencedServiceMoves(t *testing.T) {
	c, master, logf := netCluster(t, 6820)
	owner, watcher := placed(t, c, master)
	if err := c.Isolate(owner); err != nil {
		t.Skipf("iptables in %s: %v", c.Net.NodeNS(owner.ID), err)
	}
	who := movesAfterFence(t, c, owner, watcher, logf, "cut off")
	if err := c.Reconnect(owner); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFormed(30 * time.Second); err != nil {
		t.Fatalf("%s did not rejoin after the partition healed: %v", owner.Name, err)
	}
	if w := answer(c); w != who {
		t.Errorf("after %s rejoined the address answers from %q, want %s (nofailback)", owner.Name, w, who)
	}
}

// A stopped owner's server keeps answering until its power is cut: the
// address may only answer from another node after the fence.
func TestNetStoppedOwnerFencedServiceMoves(t *testing.T) {
	c, master, logf := netCluster(t, 6840)
	owner, watcher := placed(t, c, master)
	owner.Signal(syscall.SIGSTOP)
	movesAfterFence(t, c, owner, watcher, logf, "stopped (SIGSTOP)")
}

// movesAfterFence waits for the address to answer from another node
// than owner, who is still running its server until fenced, and checks
// that only owner was fenced and that the two runs did not overlap.
func movesAfterFence(t *testing.T, c *harness.Cluster, owner, watcher *harness.Node, logf, fault string) string {
	t.Helper()
	who, took := waitAnswer(t, c, func(w string) bool { return w != owner.Name }, "from a new owner")
	t.Logf("owner %s %s -> fenced -> %s answers on %s in %v", owner.Name, fault, who, vip, took)
	nextInDomain(t, c, watcher, owner, who)
	f, end := fenceEnd(t, c, watcher, owner.Name)
	t.Logf("fence of %s via %s took %d ms", owner.Name, f.Device, f.DurationMS)
	st, _ := watcher.Status()
	for _, n := range c.Nodes {
		s, err := n.Status()
		if err != nil || n == owner {
			continue
		}
		for _, f := range s.Fencing {
			if f.Node != owner.Name || n.Name != st.QuorumDisk.Master {
				t.Errorf("%s fenced %s: only the master may fence, and only the owner", n.Name, f.Node)
			}
		}
	}
	onlyNewOwnerHolds(t, c, who)
	// The old owner's server died with its power at the latest when the
	// fence ended; the new owner may only have started after that.
	checkNoOverlap(t, logf, map[string][]float64{owner.Name: {end}})
	if b, _ := os.ReadFile(logf); strings.Count(string(b), "start ") != 2 {
		t.Errorf("want exactly two starts (first owner, new owner):\n%s", b)
	}
	return who
}
