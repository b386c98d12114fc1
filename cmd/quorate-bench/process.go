package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/quorate/quorate/integration/harness"
)

func processBench(trials int, idle time.Duration) error {
	c, err := harness.New(harness.Options{BasePort: 5700})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		return err
	}
	if _, err := c.WaitFormed(15 * time.Second); err != nil {
		return err
	}
	fmt.Printf("three quorated processes, quorum disk on %s (O_DIRECT), default timings\n\n", c.Device)
	if err := idleBench(c, idle); err != nil {
		return err
	}
	kill, killMaster, err := detectionBench(c, trials)
	if err != nil {
		return err
	}
	part, err := partitionBench(c, trials)
	if err != nil {
		return err
	}
	partMaster, err := masterPartitionBench(c, trials)
	if err != nil {
		return err
	}
	fmt.Println()
	printDist("kill -9 of a member -> master shows it offline", kill)
	printDist("kill -9 of the master -> new master, old one offline", killMaster)
	printDist("iptables cut of a member -> evicted and obeyed", part)
	printDist("iptables cut of the master -> new master, old evicted", partMaster)
	c.Close()
	return fenceBench(trials)
}

// detectionBench kills a non-master member (and, alternately, the master)
// and times how long the survivors take to show it offline.
func detectionBench(c *harness.Cluster, trials int) (member, master []time.Duration, err error) {
	for i := 0; i < trials; i++ {
		m, err := c.WaitFormed(15 * time.Second)
		if err != nil {
			return nil, nil, err
		}
		v := pickVictim(c, m, i)
		watcher := c.Node(m)
		t0 := time.Now()
		v.Signal(syscall.SIGKILL)
		took, ok := harness.Until(10*time.Second, 2*time.Millisecond, func() bool { return watcher.MemberState(v.Name) == "offline" })
		if !ok {
			return nil, nil, fmt.Errorf("trial %d: %s never shown offline:\n%s", i, v.Name, c.Describe())
		}
		member = append(member, took)
		_ = t0
		v.Wait(5 * time.Second)
		v.Start()
	}
	for i := 0; i < trials; i++ {
		m, err := c.WaitFormed(15 * time.Second)
		if err != nil {
			return nil, nil, err
		}
		old := c.Node(m)
		watcher := pickVictim(c, m, i)
		old.Signal(syscall.SIGKILL)
		took, ok := harness.Until(10*time.Second, 2*time.Millisecond, func() bool {
			st, err := watcher.Status()
			return err == nil && st.Quorum.Quorate && st.QuorumDisk.Master != "" && st.QuorumDisk.Master != m &&
				watcher.MemberState(m) == "offline"
		})
		if !ok {
			return nil, nil, fmt.Errorf("master trial %d: no takeover:\n%s", i, c.Describe())
		}
		master = append(master, took)
		old.Wait(5 * time.Second)
		old.Start()
	}
	return member, master, nil
}

// partitionBench cuts a member off the network and times until the master
// evicted it and it obeyed (left quorum by itself).
func partitionBench(c *harness.Cluster, trials int) ([]time.Duration, error) {
	return cutBench(c, trials, "partition", func(master string, i int) (*harness.Node, *harness.Node) {
		return pickVictim(c, master, i), c.Node(master)
	}, func(master string, v, watcher *harness.Node) bool {
		return watcher.MemberState(v.Name) == "evicted"
	})
}

// masterPartitionBench cuts the master off the network and times until
// the other two, the larger side, follow a new master that evicted the
// old one, and the old one obeyed (left quorum by itself).
func masterPartitionBench(c *harness.Cluster, trials int) ([]time.Duration, error) {
	return cutBench(c, trials, "master partition", func(master string, i int) (*harness.Node, *harness.Node) {
		return c.Node(master), pickVictim(c, master, i)
	}, func(master string, _, watcher *harness.Node) bool {
		st, err := watcher.Status()
		return err == nil && st.Quorum.Quorate && st.QuorumDisk.Master != "" && st.QuorumDisk.Master != master &&
			watcher.MemberState(master) == "evicted"
	})
}

// cutBench isolates the node pick chooses (the victim) and times until
// seen holds on the watcher and the victim left quorum by itself; the
// victim is restarted after each trial (an evicted node stays out).
func cutBench(c *harness.Cluster, trials int, what string, pick func(master string, i int) (victim, watcher *harness.Node),
	seen func(master string, victim, watcher *harness.Node) bool) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; i < trials; i++ {
		m, err := c.WaitFormed(15 * time.Second)
		if err != nil {
			return nil, err
		}
		v, watcher := pick(m, i)
		if err := c.Isolate(v); err != nil {
			return nil, err
		}
		took, ok := harness.Until(15*time.Second, 2*time.Millisecond, func() bool {
			if !seen(m, v, watcher) {
				return false
			}
			st, err := v.Status()
			return err == nil && !st.Quorum.Quorate
		})
		harness.Heal()
		if !ok {
			return nil, fmt.Errorf("%s trial %d: not resolved:\n%s", what, i, c.Describe())
		}
		out = append(out, took)
		v.Kill()
		v.Start()
	}
	return out, nil
}

func pickVictim(c *harness.Cluster, master string, i int) *harness.Node {
	var others []*harness.Node
	for _, n := range c.Nodes {
		if n.Name != master {
			others = append(others, n)
		}
	}
	return others[i%len(others)]
}

// idleBench samples CPU time, RSS and I/O counters of each node while the
// cluster is idle.
func idleBench(c *harness.Cluster, d time.Duration) error {
	type sample struct {
		cpu                 time.Duration
		reads, writes, pkts uint64
	}
	take := func(n *harness.Node) (sample, error) {
		st, err := n.Status()
		if err != nil {
			return sample{}, err
		}
		cpu, err := cpuTime(n.Pid())
		return sample{cpu, st.Counters["disk_reads"], st.Counters["disk_writes"], st.Counters["heartbeats_sent"]}, err
	}
	before := map[string]sample{}
	for _, n := range c.Nodes {
		s, err := take(n)
		if err != nil {
			return err
		}
		before[n.Name] = s
	}
	t0 := time.Now()
	time.Sleep(d)
	el := time.Since(t0).Seconds()
	fmt.Printf("idle, %.0f s sample:\n", el)
	fmt.Printf("  %-6s %7s %8s %12s %12s %12s\n", "node", "CPU %", "RSS MB", "disk reads/s", "disk writes/s", "packets/s")
	for _, n := range c.Nodes {
		s, err := take(n)
		if err != nil {
			return err
		}
		b := before[n.Name]
		rss, _ := rssMB(n.Pid())
		role := ""
		if st, err := n.Status(); err == nil && st.QuorumDisk.Master == n.Name {
			role = " (master)"
		}
		fmt.Printf("  %-6s %7.2f %8.1f %12.1f %12.1f %12.1f%s\n", n.Name, 100*(s.cpu-b.cpu).Seconds()/el, rss,
			float64(s.reads-b.reads)/el, float64(s.writes-b.writes)/el, float64(s.pkts-b.pkts)/el, role)
	}
	return nil
}

func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

func rssMB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

func printDist(name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	fmt.Printf("%-56s n=%-3d min %4d ms  median %4d ms  p95 %4d ms  max %4d ms\n", name, len(s),
		s[0].Milliseconds(), q(0.5).Milliseconds(), q(0.95).Milliseconds(), s[len(s)-1].Milliseconds())
}
