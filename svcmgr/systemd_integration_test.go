//go:build integration

package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"golang.org/x/sys/unix"
)

// rootfsCache is where the container's Debian rootfs is built once
// (QUORATE_TEST_CACHE overrides it).
func rootfsCache() string {
	if d := os.Getenv("QUORATE_TEST_CACHE"); d != "" {
		return d
	}
	return "/var/cache/quorate-test"
}

// container is a throwaway systemd container (testdata/nspawn, from
// ../shared/recipes/systemd-nspawn) with its system bus exposed.
type container struct {
	name, lab, bus string
	units          string // host directory seen as /run/systemd/system inside
	leader         int    // host pid of the container's init
}

func bootContainer(t *testing.T) *container {
	needRoot(t)
	needCmd(t, "systemd-container", "systemd-nspawn")
	needCmd(t, "systemd", "busctl")
	c := &container{name: fmt.Sprintf("qsvc-%d", os.Getpid()), lab: rootfsCache()}
	if _, err := os.Stat(filepath.Join(c.lab, "rootfs-bookworm", ".ready")); err != nil {
		needCmd(t, "debootstrap", "debootstrap")
		t.Logf("building the container rootfs in %s (once, about a minute)", c.lab)
		cmd := exec.Command(abs(t, "testdata/nspawn/rootfs.sh"))
		cmd.Env = append(os.Environ(), "LAB="+c.lab)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("cannot build the container rootfs: %v: %s", err, tailOf(out))
		}
	}
	began := time.Now()
	out, err := c.script("start")
	if err != nil {
		c.script("stop")
		t.Skipf("cannot boot a systemd container: %v: %s", err, tailOf(out))
	}
	t.Cleanup(func() {
		if out, err := c.script("stop"); err != nil {
			t.Errorf("stopping container %s: %v: %s", c.name, err, out)
		}
		os.RemoveAll(filepath.Join(c.lab, "sd", c.name))
	})
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	c.bus = lines[len(lines)-1]
	c.units = filepath.Join(c.lab, "sd", c.name, "units")
	data, _ := os.ReadFile(filepath.Join(c.lab, "sd", c.name, "leader.pid"))
	c.leader, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	if !strings.HasPrefix(c.bus, "unix:path=") || c.leader <= 0 {
		t.Skipf("container did not come up: %s", out)
	}
	t.Logf("container %s booted in %v, bus %s", c.name, time.Since(began), c.bus)
	return c
}

func (c *container) script(action string) ([]byte, error) {
	cmd := exec.Command("testdata/nspawn/systemd.sh", action, c.name)
	cmd.Env = append(os.Environ(), "LAB="+c.lab)
	return cmd.CombinedOutput()
}

func tailOf(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}

// unit writes a unit file and reloads systemd.
func (c *container) unit(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.units, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := sddbus.NewConnection(BusAt(c.bus))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.ReloadContext(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// hostPid finds the host pid of the container's pid inner.
func (c *container) hostPid(t *testing.T, inner uint32) int {
	t.Helper()
	want, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.leader))
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); ns != want {
			continue
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "NSpid:" && f[len(f)-1] == strconv.Itoa(int(inner)) {
				return pid
			}
		}
	}
	t.Fatalf("no host pid for container pid %d", inner)
	return 0
}

func TestSystemdIntegration(t *testing.T) {
	c := bootContainer(t)
	began := time.Now()
	c.unit(t, "quorate-test.service", "[Service]\nExecStart=/bin/sleep infinity\n")
	c.unit(t, "quorate-broken.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n")
	l := newLab(t)
	env := l.env()
	env.SystemdBus = BusAt(c.bus)

	t.Run("start-kill-stop", func(t *testing.T) {
		tr := l.tree(`<service name="app"><systemd name="app" unit="quorate-test.service"/></service>`, env)
		if err := tr.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if st, list := tr.Status(ctx); st != Running {
			t.Fatalf("Status = %v %+v", st, list)
		}
		conn, err := sddbus.NewConnection(BusAt(c.bus))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		p, err := conn.GetServicePropertyContext(ctx, "quorate-test.service", "MainPID")
		if err != nil {
			t.Fatal(err)
		}
		host := c.hostPid(t, p.Value.Value().(uint32))
		killed := time.Now()
		if err := unix.Kill(host, unix.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-tr.Watch():
			d := time.Since(killed)
			t.Logf("unit failure pushed %v after SIGKILL: %s", d, ev.Reason)
			if d > 100*time.Millisecond {
				t.Errorf("failure noticed after %v; want within 100ms", d)
			}
			if ev.Resource != "systemd:app" || ev.State != Failed || !strings.Contains(ev.Reason, "became failed") {
				t.Errorf("event = %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s of SIGKILL")
		}
		if st, list := tr.Status(ctx); st != Failed || !strings.Contains(list[0].Reason, "Result=signal") {
			t.Errorf("Status after the kill = %v %+v", st, list)
		}
		// Recovery in place: stop and start again.
		if err := tr.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tr.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if st, _ := tr.Status(ctx); st != Running {
			t.Errorf("Status after restart = %v", st)
		}
		if err := tr.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if st, _ := tr.Status(ctx); st != Stopped {
			t.Errorf("Status after Stop = %v", st)
		}
		select {
		case ev := <-tr.Watch():
			t.Errorf("Stop produced an event: %+v", ev)
		default:
		}
	})

	t.Run("missing-unit", func(t *testing.T) {
		tr := l.tree(`<service name="app"><systemd unit="quorate-nonexistent.service"/></service>`, env)
		err := tr.Start(ctx)
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "unit quorate-nonexistent.service does not exist on this node") {
			t.Errorf("Start = %v", err)
		}
	})

	t.Run("failing-unit", func(t *testing.T) {
		tr := l.tree(`<service name="app"><systemd unit="quorate-broken.service"/></service>`, env)
		err := tr.Start(ctx)
		if err == nil || !strings.Contains(err.Error(), `start job for quorate-broken.service ended "failed"`) || !strings.Contains(err.Error(), "Result=exit-code") {
			t.Errorf("Start = %v", err)
		}
	})
	t.Logf("systemd integration (container up) took %v", time.Since(began))
}
