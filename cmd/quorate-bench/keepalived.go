package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// The VRRP reference runs on the same namespaces as quorate's netns
// failover (harness.Net with base port netBase: qn6900-1..3 on a bridge,
// 10.231.0.0/24), one after the other, with the floating address vipAddr.
const (
	netBase = 6900
	vipAddr = "10.231.0.100"
	vipPort = 8080
	// bootDelay is how long a power-cycled node takes to boot.
	bootDelay = 3 * time.Second
)

// keepalivedBench measures, on three network namespaces, quorate's whole
// failover of an ip + exec service (owner kill -9 -> fenced by native
// IPMI -> address on a survivor -> service answering a client) and
// keepalived's VRRP failover (master kill -9 -> address on a survivor,
// as ../shared/recipes/peers/keepalived/ka_bench.py measures it: a bind
// to the address in each survivor namespace every 1 ms) at advert_int 1
// and 0.1, and prints them side by side with ratios.
func keepalivedBench(trials int) error {
	if _, err := exec.LookPath("keepalived"); err != nil {
		fmt.Println("\nkeepalived not installed (apt-get install keepalived): skipping the VRRP reference")
		return nil
	}
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		fmt.Println("\nipmi_sim not installed: skipping quorate vs keepalived")
		return nil
	}
	fmt.Printf("\nfailover on network namespaces (3 nodes on a bridge, %s/24 floating; a fenced node boots in %v), %d trials each:\n", vipAddr, bootDelay, trials)
	held, answering, wasMaster, err := quorateNetTrials(trials)
	if err != nil {
		return fmt.Errorf("quorate netns failover: %w", err)
	}
	ka := map[string][]time.Duration{}
	for _, adv := range []string{"1", "0.1"} {
		if ka[adv], err = vrrpTrials(trials, adv); err != nil {
			return fmt.Errorf("keepalived advert_int %s: %w", adv, err)
		}
	}
	printVRRP(held, answering, wasMaster, ka)
	return nil
}

// printVRRP prints quorate's and keepalived's figures and their ratios.
func printVRRP(held, answering []time.Duration, wasMaster []bool, ka map[string][]time.Duration) {
	var ofMaster, ofMember []time.Duration
	for i, d := range answering {
		if wasMaster[i] {
			ofMaster = append(ofMaster, d)
		} else {
			ofMember = append(ofMember, d)
		}
	}
	printDist("quorate: owner kill -9 -> fenced -> address on survivor", held)
	printDist("quorate: owner kill -9 -> fenced -> service answering", answering)
	printDist("  of which the owner was the master (its lease expires)", ofMaster)
	printDist("  of which the owner was another member", ofMember)
	printDist("keepalived advert 1 s: kill -9 -> address on survivor", ka["1"])
	printDist("keepalived advert 0.1 s: kill -9 -> address on survivor", ka["0.1"])
	fmt.Println("ratios quorate / keepalived (median, p95); keepalived has no fencing: a cut master keeps the address")
	for _, adv := range []string{"1", "0.1"} {
		for _, q := range []struct {
			name string
			d    []time.Duration
		}{{"address on survivor", held}, {"service answering", answering}} {
			fmt.Printf("  quorate %-20s / keepalived advert_int %-3s  %5.2f  %5.2f\n", q.name, adv,
				ratio(q.d, ka[adv], 0.5), ratio(q.d, ka[adv], 0.95))
		}
	}
}

func quantile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1)+0.5)]
}

func ratio(a, b []time.Duration, p float64) float64 {
	return float64(quantile(a, p)) / float64(quantile(b, p))
}

// quorateNetTrials kills the owner of an ip + exec service again and
// again (the fenced node is power-cycled by its BMC and rejoins) and
// times the address appearing on a survivor and the service answering
// the client namespace from a new node. Every other trial the service is
// first moved off the master, so both kinds of owner are killed.
func quorateNetTrials(trials int) (held, answering []time.Duration, wasMaster []bool, err error) {
	dir, err := os.MkdirTemp("/var/tmp", "quorate-bench-net-")
	if err != nil {
		return nil, nil, nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "nameserver.py")
	if err := os.WriteFile(script, []byte(harness.NameServer), 0o644); err != nil {
		return nil, nil, nil, err
	}
	rm := fmt.Sprintf(`<rm><service name="web" recovery="relocate"><ip address="%s/%d"><exec name="web" command="/usr/bin/python3 %s %s %s %d"/></ip></service></rm>`,
		vipAddr, harness.NetBits, script, filepath.Join(dir, "svc.log"), vipAddr, vipPort)
	// A fenced node takes bootDelay to boot, as a real one does: the
	// failover must not profit from the victim coming back at once.
	c, err := harness.New(harness.Options{BasePort: netBase, Netns: true, BMC: true, FenceAttrs: `native="1"`, Extra: rm, BootDelay: bootDelay})
	if err != nil {
		return nil, nil, nil, err
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		return nil, nil, nil, err
	}
	target := fmt.Sprintf("%s:%d", vipAddr, vipPort)
	for i := 0; i < trials; i++ {
		master, err := allFormed(c)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("trial %d: %w", i, err)
		}
		owner := ""
		if _, ok := harness.Until(30*time.Second, 5*time.Millisecond, func() bool {
			owner = webOwner(c)
			return owner != "" && answerer(c, target) == owner
		}); !ok {
			return nil, nil, nil, fmt.Errorf("trial %d: service not answering from its owner:\n%s", i, c.Describe())
		}
		if i%2 == 1 && owner == master { // every other trial the owner is not the master
			if owner, err = relocateOff(c, master, target); err != nil {
				return nil, nil, nil, fmt.Errorf("trial %d: %w", i, err)
			}
		}
		victim := c.Node(owner)
		var survivors []string
		for _, n := range c.Nodes {
			if n != victim {
				survivors = append(survivors, c.Net.NodeNS(n.ID))
			}
		}
		stop := make(chan struct{})
		heldAt := firstHeld(survivors, vipAddr, stop)
		answerAt := firstAnswer(c.Net.Client(), target, func(w string) bool { return w != "" && w != owner }, stop)
		t0 := time.Now()
		victim.Signal(syscall.SIGKILL)
		var h, a time.Time
		select {
		case a = <-answerAt:
		case <-time.After(60 * time.Second):
			close(stop)
			return nil, nil, nil, fmt.Errorf("trial %d: no failover of %s within 60 s:\n%s", i, owner, c.Describe())
		}
		select {
		case h = <-heldAt:
		case <-time.After(time.Second):
			close(stop)
			return nil, nil, nil, fmt.Errorf("trial %d: the service answers but no survivor holds %s", i, vipAddr)
		}
		close(stop)
		held = append(held, h.Sub(t0))
		answering = append(answering, a.Sub(t0))
		wasMaster = append(wasMaster, owner == master)
	}
	return held, answering, wasMaster, nil
}

// allFormed waits until every node runs (the one fenced last has been
// power-cycled) and all agree on a master.
func allFormed(c *harness.Cluster) (string, error) {
	if _, ok := harness.Until(60*time.Second, 20*time.Millisecond, func() bool {
		for _, n := range c.Nodes {
			if !n.Running() {
				return false
			}
		}
		return true
	}); !ok {
		return "", fmt.Errorf("not every node is running:\n%s", c.Describe())
	}
	return c.WaitFormed(60 * time.Second)
}

// relocateOff moves the service from the master to another node and
// waits until it answers there; it returns the new owner.
func relocateOff(c *harness.Cluster, master, target string) (string, error) {
	to := ""
	for _, n := range c.Nodes {
		if n.Name != master && to == "" {
			to = n.Name
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if msg, err := api.NewClient(c.Node(master).Socket).ServiceOp(ctx, "relocate", "web", to); err != nil {
		return "", fmt.Errorf("relocating web to %s: %v %s", to, err, msg)
	}
	if _, ok := harness.Until(30*time.Second, 5*time.Millisecond, func() bool {
		return webOwner(c) == to && answerer(c, target) == to
	}); !ok {
		return "", fmt.Errorf("web did not answer from %s after the relocation:\n%s", to, c.Describe())
	}
	return to, nil
}

// answerer is the node the service answers from at target ("" if none).
func answerer(c *harness.Cluster, target string) string {
	line, _ := harness.Ask(c.Net.Client(), target, 100*time.Millisecond)
	return firstField(line)
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// firstHeld sends the first time (polled every 1 ms) one of the
// namespaces holds addr.
func firstHeld(nss []string, addr string, stop <-chan struct{}) <-chan time.Time {
	out := make(chan time.Time, 1)
	go func() {
		for {
			for _, ns := range nss {
				if harness.HoldsAddr(ns, addr) {
					out <- time.Now()
					return
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return out
}

// firstAnswer starts a connection from namespace ns to target every
// 2 ms (each may wait up to 100 ms: a SYN to a dead node is not
// answered) and sends the time the first answer for which ok holds
// arrived.
func firstAnswer(ns, target string, ok func(string) bool, stop <-chan struct{}) <-chan time.Time {
	out := make(chan time.Time, 1)
	var once sync.Once
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				go func() {
					if line, err := harness.Ask(ns, target, 100*time.Millisecond); err == nil && ok(firstField(line)) {
						at := time.Now()
						once.Do(func() { out <- at })
					}
				}()
			}
		}
	}()
	return out
}

// kaNode is one keepalived in a node namespace.
type kaNode struct {
	id   int
	ns   string
	dir  string
	cmd  *exec.Cmd
	conf string
}

// kaConf is ka_bench.py's configuration: unicast VRRP among the three
// namespaces, priorities 150/100/50, version 3 below 1 s adverts.
func kaConf(id, nodes int, adv string) string {
	ver := 2
	if adv != "1" {
		ver = 3
	}
	var peers []string
	for j := 1; j <= nodes; j++ {
		if j != id {
			peers = append(peers, "    "+harness.NodeAddr(j))
		}
	}
	prio := map[int]int{1: 150, 2: 100, 3: 50}[id]
	return fmt.Sprintf(`global_defs {
  router_id qn%d
  vrrp_version %d
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority %d
  advert_int %s
  unicast_src_ip %s
  unicast_peer {
%s
  }
  virtual_ipaddress {
    %s/%d dev eth0
  }
}
`, id, ver, prio, adv, harness.NodeAddr(id), strings.Join(peers, "\n"), vipAddr, harness.NetBits)
}

func (k *kaNode) start() error {
	for _, suf := range []string{"pid", "vrrp.pid", "chk.pid"} {
		os.Remove(filepath.Join(k.dir, "ka."+suf))
	}
	logf, err := os.OpenFile(filepath.Join(k.dir, "ka.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	k.cmd = harness.Command(k.ns, "keepalived", "-n", "-l", "-D", "-P", "-f", k.conf,
		"-p", filepath.Join(k.dir, "ka.pid"), "-r", filepath.Join(k.dir, "ka.vrrp.pid"), "-c", filepath.Join(k.dir, "ka.chk.pid"))
	k.cmd.Stdout, k.cmd.Stderr = logf, logf
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return k.cmd.Start()
}

// kill sends SIGKILL to keepalived's whole process group and waits
// until every process of it is gone.
func (k *kaNode) kill() {
	if k.cmd == nil {
		return
	}
	pg := k.cmd.Process.Pid
	syscall.Kill(-pg, syscall.SIGKILL)
	k.cmd.Wait()
	harness.Until(5*time.Second, 10*time.Millisecond, func() bool { return syscall.Kill(-pg, 0) != nil })
	k.cmd = nil
}

// vrrpTrials runs keepalived in the three namespaces and, trials times,
// kills the master (node 1, the highest priority) and times a survivor
// taking the address over; then restarts it (removing the address its
// kill left behind) and waits for it to take the address back.
func vrrpTrials(trials int, adv string) ([]time.Duration, error) {
	nw, err := harness.NewNet(netBase, 3)
	if err != nil {
		return nil, err
	}
	defer nw.Close()
	dir, err := os.MkdirTemp("/var/tmp", "quorate-bench-ka-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var ks []*kaNode
	defer func() {
		for _, k := range ks {
			k.kill()
		}
	}()
	for i := 1; i <= 3; i++ {
		k := &kaNode{id: i, ns: nw.NodeNS(i), dir: filepath.Join(dir, fmt.Sprint(i))}
		k.conf = filepath.Join(k.dir, "keepalived.conf")
		if err := os.MkdirAll(k.dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(k.conf, []byte(kaConf(i, 3, adv)), 0o644); err != nil {
			return nil, err
		}
		if err := k.start(); err != nil {
			return nil, fmt.Errorf("starting keepalived in %s: %w", k.ns, err)
		}
		ks = append(ks, k)
	}
	var out []time.Duration
	for i := 0; i < trials; i++ {
		if err := stableOn(nw, 1); err != nil {
			return nil, fmt.Errorf("trial %d: %w", i, err)
		}
		stop := make(chan struct{})
		heldAt := firstHeld([]string{nw.NodeNS(2), nw.NodeNS(3)}, vipAddr, stop)
		t0 := time.Now()
		ks[0].kill()
		select {
		case h := <-heldAt:
			out = append(out, h.Sub(t0))
		case <-time.After(30 * time.Second):
			close(stop)
			return nil, fmt.Errorf("trial %d: no takeover within 30 s", i)
		}
		close(stop)
		time.Sleep(500 * time.Millisecond)
		// kill -9 leaves the address on the dead master's NIC.
		exec.Command("ip", "-n", nw.NodeNS(1), "addr", "del", vipAddr+"/24", "dev", "eth0").Run()
		if err := ks[0].start(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stableOn waits until node id alone has held the address for a second.
func stableOn(nw *harness.Net, id int) error {
	var last []int
	_, ok := harness.Until(30*time.Second, 100*time.Millisecond, func() bool {
		if last = nw.Holders(vipAddr); len(last) != 1 || last[0] != id {
			return false
		}
		time.Sleep(time.Second)
		last = nw.Holders(vipAddr)
		return len(last) == 1 && last[0] == id
	})
	if !ok {
		return fmt.Errorf("the address is held by nodes %v, want node %d alone", last, id)
	}
	return nil
}
