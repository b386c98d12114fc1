//go:build vmtest

package vmtest

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/image/vmtest/labnet"
)

const (
	labDir   = "/var/tmp/quorate-vmtest" // shared disk, logs, pid files (O_DIRECT: not tmpfs)
	netns    = "quorate-vmtest"
	bridge   = "br0"
	qboot    = "/usr/share/qemu/qboot.rom"
	label    = "vmqd"
	cluster  = "vmlab"
	maxNodes = 3
)

// lab is the test lab: namespace, bridge, DHCP server, shared disk.
type lab struct {
	t    *testing.T
	dir  string
	root string // the repository
	out  string // image directory (out/)
	disk string
}

// with returns a copy of l that reports to t (a subtest).
func (l *lab) with(t *testing.T) *lab {
	c := *l
	c.t = t
	return &c
}

// prerequisites returns why the VM tests cannot run here ("" if they can).
func prerequisites(root, out string) string {
	if os.Geteuid() != 0 {
		return "needs root (network namespace, taps)"
	}
	for _, p := range []string{"qemu-system-x86_64", "ip", "go"} {
		if _, err := exec.LookPath(p); err != nil {
			return p + " not found; apt-get install -y qemu-system-x86 qemu-utils iproute2"
		}
	}
	for _, f := range []string{qboot, filepath.Join(out, "vmlinux"), filepath.Join(out, "quorate.cpio")} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("%s missing (build the image with image/build.sh)", f)
		}
	}
	return ""
}

func repoRoot(t *testing.T) string {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(b)))
}

// newLab sets up the lab for n VMs, or skips the test with the reason.
func newLab(t *testing.T, n int) *lab {
	root := repoRoot(t)
	out := os.Getenv("QUORATE_OUT")
	if out == "" {
		out = filepath.Join(root, "out")
	}
	if why := prerequisites(root, out); why != "" {
		t.Skip("vm-test skipped: " + why)
	}
	l := &lab{t: t, dir: labDir, root: root, out: out, disk: filepath.Join(labDir, "qdisk.img")}
	l.cleanup() // leftovers of a killed run
	if old, _ := filepath.Glob(filepath.Join(l.dir, "*.log")); len(old) > 0 {
		for _, f := range old { // console logs of the last run
			os.Remove(f)
		}
	}
	if err := os.MkdirAll(filepath.Join(l.dir, "pids"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.cleanup)
	l.build("labdhcp", "./image/vmtest/labdhcp")
	l.build("mkqdisk", "./cmd/mkqdisk")
	l.network(n)
	l.startDHCP(n)
	return l
}

func (l *lab) build(name, pkg string) {
	cmd := exec.Command("go", "build", "-o", filepath.Join(l.dir, name), pkg)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

func (l *lab) sh(args ...string) {
	if b, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// network creates the namespace with the bridge (10.77.0.1/24) and taps.
func (l *lab) network(n int) {
	l.sh("ip", "netns", "add", netns)
	l.sh("ip", "-n", netns, "link", "set", "lo", "up")
	l.sh("ip", "-n", netns, "link", "add", bridge, "type", "bridge")
	l.sh("ip", "-n", netns, "addr", "add", labnet.ServerAddr.String()+"/24", "dev", bridge)
	l.sh("ip", "-n", netns, "link", "set", bridge, "up")
	for i := 1; i <= n; i++ { // the BMCs' LAN addresses (bmc_test.go)
		l.sh("ip", "-n", netns, "addr", "add", bmcAddr(i).String()+"/24", "dev", bridge)
	}
	for i := 1; i <= n; i++ {
		tap := fmt.Sprintf("tap%d", i)
		l.sh("ip", "-n", netns, "tuntap", "add", "dev", tap, "mode", "tap")
		l.sh("ip", "-n", netns, "link", "set", tap, "master", bridge)
		l.sh("ip", "-n", netns, "link", "set", tap, "up")
	}
}

func (l *lab) startDHCP(n int) {
	args := []string{"netns", "exec", netns, filepath.Join(l.dir, "labdhcp"), "-iface", bridge}
	for i := 1; i <= n; i++ {
		args = append(args, "-lease", labnet.VM(i).String())
	}
	p := l.spawn("dhcp", "ip", args...)
	l.t.Cleanup(p.kill)
}

// proc is a background process; done is closed when it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// kill ends the process (by its pid) and waits for it.
func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Kill()
		<-p.done
	}
}

// spawn starts a background process in its own process group, logging to
// dir/name.out and recording its pid in dir/pids/name.
func (l *lab) spawn(name, prog string, args ...string) *proc {
	logf, err := os.Create(filepath.Join(l.dir, name+".out"))
	if err != nil {
		l.t.Fatal(err)
	}
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", name, err)
	}
	logf.Close()
	os.WriteFile(filepath.Join(l.dir, "pids", name), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		os.Remove(filepath.Join(l.dir, "pids", name))
		close(p.done)
	}()
	return p
}

// cleanup ends every process recorded in pids/ (by pid) and deletes the
// namespace with its bridge and taps.
func (l *lab) cleanup() {
	ents, _ := os.ReadDir(filepath.Join(l.dir, "pids"))
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(l.dir, "pids", e.Name()))
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		os.Remove(filepath.Join(l.dir, "pids", e.Name()))
	}
	exec.Command("ip", "netns", "del", netns).Run()
}

// clusterConf is the lab cluster's configuration: n nodes with fixed
// addresses, the quorum disk by label.
func clusterConf(diskLabel string, n, version int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<cluster name=%q config_version=\"%d\">\n", cluster, version)
	fmt.Fprintf(&b, "  <quorumd label=%q interval=\"0.2\" tko=\"10\"/>\n  <clusternodes>\n", diskLabel)
	for i := 1; i <= n; i++ {
		v := labnet.VM(i)
		fmt.Fprintf(&b, "    <clusternode name=%q nodeid=\"%d\" addr=\"%s\"/>\n", v.Name, i, v.Addr)
	}
	b.WriteString("  </clusternodes>\n</cluster>\n")
	return b.String()
}

// newDisk creates the shared disk and seeds it with mkqdisk: label,
// cluster.conf and key. It returns the disk's path.
func (l *lab) newDisk(t *testing.T, name, diskLabel string, nodes int) string {
	t.Helper()
	return l.newDiskWith(t, name, diskLabel, clusterConf(diskLabel, nodes, 1))
}

// newDiskWith is newDisk with the given cluster.conf text.
func (l *lab) newDiskWith(t *testing.T, name, diskLabel, confText string) string {
	t.Helper()
	l = l.with(t)
	conf := filepath.Join(l.dir, name+".conf")
	key := filepath.Join(l.dir, name+".key")
	k := make([]byte, 32)
	rand.Read(k)
	if err := os.WriteFile(conf, []byte(confText), 0o644); err != nil {
		l.t.Fatal(err)
	}
	if err := os.WriteFile(key, k, 0o600); err != nil {
		l.t.Fatal(err)
	}
	disk := filepath.Join(l.dir, name+".img")
	os.Remove(disk)
	l.sh("truncate", "-s", "16M", disk)
	l.sh(filepath.Join(l.dir, "mkqdisk"), "-c", disk, "-l", diskLabel, "--config", conf, "--keyfile", key)
	return disk
}

// vmConfig says how to boot one VM.
type vmConfig struct {
	id      int
	disk    string // shared raw disk image as virtio-blk; "" = none
	cmdline string // extra kernel parameters
	// lun attaches an iSCSI LUN through qemu's own initiator (one
	// initiator name per VM) as a scsi-block device on virtio-scsi, so
	// the guest sends SCSI commands (PR included) to the target.
	lun string
	// bmc puts the VM behind its own BMC (bmc_test.go): an ipmi_sim that
	// starts qemu on power on and that qemu talks to as its IPMI BMC.
	bmc bool
}

// initiator is VM id's iSCSI initiator name.
func initiator(id int) string { return fmt.Sprintf("iqn.2026-11.test.quorate:%s", labnet.VM(id).Name) }

// vm is a running VM: a qemu process the test started (proc), or one
// that the VM's BMC starts and stops (bmc; the qemu's pid is in pidfile).
type vm struct {
	id      int
	proc    *proc
	bmc     *bmc
	pidfile string
	started time.Time
	con     *console
	qmp     string
	ser     string
	log     string
}

// vmPaths are the per-VM files: serial console socket, QMP socket,
// console log (CASE-vmN.log, one per case) and qemu's pid file (in pids/,
// so every cleanup finds it).
func (l *lab) vmPaths(id int) (ser, qmp, logPath, pidfile string) {
	name := fmt.Sprintf("vm%d", id)
	tag := l.t.Name()
	if i := strings.LastIndexByte(tag, '/'); i >= 0 {
		tag = tag[i+1:]
	}
	return filepath.Join(l.dir, name+".sock"), filepath.Join(l.dir, name+".qmp"),
		filepath.Join(l.dir, tag+"-"+name+".log"), filepath.Join(l.dir, "pids", name+"-qemu")
}

// qemuArgs is the qemu command line of VM c.id (without "ip netns exec").
// logappend keeps the console log across power cycles of a BMC's VM.
func (l *lab) qemuArgs(c vmConfig) []string {
	v := labnet.VM(c.id)
	ser, qmp, logPath, pidfile := l.vmPaths(c.id)
	args := []string{"qemu-system-x86_64",
		"-accel", "tcg,tb-size=64", "-m", "256", "-smp", "1",
		"-nographic", "-nodefaults", "-no-user-config", "-bios", qboot,
		"-chardev", fmt.Sprintf("socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,logappend=on", ser, logPath),
		"-serial", "chardev:ser0",
		"-qmp", fmt.Sprintf("unix:%s,server=on,wait=off", qmp),
		"-pidfile", pidfile,
		"-kernel", filepath.Join(l.out, "vmlinux"), "-initrd", filepath.Join(l.out, "quorate.cpio"),
		"-append", "console=ttyS0 quiet panic=-1 quorate.label=" + label + " " + c.cmdline,
		"-netdev", fmt.Sprintf("tap,id=n0,ifname=tap%d,script=no,downscript=no", c.id),
		"-device", "virtio-net-pci,netdev=n0,mac=" + v.MAC.String(),
		"-device", "virtio-rng-pci",
		"-device", "i6300esb", "-action", "watchdog=reset",
	}
	if c.disk != "" {
		args = append(args,
			"-drive", "file="+c.disk+",format=raw,if=none,id=qd,cache=none,aio=threads,file.locking=off",
			"-device", "virtio-blk-pci,drive=qd,share-rw=on")
	}
	if c.lun != "" {
		args = append(args, "-iscsi", "initiator-name="+initiator(c.id),
			"-drive", "file="+c.lun+",format=raw,if=none,id=lun,cache=none",
			"-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-block,drive=lun,bus=scsi0.0")
	}
	if c.bmc {
		// qemu's side of the BMC: an external BMC (ipmi_sim) on a TCP
		// chardev, seen by the guest as a KCS interface.
		args = append(args,
			"-chardev", fmt.Sprintf("socket,id=ipmi0,host=127.0.0.1,port=%d,reconnect=10", bmcSerialPort(c.id)),
			"-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmi0", "-device", "isa-ipmi-kcs,bmc=bmc0")
	}
	return args
}

// newVM removes the files of an earlier VM with the same id.
func (l *lab) newVM(c vmConfig) *vm {
	ser, qmp, logPath, pidfile := l.vmPaths(c.id)
	for _, f := range []string{ser, qmp, logPath, pidfile} {
		os.Remove(f)
	}
	return &vm{id: c.id, started: time.Now(), qmp: qmp, ser: ser, log: logPath, pidfile: pidfile}
}

// boot starts a VM and connects to its serial console.
func (l *lab) boot(t *testing.T, c vmConfig) *vm {
	t.Helper()
	l = l.with(t)
	name := fmt.Sprintf("vm%d", c.id)
	m := l.newVM(c)
	m.proc = l.spawn(name, "ip", append([]string{"netns", "exec", netns}, l.qemuArgs(c)...)...)
	l.t.Cleanup(func() { m.stop() })
	m.connect(l.t)
	return m
}

// connect (re)connects to the VM's serial console, e.g. after its BMC
// powered it on again.
func (m *vm) connect(t *testing.T) {
	t.Helper()
	if m.con != nil {
		m.con.close()
	}
	con, err := dialConsole(m.ser, 10*time.Second)
	if err != nil {
		t.Fatalf("vm%d: %v (qemu output in %s)", m.id, err, filepath.Join(labDir, fmt.Sprintf("vm%d.out or bmc%d.out", m.id, m.id)))
	}
	m.con = con
}

// qemuPid is the pid of the VM's qemu, 0 if none runs.
func (m *vm) qemuPid() int {
	if m.proc != nil {
		select {
		case <-m.proc.done:
			return 0
		default:
			return m.proc.cmd.Process.Pid
		}
	}
	b, err := os.ReadFile(m.pidfile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// waitGone waits until the VM's qemu has exited.
func (m *vm) waitGone(within time.Duration) bool {
	if m.proc != nil {
		select {
		case <-m.proc.done:
			return true
		case <-time.After(within):
			return false
		}
	}
	deadline := time.Now().Add(within)
	for m.qemuPid() != 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// kill ends the VM's qemu at once.
func (m *vm) kill() {
	if m.proc != nil {
		m.proc.kill()
		return
	}
	if pid := m.qemuPid(); pid != 0 {
		syscall.Kill(pid, syscall.SIGKILL)
		m.waitGone(5 * time.Second)
	}
}

// powerOff is QMP quit: the VM is gone at once, as if its power was cut.
func (m *vm) powerOff() error {
	_, err := qmpExec(m.qmp, "quit")
	if !m.waitGone(5 * time.Second) {
		m.kill()
	}
	return err
}

func (m *vm) stop() {
	if m.con != nil {
		m.con.close()
	}
	if m.bmc != nil {
		m.bmc.stop() // first, so it cannot power the VM on again
	}
	m.kill()
}
