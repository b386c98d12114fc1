package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/conf"
)

// fsAgent mounts a filesystem.
type fsAgent struct {
	env                  Env
	device, mountpoint   string
	fstype, options      string
	forceUnmount, doFsck bool
}

func newFS(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	a := &fsAgent{env: env, fstype: p.first("fstype"), options: p.first("options")}
	var errs [4]error
	a.device, errs[0] = p.required("device", "/dev/vg0/data")
	a.mountpoint, errs[1] = p.required("mountpoint", "/srv/data")
	a.forceUnmount, errs[2] = p.boolean("force_unmount", false)
	a.doFsck, errs[3] = p.boolean("force_fsck", false)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	a.mountpoint = filepath.Clean(a.mountpoint)
	if !filepath.IsAbs(a.mountpoint) || a.mountpoint == "/" {
		return nil, configErr(fmt.Sprintf("mountpoint %q is not an absolute path other than /", a.mountpoint), `write mountpoint="/srv/data"`)
	}
	return a, nil
}

// Validate checks the mount program and, for a device path, LABEL= or
// UUID=, that the device is there.
func (a *fsAgent) Validate() error {
	if _, err := exec.LookPath("mount"); err != nil {
		return notInstalledErr("mount(8) is not installed", "install util-linux")
	}
	if a.doFsck {
		if _, err := exec.LookPath("fsck"); err != nil {
			return notInstalledErr("fsck(8) is not installed but force_fsck is set", "install util-linux and e2fsprogs, or remove force_fsck")
		}
	}
	if path := a.devicePath(); path != "" {
		if _, err := os.Stat(path); err != nil {
			return notInstalledErr(fmt.Sprintf("device %s is not present on this node (%v)", a.device, err), "attach the storage to this node or fix device=")
		}
	}
	return nil
}

// devicePath is the device node for a path, LABEL= or UUID= device;
// empty for other sources (nfs host:/export, tmpfs…).
func (a *fsAgent) devicePath() string {
	switch {
	case strings.HasPrefix(a.device, "/"):
		return a.device
	case strings.HasPrefix(a.device, "LABEL="):
		return "/dev/disk/by-label/" + strings.TrimPrefix(a.device, "LABEL=")
	case strings.HasPrefix(a.device, "UUID="):
		return "/dev/disk/by-uuid/" + strings.ToLower(strings.TrimPrefix(a.device, "UUID="))
	}
	return ""
}

// ours reports whether mount m is of our device.
func (a *fsAgent) ours(m *mountEntry) bool {
	if path := a.devicePath(); path != "" {
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFBLK &&
			unix.Major(st.Rdev) == m.Major && unix.Minor(st.Rdev) == m.Minor {
			return true
		}
		if r1, err := filepath.EvalSymlinks(path); err == nil {
			r2, _ := filepath.EvalSymlinks(m.Source)
			return r1 == m.Source || r1 == r2
		}
	}
	return m.Source == a.device
}

// current returns the mount on our mount point, or nil.
func (a *fsAgent) current() (*mountEntry, error) {
	list, err := readMounts()
	if err != nil {
		return nil, err
	}
	return mountAt(list, a.mountpoint), nil
}

// Start mounts the device (after fsck -p when force_fsck is set),
// creating the mount point if needed. Already mounted there: success.
func (a *fsAgent) Start(ctx context.Context) error {
	m, err := a.current()
	if err != nil {
		return err
	}
	if m != nil {
		if a.ours(m) {
			return nil
		}
		return fmt.Errorf("%s is already mounted on %s; unmount it or choose another mountpoint", m.Source, a.mountpoint)
	}
	if err := os.MkdirAll(a.mountpoint, 0o755); err != nil {
		return fmt.Errorf("creating mountpoint: %w", err)
	}
	if a.doFsck {
		if err := a.fsck(ctx); err != nil {
			return err
		}
	}
	args := []string{"mount"}
	if a.fstype != "" {
		args = append(args, "-t", a.fstype)
	}
	if a.options != "" {
		args = append(args, "-o", a.options)
	}
	args = append(args, a.device, a.mountpoint)
	code, out, err := run(ctx, args, os.Environ())
	if err == nil && code != 0 {
		err = &ExitError{Cmd: strings.Join(args, " "), Code: code, Output: out}
	}
	return err
}

// fsck runs fsck -p: exit codes 0–3 mean clean or repaired.
func (a *fsAgent) fsck(ctx context.Context) error {
	args := []string{"fsck", "-p"}
	if a.fstype != "" {
		args = append(args, "-t", a.fstype)
	}
	args = append(args, a.device)
	code, out, err := run(ctx, args, os.Environ())
	if err == nil && code >= 4 {
		err = &ExitError{Cmd: strings.Join(args, " "), Code: code, Meaning: "errors left uncorrected; repair the filesystem by hand", Output: out}
	}
	return err
}

// unmountTries bounds Stop's attempts; users are sent SIGTERM on the
// first busy attempt and SIGKILL on the later ones.
const unmountTries = 5

// Stop unmounts. When the filesystem is busy and force_unmount is set,
// it kills the processes using it and tries again.
func (a *fsAgent) Stop(ctx context.Context) error {
	for try := 0; ; try++ {
		m, err := a.current()
		if err != nil || m == nil || !a.ours(m) {
			return err // not mounted (any more), or not ours
		}
		err = unix.Unmount(a.mountpoint, 0)
		switch {
		case err == nil:
			continue // another mount may lie beneath
		case errors.Is(err, unix.EINVAL):
			return nil
		case !errors.Is(err, unix.EBUSY):
			return fmt.Errorf("unmounting %s: %w", a.mountpoint, err)
		case !a.forceUnmount:
			return fmt.Errorf("%s is busy; stop the processes using it (fuser -vm %s) or set force_unmount=\"1\"", a.mountpoint, a.mountpoint)
		case try >= unmountTries:
			return fmt.Errorf("%s is still busy after killing its users %d times; see fuser -vm %s", a.mountpoint, try, a.mountpoint)
		}
		a.killUsers(m, try)
		if err := sleepCtx(ctx, time.Duration(try+1)*200*time.Millisecond); err != nil {
			return fmt.Errorf("%w: %s is busy", ErrTimeout, a.mountpoint)
		}
	}
}

func (a *fsAgent) killUsers(m *mountEntry, try int) {
	sig := unix.SIGTERM
	if try > 0 {
		sig = unix.SIGKILL
	}
	n := killUsers(m.Major, m.Minor, sig)
	a.env.log().Warn("killed processes using the filesystem", "mountpoint", a.mountpoint, "signal", unix.SignalName(sig), "count", n)
}

// Status: Running when our device is mounted on the mount point and the
// mount point answers stat in time, Stopped when nothing is mounted
// there, Failed otherwise.
func (a *fsAgent) Status(ctx context.Context) (State, error) {
	m, err := a.current()
	switch {
	case err != nil:
		return Failed, err
	case m == nil:
		return Stopped, nil
	case !a.ours(m):
		return Failed, fmt.Errorf("%s is mounted on %s instead of %s", m.Source, a.mountpoint, a.device)
	}
	err = a.probe(ctx, "stat", func() error {
		if _, err := os.Stat(a.mountpoint); err != nil {
			return fmt.Errorf("mountpoint does not answer: %w", err)
		}
		return nil
	})
	return stateOf(err), err
}

// StatusDepth adds rgmanager's deeper fs checks to Status: at depth 10
// the mount point's directory is read, at depth 20 a file is written,
// synced and removed in it (skipped on a read-only mount).
func (a *fsAgent) StatusDepth(ctx context.Context, depth int) (State, error) {
	st, err := a.Status(ctx)
	if err != nil || st != Running || depth < 10 {
		return st, err
	}
	err = a.probe(ctx, "read", func() error {
		f, err := os.Open(a.mountpoint)
		if err == nil {
			_, err = f.Readdirnames(1)
			f.Close()
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading %s: %w", a.mountpoint, err)
		}
		return nil
	})
	if err != nil || depth < 20 || a.readOnly() {
		return stateOf(err), err
	}
	err = a.probe(ctx, "write", func() error {
		path := filepath.Join(a.mountpoint, fmt.Sprintf(".quorate-check-%d", os.Getpid()))
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err == nil {
			_, err = f.WriteString("quorate status check\n")
			err = errors.Join(err, f.Sync(), f.Close(), os.Remove(path))
		}
		if err != nil {
			return fmt.Errorf("writing a test file in %s: %w", a.mountpoint, err)
		}
		return nil
	})
	return stateOf(err), err
}

// probe runs f on its own goroutine and gives up when ctx ends (a hung
// NFS or SAN mount blocks the call forever).
func (a *fsAgent) probe(ctx context.Context, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: %s of %s hangs", ErrTimeout, what, a.mountpoint)
	}
}

func stateOf(err error) State {
	if err != nil {
		return Failed
	}
	return Running
}

// readOnly reports whether the mount options say ro.
func (a *fsAgent) readOnly() bool {
	return slices.Contains(strings.Split(a.options, ","), "ro")
}
