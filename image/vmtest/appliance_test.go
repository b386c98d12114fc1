//go:build vmtest

package vmtest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/image/vmtest/labnet"
)

// Bounds: the whole run stays near 10 minutes even when everything times out.
const (
	bootWithin  = 90 * time.Second // boot to member, one VM or three (TCG, 2 shared cores)
	evictWithin = 30 * time.Second
	pollEvery   = 500 * time.Millisecond
	// budget: a case starts only while the run is younger than this, so
	// the whole run ends within about 10 minutes.
	budget = 7 * time.Minute
)

// report collects the "vm-test:" result lines, printed at the end.
var report struct {
	sync.Mutex
	lines []string
}

func result(format string, args ...any) {
	report.Lock()
	defer report.Unlock()
	report.lines = append(report.lines, "vm-test: "+fmt.Sprintf(format, args...))
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, l := range report.lines {
		fmt.Println(l)
	}
	os.Exit(code)
}

// status runs clustat --json on the VM's console.
func (m *vm) status() (*api.Status, error) {
	out, err := m.con.run("clustat --json", 20*time.Second)
	if err != nil {
		return nil, err
	}
	block, ok := jsonBlock(out)
	if !ok {
		return nil, fmt.Errorf("clustat printed no status: %q", strings.TrimSpace(out))
	}
	var st api.Status
	if err := json.Unmarshal([]byte(block), &st); err != nil {
		return nil, fmt.Errorf("clustat --json: %w", err)
	}
	return &st, nil
}

func memberState(st *api.Status, name string) string {
	for _, m := range st.Members {
		if m.Name == name {
			return m.State
		}
	}
	return "absent"
}

// waitUntil polls the VM's clustat until ok accepts the status, and
// returns the time since the VM was started.
func (m *vm) waitUntil(what string, within time.Duration, ok func(*api.Status) bool) (time.Duration, *api.Status, error) {
	deadline := time.Now().Add(within)
	if err := m.con.waitFor(`msg="starting quorated"`, within); err != nil {
		return 0, nil, fmt.Errorf("vm%d: %w", m.id, err)
	}
	var last error
	for time.Now().Before(deadline) {
		st, err := m.status()
		if err == nil && ok(st) {
			return time.Since(m.started), st, nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("not yet: %s", summary(st))
		}
		time.Sleep(pollEvery)
	}
	return 0, nil, fmt.Errorf("vm%d: %s not seen within %v; last: %v", m.id, what, within, last)
}

func summary(st *api.Status) string {
	var s []string
	for _, m := range st.Members {
		s = append(s, m.Name+"="+m.State)
	}
	var svcs []string
	for _, v := range st.Services {
		svcs = append(svcs, v.Name+"="+v.State+"@"+v.Owner)
	}
	var fences []string
	for _, f := range st.Fencing {
		fences = append(fences, f.Node+":"+f.Result)
	}
	out := fmt.Sprintf("quorate=%v members %s", st.Quorum.Quorate, strings.Join(s, " "))
	if len(svcs) > 0 {
		out += " services " + strings.Join(svcs, " ")
	}
	if len(fences) > 0 {
		out += " fenced " + strings.Join(fences, " ")
	}
	return out
}

// allOnline accepts a quorate status in which every named node is online.
func allOnline(names ...string) func(*api.Status) bool {
	return func(st *api.Status) bool {
		if !st.Quorum.Quorate {
			return false
		}
		for _, n := range names {
			if memberState(st, n) != "online" {
				return false
			}
		}
		return true
	}
}

func sha(t *testing.T, path string) [32]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// failWithLogs ends the test, pointing at the console logs.
func failWithLogs(t *testing.T, l *lab, err error) {
	t.Helper()
	t.Fatalf("%v\nconsole logs: %s", err, filepath.Join(l.dir, "*-vm*.log"))
}

func TestAppliance(t *testing.T) {
	l := newLab(t, maxNodes)
	for _, f := range []string{"quorate.cpio", "quorate.cpio.gz", "quorate.cpio.xz"} {
		if st, err := os.Stat(filepath.Join(l.out, f)); err == nil {
			result("image %s: %.1f MiB", f, float64(st.Size())/(1<<20))
		}
	}
	start := time.Now()
	for _, c := range []struct {
		name string
		run  func(*testing.T, *lab)
	}{
		{"OneNodeJoins", oneNode},
		{"UnknownDiskUntouched", unknownDisk},
		{"ThreeNodesThenPowerOff", threeNodes},
		{"ServicePowerFenceWatchdog", failover},
		{"ISCSI", iscsi},
		{"SCSIPRFence", scsiPR},
	} {
		t.Run(c.name, func(t *testing.T) {
			if time.Since(start) > budget {
				t.Skipf("time budget of %v used up", budget)
			}
			c.run(t, l)
		})
	}
}

// iscsi: the quorum disk is a LUN of an iSCSI target. A VM with no disk
// logs in by itself (quorate.iscsi=, the kernel's initiator) and joins;
// then a VM whose qemu attaches the LUN as a scsi-block device (qemu's
// initiator, its own initiator name) joins the same cluster.
func iscsi(t *testing.T, l *lab) {
	lun := l.newDisk(t, "lun", label, maxNodes)
	l.startTarget(t, lun)
	guest := l.boot(t, vmConfig{id: 1, cmdline: "quorate.iscsi=" + targetURI()})
	took, st, err := guest.waitUntil("node1 a member over iSCSI", bootWithin, allOnline("node1"))
	if err != nil {
		failWithLogs(t, l, err)
	}
	result("boot to member over iSCSI, guest initiator: %.1fs (disk %s)", took.Seconds(), st.QuorumDisk.Device)

	qemu := l.boot(t, vmConfig{id: 2, lun: targetURI()})
	took, st, err = qemu.waitUntil("node1 and node2 members", bootWithin, allOnline("node1", "node2"))
	if err != nil {
		failWithLogs(t, l, err)
	}
	result("boot to member, LUN as scsi-block via qemu's initiator: %.1fs (disk %s)", took.Seconds(), st.QuorumDisk.Device)
	for _, m := range []*vm{guest, qemu} {
		m.powerOff()
	}
}

// oneNode: a VM boots from the image, gets its address and name by DHCP,
// finds the disk by label, reads the configuration from it, starts
// quorated and becomes a quorate member (its vote plus the disk's).
func oneNode(t *testing.T, l *lab) {
	disk := l.newDisk(t, "one", label, maxNodes)
	m := l.boot(t, vmConfig{id: 1, disk: disk})
	took, st, err := m.waitUntil("node1 a quorate member", bootWithin, allOnline("node1"))
	if err != nil {
		failWithLogs(t, l, err)
	}
	if st.Local != "node1" || st.QuorumDisk.Label != label || st.Cluster.Name != cluster {
		t.Errorf("status: local %q, disk label %q, cluster %q", st.Local, st.QuorumDisk.Label, st.Cluster.Name)
	}
	out := m.con.text()
	for _, want := range []string{`hostname=node1`, "configuration read from the quorum disk", "node=node1"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	result("boot to member, 1 VM: %.1fs", took.Seconds())
	if err := m.powerOff(); err != nil {
		t.Errorf("power off: %v", err)
	}
}

// unknownDisk: the only disk carries another label. The appliance says so
// on the console, keeps retrying, never starts quorated, and the disk
// stays byte for byte as it was.
func unknownDisk(t *testing.T, l *lab) {
	disk := l.newDisk(t, "other", "otherqd", maxNodes)
	before := sha(t, disk)
	m := l.boot(t, vmConfig{id: 1, disk: disk, cmdline: "quorate.debug=1"})
	deadline := time.Now().Add(bootWithin)
	for _, want := range []string{
		`no block device carries a quorum disk labelled \"vmqd\"`, `label \"otherqd\"`, "still waiting",
	} {
		if err := m.con.waitFor(want, time.Until(deadline)); err != nil {
			failWithLogs(t, l, err)
		}
	}
	if strings.Contains(m.con.text(), `msg="starting quorated"`) {
		t.Error("quorated was started without a matching disk")
	}
	if err := m.powerOff(); err != nil {
		t.Errorf("power off: %v", err)
	}
	if sha(t, disk) != before {
		t.Error("the appliance wrote to a disk it does not recognise")
	}
	result("unknown disk: refused, retried, left unchanged")
}

// threeNodes: three VMs boot in parallel and form a quorate cluster from
// the disk alone; one is powered off (QMP quit) and the others evict it.
func threeNodes(t *testing.T, l *lab) {
	disk := l.newDisk(t, "three", label, maxNodes)
	names := []string{"node1", "node2", "node3"}
	var vms []*vm
	for i := 1; i <= maxNodes; i++ {
		vms = append(vms, l.boot(t, vmConfig{id: i, disk: disk}))
	}
	times := make([]time.Duration, len(vms))
	errs := make([]error, len(vms))
	var wg sync.WaitGroup
	for i, m := range vms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			times[i], _, errs[i] = m.waitUntil("all three nodes online", bootWithin, allOnline(names...))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		failWithLogs(t, l, err)
	}
	var parts []string
	for i, d := range times {
		parts = append(parts, fmt.Sprintf("%s %.1fs", labnet.VM(i+1).Name, d.Seconds()))
	}
	result("boot to member, 3 VMs in parallel: %.1fs (%s)", slices.Max(times).Seconds(), strings.Join(parts, ", "))

	start := time.Now()
	if err := vms[2].powerOff(); err != nil {
		t.Fatalf("power off node3: %v", err)
	}
	gone := func(st *api.Status) bool {
		return st.Quorum.Quorate && memberState(st, "node3") != "online" &&
			memberState(st, "node1") == "online" && memberState(st, "node2") == "online"
	}
	for _, m := range vms[:2] {
		_, st, err := m.waitUntil("node3 evicted", evictWithin, gone)
		if err != nil {
			failWithLogs(t, l, err)
		}
		result("power off node3: vm%d sees node3 %s after %.1fs (still quorate: %s)",
			m.id, memberState(st, "node3"), time.Since(start).Seconds(), summary(st))
	}
	powerButton(t, l, vms[1], vms[0])
}

// powerButton: the ACPI power button of m (QMP system_powerdown) stops
// quorated, which leaves the cluster, and the VM powers itself off;
// observer still sees a quorate cluster without m's node.
func powerButton(t *testing.T, l *lab, m, observer *vm) {
	name := labnet.VM(m.id).Name
	start := time.Now()
	if _, err := qmpExec(m.qmp, "system_powerdown"); err != nil {
		t.Fatalf("system_powerdown: %v", err)
	}
	if !m.waitGone(evictWithin) {
		failWithLogs(t, l, fmt.Errorf("vm%d did not power off within %v of the power button", m.id, evictWithin))
	}
	off := time.Since(start)
	if !strings.Contains(m.con.text(), "power button pressed") {
		t.Errorf("vm%d console lacks the power button message", m.id)
	}
	_, st, err := observer.waitUntil(name+" gone", evictWithin, func(st *api.Status) bool {
		return st.Quorum.Quorate && memberState(st, name) != "online"
	})
	if err != nil {
		failWithLogs(t, l, err)
	}
	result("power button on %s: powered off after %.1fs; vm%d sees %s %s (%s)",
		name, off.Seconds(), observer.id, name, memberState(st, name), summary(st))
}
