package main

import (
	"fmt"
	"net"
	"os/exec"
	"syscall"
	"time"

	"github.com/quorate/quorate/integration/harness"
)

// fenceBench times kill -9 of a member until the master has the fence
// confirmed (power off verified by the BMC), for each fence path.
func fenceBench(trials int) error {
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		fmt.Println("\nipmi_sim not installed: skipping the fencing figures")
		return nil
	}
	fmt.Println()
	for _, path := range []struct{ name, attrs string }{
		{"native IPMI (go-ipmi)", `native="1"`},
		{"Debian fence_ipmilan", ""},
	} {
		c, err := harness.New(harness.Options{BasePort: 6000, BMC: true, FenceAttrs: path.attrs})
		if err != nil {
			return err
		}
		d, err := fenceTrials(c, trials)
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path.name, err)
		}
		printDist("kill -9 -> fence confirmed, "+path.name, d)
	}
	if err := serviceBench(trials); err != nil {
		return err
	}
	return keepalivedBench(trials)
}

func fenceTrials(c *harness.Cluster, trials int) ([]time.Duration, error) {
	if err := c.Start(); err != nil {
		return nil, err
	}
	var out []time.Duration
	for i := 0; i < trials; i++ {
		m, err := c.WaitFormed(30 * time.Second)
		if err != nil {
			return nil, err
		}
		master := c.Node(m)
		v := pickVictim(c, m, i)
		seen := successes(master, v.Name)
		t0 := time.Now()
		v.Signal(syscall.SIGKILL)
		took, ok := harness.Until(60*time.Second, 5*time.Millisecond, func() bool { return successes(master, v.Name) > seen })
		if !ok {
			return nil, fmt.Errorf("trial %d: %s not fenced:\n%s", i, v.Name, c.Describe())
		}
		_ = t0
		out = append(out, took)
	}
	return out, nil
}

func successes(n *harness.Node, node string) int {
	st, err := n.Status()
	if err != nil {
		return 0
	}
	k := 0
	for _, f := range st.Fencing {
		if f.Node == node && f.Result == "success" {
			k++
		}
	}
	return k
}

// serviceBench times the whole failover: the owner of a web service is
// killed, the master fences it through its BMC (native IPMI), and the
// service answers on its new node.
func serviceBench(trials int) error {
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		return nil
	}
	rm := `<rm><service name="web" recovery="relocate"><exec name="web" command="python3 -m http.server 6680 --bind 127.0.0.1"/></service></rm>`
	c, err := harness.New(harness.Options{BasePort: 6600, BMC: true, FenceAttrs: `native="1"`, Extra: rm})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		return err
	}
	var out []time.Duration
	for i := 0; i < trials; i++ {
		if _, err := c.WaitFormed(30 * time.Second); err != nil {
			return err
		}
		owner := ""
		if _, ok := harness.Until(30*time.Second, 10*time.Millisecond, func() bool {
			owner = webOwner(c)
			return owner != "" && answers()
		}); !ok {
			return fmt.Errorf("trial %d: service not answering:\n%s", i, c.Describe())
		}
		victim := c.Node(owner)
		victim.Signal(syscall.SIGKILL)
		took, ok := harness.Until(60*time.Second, 5*time.Millisecond, func() bool {
			o := webOwner(c)
			return o != "" && o != owner && answers()
		})
		if !ok {
			return fmt.Errorf("trial %d: no failover:\n%s", i, c.Describe())
		}
		out = append(out, took)
	}
	printDist("owner kill -9 -> fenced (IPMI) -> service answering", out)
	return nil
}

func webOwner(c *harness.Cluster) string {
	for _, n := range c.Nodes {
		if st, err := n.Status(); err == nil && st.Quorum.Quorate {
			for _, s := range st.Services {
				if s.State == "started" {
					return s.Owner
				}
			}
			return ""
		}
	}
	return ""
}

func answers() bool {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:6680", 50*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
