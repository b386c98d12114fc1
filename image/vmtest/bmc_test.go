//go:build vmtest

package vmtest

import (
	"github.com/quorate/quorate/internal/ipmisim"

	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A BMC per VM: OpenIPMI's ipmi_sim, run in the lab namespace, is the
// VM's baseboard management controller in both directions.
//
//   - Its LAN channel listens on bmcAddr(id):623 (an address of the lab
//     bridge), so the cluster's master reaches it from inside the VMs with
//     IPMI v2.0 lanplus, cipher suite 3, user admin/secret.
//   - Its power is the VM: startcmd runs the VM's qemu (power on) and
//     qemu connects back to the simulator's VM-protocol channel (serial 15,
//     127.0.0.1:bmcSerialPort(id) inside the namespace) through
//     -chardev socket + ipmi-bmc-extern + isa-ipmi-kcs. Chassis power off
//     is sent to qemu over that channel; qemu 7.2 answers it with an
//     immediate shutdown (QMP event SHUTDOWN, reason guest-shutdown, the
//     process exits within milliseconds: a hard power off, not an ACPI
//     request the guest could ignore). Should qemu not be connected, or
//     not go, ipmi_sim kills it (poweroff_wait 1, kill_wait 1). Power
//     status is "on" while qemu runs, so a VM that was QMP-quit reads as
//     off; power on starts qemu again, which boots the VM from scratch.
//
// The "serial 15 ... codec VM" line is also what makes ipmi_sim accept
// chassis control at all (without it: "Invalid data field in request").
const (
	bmcUser    = "admin"
	bmcPass    = "secret"
	bmcLANPort = 623
)

// bmcAddr is the LAN address of VM id's BMC: 10.77.0.(20+id).
func bmcAddr(id int) netip.Addr { return netip.AddrFrom4([4]byte{10, 77, 0, byte(20 + id)}) }

// bmcSerialPort is the TCP port (127.0.0.1 in the lab namespace) of the
// channel between VM id's qemu and its BMC.
func bmcSerialPort(id int) int { return 9100 + id }

// bmc is one running ipmi_sim.
type bmc struct {
	id   int
	dir  string
	proc *proc
}

// bootBMC starts VM c.id behind its own BMC: the simulator powers the VM
// on at once (startnow) and the test connects to its serial console.
func (l *lab) bootBMC(t *testing.T, c vmConfig) *vm {
	t.Helper()
	l = l.with(t)
	c.bmc = true
	m := l.newVM(c)
	b := &bmc{id: c.id, dir: filepath.Join(l.dir, fmt.Sprintf("bmc%d", c.id))}
	os.RemoveAll(b.dir)
	if err := os.MkdirAll(filepath.Join(b.dir, "state"), 0o755); err != nil {
		l.t.Fatal(err)
	}
	powerOn := filepath.Join(b.dir, "power-on")
	script := "#!/bin/sh\n# VM " + strconv.Itoa(c.id) + "'s power: ipmi_sim runs this on power on\nexec " + shellJoin(l.qemuArgs(c)) + "\n"
	if err := os.WriteFile(powerOn, []byte(script), 0o644); err != nil {
		l.t.Fatal(err)
	}
	args, err := bmcConfig(c.id, "/bin/sh "+powerOn).Write(b.dir)
	if err != nil {
		l.t.Fatal(err)
	}
	b.proc = l.spawn(fmt.Sprintf("bmc%d", c.id), "ip", append([]string{"netns", "exec", netns, "ipmi_sim"}, args...)...)
	m.bmc = b
	l.t.Cleanup(m.stop)
	m.connect(l.t)
	return m
}

// bmcConfig is VM id's BMC.
func bmcConfig(id int, startcmd string) ipmisim.BMC {
	return ipmisim.BMC{Name: fmt.Sprintf("bmc%d", id), ID: id, Addr: bmcAddr(id).String(), Port: bmcLANPort,
		SerialPort: bmcSerialPort(id), StartCmd: startcmd, PowerOffWait: 1, KillWait: 1, User: bmcUser, Pass: bmcPass}
}

// shellJoin quotes args for sh.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// stop kills the simulator (not the VM it powers: vm.stop does both).
func (b *bmc) stop() {
	if b.proc != nil {
		b.proc.kill()
	}
}

// power asks the BMC over the lab network, as a fence agent would, for
// the chassis power state ("on" or "off"); "" when ipmitool is missing.
func (b *bmc) power() (string, error) {
	if _, err := exec.LookPath("ipmitool"); err != nil {
		return "", nil
	}
	out, err := exec.Command("ip", "netns", "exec", netns, "ipmitool", "-I", "lanplus", "-C", "3",
		"-H", bmcAddr(b.id).String(), "-p", strconv.Itoa(bmcLANPort), "-U", bmcUser, "-P", bmcPass,
		"chassis", "power", "status").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ipmitool chassis power status (BMC of vm%d): %v: %s", b.id, err, out)
	}
	if strings.Contains(string(out), "is on") {
		return "on", nil
	}
	return "off", nil
}
