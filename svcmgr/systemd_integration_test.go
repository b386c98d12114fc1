//go:build integration

package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/internal/nspawn"
)

// container is a throwaway systemd container (internal/nspawn) with
// its system bus exposed.
type container struct{ *nspawn.Container }

func bootContainer(t *testing.T) *container {
	t.Helper()
	nspawn.Need(t)
	began := time.Now()
	nc, err := nspawn.New(fmt.Sprintf("qsvc-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Boot(); err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() {
		if err := nc.Stop(); err != nil {
			t.Error(err)
		}
	})
	t.Logf("container %s booted in %v, bus %s", nc.Name, time.Since(began), nc.Bus)
	return &container{nc}
}

// unit writes a unit file and reloads systemd.
func (c *container) unit(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.Units, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := sddbus.NewConnection(BusAt(c.Bus))
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
	pid, err := c.HostPid(inner)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestSystemdIntegration(t *testing.T) {
	c := bootContainer(t)
	began := time.Now()
	c.unit(t, "quorate-test.service", "[Service]\nExecStart=/bin/sleep infinity\n")
	c.unit(t, "quorate-broken.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n")
	l := newLab(t)
	env := l.env()
	env.SystemdBus = BusAt(c.Bus)

	t.Run("start-kill-stop", func(t *testing.T) {
		tr := l.tree(`<service name="app"><systemd name="app" unit="quorate-test.service"/></service>`, env)
		if err := tr.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if st, list := tr.Status(ctx); st != Running {
			t.Fatalf("Status = %v %+v", st, list)
		}
		conn, err := sddbus.NewConnection(BusAt(c.Bus))
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
