package main

import (
	"fmt"
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
	return nil
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
