//go:build vmtest

package vmtest

import (
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
	files := map[string]string{
		powerOn:                          "#!/bin/sh\n# VM " + strconv.Itoa(c.id) + "'s power: ipmi_sim runs this on power on\nexec " + shellJoin(l.qemuArgs(c)) + "\n",
		filepath.Join(b.dir, "lan.conf"): bmcLANConf(c.id, "/bin/sh "+powerOn),
		filepath.Join(b.dir, "bmc.emu"):  "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\nmc_enable 0x20\n",
	}
	for f, text := range files {
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
	b.proc = l.spawn(fmt.Sprintf("bmc%d", c.id), "ip", "netns", "exec", netns, "ipmi_sim", "-n",
		"-c", filepath.Join(b.dir, "lan.conf"), "-f", filepath.Join(b.dir, "bmc.emu"), "-s", filepath.Join(b.dir, "state"))
	m.bmc = b
	l.t.Cleanup(m.stop)
	m.connect(l.t)
	return m
}

// bmcLANConf is ipmi_sim's lan.conf for VM id's BMC.
func bmcLANConf(id int, startcmd string) string {
	return fmt.Sprintf(`name "bmc%d"
set_working_mc 0x20
  startlan 1
    addr %s %d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcd%02x
  endlan
  serial 15 127.0.0.1 %d codec VM
  startcmd "%s"
  startnow true
  poweroff_wait 1
  kill_wait 1
  user 2 true "%s" "%s" admin 10 none md2 md5 straight
`, id, bmcAddr(id), bmcLANPort, id, bmcSerialPort(id), startcmd, bmcUser, bmcPass)
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
