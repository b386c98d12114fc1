//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// startFenced brings up three nodes, each powered by its own ipmi_sim BMC
// and fenced through it.
func startFenced(t *testing.T, opt harness.Options) (*harness.Cluster, string) {
	t.Helper()
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		t.Skip("ipmi_sim not installed (apt-get install openipmi ipmitool fence-agents)")
	}
	opt.BMC = true
	if opt.BasePort == 0 {
		opt.BasePort = 5800
	}
	return start(t, opt)
}

// fenceRecord waits for a fence history entry for node with the result.
func fenceRecord(n *harness.Node, node, result string, timeout time.Duration) (api.FenceEvent, bool) {
	var found api.FenceEvent
	_, ok := harness.Until(timeout, 50*time.Millisecond, func() bool {
		st, err := n.Status()
		if err != nil {
			return false
		}
		for _, f := range st.Fencing {
			if f.Node == node && f.Result == result {
				found = f
				return true
			}
		}
		return false
	})
	return found, ok
}

func TestKilledNodeIsPowerFencedThenRejoins(t *testing.T) {
	for _, mode := range []struct{ name, attrs string }{{"fence_ipmilan", ""}, {"native", `native="1"`}} {
		t.Run(mode.name, func(t *testing.T) {
			c, master := startFenced(t, harness.Options{FenceAttrs: mode.attrs})
			v := victim(c, master)
			m := c.Node(master)
			t0 := time.Now()
			v.Signal(syscall.SIGKILL)
			f, ok := fenceRecord(m, v.Name, "success", 30*time.Second)
			if !ok {
				t.Fatalf("no successful fence of %s:\n%s", v.Name, c.Describe())
			}
			t.Logf("%s: kill -9 -> fence confirmed after %v (fence %s via %s took %d ms)", mode.name, time.Since(t0), f.Method, f.Device, f.DurationMS)
			if !strings.Contains(m.Log(), "fence confirmed") && !strings.Contains(m.Log(), "is fenced") {
				t.Errorf("master's log does not record the confirmed fence")
			}
			// reboot = off, verify off, on: the node boots again and rejoins.
			if _, err := c.WaitFormed(20 * time.Second); err != nil {
				t.Fatalf("%s did not come back after the power cycle: %v", v.Name, err)
			}
		})
	}
}

func TestStoppedNodeIsFencedAndNeverActsAgain(t *testing.T) {
	c, master := startFenced(t, harness.Options{})
	v := victim(c, master)
	pid := v.Pid()
	v.Signal(syscall.SIGSTOP)
	if _, ok := fenceRecord(c.Node(master), v.Name, "success", 30*time.Second); !ok {
		t.Fatalf("the stopped node was not fenced:\n%s", c.Describe())
	}
	// The BMC's power-off killed the stopped process: SIGCONT finds nothing.
	if err := syscall.Kill(pid, syscall.SIGCONT); err == nil {
		if _, ok := harness.Until(3*time.Second, 20*time.Millisecond, func() bool { return syscall.Kill(pid, 0) != nil }); !ok {
			t.Fatalf("process %d of the fenced node still exists after the fence", pid)
		}
	}
	if _, err := c.WaitFormed(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	if v.Pid() == pid {
		t.Fatalf("the node came back as the same process")
	}
}

func TestPartitionFencesOnlyTheLoser(t *testing.T) {
	c, master := startFenced(t, harness.Options{})
	v := victim(c, master)
	if err := c.Isolate(v); err != nil {
		t.Skipf("iptables: %v", err)
	}
	m := c.Node(master)
	if _, ok := fenceRecord(m, v.Name, "success", 30*time.Second); !ok {
		t.Fatalf("the cut node was not fenced:\n%s", c.Describe())
	}
	harness.Heal()
	st, _ := m.Status()
	for _, f := range st.Fencing {
		if f.Node != v.Name {
			t.Errorf("a node of the winning side was fenced: %+v", f)
		}
	}
	for _, n := range c.Nodes {
		if n == v {
			continue
		}
		if s, _ := n.Status(); s != nil {
			for _, f := range s.Fencing {
				if n != m || f.Node != v.Name {
					t.Errorf("%s fenced %s (only the master may fence, and only the loser)", n.Name, f.Node)
				}
			}
		}
	}
	if _, err := c.WaitFormed(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSecondMethodWhenBMCDoesNotAnswer(t *testing.T) {
	opt := harness.Options{FenceXML: func(n *harness.Node) string {
		return fmt.Sprintf(`<fence><method name="dead-bmc"><device name="nowhere" ipport="9"/></method><method name="ipmi"><device name="bmc-%s"/></method></fence>`, n.Name)
	}, FenceAttrs: `native="1"`}
	c, master := startFencedWithDevice(t, opt)
	v := victim(c, master)
	v.Signal(syscall.SIGKILL)
	m := c.Node(master)
	f, ok := fenceRecord(m, v.Name, "success", 60*time.Second)
	if !ok || f.Method != "ipmi" {
		t.Fatalf("not fenced by the second method (got %+v):\n%s", f, c.Describe())
	}
	st, _ := m.Status()
	failedFirst := false
	for _, a := range st.Fencing {
		failedFirst = failedFirst || (a.Method == "dead-bmc" && a.Result != "success")
	}
	if !failedFirst {
		t.Errorf("the first method was not tried and failed: %+v", st.Fencing)
	}
}

func TestAllMethodsFailingLeavesFencePending(t *testing.T) {
	opt := harness.Options{FenceXML: func(n *harness.Node) string {
		return `<fence><method name="dead-bmc"><device name="nowhere" ipport="9"/></method></fence>`
	}, FenceAttrs: `native="1"`}
	c, master := startFencedWithDevice(t, opt)
	v := victim(c, master)
	v.Signal(syscall.SIGKILL)
	m := c.Node(master)
	if _, ok := harness.Until(20*time.Second, 50*time.Millisecond, func() bool { return m.MemberState(v.Name) == "fencing" }); !ok {
		t.Fatalf("%s not shown as fencing:\n%s", v.Name, c.Describe())
	}
	if _, ok := fenceRecord(m, v.Name, "success", 5*time.Second); ok {
		t.Fatalf("a fence was reported successful with every method failing")
	}
	if !strings.Contains(m.Log(), "services stay where they are") {
		t.Errorf("the master did not say that recovery waits for the fence")
	}
}

// startFencedWithDevice adds a fence device "nowhere" that no BMC answers.
func startFencedWithDevice(t *testing.T, opt harness.Options) (*harness.Cluster, string) {
	opt.ExtraDevices = `<fencedevice name="nowhere" agent="fence_ipmilan" ipaddr="127.0.0.1" login="admin" passwd="secret" lanplus="1" cipher="3" native="1"/>`
	return startFenced(t, opt)
}

func TestFenceNodeByHandFromAnotherNode(t *testing.T) {
	c, master := startFenced(t, harness.Options{})
	v := victim(c, master)
	var asker *harness.Node
	for _, n := range c.Nodes {
		if n.Name != master && n != v {
			asker = n
		}
	}
	out, err := exec.Command(c.Opt.Bin+"/fence_node", "--socket", asker.Socket, v.Name).CombinedOutput()
	if err != nil {
		t.Fatalf("fence_node from %s: %v\n%s", asker.Name, err, out)
	}
	t.Logf("fence_node: %s", strings.TrimSpace(string(out)))
	if _, ok := fenceRecord(c.Node(master), v.Name, "success", 5*time.Second); !ok {
		t.Fatalf("fence_node returned but the master has no successful fence of %s", v.Name)
	}
	if _, err := c.WaitFormed(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestTwoNodeSplitExactlyOneSideFences cuts the network between the two
// nodes of a two-node cluster, again and again: each time exactly one
// node (the lease holder) fences the other, and the survivor stays quorate.
// QUORATE_SPLIT_TRIALS sets the number of rounds (make bench runs 100).
func TestTwoNodeSplitExactlyOneSideFences(t *testing.T) {
	trials := 5
	if s := os.Getenv("QUORATE_SPLIT_TRIALS"); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	c, _ := startFenced(t, harness.Options{Nodes: 2, BasePort: 5900, Totem: ``, Extra: `<cman two_node="1" expected_votes="1"/>`})
	for i := 0; i < trials; i++ {
		master, err := c.WaitFormed(30 * time.Second)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		before := map[string]int{}
		for _, n := range c.Nodes {
			before[n.Name] = len(fenceHistory(n))
		}
		if err := c.Isolate(c.Nodes[i%2]); err != nil {
			t.Skipf("iptables: %v", err)
		}
		var fencer, fenced string
		_, ok := harness.Until(30*time.Second, 20*time.Millisecond, func() bool {
			for _, n := range c.Nodes {
				h := fenceHistory(n)
				for _, f := range h[min(before[n.Name], len(h)):] {
					if f.Result == "success" {
						fencer, fenced = n.Name, f.Node
						return true
					}
				}
			}
			return false
		})
		harness.Heal()
		if !ok {
			t.Fatalf("round %d: nobody fenced after the split:\n%s", i, c.Describe())
		}
		if fencer != master || fenced == master {
			t.Fatalf("round %d: %s fenced %s, but %s held the lease", i, fencer, fenced, master)
		}
		for _, n := range c.Nodes {
			if n.Name != fencer && len(fenceHistory(n)) > before[n.Name] {
				t.Fatalf("round %d: both sides fenced (%s too)", i, n.Name)
			}
		}
		if _, ok := harness.Until(5*time.Second, 20*time.Millisecond, func() bool {
			st, err := c.Node(master).Status()
			return err == nil && st.Quorum.Quorate
		}); !ok {
			t.Fatalf("round %d: the survivor %s is not quorate", i, master)
		}
	}
	t.Logf("%d of %d splits: exactly one side fenced the other", trials, trials)
}

func fenceHistory(n *harness.Node) []api.FenceEvent {
	st, err := n.Status()
	if err != nil {
		return nil
	}
	var out []api.FenceEvent
	for _, f := range st.Fencing {
		if f.Result == "success" || f.Result == "failed" || f.Result == "timeout" {
			out = append(out, f)
		}
	}
	return out
}
