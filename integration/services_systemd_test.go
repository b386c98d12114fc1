//go:build integration

package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
	"github.com/quorate/quorate/internal/nspawn"
	"github.com/quorate/quorate/svcmgr"
)

// The systemd agent talks to the system bus of the machine quorated runs
// on: cluster.conf has no bus address (svcmgr.Env.SystemdBus is not set
// by quorated), and godbus takes the system bus from
// DBUS_SYSTEM_BUS_ADDRESS. Each node here is paired with its own systemd
// container (internal/nspawn) and its quorated gets that
// container's bus in DBUS_SYSTEM_BUS_ADDRESS: node N's "machine" is
// container N.

// sdContainer is one booted systemd container (internal/nspawn).
type sdContainer struct{ *nspawn.Container }

// testUnit is the systemd service of the test: its main process records
// its start and stop in a log inside the unit directory (which the host
// sees), in the format of testdata/svc.sh; pids repeat across
// containers, so the pid field is NODE-PID.
const testUnit = "[Service]\nExecStart=/bin/sh /run/systemd/system/qtest.sh\n"

const testUnitScript = `#!/bin/sh
log=/run/systemd/system/svc.log
echo "start %[1]s $(date +%%s.%%N) %[1]s-$$" >> $log
trap 'echo "stop %[1]s $(date +%%s.%%N) %[1]s-$$" >> $log; exit 0' TERM
while :; do sleep 0.2 & wait $!; done
`

// bootContainers boots one container per node (in parallel) with the
// test unit installed, and stops them when the test ends.
func bootContainers(t *testing.T, base, nodes int) []*sdContainer {
	t.Helper()
	nspawn.Need(t)
	cs := make([]*sdContainer, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range cs {
		nc, err := nspawn.New(fmt.Sprintf("qt%d-%d", base, i+1))
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = &sdContainer{nc}
		os.WriteFile(filepath.Join(nc.Units, "qtest.service"), []byte(testUnit), 0o644)
		os.WriteFile(filepath.Join(nc.Units, "qtest.sh"), []byte(fmt.Sprintf(testUnitScript, fmt.Sprintf("node%d", i+1))), 0o755)
		os.WriteFile(filepath.Join(nc.Units, "svc.log"), nil, 0o666)
		wg.Go(func() { errs[i] = nc.Boot() })
	}
	wg.Wait()
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for i, c := range cs {
			if errs[i] == nil {
				wg.Go(func() {
					if err := c.Stop(); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
	})
	for _, err := range errs {
		if err != nil {
			t.Skip(err)
		}
	}
	return cs
}

// unitProps returns the test unit's ActiveState and MainPID (a pid
// inside the container).
func (c *sdContainer) unitProps(t *testing.T) (string, uint32) {
	t.Helper()
	conn, err := sddbus.NewConnection(svcmgr.BusAt(c.Bus))
	if err != nil {
		t.Fatalf("bus of %s: %v", c.Name, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := conn.GetUnitPropertiesContext(ctx, "qtest.service")
	if err != nil {
		t.Fatalf("properties of qtest.service in %s: %v", c.Name, err)
	}
	sp, err := conn.GetServicePropertyContext(ctx, "qtest.service", "MainPID")
	if err != nil {
		t.Fatalf("MainPID of qtest.service in %s: %v", c.Name, err)
	}
	return p["ActiveState"].(string), sp.Value.Value().(uint32)
}

// hostPid maps a pid inside the container to the host's pid.
func (c *sdContainer) hostPid(t *testing.T, inner uint32) int {
	t.Helper()
	pid, err := c.HostPid(inner)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// mergedLog concatenates the containers' start/stop logs into one file
// for checkNoOverlap.
func mergedLog(t *testing.T, cs []*sdContainer) string {
	t.Helper()
	var all []byte
	for _, c := range cs {
		b, _ := os.ReadFile(filepath.Join(c.Units, "svc.log"))
		all = append(all, b...)
	}
	p := filepath.Join(t.TempDir(), "svc.log")
	if err := os.WriteFile(p, all, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// plainCluster starts three nodes (no BMC) running rm, each with the
// environment env gives it.
func plainCluster(t *testing.T, base int, svc string, env func(n *harness.Node) []string) (*harness.Cluster, string) {
	t.Helper()
	rm := fmt.Sprintf(`<rm>
    <failoverdomains><failoverdomain name="d" ordered="1" nofailback="1">
      <failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="2"/><failoverdomainnode name="node3" priority="3"/>
    </failoverdomain></failoverdomains>
    %s
  </rm>`, svc)
	return start(t, harness.Options{BasePort: base, Extra: rm, NodeEnv: env})
}

// failedLogged finds when node n logged the service failure after since.
func failedLogged(n *harness.Node, since time.Time) (time.Time, bool) {
	sc := bufio.NewScanner(strings.NewReader(n.Log()))
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `msg="service failed"`) || !strings.HasPrefix(line, "time=") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err == nil && !at.Before(since.Truncate(time.Millisecond)) {
			return at, true
		}
	}
	return time.Time{}, false
}

func TestSystemdServiceInContainers(t *testing.T) {
	cs := bootContainers(t, 6860, 3)
	env := func(n *harness.Node) []string {
		return []string{"DBUS_SYSTEM_BUS_ADDRESS=" + cs[n.ID-1].Bus}
	}
	c, master := plainCluster(t, 6860, `<service name="app" domain="d" recovery="restart" max_restarts="3" restart_expire_time="300"><systemd name="qtest"/></service>
    <service name="ghost" domain="d" recovery="relocate"><systemd name="no-such-unit"/></service>`, env)
	m := c.Node(master)
	s, _ := waitService(t, m, started, "started")
	// A unit that does not exist: failed on every node, with the reason.
	var ghost api.Service
	if _, ok := harness.Until(30*time.Second, 50*time.Millisecond, func() bool {
		st, err := m.Status()
		for _, x := range st.Services {
			if err == nil && x.Name == "service:ghost" {
				ghost = x
			}
		}
		return ghost.State == "failed" && strings.Contains(ghost.Reason, "no-such-unit")
	}); !ok {
		t.Fatalf("service ghost (a unit that does not exist) is %+v, want failed naming the unit", ghost)
	}
	t.Logf("ghost: %s %q", ghost.State, ghost.Reason)
	owner := c.Node(s.Owner)
	box := cs[owner.ID-1]
	for i, x := range cs {
		state, _ := x.unitProps(t)
		if want := map[bool]string{true: "active", false: "inactive"}[i == owner.ID-1]; state != want {
			t.Fatalf("qtest.service is %s in %s, want %s (owner %s)", state, x.Name, want, owner.Name)
		}
	}

	// Kill the unit's main process: the owner hears it from systemd at
	// once and the service is restarted in place.
	_, inner := box.unitProps(t)
	pid := box.hostPid(t, inner)
	killed := time.Now()
	kills := map[string][]float64{owner.Name: {now()}}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if _, ok := harness.Until(5*time.Second, 5*time.Millisecond, func() bool { var ok bool; at, ok = failedLogged(owner, killed); return ok }); !ok {
		t.Fatalf("%s never logged the unit's failure:\n%s", owner.Name, owner.Log())
	}
	noticed := at.Sub(killed)
	s2, took := waitService(t, m, func(s api.Service) bool { return started(s) && s.Restarts >= 1 }, "restarted")
	t.Logf("main process killed -> failure noticed by %s after %v (log time, ms resolution) -> restarted on %s after %v", owner.Name, noticed, s2.Owner, took)
	if noticed > 100*time.Millisecond {
		t.Errorf("the unit's failure was noticed after %v; want within 100 ms", noticed)
	}
	if s2.Owner != owner.Name {
		t.Errorf("restart policy: the service moved to %s instead of restarting on %s", s2.Owner, owner.Name)
	}
	if state, inner2 := box.unitProps(t); state != "active" || inner2 == inner {
		t.Errorf("after recovery qtest.service in %s is %s with main pid %d (killed %d)", box.Name, state, inner2, inner)
	}

	// Relocate with clusvcadm from a node that is not the master.
	target := "node3"
	if owner.Name == "node3" {
		target = "node2"
	}
	if out, err := clusvcadm(c, victim(c, master), "-r", "app", "-m", target); err != nil {
		t.Fatalf("clusvcadm -r app -m %s: %v %s", target, err, out)
	}
	waitService(t, m, func(s api.Service) bool { return started(s) && s.Owner == target }, "relocated to "+target)
	if state, _ := box.unitProps(t); state != "inactive" {
		t.Errorf("qtest.service is %s in the old owner's container after the relocation", state)
	}
	if state, _ := cs[c.Node(target).ID-1].unitProps(t); state != "active" {
		t.Errorf("qtest.service is %s in %s's container after the relocation", state, target)
	}
	checkNoOverlap(t, mergedLog(t, cs), kills)
}

// dummyStates lists the nodes whose Dummy state file exists.
func dummyStates(dirs []string) []int {
	var on []int
	for i, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "Dummy-dummy.state")); err == nil {
			on = append(on, i+1)
		}
	}
	return on
}

func TestOCFDummyServiceStartsAndRelocates(t *testing.T) {
	agent := filepath.Join(svcmgr.DefaultOCFRoot, "resource.d/heartbeat/Dummy")
	if _, err := os.Stat(agent); err != nil {
		t.Skipf("%s missing (apt-get install -y resource-agents)", agent)
	}
	// Dummy keeps its state in $HA_RSCTMP (the agents' run directory,
	// cleared at boot): one per node, as on separate machines.
	tmp := t.TempDir()
	dirs := make([]string, 3)
	for i := range dirs {
		dirs[i] = filepath.Join(tmp, fmt.Sprintf("node%d", i+1))
		os.MkdirAll(dirs[i], 0o755)
	}
	env := func(n *harness.Node) []string { return []string{"HA_RSCTMP=" + dirs[n.ID-1]} }
	c, master := plainCluster(t, 6880, `<service name="app" domain="d"><ocf agent="heartbeat/Dummy" name="dummy" fake="x"/></service>`, env)
	// Sample the state files all along: never on two nodes at once.
	stop := make(chan struct{})
	var both []int
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				if on := dummyStates(dirs); len(on) > 1 && both == nil {
					both = on
				}
			}
		}
	})
	m := c.Node(master)
	s, _ := waitService(t, m, started, "started")
	if on := dummyStates(dirs); len(on) != 1 || on[0] != c.Node(s.Owner).ID {
		t.Fatalf("Dummy state on nodes %v, want only on the owner %s", on, s.Owner)
	}
	target := "node3"
	if s.Owner == "node3" {
		target = "node2"
	}
	if out, err := clusvcadm(c, victim(c, master), "-r", "app", "-m", target); err != nil {
		t.Fatalf("clusvcadm -r app -m %s: %v %s", target, err, out)
	}
	s2, took := waitService(t, m, func(s api.Service) bool { return started(s) && s.Owner == target }, "relocated to "+target)
	close(stop)
	sampler.Wait()
	t.Logf("OCF heartbeat/Dummy relocated %s -> %s in %v", s.Owner, s2.Owner, took)
	if on := dummyStates(dirs); len(on) != 1 || on[0] != c.Node(target).ID {
		t.Errorf("after the relocation Dummy state on nodes %v, want only on %s", on, target)
	}
	if both != nil {
		t.Errorf("Dummy ran on nodes %v at once", both)
	}
}
