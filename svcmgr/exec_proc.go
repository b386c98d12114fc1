package svcmgr

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// proc is a supervised program: a child of ours (waited for) or one
// adopted from a pid file (watched through a pidfd).
type proc struct {
	pid      int
	pgid     int           // its process group, 0 when it leads none
	done     chan struct{} // closed when the process has ended
	end      string        // how it ended; written before done closes
	stopping atomic.Bool   // Stop is ending it: not a failure
	onExit   func(*proc)   // called once, after done closes
	wait     func() string // blocks until the process ends; returns how
	cancel   func()        // stops watching (adopted only)
	once     sync.Once
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) how() string {
	if p.exited() {
		return p.end
	}
	return "is running"
}

// watch waits for the process and reports its end.
func (p *proc) watch() {
	p.end = p.wait()
	close(p.done)
	if p.onExit != nil {
		p.onExit(p)
	}
}

// signal sends sig to the program's process group (also after the
// program itself has ended), or to the process alone when it leads no
// group.
func (p *proc) signal(sig unix.Signal) {
	if p.pgid > 0 {
		_ = unix.Kill(-p.pgid, sig)
		return
	}
	if !p.exited() {
		_ = unix.Kill(p.pid, sig)
	}
}

// waitFor waits up to d for the end; false if it did not come.
func (p *proc) waitFor(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(max(d, 0))
	defer tm.Stop()
	select {
	case <-p.done:
		return true
	case <-tm.C:
	case <-ctx.Done():
	}
	return p.exited()
}

func (p *proc) release() {
	if p.cancel != nil {
		p.once.Do(p.cancel)
	}
}

// spawn starts the program in a new process group; its output is logged
// line by line.
func (a *execAgent) spawn() (*proc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer w.Close()
	cmd := exec.Command(a.argv[0], a.argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = "/", w, w
	cmd.Env = append(os.Environ(), "QUORATE_SERVICE="+a.env.ServiceName, "QUORATE_RESOURCE="+a.name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if a.user != "" {
		c, err := lookupCred(a.user)
		if err != nil {
			r.Close()
			return nil, err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.uid, Gid: c.gid, Groups: c.groups}
	}
	if err := cmd.Start(); err != nil {
		r.Close()
		return nil, fmt.Errorf("starting %s: %w", a.argv[0], err)
	}
	go logLines(a.env.log(), r)
	p := &proc{pid: cmd.Process.Pid, pgid: cmd.Process.Pid, done: make(chan struct{}), onExit: a.exited}
	p.wait = func() string { return describeExit(cmd.Wait()) }
	go p.watch()
	return p, nil
}

// describeExit says how a child ended, from cmd.Wait's error.
func describeExit(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "was killed by " + unix.SignalName(ws.Signal())
		}
		return fmt.Sprintf("exited with status %d", ee.ExitCode())
	}
	if err != nil {
		return "ended: " + err.Error()
	}
	return "exited with status 0"
}

// logLines logs the program's output, one record per line.
func logLines(log interface{ Info(string, ...any) }, r *os.File) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, _, err := br.ReadLine() // long lines arrive in pieces
		if len(line) > 0 {
			log.Info("output", "line", string(line))
		}
		if err != nil {
			return
		}
	}
}

// adopt returns the process recorded in pidfile when it is alive and
// runs argv, watched through a pidfd; otherwise nil.
func adopt(pidfile string, argv []string) *proc {
	data, err := os.ReadFile(pidfile)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 || !sameCommand(pid, argv) {
		return nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil
	}
	stop, wake, err := os.Pipe()
	if err != nil {
		unix.Close(fd)
		return nil
	}
	p := &proc{pid: pid, done: make(chan struct{})}
	if pg, err := unix.Getpgid(pid); err == nil && pg == pid {
		p.pgid = pid
	}
	p.cancel = func() { wake.Close() }
	p.wait = func() string { return pollExit(fd, stop) }
	return p
}

// pollExit waits until pidfd fd is readable (the process ended) or
// stop's writer closes; it closes both.
func pollExit(fd int, stop *os.File) string {
	defer unix.Close(fd)
	defer stop.Close()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(stop.Fd()), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if fds[0].Revents != 0 {
			return "exited (adopted process; status unknown)"
		}
		return "is no longer watched"
	}
}

// sameCommand reports whether process pid runs argv (possibly behind
// the interpreter of a #! script, at most two words) and is not a zombie.
func sameCommand(pid int, argv []string) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(raw) == 0 {
		return false
	}
	got := strings.Split(string(bytes.TrimSuffix(raw, []byte{0})), "\x00")
	extra := len(got) - len(argv)
	if extra < 0 || extra > 2 || !slices.Equal(got[extra:], argv) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

func writePidfile(path string, pid int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removePidfile removes path if it still records pid.
func removePidfile(path string, pid int) {
	data, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(pid) {
		os.Remove(path)
	}
}

// userCred is what setuid needs.
type userCred struct {
	uid, gid uint32
	groups   []uint32
}

func credOf(u *user.User) (*userCred, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, notInstalledErr(fmt.Sprintf("user %q has a non-numeric uid or gid", u.Username), "fix the user database")
	}
	c := &userCred{uid: uint32(uid), gid: uint32(gid)}
	ids, _ := u.GroupIds()
	for _, s := range ids {
		if g, err := strconv.ParseUint(s, 10, 32); err == nil {
			c.groups = append(c.groups, uint32(g))
		}
	}
	return c, nil
}
