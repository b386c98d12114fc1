//go:build integration

// Network-namespace service tests: a floating address with a name server
// behind it, and a client namespace that asks it which node answers,
// through a kill -9, a partition and a SIGSTOP of the owner.

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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
	c, _ := startFenced(t, harness.Options{BasePort: base, Netns: true, Extra: rm, BootDelay: 4 * time.Second})
	// start waited for the nodes already running: wait for all three.
	if _, ok := harness.Until(30*time.Second, 20*time.Millisecond, func() bool {
		return c.Nodes[0].Running() && c.Nodes[1].Running() && c.Nodes[2].Running()
	}); !ok {
		t.Fatalf("not every node powered on:\n%s", c.Describe())
	}
	master, err := c.WaitFormed(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c, master, logf
}

// reply is one answer of the name server: the node and which run of
// the server on it.
type reply struct{ node, run string }

// answer asks the floating address from the client namespace which node
// serves it (zero when nothing answers).
func answer(c *harness.Cluster) reply {
	line, err := harness.Ask(c.Net.Client(), fmt.Sprintf("%s:%d", vip, vipPort), 100*time.Millisecond)
	if f := strings.Fields(line); err == nil && len(f) == 2 {
		return reply{f[0], f[1]}
	}
	return reply{}
}

// waitAnswer waits until the client gets an answer for which ok holds,
// and returns it with the time taken.
func waitAnswer(t *testing.T, c *harness.Cluster, ok func(reply) bool, what string) (reply, time.Duration) {
	t.Helper()
	var r reply
	took, done := harness.Until(60*time.Second, time.Millisecond, func() bool { r = answer(c); return r.node != "" && ok(r) })
	if !done {
		t.Fatalf("the floating address never answered %s (last answer %+v); holders %v:\n%s", what, r, c.Net.Holders(vip), c.Describe())
	}
	return r, took
}

// placed waits until the service is started and the client sees its
// owner answer; it returns the owner, a surviving watcher and the run
// answering.
func placed(t *testing.T, c *harness.Cluster, master string) (*harness.Node, *harness.Node, reply) {
	t.Helper()
	s, _ := waitService(t, c.Node(master), started, "started")
	r, _ := waitAnswer(t, c, func(r reply) bool { return r.node == s.Owner }, "from the owner "+s.Owner)
	if h := c.Net.Holders(vip); !slices.Equal(h, []int{c.Node(s.Owner).ID}) {
		t.Fatalf("address %s held by nodes %v, want only %s", vip, h, s.Owner)
	}
	watcher := victim(c, s.Owner)
	return c.Node(s.Owner), watcher, r
}

// failedOver waits until another run of the server answers after a
// fault of owner's, and checks the recovery: owner alone was fenced;
// the new run started after the fence ended, on the next
// node of the ordered domain (node1 > node2 > node3) — or on owner
// itself when it had booted again and rejoined before the recovery;
// only the new owner holds the address; no two runs overlapped.
func failedOver(t *testing.T, c *harness.Cluster, owner, watcher *harness.Node, old reply, logf, fault string) reply {
	t.Helper()
	since := time.Now()
	r, took := waitAnswer(t, c, func(r reply) bool { return r.run != old.run }, "from a new run of the server")
	t.Logf("owner %s %s -> fenced -> %s answers on %s in %v", owner.Name, fault, r.node, vip, took)
	t.Logf("what the survivors logged:\n%s", timeline(c, owner, since))
	f, end := fenceEnd(t, c, owner.Name)
	t.Logf("fence of %s via %s took %d ms", owner.Name, f.Device, f.DurationMS)
	if at := runStart(logf, r.run); at <= end {
		t.Errorf("run %s started at %.3f, before the fence of %s ended (%.3f)", r.run, at, owner.Name, end)
	}
	waitService(t, watcher, func(s api.Service) bool { return started(s) && s.Owner == r.node }, "shown started on "+r.node)
	booted, rebooted := bootedAfter(owner, since)
	switch {
	case r.node == owner.Name:
		t.Logf("%s booted again and rejoined before the recovery: first in the domain, it took the service back", owner.Name)
	case r.node != nextInDomain(c, owner):
		t.Errorf("the service moved to %s, but %s comes first in the domain", r.node, nextInDomain(c, owner))
	case rebooted && runStart(logf, r.run) > float64(booted.UnixNano())/1e9:
		t.Errorf("recovery on %s waited until the fenced %s had booted again (its quorated started at %s, %v after the fence ended): "+
			"a fenced node's services must be recovered at once", r.node, owner.Name, booted.Format("15:04:05.000"),
			booted.Sub(time.Unix(0, int64(end*1e9))).Round(time.Millisecond))
	}
	onlyOwnerFenced(t, c, owner)
	onlyHolder(t, c, r.node)
	// The old run died with its node's power at the latest when the
	// fence ended.
	checkNoOverlap(t, logf, map[string][]float64{owner.Name: {end}})
	return r
}

// timeline is the survivors' log lines about the lease, evictions,
// fencing and the service since the fault, in time order; a message a
// node repeats is shown once, with its count.
func timeline(c *harness.Cluster, owner *harness.Node, since time.Time) string {
	type entry struct {
		line  string
		count int
	}
	var out []*entry
	seen := map[string]*entry{}
	for _, n := range c.Nodes {
		if n == owner {
			continue
		}
		for _, l := range strings.Split(n.Log(), "\n") {
			if at, ok := logTime(l); !ok || at.Before(since) || !interesting(l) {
				continue
			}
			_, key, _ := strings.Cut(l, " msg=")
			key = n.Name + key
			if e := seen[key]; e != nil {
				e.count++
				continue
			}
			seen[key] = &entry{line: "  " + l, count: 1}
			out = append(out, seen[key])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].line < out[j].line })
	var b strings.Builder
	for _, e := range out {
		b.WriteString(e.line)
		if e.count > 1 {
			fmt.Fprintf(&b, " (x%d)", e.count)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func interesting(line string) bool {
	for _, k := range []string{"lease", "evict", "fence confirmed", "fence device", "service app", "giving up"} {
		if strings.Contains(line, k) {
			return true
		}
	}
	return false
}

// bootedAfter is when node's quorated started again after since.
func bootedAfter(n *harness.Node, since time.Time) (time.Time, bool) {
	for _, l := range strings.Split(n.Log(), "\n") {
		if at, ok := logTime(l); ok && !at.Before(since) && strings.Contains(l, `msg="quorated started"`) {
			return at, true
		}
	}
	return time.Time{}, false
}

func logTime(line string) (time.Time, bool) {
	ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
	at, err := time.Parse(time.RFC3339Nano, ts)
	return at, err == nil && strings.HasPrefix(line, "time=")
}

// runStart is when run logged its start (0 if it did not).
func runStart(logf, run string) float64 {
	b, _ := os.ReadFile(logf)
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "start" && f[3] == run {
			at, _ := strconv.ParseFloat(f[2], 64)
			return at
		}
	}
	return 0
}

// nextInDomain is the first node of the domain other than owner.
func nextInDomain(c *harness.Cluster, owner *harness.Node) string {
	for _, n := range c.Nodes {
		if n != owner {
			return n.Name
		}
	}
	return ""
}

// fenceEnd finds the successful fence of node in the history of the
// surviving node that did it, and when it ended (node's power was off by
// then).
func fenceEnd(t *testing.T, c *harness.Cluster, node string) (api.FenceEvent, float64) {
	t.Helper()
	var f api.FenceEvent
	_, ok := harness.Until(10*time.Second, 50*time.Millisecond, func() bool {
		for _, n := range c.Nodes {
			if n.Name == node {
				continue
			}
			if st, err := n.Status(); err == nil {
				for _, e := range st.Fencing {
					if e.Node == node && e.Result == "success" {
						f = e
						return true
					}
				}
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("the service moved but no successful fence of %s is recorded:\n%s", node, c.Describe())
	}
	return f, float64(f.Started.UnixNano())/1e9 + float64(f.DurationMS)/1e3
}

// onlyOwnerFenced checks that no node but owner was fenced.
func onlyOwnerFenced(t *testing.T, c *harness.Cluster, owner *harness.Node) {
	t.Helper()
	for _, n := range c.Nodes {
		s, err := n.Status()
		if err != nil || n == owner {
			continue
		}
		for _, f := range s.Fencing {
			if f.Node != owner.Name {
				t.Errorf("%s fenced %s: only %s should have been", n.Name, f.Node, owner.Name)
			}
		}
	}
}

// onlyHolder checks that the address is on the new owner alone (the
// fenced node's power cycle took it off its NIC).
func onlyHolder(t *testing.T, c *harness.Cluster, owner string) {
	t.Helper()
	want := []int{c.Node(owner).ID}
	if _, ok := harness.Until(5*time.Second, 20*time.Millisecond, func() bool { return slices.Equal(c.Net.Holders(vip), want) }); !ok {
		t.Errorf("address %s held by nodes %v after the failover, want only %s", vip, c.Net.Holders(vip), owner)
	}
}

func TestNetServiceAnswersFromNewOwnerAfterKill(t *testing.T) {
	c, master, logf := netCluster(t, 6800)
	owner, watcher, first := placed(t, c, master)
	owner.Signal(syscall.SIGKILL)
	failedOver(t, c, owner, watcher, first, logf, "killed (kill -9)")
}

func TestNetPartitionedOwnerFencedServiceMoves(t *testing.T) {
	c, master, logf := netCluster(t, 6820)
	owner, watcher, first := placed(t, c, master)
	if err := c.Isolate(owner); err != nil {
		t.Skipf("iptables in %s: %v", c.Net.NodeNS(owner.ID), err)
	}
	r := failedOver(t, c, owner, watcher, first, logf, "cut off")
	if err := c.Reconnect(owner); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFormed(30 * time.Second); err != nil {
		t.Fatalf("%s did not rejoin after the partition healed: %v", owner.Name, err)
	}
	if now := answer(c); now != r {
		t.Errorf("after %s rejoined the address answers from %+v, want %+v still (nofailback)", owner.Name, now, r)
	}
}

// A stopped owner's server keeps answering until its power is cut: the
// address may only answer from another run after the fence.
func TestNetStoppedOwnerFencedServiceMoves(t *testing.T) {
	c, master, logf := netCluster(t, 6840)
	owner, watcher, first := placed(t, c, master)
	owner.Signal(syscall.SIGSTOP)
	failedOver(t, c, owner, watcher, first, logf, "stopped (SIGSTOP)")
}
