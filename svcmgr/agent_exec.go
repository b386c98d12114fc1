package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/conf"
)

// execAgent runs a program itself, in its own process group, and
// watches it.
type execAgent struct {
	env          Env
	name         string
	argv         []string
	user         string
	pidfile      string
	restartDelay time.Duration
	grace        time.Duration

	mu        sync.Mutex
	cur       *proc        // the program, live or exited; nil after Stop
	lastCrash atomic.Int64 // unix nanoseconds of the last unexpected exit
}

const defaultStopGrace = 10 * time.Second

func newExec(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	a := &execAgent{env: env, name: orDefault(p["name"], "exec"), user: strings.TrimSpace(p["user"])}
	cmdline, err := p.required("command", "/usr/local/bin/mydaemon --foreground")
	if err != nil {
		return nil, err
	}
	if a.argv, err = Split(cmdline); err != nil || len(a.argv) == 0 {
		return nil, configErr(fmt.Sprintf("command=%q cannot be split into words (%v)", cmdline, orNone(err)),
			`close every quote, escape a trailing backslash, and name a program: command="/path/prog 'arg with spaces'"`)
	}
	var errs [2]error
	a.restartDelay, errs[0] = p.seconds("restart_delay", 0)
	a.grace, errs[1] = p.seconds("stop_grace", defaultStopGrace)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	a.pidfile = p.first("pidfile")
	if a.pidfile == "" {
		a.pidfile = filepath.Join(env.StateDir, fileSafe(env.ServiceName), "exec-"+fileSafe(a.name)+".pid")
	} else if !filepath.IsAbs(a.pidfile) {
		return nil, configErr(fmt.Sprintf("pidfile %q is not an absolute path", a.pidfile), `write pidfile="/run/NAME.pid"`)
	}
	return a, nil
}

func orNone(err error) error {
	if err == nil {
		return errors.New("no words")
	}
	return err
}

// fileSafe makes s usable as one path element.
func fileSafe(s string) string {
	if s == "" {
		return "_"
	}
	return strings.NewReplacer("/", "_", "\x00", "_").Replace(s)
}

func (a *execAgent) Validate() error {
	if err := a.checkProgram(); err != nil {
		return err
	}
	if a.user != "" {
		if _, err := lookupCred(a.user); err != nil {
			return err
		}
	}
	return nil
}

func (a *execAgent) checkProgram() error {
	prog := a.argv[0]
	if strings.Contains(prog, "/") {
		return checkExecutable(prog, "program", "install it or fix command=")
	}
	if _, err := exec.LookPath(prog); err != nil {
		return notInstalledErr(fmt.Sprintf("program %q is not found in PATH", prog), "install it or give its full path in command=")
	}
	return nil
}

// Start starts the program unless it runs already (also after a daemon
// restart: a live process recorded in the pid file with the same
// command line is adopted). After an unexpected exit it first waits
// until restart_delay has passed since that exit.
func (a *execAgent) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.live() != nil {
		return nil
	}
	if wait := a.restartDelay - time.Since(time.Unix(0, a.lastCrash.Load())); wait > 0 {
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("%w waiting restart_delay: %w", ErrTimeout, err)
		}
	}
	p, err := a.spawn()
	if err != nil {
		return err
	}
	a.cur = p
	if err := writePidfile(a.pidfile, p.pid); err != nil {
		a.env.log().Warn("cannot record pid", "pidfile", a.pidfile, "reason", err)
	}
	return nil
}

// live returns the running program, adopting it from the pid file when
// this agent did not start it, or nil.
func (a *execAgent) live() *proc {
	if a.cur != nil && !a.cur.exited() {
		return a.cur
	}
	if p := adopt(a.pidfile, a.argv); p != nil {
		a.cur = p
		p.onExit = a.exited
		go p.watch()
		return p
	}
	return nil
}

// exited is called once when p ends.
func (a *execAgent) exited(p *proc) {
	removePidfile(a.pidfile, p.pid)
	if p.stopping.Load() {
		return
	}
	a.lastCrash.Store(time.Now().UnixNano())
	a.env.report(Failed, fmt.Errorf("%s (pid %d) %s", a.argv[0], p.pid, p.how()))
}

// Status is Running while the program lives, Failed once it has exited
// by itself, Stopped after Stop.
func (a *execAgent) Status(context.Context) (State, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.live(); p != nil {
		return Running, nil
	}
	if a.cur != nil {
		return Failed, fmt.Errorf("%s (pid %d) %s", a.argv[0], a.cur.pid, a.cur.how())
	}
	return Stopped, nil
}

// Stop sends SIGTERM to the program's process group, SIGKILL after
// stop_grace (or half the time left, if less), then SIGKILL again to
// whatever is left of the group. After a crash it kills what the
// program left in its group.
func (a *execAgent) Stop(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	old, p := a.cur, a.live()
	a.cur = nil
	if p == nil {
		if old != nil {
			old.signal(unix.SIGKILL) // what the crashed program left in its group
		}
		return nil
	}
	p.stopping.Store(true)
	grace := a.grace
	if dl, ok := ctx.Deadline(); ok {
		grace = min(grace, time.Until(dl)/2)
	}
	p.signal(unix.SIGTERM)
	if !p.waitFor(ctx, grace) {
		p.signal(unix.SIGKILL)
		if !p.waitFor(ctx, time.Until(deadlineOr(ctx, time.Now().Add(5*time.Second)))) {
			return fmt.Errorf("%w: pid %d survived SIGKILL", ErrTimeout, p.pid)
		}
	}
	p.signal(unix.SIGKILL) // stragglers of the group
	removePidfile(a.pidfile, p.pid)
	return nil
}

func deadlineOr(ctx context.Context, def time.Time) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return def
}

// Close stops watching an adopted program; the program keeps running.
func (a *execAgent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur != nil {
		a.cur.release()
	}
	return nil
}

// lookupCred resolves a user name or uid to credentials.
func lookupCred(name string) (*userCred, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if u, err = user.LookupId(name); err != nil {
			return nil, notInstalledErr(fmt.Sprintf("user %q does not exist on this node", name), "create it (useradd) or fix user=")
		}
	}
	return credOf(u)
}
