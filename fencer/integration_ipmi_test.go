//go:build integration

package fencer

// Integration tests against OpenIPMI's ipmi_sim BMC simulator and Debian's
// fence_ipmilan (packages openipmi, ipmitool, fence-agents). Each
// simulated BMC "powers" a payload process (sleep 1000): chassis power
// off kills it, power on starts a new one, as in
// ../shared/recipes/bmc-ipmi.

import (
	"github.com/quorate/quorate/internal/ipmisim"

	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

type simBMC struct {
	t       *testing.T
	port    int
	dir     string
	cmd     *exec.Cmd
	pidFile string
}

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				t.Skipf("%s is not installed (apt-get install -y openipmi ipmitool fence-agents)", tool)
			}
		}
	}
}

// freePort finds a UDP port whose TCP port+100 (the simulator's serial
// listener) is free too.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+100))
		u.Close()
		if err == nil && p+100 < 65536 {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port pair")
	return 0
}

// startSimBMC writes lan.conf and node.emu like the recipe's mkbmc.sh and
// runs ipmi_sim until the test ends.
func startSimBMC(t *testing.T, n int) *simBMC {
	t.Helper()
	requireTools(t, "ipmi_sim")
	b := &simBMC{t: t, port: freePort(t), dir: t.TempDir()}
	b.pidFile = filepath.Join(b.dir, "payload.pid")
	payload := filepath.Join(b.dir, "payload.sh")
	must(t, os.WriteFile(payload, []byte("#!/bin/sh\necho $$ > "+b.pidFile+"\nexec sleep 1000\n"), 0o755))
	args, err := ipmisim.BMC{Name: fmt.Sprintf("node%d", n), ID: n, Addr: "127.0.0.1", Port: b.port, SerialPort: b.port + 100,
		StartCmd: payload, PowerOffWait: 2, KillWait: 2, User: "admin", Pass: "secret"}.Write(b.dir)
	must(t, err)
	log, err := os.Create(filepath.Join(b.dir, "sim.out"))
	must(t, err)
	b.cmd = exec.Command("ipmi_sim", args...)
	b.cmd.Stdout, b.cmd.Stderr = log, log
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	must(t, b.cmd.Start())
	t.Cleanup(b.stop)
	b.waitReady()
	return b
}

func (b *simBMC) params(pass string) map[string]string {
	return map[string]string{"ipaddr": "127.0.0.1", "ipport": strconv.Itoa(b.port), "login": "admin", "passwd": pass, "lanplus": "1", "cipher": "3"}
}

func (b *simBMC) waitReady() {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := (&IPMIAgent{}).Do(ctx, ActionStatus, b.params("secret"))
		cancel()
		if err == nil && st == On && b.payload() > 0 {
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(b.dir, "sim.out"))
			b.t.Fatalf("ipmi_sim on port %d not ready (status %v, %v):\n%s", b.port, st, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// payload returns the pid of the running payload, or 0.
func (b *simBMC) payload() int {
	data, err := os.ReadFile(b.pidFile)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid <= 0 || processGone(pid) {
		return 0
	}
	return pid
}

// stop kills ipmi_sim's session (the payload survives a killed ipmi_sim,
// so it is killed first) and checks nothing is left.
func (b *simBMC) stop() {
	pid := b.payload()
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	_ = b.cmd.Wait()
	if pid > 0 && !waitGone(pid, 2*time.Second) {
		b.t.Errorf("payload %d of BMC %d survived cleanup", pid, b.port)
	}
}

// bmcCluster builds n1 with one method per device XML (each named d1, d2...).
func bmcCluster(t *testing.T, devices ...string) *conf.Cluster {
	t.Helper()
	var methods, defs strings.Builder
	for i, d := range devices {
		fmt.Fprintf(&methods, `<method name="%d"><device name="d%d"/></method>`, i+1, i+1)
		fmt.Fprintf(&defs, `<fencedevice name="d%d" %s/>`+"\n", i+1, d)
	}
	return cluster(t, "<fence>"+methods.String()+"</fence>", defs.String())
}

func nativeDev(port int, pass string) string {
	return fmt.Sprintf(`agent="fence_ipmilan" native="1" ipaddr="127.0.0.1" ipport="%d" login="admin" passwd="%s" lanplus="1" cipher="3"`, port, pass)
}

func externalDev(port int, pass string) string {
	return fmt.Sprintf(`agent="fence_ipmilan" native="0" ipaddr="127.0.0.1" ipport="%d" login="admin" passwd="%s" lanplus="1" cipher="3" power_wait="1"`, port, pass)
}

func integrationFencer(t *testing.T) *Fencer {
	f, _ := testFencer(t, Options{AgentDirs: defaultAgentDirs(), Timeout: 20 * time.Second, VerifyTimeout: 15 * time.Second, PollInterval: 200 * time.Millisecond})
	return f
}

func fence(t *testing.T, f *Fencer, c *conf.Cluster, a Action) Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	start := time.Now()
	out := f.Fence(ctx, Request{Node: node1(c), Cluster: c, Action: a})
	t.Logf("%s: success=%v method=%q in %v", a, out.Success, out.Method, time.Since(start).Round(time.Millisecond))
	return out
}

func TestIntegrationNativeIPMI(t *testing.T) {
	b := startSimBMC(t, 1)
	c := bmcCluster(t, nativeDev(b.port, "secret"))
	f := integrationFencer(t)
	first := b.payload()

	if out := fence(t, f, c, ActionStatus); !out.Success || out.Attempts[0].Status != On {
		t.Fatalf("status = %+v, want on", out)
	}
	out := fence(t, f, c, ActionOff)
	if !out.Success || out.Attempts[0].Status != Off {
		t.Fatalf("off = %+v", out)
	}
	if !waitGone(first, 100*time.Millisecond) {
		t.Errorf("payload %d still runs after a verified power off:\n%s", first, out.Attempts[0].Output)
	}
	if out := fence(t, f, c, ActionStatus); !out.Success || out.Attempts[0].Status != Off {
		t.Errorf("status after off = %+v", out)
	}
	if out := fence(t, f, c, ActionOn); !out.Success {
		t.Fatalf("on = %+v", out)
	}
	second := waitPayload(t, b, first)
	out = fence(t, f, c, ActionReboot)
	if !out.Success || !waitGone(second, 100*time.Millisecond) {
		t.Fatalf("reboot = %+v (old payload %d gone: %v)", out, second, processGone(second))
	}
	waitPayload(t, b, second)
}

// waitPayload waits for a payload other than old to run.
func waitPayload(t *testing.T, b *simBMC, old int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p := b.payload(); p > 0 && p != old {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal("power on did not start a new payload")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIntegrationFenceIPMILanAgent(t *testing.T) {
	requireTools(t, "ipmitool", "fence_ipmilan")
	b := startSimBMC(t, 2)
	c := bmcCluster(t, externalDev(b.port, "secret"))
	f := integrationFencer(t)
	first := b.payload()

	out := fence(t, f, c, ActionOff)
	if !out.Success || !strings.HasPrefix(out.Attempts[0].Agent, "fence_ipmilan") || out.Attempts[0].Status != Off {
		t.Fatalf("off through fence_ipmilan = %+v", out)
	}
	if !waitGone(first, 100*time.Millisecond) {
		t.Errorf("payload still runs after fence_ipmilan off:\n%s", out.Attempts[0].Output)
	}
	if strings.Contains(out.Attempts[0].Output, "secret") {
		t.Errorf("password in output:\n%s", out.Attempts[0].Output)
	}
	if out := fence(t, f, c, ActionStatus); !out.Success || out.Attempts[0].Status != Off {
		t.Errorf("status through fence_ipmilan = %+v", out)
	}
	if out := fence(t, f, c, ActionOn); !out.Success {
		t.Fatalf("on through fence_ipmilan = %+v", out)
	}
	waitPayload(t, b, first)
}

func TestIntegrationWrongPassword(t *testing.T) {
	requireTools(t, "ipmitool", "fence_ipmilan")
	b := startSimBMC(t, 3)
	f := integrationFencer(t)
	for name, dev := range map[string]string{"native": nativeDev(b.port, "wrong"), "fence_ipmilan": externalDev(b.port, "wrong")} {
		t.Run(name, func(t *testing.T) {
			out := fence(t, f, bmcCluster(t, dev), ActionOff)
			if out.Success || len(out.Attempts) != 1 || out.Attempts[0].Result == ResultSuccess {
				t.Errorf("wrong password: %+v", out)
			}
			if strings.Contains(out.Attempts[0].Output+out.Attempts[0].Err, "wrong") {
				t.Errorf("password shown: %+v", out.Attempts[0])
			}
		})
	}
	if b.payload() == 0 {
		t.Error("the node lost power although every login failed")
	}
}

func TestIntegrationUnreachableBMCThenSecondMethod(t *testing.T) {
	b := startSimBMC(t, 4)
	dead := freePort(t)
	f := integrationFencer(t)
	first := b.payload()
	out := fence(t, f, bmcCluster(t, nativeDev(dead, "secret"), nativeDev(b.port, "secret")), ActionOff)
	if !out.Success || out.Method != "2" || len(out.Attempts) != 2 || out.Attempts[0].Result == ResultSuccess {
		t.Fatalf("outcome = %+v, want method 1 failed and method 2 succeeded", out)
	}
	if !strings.Contains(out.Attempts[0].Err, "unreachable") {
		t.Errorf("method 1 error = %q", out.Attempts[0].Err)
	}
	if !waitGone(first, 100*time.Millisecond) {
		t.Error("payload survived")
	}
}

func TestIntegrationAllMethodsFail(t *testing.T) {
	requireTools(t, "ipmitool", "fence_ipmilan")
	b := startSimBMC(t, 5)
	dead := freePort(t)
	// fence_ipmilan keeps retrying a BMC that does not answer for longer
	// than 20 s: a 5 s per-call timeout kills it (and its ipmitool).
	f, _ := testFencer(t, Options{AgentDirs: defaultAgentDirs(), Timeout: 5 * time.Second, PollInterval: 200 * time.Millisecond})
	out := fence(t, f, bmcCluster(t, nativeDev(dead, "secret"), externalDev(dead, "secret"), nativeDev(b.port, "wrong")), ActionReboot)
	for _, a := range out.Attempts {
		t.Logf("%s %s %v: %s\n%s", a.Method, a.Result, a.Duration, a.Err, a.Output)
	}
	if out.Success || out.Method != "" || len(out.Attempts) != 3 {
		t.Fatalf("outcome = %+v, want three failed methods", out)
	}
	for i, a := range out.Attempts {
		if a.Result == ResultSuccess || a.Err == "" {
			t.Errorf("attempt %d = %+v", i, a)
		}
	}
	if r := out.Attempts[1].Result; r != ResultTimeout {
		t.Errorf("fence_ipmilan against a dead BMC: result %s, want timeout", r)
	}
	if b.payload() == 0 {
		t.Error("the node lost power although every method failed")
	}
}

func TestIntegrationAgentMetadata(t *testing.T) {
	requireTools(t, "fence_scsi", "fence_ipmilan")
	f := integrationFencer(t)
	if m := f.metadata("/usr/sbin/fence_scsi"); !m.known || !m.fabric() {
		t.Errorf("fence_scsi metadata = %+v, want a fabric agent (no reboot)", m)
	}
	if m := f.metadata("/usr/sbin/fence_ipmilan"); !m.known || m.fabric() {
		t.Errorf("fence_ipmilan metadata = %+v, want a power agent", m)
	}
}
