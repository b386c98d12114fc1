package harness

import (
	"github.com/quorate/quorate/internal/ipmisim"

	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bmc is one OpenIPMI ipmi_sim whose chassis power is a node: power on
// starts the node's quorated inside a new PID namespace, power off kills
// that namespace and every process in it, like a power cut.
type bmc struct {
	port int
	dir  string
	sim  *exec.Cmd
}

// BMCPort is the IPMI port of node n's simulated BMC.
func (c *Cluster) BMCPort(n *Node) int { return c.Opt.BasePort + 3400 + n.ID }

// startBMC writes the simulator's configuration and starts it; with
// startnow the node powers on at once.
func (c *Cluster) startBMC(n *Node) error {
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		return errors.New("ipmi_sim not installed (apt-get install openipmi)")
	}
	b := &bmc{port: c.BMCPort(n), dir: filepath.Join(c.Dir, "bmc", n.Name)}
	args, err := ipmisim.BMC{Name: n.Name, ID: n.ID, Addr: c.bmcAddr(), Port: b.port, SerialPort: b.port + 100,
		StartCmd: c.powerOnCmd(n), KillWait: 1, User: "admin", Pass: "secret"}.Write(b.dir)
	if err != nil {
		return err
	}
	out, _ := os.Create(filepath.Join(b.dir, "sim.out"))
	b.sim = c.bmcCommand("ipmi_sim", args...)
	b.sim.Stdout, b.sim.Stderr = out, out
	b.sim.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := b.sim.Start(); err != nil {
		return err
	}
	n.bmc = b
	c.cleanup = append(c.cleanup, func() { b.stop() })
	if _, ok := Until(10*time.Second, 100*time.Millisecond, func() bool { _, err := n.Power(); return err == nil }); !ok {
		return fmt.Errorf("BMC of %s did not answer on port %d", n.Name, b.port)
	}
	return nil
}

// stop kills the simulator and the node it powers (the payload survives
// a killed ipmi_sim, so it is killed first).
func (b *bmc) stop() {
	if b.sim == nil || b.sim.Process == nil {
		return
	}
	for _, pid := range childrenOf(b.sim.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	b.sim.Process.Kill()
	b.sim.Wait()
	b.sim = nil
}

// Power asks the node's BMC for its chassis power state ("on"/"off").
func (n *Node) Power() (string, error) {
	out, err := n.ipmitool("chassis", "power", "status")
	if err != nil {
		return "", err
	}
	if strings.Contains(out, "is on") {
		return "on", nil
	}
	return "off", nil
}

// PowerOn turns the node's chassis power on through its BMC.
func (n *Node) PowerOn() error {
	_, err := n.ipmitool("chassis", "power", "on")
	return err
}

func (n *Node) ipmitool(args ...string) (string, error) {
	if n.bmc == nil {
		return "", errors.New(n.Name + " has no BMC")
	}
	base := []string{"-I", "lanplus", "-H", n.c.bmcAddr(), "-p", strconv.Itoa(n.bmc.port), "-U", "admin", "-P", "secret", "-C", "3"}
	out, err := n.c.bmcCommand("ipmitool", append(base, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ipmitool %v: %v: %s", args, err, out)
	}
	return string(out), nil
}

// bmcPid finds the quorated that node n's BMC powers (0 if none).
func (n *Node) bmcPid() int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(string(cmd), "\x00")
		if len(args) > 4 && strings.HasSuffix(args[0], "/quorated") && args[2] == n.c.Conf && args[4] == n.Name {
			return pid
		}
	}
	return 0
}

func childrenOf(ppid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			f := strings.Fields(s[i+2:])
			if len(f) > 1 {
				if p, _ := strconv.Atoi(f[1]); p == ppid {
					out = append(out, pid)
					out = append(out, childrenOf(pid)...)
				}
			}
		}
	}
	return out
}
