package fencer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

const okDevice = `<fencedevice name="ok" agent="fence_test_ok" login="admin" passwd="s3cret-pw" state="%STATE%" dump="%DUMP%" port="1"/>`

// okCluster returns a cluster whose n1 is fenced by fence_test_ok, with
// the state and dump files in a temporary directory.
func okCluster(t *testing.T, node, extraDevices string) (c clusterFiles) {
	t.Helper()
	dir := t.TempDir()
	c.state, c.dump = filepath.Join(dir, "state"), filepath.Join(dir, "dump")
	dev := strings.NewReplacer("%STATE%", c.state, "%DUMP%", c.dump).Replace(okDevice)
	c.Cluster = cluster(t, node, dev+"\n"+extraDevices)
	return c
}

type clusterFiles struct {
	*conf.Cluster
	state, dump string
}

func TestFenceOffIsVerifiedAndPasswordsRedacted(t *testing.T) {
	c := okCluster(t, `<fence><method name="1"><device name="ok" action="off"/></method></fence>`, "")
	f, logs := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c.Cluster), Cluster: c.Cluster})
	if !out.Success || out.Method != "1" || len(out.Attempts) != 1 {
		t.Fatalf("outcome = %+v, want success by method 1 with one attempt", out)
	}
	a := out.Attempts[0]
	if a.Result != ResultSuccess || a.Action != ActionOff || a.Status != Off || a.Agent != "fence_test_ok" || a.Device != "ok" || a.Node != "n1" {
		t.Errorf("attempt = %+v", a)
	}
	for _, want := range []string{"off: ok", "status: off", "******"} {
		if !strings.Contains(a.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, a.Output)
		}
	}
	if strings.Contains(a.Output, "s3cret-pw") || strings.Contains(logs.String(), "s3cret-pw") {
		t.Errorf("password leaked into output or logs:\n%s\n%s", a.Output, logs.String())
	}
	if st, _ := os.ReadFile(c.state); strings.TrimSpace(string(st)) != "off" {
		t.Errorf("device state = %q, want off", st)
	}
}

func TestStdinProtocol(t *testing.T) {
	c := okCluster(t, `<fence><method name="1"><device name="ok" port="7" native="0"/></method></fence>`, "")
	f, _ := testFencer(t, Options{})
	if out := f.Fence(context.Background(), Request{Node: node1(c.Cluster), Cluster: c.Cluster}); !out.Success {
		t.Fatalf("reboot failed: %+v", out)
	}
	dump, err := os.ReadFile(c.dump)
	if err != nil {
		t.Fatal(err)
	}
	runs := strings.Split(strings.TrimSuffix(string(dump), "--\n"), "--\n")
	var actions []string
	for _, r := range runs {
		lines := strings.Split(strings.TrimSpace(r), "\n")
		actions = append(actions, lines[0])
		want := []string{lines[0], "dump=" + c.dump, "login=admin", "nodename=n1", "passwd=s3cret-pw", "port=7", "state=" + c.state}
		if strings.Join(lines, "|") != strings.Join(want, "|") {
			t.Errorf("stdin =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	}
	// reboot = off, verify (status until off), on
	if got := strings.Join(actions, " "); got != "action=off action=status action=on" {
		t.Errorf("agent calls = %s, want off, status, on", got)
	}
	if st, _ := os.ReadFile(c.state); strings.TrimSpace(string(st)) != "on" {
		t.Errorf("after reboot device state = %q, want on", st)
	}
}

func TestMethodsTriedInOrder(t *testing.T) {
	c := okCluster(t, `<fence>
        <method name="1"><device name="broken"/></method>
        <method name="2"><device name="ok" action="off"/></method>
      </fence>`, `<fencedevice name="broken" agent="fence_test_fail" passwd="s3cret-pw"/>`)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c.Cluster), Cluster: c.Cluster})
	if !out.Success || out.Method != "2" || len(out.Attempts) != 2 {
		t.Fatalf("outcome = %+v, want success by method 2 after one failed attempt", out)
	}
	a := out.Attempts[0]
	if a.Result != ResultFailed || a.Method != "1" || !strings.Contains(a.Err, "exit status 1") ||
		!strings.Contains(a.Err, "Unable to connect/login") || !strings.Contains(a.Output, "Unable to connect/login") {
		t.Errorf("first attempt = %+v", a)
	}
}

func TestMethodNeedsEveryDevice(t *testing.T) {
	c := okCluster(t, `<fence>
        <method name="dual"><device name="ok" action="off"/><device name="broken"/><device name="ok" action="on"/></method>
        <method name="backup"><device name="ok" action="off"/></method>
      </fence>`, `<fencedevice name="broken" agent="fence_test_fail"/>`)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c.Cluster), Cluster: c.Cluster})
	if !out.Success || out.Method != "backup" {
		t.Fatalf("outcome = %+v, want success by method backup", out)
	}
	var got []string
	for _, a := range out.Attempts {
		got = append(got, a.Method+"/"+a.Device+"/"+a.Result)
	}
	want := "dual/ok/success dual/broken/failed backup/ok/success"
	if strings.Join(got, " ") != want {
		t.Errorf("attempts = %v, want %s (the method stops at its first failing device)", got, want)
	}
}

func TestAllMethodsFailing(t *testing.T) {
	c := cluster(t, `<fence>
        <method name="1"><device name="broken"/></method>
        <method name="2"><device name="liar"/></method>
      </fence>`, `<fencedevice name="broken" agent="fence_test_fail"/>
      <fencedevice name="liar" agent="fence_test_liar"/>`)
	f, _ := testFencer(t, Options{VerifyTimeout: 200 * time.Millisecond})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if out.Success || out.Method != "" || len(out.Attempts) != 2 {
		t.Fatalf("outcome = %+v, want failure after two attempts", out)
	}
	liar := out.Attempts[1]
	if liar.Result != ResultFailed || !strings.Contains(liar.Err, "not verified") || liar.Status != On {
		t.Errorf("a device that accepts off but stays on must fail verification: %+v", liar)
	}
	if !strings.Contains(out.Err, "method 1") || !strings.Contains(out.Err, "method 2") {
		t.Errorf("outcome error %q does not name both methods", out.Err)
	}
}

func TestHangingAgentIsKilledWithItsChildren(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	c := cluster(t, `<fence><method name="1"><device name="hang"/></method></fence>`,
		`<fencedevice name="hang" agent="fence_test_hang" pidfile="`+pidfile+`"/>`)
	f, _ := testFencer(t, Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("fence took %v with a 300ms timeout", took)
	}
	if out.Success || len(out.Attempts) != 1 || out.Attempts[0].Result != ResultTimeout {
		t.Fatalf("outcome = %+v, want one timed-out attempt", out)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("agent did not start its child: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || !waitGone(pid, 2*time.Second) {
		t.Errorf("the hanging agent's child %d survived the timeout", pid)
	}
}

func TestStatusAction(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="off"/></method><method name="2"><device name="broken"/></method></fence>`,
		`<fencedevice name="off" agent="fence_test_statusoff"/><fencedevice name="broken" agent="fence_test_fail"/>`)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: ActionStatus})
	if !out.Success || out.Attempts[0].Status != Off {
		t.Errorf("status outcome = %+v, want success reporting off", out)
	}
	a := &ExternalAgent{Path: filepath.Join(agentDir(t), "fence_test_fail")}
	st, err := a.Do(context.Background(), ActionStatus, nil)
	var ae *AgentError
	if st != Unknown || !errors.Is(err, ErrAgentFailed) || !errors.As(err, &ae) || ae.ExitCode != 1 {
		t.Errorf("status of an unreachable device = %v, %v; want Unknown and an AgentError with exit 1", st, err)
	}
}

func TestPermanentErrorsAreNotRetried(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="ghost"/></method><method name="2"><device name="broken"/></method></fence>`,
		`<fencedevice name="ghost" agent="fence_does_not_exist"/><fencedevice name="broken" agent="fence_test_fail"/>`)
	f, _ := testFencer(t, Options{Retries: 2})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	if out.Success || len(out.Attempts) != 4 {
		t.Fatalf("outcome = %+v, want 1 attempt for the unknown agent and 3 for the failing one", out)
	}
	if a := out.Attempts[0]; a.Result != ResultFailed || !strings.Contains(a.Err, "fence_does_not_exist is not installed") ||
		!strings.Contains(a.Err, "cluster.conf:") {
		t.Errorf("unknown agent attempt = %+v", a)
	}
}

func TestUnfence(t *testing.T) {
	c := okCluster(t, `<fence><method name="1"><device name="ok"/></method></fence>
      <unfence><device name="ok" action="off"/></unfence>`, "")
	if err := os.WriteFile(c.state, []byte("off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := testFencer(t, Options{})
	out := f.Unfence(context.Background(), Request{Node: node1(c.Cluster), Cluster: c.Cluster})
	if !out.Success || len(out.Attempts) != 1 || out.Attempts[0].Action != ActionOn {
		t.Fatalf("unfence = %+v, want one successful on", out)
	}
	if st, _ := os.ReadFile(c.state); strings.TrimSpace(string(st)) != "on" {
		t.Errorf("after unfence device state = %q, want on", st)
	}
	n2 := &c.Cluster.Nodes[1]
	if out := f.Unfence(context.Background(), Request{Node: n2, Cluster: c.Cluster}); !out.Success || len(out.Attempts) != 0 {
		t.Errorf("unfence without <unfence> = %+v, want trivial success", out)
	}
}

func TestNodeWithoutMethods(t *testing.T) {
	c := cluster(t, "", `<fencedevice name="x" agent="fence_test_ok"/>`)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	if out.Success || !strings.Contains(out.Err, "no fence methods") {
		t.Errorf("outcome = %+v", out)
	}
	if out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c, Action: "explode"}); out.Success {
		t.Errorf("invalid action accepted: %+v", out)
	}
}

func TestCancelledContextStopsFencing(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="liar"/></method><method name="2"><device name="liar"/></method></fence>`,
		`<fencedevice name="liar" agent="fence_test_liar"/>`)
	f, _ := testFencer(t, Options{VerifyTimeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	out := f.Fence(ctx, Request{Node: node1(c), Cluster: c, Action: ActionOff})
	if out.Success || time.Since(start) > 3*time.Second || len(out.Attempts) != 1 {
		t.Errorf("outcome = %+v after %v; want one failed attempt, stopped by the context", out, time.Since(start))
	}
}

func TestHistoryKeepsNewest(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="broken"/></method></fence>`,
		`<fencedevice name="broken" agent="fence_test_fail"/>`)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { now = now.Add(time.Second); return now }
	f, _ := testFencer(t, Options{History: 3, Retries: 4, Now: tick})
	f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	h := f.History()
	if len(h) != 3 {
		t.Fatalf("history has %d entries, want 3", len(h))
	}
	for i := 1; i < len(h); i++ {
		if !h[i].Started.After(h[i-1].Started) {
			t.Errorf("history not oldest first: %v then %v", h[i-1].Started, h[i].Started)
		}
	}
	if h[2].Started != now.Add(-time.Second) || h[0].Duration != time.Second {
		t.Errorf("history does not end with the newest attempt: %+v (now %v)", h[2], now)
	}
}

// scriptedAgent is an in-process Agent: off works, status reports off,
// on fails.
type scriptedAgent struct{ calls []Action }

func (s *scriptedAgent) Do(_ context.Context, a Action, p map[string]string) (Status, error) {
	s.calls = append(s.calls, a)
	switch a {
	case ActionOn:
		return Unknown, errors.New("PSU stuck")
	case ActionStatus:
		return Off, nil
	}
	return Unknown, nil
}

func TestRebootCountsOnlyTheOffPart(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="pdu"/></method></fence>`, `<fencedevice name="pdu" agent="fence_pdu_builtin"/>`)
	agent := &scriptedAgent{}
	f, logs := testFencer(t, Options{Agents: map[string]Agent{"fence_pdu_builtin": agent}})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	if !out.Success || out.Attempts[0].Result != ResultSuccess || out.Attempts[0].Status != Off {
		t.Fatalf("reboot with a failing power-on = %+v; the node is fenced once off is verified", out)
	}
	if got := fmt.Sprint(agent.calls); got != "[off status on]" {
		t.Errorf("calls = %s", got)
	}
	if !strings.Contains(out.Attempts[0].Output, "powering it back on failed") || !strings.Contains(logs.String(), "power on after fence failed") {
		t.Errorf("failed power-on not reported:\n%s", out.Attempts[0].Output)
	}
}
