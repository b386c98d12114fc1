package harness

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/quorate/quorate/api"
)

// Options shape a test cluster.
type Options struct {
	Nodes    int    // default 3
	BasePort int    // first node's UDP port; default 5600
	Bin      string // directory holding quorated, mkqdisk, clustat; default ../../bin from the module root
	Dir      string // work directory; default a new one under /var/tmp
	Extra    string // extra XML inside <cluster> (e.g. <rm>…</rm>)
	Quorumd  string // extra attributes of <quorumd>
	Totem    string // extra attributes of <totem>
	NoLoop   bool   // use the image file directly instead of a loop device
	// BMC powers each node through its own ipmi_sim: power on starts the
	// node in a new PID namespace, power off kills it. Nodes get a fence
	// method "ipmi" through fence_ipmilan (FenceAttrs adds attributes to
	// each <fencedevice>, e.g. native="1"); FenceXML replaces the
	// generated <fence> of a node when set.
	BMC          bool
	FenceAttrs   string
	FenceXML     func(n *Node) string
	FenceDaemon  string // attributes of <fence_daemon>
	ExtraDevices string // more <fencedevice> elements (BMC mode)
	// Netns runs each node in its own network namespace on a private
	// bridge (see Net); cluster.conf then uses 10.231.0.N addresses and,
	// in BMC mode, the BMCs listen on the bridge (BridgeAddr).
	Netns   bool
	NodeEnv func(n *Node) []string // extra environment of a node's quorated ("K=V", no spaces)
	// BootDelay (BMC mode) passes between power on and quorated's start,
	// as a real machine boots: a fenced node then cannot be back before
	// its services are recovered elsewhere.
	BootDelay time.Duration
	Log       func(format string, a ...any)
}

// Cluster is a running test cluster.
type Cluster struct {
	Opt     Options
	Dir     string
	Image   string // backing file of the quorum disk
	Device  string // the quorum disk as nodes open it (loop device or file)
	Conf    string // path of cluster.conf
	Key     string
	Nodes   []*Node
	Net     *Net // netns mode only
	cleanup []func()
}

// Node is one quorated process.
type Node struct {
	ID      int
	Name    string
	Port    int
	Addr    string // heartbeat address: 127.0.0.1, or NodeAddr(ID) in netns mode
	Socket  string
	LogPath string
	cmd     *exec.Cmd
	exited  chan error
	c       *Cluster
	bmc     *bmc
	Fence   string // the <fence> element of this node in cluster.conf
}

const confTemplate = `<?xml version="1.0"?>
<cluster name="itest" config_version="1">
  <totem keyfile="{{.Key}}" {{.Totem}}/>
  <quorumd device="{{.Device}}" label="itest" {{.Quorumd}}/>
  <fence_daemon {{.FenceDaemon}}/>
  <clusternodes>
{{- range .Nodes}}
    <clusternode name="{{.Name}}" nodeid="{{.ID}}" addr="{{.Addr}}:{{.Port}}">{{.Fence}}</clusternode>
{{- end}}
  </clusternodes>
{{- if .BMC}}
  <fencedevices>
{{- range .Nodes}}
    <fencedevice name="bmc-{{.Name}}" agent="fence_ipmilan" ipaddr="{{bmcaddr}}" ipport="{{bmcport .}}" login="admin" passwd="secret" lanplus="1" cipher="3" power_wait="0" {{$.FenceAttrs}}/>
{{- end}}
    {{$.ExtraDevices}}
  </fencedevices>
{{- end}}
{{.Extra}}
</cluster>
`

// New prepares a cluster (disk, key, cluster.conf) without starting nodes.
func New(opt Options) (*Cluster, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("the integration harness needs root (loop devices, iptables, cgroups)")
	}
	if opt.Nodes == 0 {
		opt.Nodes = 3
	}
	if opt.BasePort == 0 {
		opt.BasePort = 5600
	}
	if opt.Log == nil {
		opt.Log = func(string, ...any) {}
	}
	if opt.Bin == "" {
		opt.Bin = defaultBin()
	}
	for _, b := range []string{"quorated", "mkqdisk", "clustat"} {
		if _, err := os.Stat(filepath.Join(opt.Bin, b)); err != nil {
			return nil, fmt.Errorf("%s/%s missing: run 'make build' first", opt.Bin, b)
		}
	}
	c := &Cluster{Opt: opt}
	dir := opt.Dir
	if dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "quorate-it-")
		if err != nil {
			return nil, err
		}
		dir = d
		c.cleanup = append(c.cleanup, func() { os.RemoveAll(d) })
	}
	c.Dir = dir
	if opt.Netns {
		nw, err := NewNet(opt.BasePort, opt.Nodes)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Net = nw
		c.cleanup = append(c.cleanup, nw.Close)
	}
	if err := c.setupDisk(); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.writeConf(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func defaultBin() string {
	wd, _ := os.Getwd()
	for d := wd; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "bin")
		}
	}
	return "bin"
}

func (c *Cluster) setupDisk() error {
	c.Image = filepath.Join(c.Dir, "qdisk.img")
	if err := os.WriteFile(c.Image, nil, 0o600); err != nil {
		return err
	}
	if err := os.Truncate(c.Image, 16<<20); err != nil {
		return err
	}
	c.Device = c.Image
	if !c.Opt.NoLoop {
		out, err := exec.Command("losetup", "--find", "--show", "--direct-io=on", c.Image).Output()
		if err != nil {
			return fmt.Errorf("losetup: %w", err)
		}
		dev := strings.TrimSpace(string(out))
		c.Device = dev
		c.cleanup = append(c.cleanup, func() { exec.Command("losetup", "-d", dev).Run() })
	}
	if out, err := exec.Command(filepath.Join(c.Opt.Bin, "mkqdisk"), "-c", c.Device, "-l", "itest").CombinedOutput(); err != nil {
		return fmt.Errorf("mkqdisk: %v: %s", err, out)
	}
	c.Key = filepath.Join(c.Dir, "authkey")
	key := make([]byte, 32)
	rand.Read(key)
	return os.WriteFile(c.Key, key, 0o600)
}

func (c *Cluster) writeConf() error {
	for i := 1; i <= c.Opt.Nodes; i++ {
		n := &Node{ID: i, Name: fmt.Sprintf("node%d", i), Port: c.Opt.BasePort + i, c: c,
			Socket:  filepath.Join(c.Dir, fmt.Sprintf("node%d.sock", i)),
			LogPath: filepath.Join(c.Dir, fmt.Sprintf("node%d.log", i)), Addr: "127.0.0.1"}
		if c.Net != nil {
			n.Addr = NodeAddr(i)
		}
		c.Nodes = append(c.Nodes, n)
	}
	c.Conf = filepath.Join(c.Dir, "cluster.conf")
	f, err := os.Create(c.Conf)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, n := range c.Nodes {
		switch {
		case c.Opt.FenceXML != nil:
			n.Fence = c.Opt.FenceXML(n)
		case c.Opt.BMC:
			n.Fence = fmt.Sprintf(`<fence><method name="ipmi"><device name="bmc-%s"/></method></fence>`, n.Name)
		}
	}
	funcs := template.FuncMap{"bmcport": c.BMCPort, "bmcaddr": c.bmcAddr}
	return template.Must(template.New("conf").Funcs(funcs).Parse(confTemplate)).Execute(f, map[string]any{
		"Key": c.Key, "Device": c.Device, "Nodes": c.Nodes, "Extra": c.Opt.Extra, "BMC": c.Opt.BMC,
		"Quorumd": c.Opt.Quorumd, "Totem": c.Opt.Totem, "FenceAttrs": c.Opt.FenceAttrs, "FenceDaemon": c.Opt.FenceDaemon, "ExtraDevices": c.Opt.ExtraDevices})
}

// Start starts every node that is not running.
func (c *Cluster) Start() error {
	for _, n := range c.Nodes {
		if n.Running() {
			continue
		}
		if err := n.Start(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every node and removes what New created.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		n.Kill()
	}
	for i := len(c.cleanup) - 1; i >= 0; i-- {
		c.cleanup[i]()
	}
	c.cleanup = nil
}

// Start launches the node's quorated (in BMC mode: its BMC, which powers
// it on; later calls power it on again).
func (n *Node) Start() error {
	if n.c.Opt.BMC {
		if n.bmc == nil {
			return n.c.startBMC(n)
		}
		return n.PowerOn()
	}
	logf, err := os.OpenFile(n.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := n.c.launch(n)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.cmd = cmd
	n.exited = make(chan error, 1)
	go func() {
		n.exited <- cmd.Wait()
		logf.Close()
	}()
	n.c.Opt.Log("started %s (pid %d)", n.Name, cmd.Process.Pid)
	return nil
}

// Running reports whether the process is alive.
func (n *Node) Running() bool {
	if n.c.Opt.BMC {
		return n.bmcPid() != 0
	}
	if n.cmd == nil {
		return false
	}
	select {
	case err := <-n.exited:
		n.exited <- err
		return false
	default:
		return true
	}
}

// Pid is the process id (0 if never started).
func (n *Node) Pid() int {
	if n.c.Opt.BMC {
		return n.bmcPid()
	}
	if n.cmd == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// Signal sends sig to the node's process.
func (n *Node) Signal(sig syscall.Signal) error {
	if n.c.Opt.BMC {
		pid := n.bmcPid()
		if pid == 0 {
			return errors.New(n.Name + " is not running")
		}
		return syscall.Kill(pid, sig)
	}
	if n.cmd == nil {
		return errors.New(n.Name + " was never started")
	}
	return n.cmd.Process.Signal(sig)
}

// Kill sends SIGKILL (SIGCONT first, in case it was stopped) and waits.
func (n *Node) Kill() {
	if n.c.Opt.BMC {
		if pid := n.bmcPid(); pid != 0 {
			syscall.Kill(pid, syscall.SIGKILL)
			syscall.Kill(pid, syscall.SIGCONT)
			Until(5*time.Second, 20*time.Millisecond, func() bool { return n.bmcPid() == 0 })
		}
		return
	}
	if !n.Running() {
		return
	}
	n.cmd.Process.Signal(syscall.SIGKILL)
	n.cmd.Process.Signal(syscall.SIGCONT)
	n.Wait(5 * time.Second)
}

// Wait waits for the process to exit and returns its error.
func (n *Node) Wait(d time.Duration) (error, bool) {
	if n.c.Opt.BMC {
		_, ok := Until(d, 20*time.Millisecond, func() bool { return n.bmcPid() == 0 })
		return nil, ok
	}
	if n.cmd == nil {
		return nil, true
	}
	select {
	case err := <-n.exited:
		n.exited <- err
		return err, true
	case <-time.After(d):
		return nil, false
	}
}

// Status asks the node's daemon for its status.
func (n *Node) Status() (*api.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return api.NewClient(n.Socket).Status(ctx)
}

// Log returns the node's log so far.
func (n *Node) Log() string {
	b, _ := os.ReadFile(n.LogPath)
	return string(b)
}
