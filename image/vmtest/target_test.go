//go:build vmtest

package vmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/quorate/quorate/image/vmtest/labnet"
)

// The lab's iSCSI target: tgtd in the lab namespace (SCSI-3 persistent
// reservations work with tgt, see shared/recipes/san-tgt), with its own
// control port so it never talks to another tgtd on the host.
const (
	targetIQN  = "iqn.2026-11.test.quorate:qdisk"
	tgtControl = 17
)

// targetURI is the LUN's URI as the guest and qemu take it.
func targetURI() string {
	return fmt.Sprintf("iscsi://%s:3260/%s/1", labnet.ServerAddr, targetIQN)
}

func tgtadm(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", netns, "tgtadm", "-C", strconv.Itoa(tgtControl)}, args...)...)
}

// startTarget exports lun (a file seeded with mkqdisk) as LUN 1 of
// targetIQN on 10.77.0.1:3260, or skips the test when tgtd is missing.
func (l *lab) startTarget(t *testing.T, lun string) {
	t.Helper()
	if _, err := exec.LookPath("tgtd"); err != nil {
		t.Skip("iSCSI cases skipped: tgtd not installed (apt-get install -y tgt)")
	}
	l = l.with(t)
	os.MkdirAll("/var/run/tgtd", 0o755)
	p := l.spawn("tgtd", "ip", "netns", "exec", netns, "tgtd", "-f", "-C", strconv.Itoa(tgtControl),
		"--iscsi", "portal="+labnet.ServerAddr.String()+":3260")
	t.Cleanup(func() {
		tgtadm("--op", "delete", "--mode", "system").Run() // tgtd ignores SIGTERM
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			p.kill()
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for tgtadm("--lld", "iscsi", "--op", "show", "--mode", "target").Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("tgtd did not come up; see %s", filepath.Join(l.dir, "tgtd.out"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, args := range [][]string{
		{"--lld", "iscsi", "--op", "new", "--mode", "target", "--tid", "1", "-T", targetIQN},
		{"--lld", "iscsi", "--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", lun},
		{"--lld", "iscsi", "--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL"},
	} {
		if b, err := tgtadm(args...).CombinedOutput(); err != nil {
			t.Fatalf("tgtadm %v: %v\n%s", args, err, b)
		}
	}
}
