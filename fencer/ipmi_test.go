package fencer

import (
	"context"
	"errors"
	"fmt"
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
