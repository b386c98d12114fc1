package fencer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// ipmiCluster has n1 fenced by the native client against BMC port (method
// 1) and, when port2 > 0, a second BMC (method 2).
func ipmiCluster(t *testing.T, port int, pass string, port2 int) *conf.Cluster {
	t.Helper()
	dev := fmt.Sprintf(`<fencedevice name="bmc1" agent="fence_ipmilan" native="1" ipaddr="127.0.0.1" ipport="%d" login="admin" passwd="%s" lanplus="1"/>`, port, pass)
	methods := `<method name="1"><device name="bmc1"/></method>`
	if port2 > 0 {
		dev += fmt.Sprintf(`<fencedevice name="bmc2" agent="fence_ipmilan" native="1" ipaddr="127.0.0.1" ipport="%d" login="admin" passwd="goodpass"/>`, port2)
		methods += `<method name="2"><device name="bmc2"/></method>`
	}
	return cluster(t, "<fence>"+methods+"</fence>", dev)
}

func TestNativeIPMIOffWaitsForPowerToDrop(t *testing.T) {
	port, ch := startBMC(t, "goodpass", 3)
	c := ipmiCluster(t, port, "goodpass", 0)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if !out.Success || out.Attempts[0].Agent != "fence_ipmilan" || out.Attempts[0].Status != Off {
		t.Fatalf("outcome = %+v", out)
	}
	on, cmds, reads := ch.state()
	if on || fmt.Sprint(cmds) != "[false]" || reads < 4 {
		t.Errorf("chassis on=%v commands=%v status reads=%d; want off after one power-down and >= 4 reads (3 lagging)", on, cmds, reads)
	}
	if n := strings.Count(out.Attempts[0].Output, "status: on"); n != 3 {
		t.Errorf("output shows %d lagging 'on' reads, want 3:\n%s", n, out.Attempts[0].Output)
	}
}

func TestNativeIPMIRebootAndStatus(t *testing.T) {
	port, ch := startBMC(t, "goodpass", 1)
	c := ipmiCluster(t, port, "goodpass", 0)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c}) // default reboot
	if !out.Success || out.Attempts[0].Action != ActionReboot {
		t.Fatalf("reboot outcome = %+v", out)
	}
	if on, cmds, _ := ch.state(); !on || fmt.Sprint(cmds) != "[false true]" {
		t.Errorf("chassis on=%v commands=%v; want off then on", on, cmds)
	}
	out = f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionStatus})
	if !out.Success || out.Attempts[0].Status != On {
		t.Errorf("status outcome = %+v, want on", out)
	}
}

func TestNativeIPMIWrongPasswordFails(t *testing.T) {
	port, ch := startBMC(t, "goodpass", 0)
	c := ipmiCluster(t, port, "badpass", 0)
	f, _ := testFencer(t, Options{Retries: 3})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if out.Success || len(out.Attempts) != 1 {
		t.Fatalf("outcome = %+v, want one failed attempt (login errors are not retried)", out)
	}
	if a := out.Attempts[0]; a.Result != ResultFailed || !strings.Contains(a.Err, ErrAuth.Error()) || strings.Contains(a.Err, "badpass") {
		t.Errorf("attempt = %+v", a)
	}
	if on, cmds, _ := ch.state(); !on || len(cmds) != 0 {
		t.Errorf("chassis changed without a valid login: on=%v commands=%v", on, cmds)
	}
}

func TestNativeIPMIUnreachableFallsBackToNextMethod(t *testing.T) {
	port, ch := startBMC(t, "goodpass", 0)
	c := ipmiCluster(t, closedPort(t), "goodpass", port)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if !out.Success || out.Method != "2" || len(out.Attempts) != 2 {
		t.Fatalf("outcome = %+v, want method 2 after method 1 failed", out)
	}
	if a := out.Attempts[0]; a.Result != ResultFailed || !strings.Contains(a.Err, ErrUnreachable.Error()) {
		t.Errorf("first attempt = %+v, want unreachable", a)
	}
	if on, _, _ := ch.state(); on {
		t.Error("second BMC still on")
	}
}

func TestIPMIAgentErrors(t *testing.T) {
	a := &IPMIAgent{}
	ctx := context.Background()
	for _, tc := range []struct {
		params map[string]string
		want   error
		text   string
	}{
		{map[string]string{"login": "a", "passwd": "b"}, ErrMissingParam, "ipaddr"},
		{map[string]string{"ipaddr": "h", "passwd": "b"}, ErrMissingParam, "login"},
		{map[string]string{"ipaddr": "h", "login": "a"}, ErrMissingParam, "passwd"},
		{map[string]string{"ipaddr": "h", "login": "a", "passwd": "b", "cipher": "99"}, ErrBadParam, "cipher"},
		{map[string]string{"ipaddr": "h", "login": "a", "passwd": "b", "ipport": "0"}, ErrBadParam, "ipport"},
		{map[string]string{"ipaddr": "h", "login": "a", "passwd": "b", "privlvl": "root"}, ErrBadParam, "privlvl"},
		{map[string]string{"ipaddr": "h", "login": "a", "passwd": "b", "lanplus": "maybe"}, ErrBadParam, "lanplus"},
		{map[string]string{"ipaddr": "h", "login": "a", "passwd": "b", "hexadecimal_kg": "00"}, ErrBadParam, "hexadecimal_kg"},
	} {
		_, err := a.Do(ctx, ActionStatus, tc.params)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Do(%v) = %v, want %v naming %s", tc.params, err, tc.want, tc.text)
		}
	}
	if _, err := a.Do(ctx, ActionReboot, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("reboot = %v, want ErrUnsupported", err)
	}
}

func TestIPMIPasswordScript(t *testing.T) {
	port, ch := startBMC(t, "from-script", 0)
	p := bmcParams(port, "")
	delete(p, "passwd")
	p["passwd_script"] = "echo from-script; echo second-line"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := (&IPMIAgent{}).Do(ctx, ActionOff, p); err != nil {
		t.Fatalf("off with passwd_script: %v", err)
	}
	if on, _, _ := ch.state(); on {
		t.Error("chassis still on")
	}
}

// The per-node delay= of a native IPMI device is waited before the off
// (external agents get delay= and wait themselves), and a delay longer
// than the caller's patience is a timeout, not a fence.
func TestNativeIPMIHonoursDelay(t *testing.T) {
	port, ch := startBMC(t, "goodpass", 0)
	c := cluster(t, `<fence><method name="1"><device name="bmc1" delay="2.5"/></method></fence>`,
		fmt.Sprintf(`<fencedevice name="bmc1" agent="fence_ipmilan" native="1" ipaddr="127.0.0.1" ipport="%d" login="admin" passwd="goodpass"/>`, port))
	f, _ := testFencer(t, Options{})
	var waited []time.Duration
	var commandsBefore []bool
	f.sleep = func(ctx context.Context, d time.Duration) error {
		waited = append(waited, d)
		_, commandsBefore, _ = ch.state()
		return nil
	}
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if !out.Success {
		t.Fatalf("outcome = %+v", out)
	}
	if fmt.Sprint(waited) != "[2.5s]" || len(commandsBefore) != 0 {
		t.Errorf("waited %v with power commands %v already sent; want one 2.5s wait before any command", waited, commandsBefore)
	}
	if _, cmds, _ := ch.state(); fmt.Sprint(cmds) != "[false]" {
		t.Errorf("power commands = %v, want one off after the delay", cmds)
	}
	if !strings.HasPrefix(out.Attempts[0].Output, "delay: waiting 2.5s before off") {
		t.Errorf("output does not start with the delay:\n%s", out.Attempts[0].Output)
	}
	// status reads the power without waiting.
	waited = nil
	if out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionStatus}); !out.Success || len(waited) != 0 {
		t.Errorf("status: %+v, waited %v", out, waited)
	}
	// The real wait: cut short by the caller's deadline, nothing sent.
	f.sleep = sleepCtx
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	out = f.Fence(ctx, Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if out.Success || out.Attempts[0].Result != ResultTimeout || !strings.Contains(out.Err, "during delay=2.5s") {
		t.Errorf("fence cut short during the delay = %+v", out)
	}
	if _, cmds, _ := ch.state(); len(cmds) != 1 {
		t.Errorf("power commands = %v; none may be sent after a delay that was cut short", cmds)
	}
}

// An external agent receives delay= and waits itself; the Fencer does not
// wait a second time.
func TestExternalAgentGetsDelayInstead(t *testing.T) {
	dir := t.TempDir()
	c := cluster(t, `<fence><method name="1"><device name="ok" delay="30"/></method></fence>`,
		fmt.Sprintf(`<fencedevice name="ok" agent="fence_test_ok" state="%s/state" dump="%s/dump"/>`, dir, dir))
	f, _ := testFencer(t, Options{})
	f.sleep = func(context.Context, time.Duration) error {
		t.Error("the Fencer waited for an external agent's delay")
		return nil
	}
	if out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff}); !out.Success {
		t.Fatalf("outcome = %+v", out)
	}
	if b, _ := os.ReadFile(dir + "/dump"); !strings.Contains(string(b), "\ndelay=30\n") {
		t.Errorf("the agent's stdin lacks delay=30:\n%s", b)
	}
}
