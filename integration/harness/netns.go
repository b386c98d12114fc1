package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Addresses of a Net. Every Net uses the same /24 of 10.231.0.0/16: each
// is its own layer-2 segment on a bridge in its own namespace, with no
// route to the root namespace, so runs on different base ports never meet.
const (
	NetPrefix  = "10.231.0." // node N is NetPrefix+N
	NetBits    = 24
	BridgeAddr = "10.231.0.254" // br0 in the bridge namespace: where the BMCs listen
	ClientAddr = "10.231.0.200" // the client namespace
)

// Net is one private network: a bridge br0 in namespace PREFIX-br, node
// namespaces PREFIX-1..N whose eth0 (a veth, peer bN on the bridge) holds
// 10.231.0.N/24, and a client namespace PREFIX-c (10.231.0.200) on the
// same bridge. PREFIX is "qn" and the base port, so parallel runs on
// different ports do not collide.
//
// In BMC mode the BMCs (ipmi_sim) run in the bridge namespace and listen
// on BridgeAddr, one port per node: the masters fence from inside their
// namespaces over the same segment, and nothing needs a route to the
// root namespace. The harness reaches them there too (ip netns exec).
// A node namespace outlives its node's power: addresses a killed or
// powered-off node held stay on its eth0 until the next power on, which
// resets the NIC (resetNIC) before anything else. Fencing by reboot
// (the default) powers on before it reports success, so they are gone
// within milliseconds of the fence; a node left off keeps them.
type Net struct {
	Prefix string
	Nodes  int
}

// NewNet builds the namespaces, removing leftovers of an earlier run
// with the same prefix first.
func NewNet(base, nodes int) (*Net, error) {
	nw := &Net{Prefix: fmt.Sprintf("qn%d", base), Nodes: nodes}
	nw.Close()
	if err := nw.build(); err != nil {
		nw.Close()
		return nil, err
	}
	return nw, nil
}

func (nw *Net) build() error {
	br := nw.Bridge()
	steps := [][]string{
		{"netns", "add", br},
		{"-n", br, "link", "set", "lo", "up"},
		{"-n", br, "link", "add", "br0", "type", "bridge"},
		{"-n", br, "addr", "add", BridgeAddr + "/24", "dev", "br0"},
		{"-n", br, "link", "set", "br0", "up"},
	}
	if err := ipAll(steps); err != nil {
		return err
	}
	for i := 1; i <= nw.Nodes; i++ {
		if err := nw.attach(nw.NodeNS(i), fmt.Sprintf("b%d", i), NodeAddr(i)); err != nil {
			return err
		}
	}
	return nw.attach(nw.Client(), "bc", ClientAddr)
}

// attach creates namespace ns with eth0 = addr/24, plugged into br0.
func (nw *Net) attach(ns, port, addr string) error {
	br := nw.Bridge()
	return ipAll([][]string{
		{"netns", "add", ns},
		{"link", "add", "name", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", br},
		{"-n", br, "link", "set", port, "master", "br0"},
		{"-n", br, "link", "set", port, "up"},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "addr", "add", addr + "/24", "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
	})
}

func ipAll(steps [][]string) error {
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(s, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// Close deletes every namespace of the net (their veths go with them).
// Processes still running inside keep their namespace alive unnamed:
// stop them first.
func (nw *Net) Close() {
	for i := 1; i <= nw.Nodes; i++ {
		exec.Command("ip", "netns", "del", nw.NodeNS(i)).Run()
	}
	exec.Command("ip", "netns", "del", nw.Client()).Run()
	exec.Command("ip", "netns", "del", nw.Bridge()).Run()
}

// Bridge is the bridge's namespace.
func (nw *Net) Bridge() string { return nw.Prefix + "-br" }

// Client is the client namespace.
func (nw *Net) Client() string { return nw.Prefix + "-c" }

// NodeNS is the namespace of node id.
func (nw *Net) NodeNS(id int) string { return fmt.Sprintf("%s-%d", nw.Prefix, id) }

// NodeAddr is node id's own address.
func NodeAddr(id int) string { return fmt.Sprintf("%s%d", NetPrefix, id) }

// Command runs name with args inside namespace ns.
func Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Cut drops every packet in and out of node id's eth0 with iptables
// inside its namespace: a partition of that node alone (its link stays
// up; the quorum disk keeps working). The rules outlive the node's
// power cycles until Mend.
func (nw *Net) Cut(id int) error {
	ns := nw.NodeNS(id)
	for _, args := range [][]string{
		{"-I", "INPUT", "-i", "eth0", "-j", "DROP"},
		{"-I", "OUTPUT", "-o", "eth0", "-j", "DROP"},
	} {
		if out, err := Command(ns, "iptables", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %v in %s: %v: %s", args, ns, err, out)
		}
	}
	return nil
}

// Mend removes the rules Cut added.
func (nw *Net) Mend(id int) error {
	ns := nw.NodeNS(id)
	for _, chain := range []string{"INPUT", "OUTPUT"} {
		if out, err := Command(ns, "iptables", "-F", chain).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -F %s in %s: %v: %s", chain, ns, err, out)
		}
	}
	return nil
}

// Reconnect ends an Isolate of node n in netns mode.
func (c *Cluster) Reconnect(n *Node) error {
	if c.Net == nil {
		Heal()
		return nil
	}
	return c.Net.Mend(n.ID)
}

// Holders lists the node namespaces whose eth0 holds addr (no prefix).
func (nw *Net) Holders(addr string) []int {
	var out []int
	for i := 1; i <= nw.Nodes; i++ {
		if HoldsAddr(nw.NodeNS(i), addr) {
			out = append(out, i)
		}
	}
	return out
}

// InNS runs fn on an OS thread switched into namespace ns. Sockets fn
// creates belong to ns for their whole life.
func InNS(ns string, fn func() error) error {
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return fmt.Errorf("network namespace %s: %w", ns, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- errors.Join(ferr, err) // the thread stays locked and dies with the goroutine
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}

// HoldsAddr reports whether addr is configured in namespace ns: binding
// a UDP socket to it succeeds only then (ka_bench's takeover probe).
func HoldsAddr(ns, addr string) bool {
	return InNS(ns, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		ip := net.ParseIP(addr).To4()
		if ip == nil {
			return fmt.Errorf("%q is not an IPv4 address", addr)
		}
		sa := &unix.SockaddrInet4{}
		copy(sa.Addr[:], ip)
		return unix.Bind(fd, sa)
	}) == nil
}

// Ask connects from namespace ns to addr (host:port) and returns the
// first line the server sends, within timeout.
func Ask(ns, addr string, timeout time.Duration) (string, error) {
	var conn net.Conn
	err := InNS(ns, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var err error
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		return err
	})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if n == 0 {
		return "", err
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return line, nil
}

// quoratedArgs is node n's quorated command line. Nodes of a Net are
// separate machines: each gets its own --state-dir.
func (c *Cluster) quoratedArgs(n *Node) []string {
	args := []string{filepath.Join(c.Opt.Bin, "quorated"), "-c", c.Conf, "-n", n.Name, "--socket", n.Socket}
	if c.Net != nil {
		args = append(args, "--state-dir", filepath.Join(c.Dir, n.Name+".state"))
	}
	return args
}

// launch is the command that runs node n's quorated directly (no BMC):
// inside its namespace in netns mode, with Options.NodeEnv added.
func (c *Cluster) launch(n *Node) *exec.Cmd {
	args := c.quoratedArgs(n)
	cmd := exec.Command(args[0], args[1:]...)
	if c.Net != nil {
		cmd = Command(c.Net.NodeNS(n.ID), args[0], args[1:]...)
	}
	if c.Opt.NodeEnv != nil {
		cmd.Env = append(os.Environ(), c.Opt.NodeEnv(n)...)
	}
	return cmd
}

// powerOnCmd is the shell command node n's BMC runs at power on: its
// quorated in a new PID namespace (power off kills them all), after
// Options.BootDelay, and in netns mode inside the node's network
// namespace after resetNIC.
func (c *Cluster) powerOnCmd(n *Node) string {
	env := ""
	if c.Opt.NodeEnv != nil {
		env = "env " + strings.Join(c.Opt.NodeEnv(n), " ") + " "
	}
	payload := fmt.Sprintf("%s%s >>%s 2>&1", env, strings.Join(c.quoratedArgs(n), " "), n.LogPath)
	if c.Opt.BootDelay > 0 {
		payload = fmt.Sprintf("sleep %.3f; %s", c.Opt.BootDelay.Seconds(), payload)
	}
	if c.Net == nil {
		return fmt.Sprintf("unshare --pid --fork --kill-child --mount-proc sh -c '%s'", payload)
	}
	return fmt.Sprintf("ip netns exec %s unshare --pid --fork --kill-child --mount-proc sh -c '%s; %s'",
		c.Net.NodeNS(n.ID), resetNIC(n), payload)
}

// bmcCommand runs a BMC-side program (ipmi_sim, ipmitool): in netns mode
// inside the bridge namespace, where the BMCs listen on BridgeAddr.
func (c *Cluster) bmcCommand(name string, args ...string) *exec.Cmd {
	if c.Net != nil {
		return Command(c.Net.Bridge(), name, args...)
	}
	return exec.Command(name, args...)
}

// bmcAddr is the address the BMCs listen on.
func (c *Cluster) bmcAddr() string {
	if c.Net != nil {
		return BridgeAddr
	}
	return "127.0.0.1"
}

// resetNIC is the shell step a node's power-on runs first in netns mode:
// a machine that boots has only its own address on its NIC, so a
// floating address a fenced node still held is gone once it is powered
// on again.
func resetNIC(n *Node) string {
	return fmt.Sprintf("ip addr flush dev eth0 && ip addr add %s/%d dev eth0", n.Addr, NetBits)
}

// NameServer is a Python program for an exec resource, run as
// "python3 FILE LOG ADDR PORT": it listens on ADDR:PORT (so it starts
// only where a floating address is), answers every connection with the
// name of the node running it (the -n argument of its parent quorated)
// and its run, "NODE RUN\n", and appends "start|stop NODE UNIXTIME RUN"
// lines to LOG as testdata/svc.sh does. RUN is NODE-PID-RANDOM: pids
// repeat when a node's PID namespace is powered on again.
const NameServer = `import os, signal, socket, sys, time
log, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = open('/proc/%d/cmdline' % os.getppid(), 'rb').read().split(b'\0')
node = args[args.index(b'-n') + 1].decode()
run = '%s-%d-%s' % (node, os.getpid(), os.urandom(4).hex())
def record(what):
    with open(log, 'a') as f:
        f.write('%s %s %.6f %s\n' % (what, node, time.time(), run))
def stop(*_):
    record('stop')
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(64)
record('start')
while True:
    c, _ = s.accept()
    c.sendall(('%s %s\n' % (node, run)).encode())
    c.close()
`
