//go:build integration

package svcmgr

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// needRoot skips the test unless it runs as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// needCmd skips the test when a program is missing; pkg says which
// Debian package brings it.
func needCmd(t *testing.T, pkg string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (apt-get install -y %s)", n, pkg)
		}
	}
}

// sh runs a command and fails the test when it fails.
func sh(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newNetns creates a network namespace that the test deletes at the end.
func newNetns(t *testing.T, prefix string) string {
	t.Helper()
	needCmd(t, "iproute2", "ip")
	name := fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), time.Now().UnixNano()%100000)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	sh(t, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// inNetns runs fn on a goroutine whose OS thread has entered network
// namespace name. The thread is never returned to the runtime: it ends
// with the goroutine. fn reports problems with t.Error, not t.Fatal.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked
		ns, err := netns.GetFromName(name)
		if err != nil {
			t.Errorf("opening netns %s: %v", name, err)
			return
		}
		defer ns.Close()
		if err := netns.Set(ns); err != nil {
			t.Errorf("entering netns %s: %v", name, err)
			return
		}
		fn()
	}()
	<-done
}
