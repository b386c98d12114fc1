//go:build vmtest

package vmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/fencer"
	"github.com/quorate/quorate/image/vmtest/labnet"
)

// The data LUN of the SCSI-3 PR case, as each VM sees it: tgt's LUN 1
// through qemu's initiator as scsi-block on virtio-scsi, the VM's only
// SCSI disk (the quorum disk is virtio-blk, /dev/vda).
const prLUN = "/dev/sda"

// Bounds of the SCSI-3 PR case.
const (
	registerWithin = 60 * time.Second // every node admitted -> every key registered
	prResetWithin  = 30 * time.Second // resumed -> watchdog reset
)

// scsiPRConf: three nodes, each fenced (and unfenced) by fence_scsi on
// the shared data LUN, with the i6300esb watchdog; service writer writes
// the LUN with O_DIRECT every 0.3 s (uinit pr-write) and prefers node2,
// then node1, then node3, failing back when node2 returns.
func scsiPRConf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<cluster name=%q config_version=\"1\">\n", cluster)
	fmt.Fprintf(&b, "  <quorumd label=%q interval=\"0.2\" tko=\"10\" watchdog=\"/dev/watchdog\" watchdog_timeout=\"5\"/>\n  <clusternodes>\n", label)
	for i := 1; i <= maxNodes; i++ {
		v := labnet.VM(i)
		fmt.Fprintf(&b, "    <clusternode name=%q nodeid=\"%d\" addr=\"%s\">\n", v.Name, i, v.Addr)
		b.WriteString("      <fence><method name=\"scsi\"><device name=\"san\"/></method></fence>\n")
		b.WriteString("      <unfence><device name=\"san\"/></unfence>\n    </clusternode>\n")
	}
	fmt.Fprintf(&b, `  </clusternodes>
  <fencedevices>
    <fencedevice name="san" agent="fence_scsi" devices=%q/>
  </fencedevices>
  <rm>
    <failoverdomains>
      <failoverdomain name="pref" ordered="1" restricted="1">
        <failoverdomainnode name="node2" priority="1"/>
        <failoverdomainnode name="node1" priority="2"/>
        <failoverdomainnode name="node3" priority="3"/>
      </failoverdomain>
    </failoverdomains>
    <service name="writer" domain="pref" recovery="relocate">
      <exec name="writer" command="/bin/uinit pr-write %s 0.3"/>
    </service>
  </rm>
</cluster>
`, prLUN, prLUN)
	return b.String()
}

// nodeKey is node id's reservation key as clustat prints it.
func nodeKey(t *testing.T, id int) string {
	k, err := fencer.KeyFor(cluster, id)
	if err != nil {
		t.Fatal(err)
	}
	return k.String()
}

// lunView is the local node's view of the data LUN in a status.
func lunView(st *api.Status) (api.Reservation, bool) {
	for _, r := range st.Reservations {
		if r.Device == prLUN {
			return r, true
		}
	}
	return api.Reservation{}, false
}

// keysAre accepts a status whose view of the LUN lists exactly keys
// (in any order) and, when holder is set, a reservation held by it.
func keysAre(holder string, keys ...string) func(*api.Status) bool {
	return func(st *api.Status) bool {
		r, ok := lunView(st)
		if !ok || len(r.Keys) != len(keys) || (holder != "" && (r.Holder != holder || r.Type != "WERO")) {
			return false
		}
		for _, k := range keys {
			if !slices.Contains(r.Keys, k) {
				return false
			}
		}
		return true
	}
}

func both(a, b func(*api.Status) bool) func(*api.Status) bool {
	return func(st *api.Status) bool { return a(st) && b(st) }
}

// scsiPR: three VMs share a data LUN on tgt; each one's fence method is
// fence_scsi on it. All three register and node1, the master, holds the
// WERO reservation. node2, which runs the writer service, is frozen (QMP
// stop): node1 fences it by preempting its key and starts writer. node2
// is resumed (QMP cont): its O_DIRECT write fails with RESERVATION
// CONFLICT, it finds its key gone and self-fences (its watchdog resets
// it), boots, rejoins, registers again and gets writer back. node3
// leaves (unregistering). Last, node1 itself, the master and holder of
// the reservation, is frozen: node2 fences it and holds the reservation.
func scsiPR(t *testing.T, l *lab) {
	data := filepath.Join(l.dir, "data.img")
	os.Remove(data)
	l.with(t).sh("truncate", "-s", "64M", data)
	l.startTarget(t, data)
	disk := l.newDiskWith(t, "scsipr", label, scsiPRConf())
	names := []string{"node1", "node2", "node3"}
	keys := []string{nodeKey(t, 1), nodeKey(t, 2), nodeKey(t, 3)}
	// node1 first, so that it holds the lease (and the reservation).
	vms, formed := formThree(t, l, func(i int) *vm { return l.boot(t, vmConfig{id: i, disk: disk, lun: targetURI()}) })
	n1, n2 := vms[0], vms[1]
	_, st, err := n1.waitUntil("every key registered, node1's WERO reservation, writer on node2", registerWithin,
		both(keysAre(keys[0], keys...), serviceOn("writer", "node2")))
	if err != nil {
		failWithLogs(t, l, err)
	}
	if st.QuorumDisk.Master != "node1" {
		t.Fatalf("the master is %q, not node1 (booted first); the case relies on it", st.QuorumDisk.Master)
	}
	r, _ := lunView(st)
	result("scsi-3 PR: node1 (master) reads %s keys %s, reservation %s %s, %.1fs after the cluster formed; writer on node2",
		prLUN, strings.Join(r.Keys, " "), r.Type, r.Holder, time.Since(formed).Seconds())
	if err := n2.con.waitFor("write ok", 20*time.Second); err != nil {
		failWithLogs(t, l, fmt.Errorf("node2's writer: %w", err))
	}
	prFenceAndReturn(t, l, n1, n2, names, keys)
	prLeave(t, l, n1, vms[2], keys)
	prFenceMaster(t, l, n1, n2, keys)
}

// prFenceMaster: freeze node1, the master and the reservation's holder;
// node2 takes the lease, fences node1 by preempting its key, and so
// becomes the holder of the WERO reservation itself (SPC-3: preempting
// the holder's key moves the reservation to the preempting initiator).
func prFenceMaster(t *testing.T, l *lab, n1, n2 *vm, keys []string) {
	t0 := time.Now()
	mark := len(n2.con.text())
	if _, err := qmpExec(n1.qmp, "stop"); err != nil {
		t.Fatalf("QMP stop of node1: %v", err)
	}
	_, st, err := n2.waitUntil("node1 fenced, node2 master and holder of the reservation, node2's key alone", evictWithin+serviceWithin,
		both(func(st *api.Status) bool { return successes(st, "node1") > 0 && st.QuorumDisk.Master == "node2" }, keysAre(keys[1], keys[1])))
	if err != nil {
		failWithLogs(t, l, err)
	}
	f, _ := fenced(st, "node1")
	r, _ := lunView(st)
	result("scsi-3 PR fence of the master: QMP stop of node1 (holder of the reservation) -> node2 master, node1 fenced (%s/%s, %d ms; node2: %q) -> node2 reads keys %s, reservation %s %s, %.1fs after the stop",
		f.Method, f.Device, f.DurationMS, confirmation(n2, 1), strings.Join(r.Keys, " "), r.Type, r.Holder, time.Since(t0).Seconds())
	// node2, now the holder, still writes; it printed no change of its
	// writer's result (a failed write would be printed).
	out, err := n2.con.run("uinit pr-write "+prLUN, 20*time.Second)
	if err != nil || !strings.Contains(out, "pr-write "+prLUN+": write ok") {
		t.Errorf("node2's O_DIRECT write after it took the reservation: %v: %q", err, strings.TrimSpace(out))
	}
	for _, ln := range strings.Split(n2.con.text()[mark:], "\n") {
		if strings.Contains(ln, "RESERVATION CONFLICT") {
			t.Errorf("node2 hit a reservation conflict while it took the reservation over: %s", ln)
		}
	}
}

// prLeave: node3's power button makes quorated leave gracefully, which
// unregisters its key.
func prLeave(t *testing.T, l *lab, n1, n3 *vm, keys []string) {
	t0 := time.Now()
	if _, err := qmpExec(n3.qmp, "system_powerdown"); err != nil {
		t.Fatalf("system_powerdown of node3: %v", err)
	}
	_, st, err := n1.waitUntil("node3 gone, its key unregistered", evictWithin, both(keysAre(keys[0], keys[0], keys[1]),
		func(st *api.Status) bool { return memberState(st, "node3") != "online" }))
	if err != nil {
		failWithLogs(t, l, err)
	}
	if !strings.Contains(n3.con.text(), "reservation key unregistered (graceful leave)") {
		t.Error("node3's console lacks its unregistration")
	}
	// Not checked: that nobody fences node3. The brain sometimes counts a
	// slot write issued just before the leave as the leave itself, so the
	// master sees node3 die instead of leave and fences it (which finds
	// its key already gone); that is cluster/'s to fix.
	r, _ := lunView(st)
	result("scsi-3 PR: power button on node3 -> left gracefully, key unregistered; node1 reads keys %s after %.1fs",
		strings.Join(r.Keys, " "), time.Since(t0).Seconds())
}

// prFenceAndReturn: freeze node2, see it fenced by its key and writer
// recovered; resume it, see its write refused, its self-fence and its
// return with a fresh registration.
func prFenceAndReturn(t *testing.T, l *lab, n1, n2 *vm, names, keys []string) {
	t0 := time.Now()
	if _, err := qmpExec(n2.qmp, "stop"); err != nil {
		t.Fatalf("QMP stop of node2: %v", err)
	}
	_, st, err := n1.waitUntil("node2 fenced", evictWithin, func(st *api.Status) bool { return successes(st, "node2") > 0 })
	if err != nil {
		failWithLogs(t, l, err)
	}
	fencedAfter := time.Since(t0)
	f, _ := fenced(st, "node2")
	_, st, err = n1.waitUntil("writer started on node1, node2's key gone", serviceWithin,
		both(serviceOn("writer", "node1"), keysAre("", keys[0], keys[2])))
	if err != nil {
		failWithLogs(t, l, err)
	}
	recovered := time.Since(t0)
	r, _ := lunView(st)
	result("scsi-3 PR fence: QMP stop of node2 (writer's owner) -> fenced by node1 preempting its key after %.1fs (%s/%s, %d ms; node1: %q) -> writer started on node1 after %.1fs; keys now %s",
		fencedAfter.Seconds(), f.Method, f.Device, f.DurationMS, confirmation(n1, 2), recovered.Seconds(), strings.Join(r.Keys, " "))
	text := n1.con.text()
	evicted, ok1 := logTime(text, `msg="evicting node 2`)
	fencedAt, ok2 := logTime(text, `msg="node 2 is fenced`)
	startedAt, ok3 := logTime(text, `msg="service started" node=node1 service=writer gen=`)
	if ok1 && ok2 && ok3 {
		result("scsi-3 PR fence, node1's log: node2 evicted -> fence confirmed %d ms later -> writer started on node1 %d ms after the eviction",
			fencedAt.Sub(evicted).Milliseconds(), startedAt.Sub(evicted).Milliseconds())
	}

	boots := strings.Count(n2.con.text(), "Welcome to u-root")
	mark := len(n2.con.text())
	t1 := time.Now()
	if _, err := qmpExec(n2.qmp, "cont"); err != nil {
		t.Fatalf("QMP cont of node2: %v", err)
	}
	// QMP serves one client at a time: listen only after cont (the
	// watchdog needs 5 s without a pet to fire).
	events, stopEvents, err := qmpListen(n2.qmp)
	if err != nil {
		t.Fatalf("QMP of vm2: %v", err)
	}
	defer stopEvents()
	out, err := n2.con.run("uinit pr-write "+prLUN, 20*time.Second)
	conflict := time.Since(t1)
	line := ""
	for _, ln := range strings.Split(out, "\n") { // the tool's line, not a log line around it
		if i := strings.Index(ln, "pr-write "+prLUN+":"); i >= 0 && !isLogLine(ln) {
			line = ln[i:]
			break
		}
	}
	if err != nil || !strings.Contains(line, "RESERVATION CONFLICT") {
		failWithLogs(t, l, fmt.Errorf("resumed node2's O_DIRECT write to %s: %v: %q (want RESERVATION CONFLICT)", prLUN, err, strings.TrimSpace(out)))
	}
	if err := n2.con.waitFor("FENCED: this node's SCSI reservation key was removed", 20*time.Second); err != nil {
		failWithLogs(t, l, fmt.Errorf("resumed node2 did not notice its key gone: %w", err))
	}
	noticed := time.Since(t1)
	e, err := waitEvent(events, "WATCHDOG", prResetWithin)
	if err != nil {
		failWithLogs(t, l, fmt.Errorf("resumed node2: %w", err))
	}
	reset := e.At.Sub(t1)
	_, st, err = n1.waitUntil("node2 back, registered again, writer back on node2", bootWithin,
		both(both(allOnline(names...), keysAre(keys[0], keys...)), serviceOn("writer", "node2")))
	if err != nil {
		failWithLogs(t, l, err)
	}
	rejoined := time.Since(t1)
	if n := strings.Count(n2.con.text(), "Welcome to u-root"); n <= boots {
		t.Errorf("node2's console shows no second boot after the watchdog reset")
	}
	if err := waitForAfter(n2.con, mark, "[write 1] pr-write "+prLUN+": write ok", 20*time.Second); err != nil {
		t.Errorf("node2's writer after its return: %v", err)
	}
	also := ""
	for _, ln := range strings.Split(n2.con.text()[mark:], "\n") {
		if strings.Contains(ln, "resource=exec:writer") && strings.Contains(ln, "RESERVATION CONFLICT") {
			also = "; its writer service hit it too before quorated stopped it"
			break
		}
	}
	result("scsi-3 PR fence: node2 resumed (QMP cont) -> its console write: %q (%.1fs%s) -> noticed its key gone after %.1fs -> reset by its watchdog after %.1fs (QMP %s) -> rejoined, registered again, writer failed back to it after %.1fs",
		line, conflict.Seconds(), also, noticed.Seconds(), reset.Seconds(), e.Name, rejoined.Seconds())
}

// waitForAfter waits until the console prints s after its first mark
// bytes.
func waitForAfter(c *console, mark int, s string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for !strings.Contains(c.text()[mark:], s) {
		if time.Now().After(deadline) {
			return fmt.Errorf("console did not print %q within %v", s, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// logTime is the time= of the last log line containing marker.
func logTime(text, marker string) (time.Time, bool) {
	i := strings.LastIndex(text, marker)
	if i < 0 {
		return time.Time{}, false
	}
	line := text[strings.LastIndexByte(text[:i], '\n')+1 : i]
	j := strings.Index(line, "time=")
	if j < 0 {
		return time.Time{}, false
	}
	ts, _, _ := strings.Cut(line[j+len("time="):], " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	return t, err == nil
}
