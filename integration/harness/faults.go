package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const chain = "QUORATE-TEST"

// Isolate cuts node n off the network with iptables: every UDP packet to
// or from its heartbeat port is dropped. Its disk keeps working.
// In netns mode it cuts the node's eth0 instead (Net.Cut); Reconnect
// undoes that.
func (c *Cluster) Isolate(n *Node) error {
	if c.Net != nil {
		return c.Net.Cut(n.ID)
	}
	if err := ensureChain(); err != nil {
		return err
	}
	p := strconv.Itoa(n.Port)
	for _, args := range [][]string{
		{"-A", chain, "-p", "udp", "--dport", p, "-j", "DROP"},
		{"-A", chain, "-p", "udp", "--sport", p, "-j", "DROP"},
	} {
		if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %v: %v: %s", args, err, out)
		}
	}
	c.cleanup = append(c.cleanup, Heal)
	return nil
}

func ensureChain() error {
	if exec.Command("iptables", "-L", chain, "-n").Run() != nil {
		if out, err := exec.Command("iptables", "-N", chain).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -N: %v: %s", err, out)
		}
	}
	for _, hook := range []string{"INPUT", "OUTPUT"} {
		if exec.Command("iptables", "-C", hook, "-j", chain).Run() != nil {
			if out, err := exec.Command("iptables", "-I", hook, "-j", chain).CombinedOutput(); err != nil {
				return fmt.Errorf("iptables -I %s: %v: %s", hook, err, out)
			}
		}
	}
	return nil
}

// Heal removes every partition rule.
func Heal() {
	exec.Command("iptables", "-F", chain).Run()
}

// StallDisk throttles node n's I/O on the quorum disk to one operation per
// second with the kernel's blkio controller: every O_DIRECT write then
// takes far longer than the I/O deadline, as on a failing SAN path.
func (c *Cluster) StallDisk(n *Node) error {
	maj, min, err := devNumbers(c.Device)
	if err != nil {
		return err
	}
	cg := filepath.Join("/sys/fs/cgroup/blkio", "quorate-test-"+n.Name)
	if err := os.MkdirAll(cg, 0o755); err != nil {
		return fmt.Errorf("blkio cgroup: %w", err)
	}
	c.cleanup = append(c.cleanup, func() { UnstallDisk(n); os.Remove(cg) })
	for _, f := range []string{"blkio.throttle.write_iops_device", "blkio.throttle.read_iops_device"} {
		if err := os.WriteFile(filepath.Join(cg, f), []byte(fmt.Sprintf("%d:%d 1", maj, min)), 0); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return moveThreads(n.Pid(), cg)
}

// UnstallDisk moves the node's threads back to the root blkio cgroup.
func UnstallDisk(n *Node) {
	moveThreads(n.Pid(), "/sys/fs/cgroup/blkio")
}

// moveThreads moves the whole process (every thread) into cgroup cg.
func moveThreads(pid int, cg string) error {
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("moving pid %d to %s: %w", pid, cg, err)
	}
	return nil
}

func devNumbers(dev string) (int, int, error) {
	if !strings.HasPrefix(dev, "/dev/") {
		return 0, 0, fmt.Errorf("%s is not a block device; disk stalls need a loop device", dev)
	}
	out, err := exec.Command("stat", "-L", "-c", "%t %T", dev).Output()
	if err != nil {
		return 0, 0, err
	}
	var maj, min int
	_, err = fmt.Sscanf(string(out), "%x %x", &maj, &min)
	return maj, min, err
}
