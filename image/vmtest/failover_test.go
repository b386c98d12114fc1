//go:build vmtest

package vmtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/image/vmtest/labnet"
)

// Bounds of the failover case.
const (
	serviceWithin = 60 * time.Second // cluster formed -> service started
	resetWithin   = 45 * time.Second // cut off -> watchdog reset
)

// failoverConf is the configuration of the failover case: the quorum
// disk with the hardware watchdog (i6300esb, 5 s); node1 and node2 are
// power-fenced through their BMCs with the built-in IPMI client; node3
// has a BMC too but no <fence> method, so its eviction is confirmed by
// its watchdog alone (with a power fence the master would switch it off
// before the watchdog fires); service app, a long sleep run by the exec
// agent, prefers node2, then node1, and stays where it was recovered.
func failoverConf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<cluster name=%q config_version=\"1\">\n", cluster)
	fmt.Fprintf(&b, "  <quorumd label=%q interval=\"0.2\" tko=\"10\" watchdog=\"/dev/watchdog\" watchdog_timeout=\"5\"/>\n  <clusternodes>\n", label)
	for i := 1; i <= maxNodes; i++ {
		v := labnet.VM(i)
		if i == 3 {
			fmt.Fprintf(&b, "    <clusternode name=%q nodeid=\"%d\" addr=\"%s\"/>\n", v.Name, i, v.Addr)
			continue
		}
		fmt.Fprintf(&b, "    <clusternode name=%q nodeid=\"%d\" addr=\"%s\">\n", v.Name, i, v.Addr)
		fmt.Fprintf(&b, "      <fence><method name=\"ipmi\"><device name=\"bmc-%s\"/></method></fence>\n    </clusternode>\n", v.Name)
	}
	b.WriteString("  </clusternodes>\n  <fencedevices>\n")
	for i := 1; i <= 2; i++ {
		fmt.Fprintf(&b, "    <fencedevice name=\"bmc-%s\" agent=\"fence_ipmilan\" native=\"1\" ipaddr=\"%s\" ipport=\"%d\" login=%q passwd=%q lanplus=\"1\" cipher=\"3\" power_wait=\"0\"/>\n",
			labnet.VM(i).Name, bmcAddr(i), bmcLANPort, bmcUser, bmcPass)
	}
	b.WriteString(`  </fencedevices>
  <rm>
    <failoverdomains>
      <failoverdomain name="fenced" ordered="1" restricted="1" nofailback="1">
        <failoverdomainnode name="node2" priority="1"/>
        <failoverdomainnode name="node1" priority="2"/>
      </failoverdomain>
    </failoverdomains>
    <service name="app" domain="fenced" recovery="relocate">
      <exec name="app" command="/bbin/sleep 86400"/>
    </service>
  </rm>
</cluster>
`)
	return b.String()
}

// serviceOn accepts a quorate status in which service name is started on
// owner.
func serviceOn(name, owner string) func(*api.Status) bool {
	return func(st *api.Status) bool {
		s, ok := service(st, name)
		return st.Quorum.Quorate && ok && s.State == "started" && s.Owner == owner
	}
}

func service(st *api.Status, name string) (api.Service, bool) {
	for _, s := range st.Services {
		if s.Name == name || s.Name == "service:"+name {
			return s, true
		}
	}
	return api.Service{}, false
}

func fenced(st *api.Status, node string) (api.FenceEvent, bool) {
	for _, f := range st.Fencing {
		if f.Node == node && f.Result == "success" {
			return f, true
		}
	}
	return api.FenceEvent{}, false
}

// failover: three VMs, each powered by its own BMC, with a watchdog each
// and an exec service. The service runs on node2; node2 is powered off
// (QMP quit), the master fences it through its BMC and the service is
// started on node1; the BMC's power on boots node2 again and it rejoins.
// Then node3 is cut off the bridge: it is evicted, stops petting its
// watchdog, is reset by it, and rejoins once the link is back.
func failover(t *testing.T, l *lab) {
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		t.Skip("BMC cases skipped: ipmi_sim not installed (apt-get install -y openipmi ipmitool)")
	}
	disk := l.newDiskWith(t, "failover", label, failoverConf())
	names := []string{"node1", "node2", "node3"}
	// node1 first, so that it holds the lease: the master is neither the
	// service's owner nor the node cut off below.
	vms, formed := formThree(t, l, func(i int) *vm { return l.bootBMC(t, vmConfig{id: i, disk: disk}) })
	n1 := vms[0]
	// app started on node1 while node1 was alone and stays there
	// (nofailback): move it to node2 with clusvcadm on node3's console
	// (a member that is neither the master nor the owner).
	_, st, err := n1.waitUntil("service app started", serviceWithin, func(st *api.Status) bool {
		s, ok := service(st, "app")
		return ok && s.State == "started"
	})
	if err != nil {
		failWithLogs(t, l, err)
	}
	started := time.Since(formed)
	if s, _ := service(st, "app"); s.Owner != "node2" {
		out, err := vms[2].con.run("clusvcadm -r app -m node2", 40*time.Second)
		if err != nil || !strings.Contains(out, "Success") {
			failWithLogs(t, l, fmt.Errorf("clusvcadm -r app -m node2 on node3: %v: %q", err, out))
		}
		if _, st, err = n1.waitUntil("service app started on node2", serviceWithin, serviceOn("app", "node2")); err != nil {
			failWithLogs(t, l, err)
		}
	}
	if st.QuorumDisk.Master != "node1" {
		t.Fatalf("the master is %q, not node1 (booted first); the case relies on it", st.QuorumDisk.Master)
	}
	for i, m := range vms {
		if p, err := m.bmc.power(); err != nil || (p != "" && p != "on") {
			t.Errorf("BMC of vm%d: power %q, %v (want on)", i+1, p, err)
		}
	}
	result("exec service app: started %.1fs after the cluster formed; relocated to node2 with clusvcadm on node3 %.1fs after it formed (clustat --json on node1, the master)",
		started.Seconds(), time.Since(formed).Seconds())

	powerFence(t, l, vms, names)
	hungFence(t, l, vms, names)
	watchdogReset(t, l, vms, names)
}

func successes(st *api.Status, node string) int {
	n := 0
	for _, f := range st.Fencing {
		if f.Node == node && f.Result == "success" {
			n++
		}
	}
	return n
}

// waitPowerCycle waits until the BMC started a new qemu for v (its pid
// differs from old), reconnects to its console and returns the new pid.
func waitPowerCycle(t *testing.T, l *lab, v *vm, old int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p := v.qemuPid(); p == 0 || p == old; p = v.qemuPid() {
		if time.Now().After(deadline) {
			failWithLogs(t, l, fmt.Errorf("vm%d's BMC did not power it on again after the fence (no new qemu)", v.id))
		}
		time.Sleep(100 * time.Millisecond)
	}
	v.connect(t)
}

// adoptedAfterFence returns the master's log line (if any) that adopted
// node id as a service owner after it logged node id fenced: a fenced
// node's last slot still lists what it ran, and taking that as a live
// owner delays recovery until the node writes a new slot (it boots again)
// or forever (it stays off).
func adoptedAfterFence(text string, id int) string {
	i := strings.LastIndex(text, fmt.Sprintf(`msg="node %d is fenced:`, id))
	if i < 0 {
		return ""
	}
	adopt := fmt.Sprintf(`node %d reports it running; taking that as its owner`, id)
	j := strings.Index(text[i:], adopt)
	if j < 0 {
		return ""
	}
	line := text[i+j:]
	if k := strings.IndexByte(line, '\n'); k >= 0 {
		line = line[:k]
	}
	return line
}

// confirmation is how the master's log says it confirmed node id fenced
// (the last "node N is fenced: ..." line on its console).
func confirmation(m *vm, id int) string {
	marker := fmt.Sprintf(`msg="node %d is fenced:`, id)
	text := m.con.text()
	i := strings.LastIndex(text, marker)
	if i < 0 {
		return "not logged"
	}
	rest := strings.TrimLeft(text[i+len(marker):], ": ") // the serial line sometimes doubles a character
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// powerFence: QMP quit of node2, the service's owner. node1, the master,
// fences it through its BMC (reboot: off, verify off, on) and starts the
// service; the BMC's power on boots node2 again and it rejoins.
func powerFence(t *testing.T, l *lab, vms []*vm, names []string) {
	n1, v := vms[0], vms[1]
	oldPid := v.qemuPid()
	t0 := time.Now()
	if err := v.powerOff(); err != nil {
		t.Fatalf("QMP quit of node2: %v", err)
	}
	_, st, err := n1.waitUntil("node2 fenced", evictWithin, func(st *api.Status) bool { _, ok := fenced(st, "node2"); return ok })
	if err != nil {
		failWithLogs(t, l, err)
	}
	fencedAfter := time.Since(t0)
	f, _ := fenced(st, "node2")
	_, _, err = n1.waitUntil("app started on node1", serviceWithin, serviceOn("app", "node1"))
	if err != nil {
		failWithLogs(t, l, err)
	}
	recovered := time.Since(t0)
	if line := adoptedAfterFence(n1.con.text(), 2); line != "" {
		t.Errorf("after fencing node2 the master took node2's stale quorum-disk slot as a live owner of app "+
			"(%d s from the fence to app on node1; recovery had to wait for node2 to boot again): %s", int((recovered - fencedAfter).Seconds()), line)
	}
	waitPowerCycle(t, l, v, oldPid)
	_, st, err = n1.waitUntil("node2 back after the power cycle", bootWithin, allOnline(names...))
	if err != nil {
		failWithLogs(t, l, err)
	}
	rejoined := time.Since(t0)
	if s, _ := service(st, "app"); s.Owner != "node1" {
		t.Errorf("app moved to %q when node2 came back (nofailback)", s.Owner)
	}
	if p, err := v.bmc.power(); err != nil || (p != "" && p != "on") {
		t.Errorf("node2's BMC reports power %q, %v after the rejoin (want on)", p, err)
	}
	result("power fence: QMP quit of node2 (app's owner) -> fenced by node1 through node2's BMC after %.1fs (%s/%s, %d ms; node1: %q) -> app started on node1 after %.1fs",
		fencedAfter.Seconds(), f.Method, f.Device, f.DurationMS, confirmation(n1, 2), recovered.Seconds())
	result("power fence: the fence's power on booted node2 again; rejoined %.1fs after the power off", rejoined.Seconds())
}

// hungFence: node2's VM is paused (QMP stop: a hung machine, its qemu
// still there). node1 fences it through the BMC, whose power off ends
// that qemu; the power on boots a new one and node2 rejoins. This is the
// fence doing the switching, not just reading "off" of a VM already gone.
func hungFence(t *testing.T, l *lab, vms []*vm, names []string) {
	n1, v := vms[0], vms[1]
	st, err := n1.status()
	if err != nil {
		t.Fatal(err)
	}
	before := successes(st, "node2")
	oldPid := v.qemuPid()
	t0 := time.Now()
	if _, err := qmpExec(v.qmp, "stop"); err != nil {
		t.Fatalf("QMP stop of node2: %v", err)
	}
	_, _, err = n1.waitUntil("hung node2 fenced", evictWithin, func(st *api.Status) bool { return successes(st, "node2") > before })
	if err != nil {
		failWithLogs(t, l, err)
	}
	fencedAfter := time.Since(t0)
	gone := false
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(oldPid, 0) != nil {
			gone = true
			break
		}
	}
	if !gone {
		failWithLogs(t, l, fmt.Errorf("the paused VM's qemu (pid %d) still runs after node2 was reported fenced", oldPid))
	}
	waitPowerCycle(t, l, v, oldPid)
	if _, _, err = n1.waitUntil("node2 back after the power cycle", bootWithin, allOnline(names...)); err != nil {
		failWithLogs(t, l, err)
	}
	result("hung node: QMP stop of node2 -> fenced by node1 through its BMC after %.1fs (the BMC's power off ended the paused qemu; node1: %q) -> rebooted, rejoined after %.1fs",
		fencedAfter.Seconds(), confirmation(n1, 2), time.Since(t0).Seconds())
}

// watchdogReset: node3's tap leaves the bridge. node3 is evicted, stops
// petting its watchdog and is reset by it (QMP event WATCHDOG, action
// reset); the link is restored and node3 boots again and rejoins.
func watchdogReset(t *testing.T, l *lab, vms []*vm, names []string) {
	n1, v := vms[0], vms[2]
	events, stopEvents, err := qmpListen(v.qmp)
	if err != nil {
		t.Fatalf("QMP of vm3: %v", err)
	}
	defer stopEvents()
	boots := strings.Count(v.con.text(), "Welcome to u-root")
	tap := "tap3"
	t0 := time.Now()
	l.with(t).sh("ip", "-n", netns, "link", "set", tap, "nomaster")
	cut := true
	restore := func() {
		if cut {
			l.with(t).sh("ip", "-n", netns, "link", "set", tap, "master", bridge)
			cut = false
		}
	}
	defer restore()
	_, st, err := n1.waitUntil("node3 evicted", evictWithin, func(st *api.Status) bool {
		return st.Quorum.Quorate && memberState(st, "node3") != "online"
	})
	if err != nil {
		failWithLogs(t, l, err)
	}
	evicted := time.Since(t0)
	state := memberState(st, "node3")
	e, err := waitEvent(events, "WATCHDOG", resetWithin)
	if err != nil {
		failWithLogs(t, l, fmt.Errorf("node3 cut off the bridge: %w", err))
	}
	reset := e.At.Sub(t0)
	restore()
	_, _, err = n1.waitUntil("node3 rejoined", bootWithin, allOnline(names...))
	if err != nil {
		failWithLogs(t, l, err)
	}
	rejoined := time.Since(t0)
	if n := strings.Count(v.con.text(), "Welcome to u-root"); n <= boots {
		t.Errorf("node3's console shows no second boot after the watchdog reset")
	}
	result("watchdog: node3 cut off the bridge -> %s on node1 after %.1fs (node1: %q) -> reset by its watchdog after %.1fs (QMP %s %s) -> link restored, rejoined after %.1fs",
		state, evicted.Seconds(), confirmation(n1, 3), reset.Seconds(), e.Name, strings.TrimSpace(string(e.Data)), rejoined.Seconds())
}

// formThree boots node1 alone (so that it takes the lease), waits until
// it is a quorate member, then boots node2 and node3 and waits until every
// VM sees all three online. boot starts VM i. It returns the VMs in id
// order and when the cluster formed.
func formThree(t *testing.T, l *lab, boot func(i int) *vm) ([]*vm, time.Time) {
	t.Helper()
	names := []string{"node1", "node2", "node3"}
	vms := []*vm{boot(1)}
	if _, _, err := vms[0].waitUntil("node1 a quorate member", bootWithin, allOnline("node1")); err != nil {
		failWithLogs(t, l, err)
	}
	for i := 2; i <= maxNodes; i++ {
		vms = append(vms, boot(i))
	}
	errs := make([]error, len(vms))
	var wg sync.WaitGroup
	for i, m := range vms[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = m.waitUntil("all three nodes online", bootWithin, allOnline(names...))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		failWithLogs(t, l, err)
	}
	return vms, time.Now()
}
