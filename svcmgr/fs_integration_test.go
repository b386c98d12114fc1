//go:build integration

package svcmgr

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopExt4 makes a 32 MiB ext4 filesystem on a loop device, detached at
// the end of the test.
func loopExt4(t *testing.T) string {
	needRoot(t)
	needCmd(t, "util-linux e2fsprogs", "losetup", "mkfs.ext4", "mount", "fsck")
	img := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 32<<20); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("cannot attach a loop device: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "--detach", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup --detach %s: %v: %s", dev, err, out)
		}
	})
	sh(t, "mkfs.ext4", "-q", "-F", dev)
	return dev
}

// unmountAtEnd makes sure nothing stays mounted on mp.
func unmountAtEnd(t *testing.T, mp string) {
	t.Cleanup(func() {
		for unix.Unmount(mp, unix.MNT_DETACH) == nil {
		}
	})
}

func TestFSIntegration(t *testing.T) {
	began := time.Now()
	dev := loopExt4(t)
	l := newLab(t)
	mp := filepath.Join(l.dir, "mnt", "data") // created by Start
	unmountAtEnd(t, mp)
	tr := l.tree(fmt.Sprintf(`<service name="db">
  <fs name="data" device="%s" mountpoint="%s" fstype="ext4" options="noatime" force_fsck="1" force_unmount="1"/>
</service>`, dev, mp), l.env())

	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	m := mounted(t, mp)
	if m == nil || m.FSType != "ext4" || !strings.Contains(m.Options, "noatime") {
		t.Fatalf("after Start: mount %+v; want ext4 with noatime on %s", m, mp)
	}
	if st, list := tr.Status(ctx); st != Running {
		t.Fatalf("Status = %v %+v", st, list)
	}
	if err := tr.Start(ctx); err != nil { // idempotent
		t.Errorf("second Start = %v", err)
	}

	// A process working inside keeps it busy; force_unmount kills it.
	user := exec.Command("sleep", "1000")
	user.Dir = mp
	if err := user.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- user.Wait() }()
	if err := tr.Stop(ctx); err != nil {
		t.Fatalf("Stop with a busy mount = %v", err)
	}
	select {
	case err := <-exited:
		t.Logf("user of the mount ended: %v", err)
	case <-time.After(2 * time.Second):
		t.Error("the process using the mount survived Stop")
	}
	if m := mounted(t, mp); m != nil {
		t.Errorf("still mounted after Stop: %+v", m)
	}
	if st, _ := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after Stop = %v", st)
	}
	t.Logf("fs integration took %v", time.Since(began))
}

func TestFSIntegrationBusyWithoutForce(t *testing.T) {
	dev := loopExt4(t)
	l := newLab(t)
	mp := filepath.Join(l.dir, "mnt")
	unmountAtEnd(t, mp)
	tr := l.tree(fmt.Sprintf(`<service name="db"><fs name="data" device="%s" mountpoint="%s"/></service>`, dev, mp), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(mp, "open-file"))
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), "is busy; stop the processes using it (fuser -vm "+mp+") or set force_unmount=\"1\"") {
		t.Errorf("Stop of a busy mount = %v", err)
	}
	f.Close()
	if err := tr.Stop(ctx); err != nil {
		t.Errorf("Stop once idle = %v", err)
	}
}

func TestFSIntegrationForeignMount(t *testing.T) {
	dev := loopExt4(t)
	l := newLab(t)
	mp := filepath.Join(l.dir, "mnt")
	if err := os.MkdirAll(mp, 0o755); err != nil {
		t.Fatal(err)
	}
	unmountAtEnd(t, mp)
	if err := unix.Mount("quorate-tmpfs", mp, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	tr := l.tree(fmt.Sprintf(`<service name="db"><fs name="data" device="%s" mountpoint="%s"/></service>`, dev, mp), l.env())
	if err := tr.Start(ctx); err == nil || !strings.Contains(err.Error(), "quorate-tmpfs is already mounted on "+mp) {
		t.Errorf("Start over a foreign mount = %v", err)
	}
	if st, list := tr.Status(ctx); st != Failed || !strings.Contains(list[0].Reason, "quorate-tmpfs is mounted on") {
		t.Errorf("Status = %v %+v", st, list)
	}
	if err := tr.Stop(ctx); err != nil {
		t.Errorf("Stop must leave the foreign mount alone and succeed: %v", err)
	}
	if m := mounted(t, mp); m == nil || m.Source != "quorate-tmpfs" {
		t.Errorf("foreign mount touched: %+v", m)
	}
}

func TestFSIntegrationMissingDevice(t *testing.T) {
	needRoot(t)
	l := newLab(t)
	tr := l.tree(`<service name="db"><fs name="data" device="/dev/quorate-no-such-disk" mountpoint="/mnt/x"/></service>`, l.env())
	err := tr.Start(ctx)
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "attach the storage to this node or fix device=") {
		t.Errorf("Start = %v", err)
	}
}

func mounted(t *testing.T, mp string) *mountEntry {
	t.Helper()
	list, err := readMounts()
	if err != nil {
		t.Fatal(err)
	}
	return mountAt(list, mp)
}

// The deeper fs checks on a real mount: depth 20 writes and removes a
// test file; a filesystem that turned read-only under the service fails
// it, while an fs mounted ro on purpose passes (the write is skipped).
func TestFSIntegrationDeepChecks(t *testing.T) {
	dev := loopExt4(t)
	l := newLab(t)
	mp := filepath.Join(l.dir, "mnt", "deep")
	unmountAtEnd(t, mp)
	clk, env := l.clocked()
	tr := l.tree(fmt.Sprintf(`<service name="db">
  <fs name="data" device="%s" mountpoint="%s" fstype="ext4">
    <action name="status" depth="20" interval="60"/>
  </fs>
</service>`, dev, mp), env)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if st, list, ran := tr.Poll(ctx); st != Running || ran != 1 {
		t.Fatalf("depth-20 poll: %v, %d checked: %+v", st, ran, list)
	}
	if left, _ := filepath.Glob(filepath.Join(mp, ".quorate-check-*")); len(left) != 0 {
		t.Errorf("the write check left %v behind", left)
	}
	// The filesystem goes read-only (as ext4 does on an I/O error).
	if err := unix.Mount("", mp, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	st, list, _ := tr.Poll(ctx)
	if st != Failed || len(list) != 1 || !strings.Contains(list[0].Reason, "writing a test file") {
		t.Fatalf("poll of a filesystem gone read-only: %v %+v; want failed, naming the write check", st, list)
	}
	t.Logf("read-only filesystem: %s", list[0].Reason)
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	ro := l.tree(fmt.Sprintf(`<service name="ro">
  <fs name="data" device="%s" mountpoint="%s" fstype="ext4" options="ro">
    <action name="status" depth="*" interval="60"/>
    <action name="status" depth="20" interval="60"/>
  </fs>
</service>`, dev, mp), env)
	if err := ro.Start(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if st, list, _ := ro.Poll(ctx); st != Running {
		t.Errorf("depth-20 poll of an fs mounted ro on purpose: %v %+v; want running (no write test)", st, list)
	}
	if err := ro.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
