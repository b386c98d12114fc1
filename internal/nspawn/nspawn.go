// Package nspawn boots throwaway systemd containers for the project's
// tests (the recipe of ../shared/recipes/systemd-nspawn): a Debian
// bookworm rootfs built once with debootstrap and cached, booted
// read-only with a volatile overlay, its system bus exposed on the host
// and a host directory seen inside as /run/systemd/system for unit
// files. The systemd agent's tests (svcmgr) and the integration tier's
// systemd services both use it. The work is done by rootfs.sh and
// systemd.sh beside this file.
package nspawn

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Cache is where the rootfs and the containers' state live:
// $QUORATE_TEST_CACHE, or /var/cache/quorate-test.
func Cache() string {
	if d := os.Getenv("QUORATE_TEST_CACHE"); d != "" {
		return d
	}
	return "/var/cache/quorate-test"
}

// Missing names the first command a container needs that is not
// installed, with the package holding it ("" when all are there).
func Missing() string {
	for _, c := range [][2]string{{"systemd-nspawn", "systemd-container"}, {"busctl", "systemd"}} {
		if _, err := exec.LookPath(c[0]); err != nil {
			return fmt.Sprintf("%s not installed (apt-get install -y %s)", c[0], c[1])
		}
	}
	return ""
}

// TB is the part of testing.TB that Need uses.
type TB interface {
	Helper()
	Skip(args ...any)
	Logf(format string, args ...any)
}

// Need skips the test unless containers can be booted here: root, the
// commands, and the rootfs (built now if it is not cached).
func Need(t TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if m := Missing(); m != "" {
		t.Skip(m)
	}
	if built, err := EnsureRootfs(); err != nil {
		t.Skip(err)
	} else if built {
		t.Logf("built the container rootfs in %s", Cache())
	}
}

// dir is the directory of this file, where the scripts are.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// EnsureRootfs builds the cached rootfs unless it is there; built tells
// whether it had to (about a minute, needs debootstrap and the mirror).
func EnsureRootfs() (built bool, err error) {
	if _, err := os.Stat(filepath.Join(Cache(), "rootfs-bookworm", ".ready")); err == nil {
		return false, nil
	}
	cmd := exec.Command(filepath.Join(dir(), "rootfs.sh"))
	cmd.Env = append(os.Environ(), "LAB="+Cache())
	if out, err := cmd.CombinedOutput(); err != nil {
		return true, fmt.Errorf("building the container rootfs: %v: %s", err, Tail(out))
	}
	return true, nil
}

// Container is one systemd container.
type Container struct {
	Name   string
	Bus    string // D-Bus address of its system bus, once booted
	Units  string // host directory seen as /run/systemd/system inside
	Leader int    // host pid of its init, once booted
}

// New describes container name and creates its unit directory, so unit
// files can be put there before it boots.
func New(name string) (*Container, error) {
	c := &Container{Name: name, Units: filepath.Join(Cache(), "sd", name, "units")}
	return c, os.MkdirAll(c.Units, 0o755)
}

// Boot starts the container and waits until its systemd runs.
func (c *Container) Boot() error {
	out, err := c.script("start")
	if err != nil {
		c.script("stop")
		return fmt.Errorf("cannot boot systemd container %s: %v: %s", c.Name, err, Tail(out))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	c.Bus = lines[len(lines)-1]
	data, _ := os.ReadFile(filepath.Join(Cache(), "sd", c.Name, "leader.pid"))
	c.Leader, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	if !strings.HasPrefix(c.Bus, "unix:path=") || c.Leader <= 0 {
		c.script("stop")
		return fmt.Errorf("container %s did not come up: %s", c.Name, Tail(out))
	}
	return nil
}

// Stop powers the container off and removes its state.
func (c *Container) Stop() error {
	out, err := c.script("stop")
	os.RemoveAll(filepath.Join(Cache(), "sd", c.Name))
	if err != nil {
		return fmt.Errorf("stopping container %s: %v: %s", c.Name, err, Tail(out))
	}
	return nil
}

func (c *Container) script(action string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(dir(), "systemd.sh"), action, c.Name)
	cmd.Env = append(os.Environ(), "LAB="+Cache())
	return cmd.CombinedOutput()
}

// HostPid maps a pid inside the container to the host's.
func (c *Container) HostPid(inner uint32) (int, error) {
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.Leader))
	if err != nil {
		return 0, err
	}
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
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "NSpid:" && f[len(f)-1] == strconv.FormatUint(uint64(inner), 10) {
				return pid, nil
			}
		}
	}
	return 0, errors.New("no host pid for pid " + strconv.FormatUint(uint64(inner), 10) + " of container " + c.Name)
}

// Tail is the end of a command's output, for error messages.
func Tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
