package svcmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pidOf reads the pid an exec resource recorded.
func (l *lab) pidOf(service, name string) int {
	l.t.Helper()
	data, err := os.ReadFile(filepath.Join(l.dir, "state", service, "exec-"+name+".pid"))
	if err != nil {
		l.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		l.t.Fatal(err)
	}
	return pid
}

func (l *lab) grandchild(name string) int {
	l.t.Helper()
	data, err := os.ReadFile(filepath.Join(l.dir, name+".grandchild"))
	if err != nil {
		l.t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

func TestExecChildKilledIsPushedAtOnce(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="svc"><exec name="x" command="%s"/></service>`, l.child("x")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	pid, gc := l.pidOf("svc", "x"), l.grandchild("x")
	if st, _ := tr.Status(ctx); st != Running {
		t.Fatalf("Status = %v; want running", st)
	}
	killed := time.Now()
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-tr.Watch():
		if d := time.Since(killed); d > 100*time.Millisecond {
			t.Errorf("event after %v; want within 100ms", d)
		}
		if ev.Service != "svc" || ev.Resource != "exec:x" || ev.State != Failed || !strings.Contains(ev.Reason, "killed by SIGKILL") {
			t.Errorf("event = %+v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no event within 2s of SIGKILL")
	}
	st, list := tr.Status(ctx)
	if st != Failed || !strings.Contains(list[0].Reason, "SIGKILL") {
		t.Errorf("Status = %v %+v; want failed naming SIGKILL", st, list)
	}
	ok, err := tr.RecoverIndependent(ctx)
	if ok || !errors.Is(err, ErrNotIndependent) {
		t.Errorf("RecoverIndependent = %v, %v; want false, ErrNotIndependent", ok, err)
	}
	if !alive(gc) {
		t.Fatalf("grandchild %d died with its parent; the test cannot check Stop's group kill", gc)
	}
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !dies(gc) {
		t.Errorf("grandchild %d survived Stop", gc)
	}
	if st, _ := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after Stop = %v", st)
	}
}

func TestExecStopTermsTheGroupWithoutEvent(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="svc"><exec name="x" command="%s"/></service>`, l.child("x")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	pid, gc := l.pidOf("svc", "x"), l.grandchild("x")
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if alive(pid) || !dies(gc) {
		t.Errorf("after Stop: program alive %v, grandchild alive %v", alive(pid), alive(gc))
	}
	l.waitLog("x stop") // it got SIGTERM, not SIGKILL
	select {
	case ev := <-tr.Watch():
		t.Errorf("Stop produced an event: %+v", ev)
	default:
	}
	if _, err := os.Stat(filepath.Join(l.dir, "state", "svc", "exec-x.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
}

func TestExecStopKillsAfterGrace(t *testing.T) {
	l := newLab(t)
	l.write("x.env", "IGNORE_TERM=1\n")
	tr := l.tree(fmt.Sprintf(`<service name="svc"><exec name="x" command="%s" stop_grace="0.2"/></service>`, l.child("x")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	pid := l.pidOf("svc", "x")
	began := time.Now()
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 200*time.Millisecond {
		t.Errorf("Stop took %v; the program ignores SIGTERM, so SIGKILL must wait for stop_grace (200ms)", d)
	}
	if alive(pid) {
		t.Error("program survived Stop")
	}
}

func TestExecAdoptsAfterRestart(t *testing.T) {
	l := newLab(t)
	rm := fmt.Sprintf(`<service name="svc"><exec name="x" command="%s"/></service>`, l.child("x"))
	first := l.tree(rm, l.env())
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	pid := l.pidOf("svc", "x")
	first.Close() // the daemon goes away; the program stays

	second := l.tree(rm, l.env()) // a new daemon
	if err := second.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.pidOf("svc", "x"); got != pid {
		t.Fatalf("Start ran a second copy (pid %d, first %d)", got, pid)
	}
	if st, _ := second.Status(ctx); st != Running {
		t.Fatalf("Status = %v; want running (adopted)", st)
	}
	killed := time.Now()
	unix.Kill(pid, unix.SIGKILL)
	select {
	case ev := <-second.Watch():
		if d := time.Since(killed); d > 100*time.Millisecond || ev.Resource != "exec:x" {
			t.Errorf("event %+v after %v", ev, d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no event for the adopted program's death")
	}
}

func TestExecRestartDelay(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="svc"><exec name="x" command="%s" restart_delay="0.3"/></service>`, l.child("x")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	unix.Kill(l.pidOf("svc", "x"), unix.SIGKILL)
	ev := <-tr.Watch()
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(ev.Time); d < 300*time.Millisecond {
		t.Errorf("restarted %v after the crash; restart_delay is 300ms", d)
	}
}

func TestExecRunsAsUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing user needs root")
	}
	l := newLab(t)
	tr := l.tree(`<service name="svc"><exec name="x" command="sleep 1000" user="nobody"/></service>`, l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", l.pidOf("svc", "x")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t65534\t") {
		t.Errorf("program does not run as nobody:\n%s", status)
	}
}

func TestExecValidate(t *testing.T) {
	l := newLab(t)
	for _, tc := range []struct{ attrs, want string }{
		{`command="no-such-program-xyz --flag"`, `program "no-such-program-xyz" is not found in PATH; install it or give its full path in command=`},
		{`command="/no/such/prog"`, `program /no/such/prog does not exist; install it or fix command=`},
		{`command="sleep 1" user="no-such-user-xyz"`, `user "no-such-user-xyz" does not exist on this node; create it (useradd) or fix user=`},
	} {
		tr := l.tree(`<service name="svc"><exec name="x" `+tc.attrs+`/></service>`, l.env())
		err := tr.Validate()
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `<exec name="x">`) {
			t.Errorf("%s: Validate = %v; want ErrNotInstalled with %q", tc.attrs, err, tc.want)
		}
	}
}
