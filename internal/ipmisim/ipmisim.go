// Package ipmisim configures OpenIPMI's ipmi_sim as a BMC for the
// project's tests: one lan.conf (an IPMI-over-LAN channel with lanplus
// authentication, one admin user, and a start command that is the
// machine's power) and the emulator commands of a plain BMC. The fencing
// unit tests, the integration harness and the VM tests all power their
// "machines" through it.
package ipmisim

import (
	"fmt"
	"os"
	"path/filepath"
)

// Emu is the emulator command file: one BMC at 0x20 with a SEL.
const Emu = "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\nmc_enable 0x20\n"

// BMC is one simulated BMC.
type BMC struct {
	Name       string // instance name (ipmi_sim keeps its state under it)
	ID         int    // last byte of the GUID, unique per BMC of a test
	Addr       string // address the LAN channel listens on
	Port       int    // its UDP port
	SerialPort int    // TCP port of the serial (VM) interface, 127.0.0.1
	StartCmd   string // what power on runs; power off signals it
	// PowerOffWait and KillWait are ipmi_sim's seconds between a soft
	// off and the hard one, and between SIGTERM and SIGKILL of StartCmd.
	PowerOffWait, KillWait int
	User, Pass             string
}

// LANConf is b's lan.conf.
func (b BMC) LANConf() string {
	return fmt.Sprintf(`name "%s"
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
  poweroff_wait %d
  kill_wait %d
  user 2 true "%s" "%s" admin 10 none md2 md5 straight
`, b.Name, b.Addr, b.Port, b.ID, b.SerialPort, b.StartCmd, b.PowerOffWait, b.KillWait, b.User, b.Pass)
}

// Write puts lan.conf, node.emu and the state directory into dir and
// returns ipmi_sim's arguments for them.
func (b BMC) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o755); err != nil {
		return nil, err
	}
	lan, emu := filepath.Join(dir, "lan.conf"), filepath.Join(dir, "node.emu")
	if err := os.WriteFile(lan, []byte(b.LANConf()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(emu, []byte(Emu), 0o644); err != nil {
		return nil, err
	}
	return []string{"-n", "-c", lan, "-f", emu, "-s", filepath.Join(dir, "state")}, nil
}
