//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// These tests cover how an owner notices a failed resource and what it
// restarts: the status poll (<rm status_poll_interval>) for LSB scripts,
// which cannot report by themselves; __independent_subtree restarted in
// place without the rest of the service; and a changed cluster.conf
// restarting only the resources that changed. Every resource logs its
// starts and stops to its own shared log, which checkNoOverlap reads.
// Ports 7200-7299.

// recoveryLab is one test's resources: an LSB script or an exec program
// per name, each with its own start/stop log.
type recoveryLab struct {
	t   *testing.T
	dir string
}

func newRecoveryLab(t *testing.T) *recoveryLab {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	return &recoveryLab{t: t, dir: dir}
}

// logf is resource name's start/stop log.
func (l *recoveryLab) logf(name string) string { return filepath.Join(l.dir, name+".log") }

// script writes name's init script (lsbsvc.sh with name's log) and
// returns its path, for <script file=...>.
func (l *recoveryLab) script(name string) string {
	l.t.Helper()
	lsb, _ := filepath.Abs("testdata/lsbsvc.sh")
	p := filepath.Join(l.dir, name+"-init")
	body := fmt.Sprintf("#!/bin/sh\nexec %s \"$1\" %s\n", lsb, l.logf(name))
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		l.t.Fatal(err)
	}
	os.WriteFile(l.logf(name), nil, 0o666)
	return p
}

// command is the exec command line of name (svc.sh with name's log).
func (l *recoveryLab) command(name string) string {
	svc, _ := filepath.Abs("testdata/svc.sh")
	os.WriteFile(l.logf(name), nil, 0o666)
	return svc + " " + l.logf(name)
}

// runs counts name's logged starts and stops.
func (l *recoveryLab) runs(name string) (starts, stops int) {
	b, _ := os.ReadFile(l.logf(name))
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "start "):
			starts++
		case strings.HasPrefix(line, "stop "):
			stops++
		}
	}
	return starts, stops
}

// wantRuns checks name's starts and stops.
func (l *recoveryLab) wantRuns(name string, starts, stops int, why string) {
	l.t.Helper()
	if a, o := l.runs(name); a != starts || o != stops {
		b, _ := os.ReadFile(l.logf(name))
		l.t.Errorf("%s: %s logged %d starts and %d stops, want %d and %d:\n%s", why, name, a, o, starts, stops, b)
	}
}

// waitRuns waits until name logged at least starts starts.
func (l *recoveryLab) waitRuns(name string, starts int, why string) time.Duration {
	l.t.Helper()
	took, ok := harness.Until(20*time.Second, 10*time.Millisecond, func() bool { a, _ := l.runs(name); return a >= starts })
	if !ok {
		a, o := l.runs(name)
		l.t.Fatalf("%s: %s never logged start %d (has %d starts, %d stops)", why, name, starts, a, o)
	}
	return took
}

// pid finds, on the host, the one process of name running on node (an
// lsbdaemon.sh or an svc.sh logging to name's log).
func (l *recoveryLab) pid(name, node string, lsb bool) int {
	l.t.Helper()
	pat := "svc.sh " + l.logf(name)
	if lsb {
		pat = "lsbdaemon.sh " + node + " " + l.logf(name)
	}
	out, _ := exec.Command("pgrep", "-f", pat).Output()
	pids := strings.Fields(string(out))
	if len(pids) != 1 {
		l.t.Fatalf("%d processes match %q, want 1", len(pids), pat)
	}
	pid, _ := strconv.Atoi(pids[0])
	return pid
}

// checkAll runs the overlap checker on every resource log.
func (l *recoveryLab) checkAll(kills map[string][]float64, names ...string) {
	l.t.Helper()
	for _, n := range names {
		checkNoOverlap(l.t, l.logf(n), kills)
	}
}

// recoveryCluster starts three BMC-powered nodes (so nothing they ran
// outlives the test) with one service "app" of the given attributes and
// body, and <rm> attributes rmAttrs.
func recoveryCluster(t *testing.T, base int, rmAttrs, svcAttrs, body string) (*harness.Cluster, string) {
	t.Helper()
	opt := harness.Options{BasePort: base, Extra: recoveryRM(rmAttrs, svcAttrs, body), Bin: os.Getenv("QUORATE_BIN")}
	return startFenced(t, opt)
}

func recoveryRM(rmAttrs, svcAttrs, body string) string {
	return fmt.Sprintf(`<rm %s>
    <failoverdomains><failoverdomain name="d" ordered="1" nofailback="1">
      <failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="2"/><failoverdomainnode name="node3" priority="3"/>
    </failoverdomain></failoverdomains>
    <service name="app" domain="d" %s>%s</service>
  </rm>`, rmAttrs, svcAttrs, body)
}

// loggedAfter finds when node n logged msg (with service="app") at or
// after since.
func loggedAfter(n *harness.Node, msg string, since time.Time) (time.Time, bool) {
	sc := bufio.NewScanner(strings.NewReader(n.Log()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `msg="`+msg+`"`) || !strings.Contains(line, "service=app") {
			continue
		}
		if at, ok := logTime(line); ok && !at.Before(since.Truncate(time.Millisecond)) {
			return at, true
		}
	}
	return time.Time{}, false
}

// stayedStarted samples the service on m until done is closed and
// reports the first state other than started on owner.
func stayedStarted(m *harness.Node, owner string, done chan struct{}) chan string {
	bad := make(chan string, 1)
	go func() {
		defer close(bad)
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if s := service(m); s.Name != "" && (s.State != "started" || s.Owner != owner) {
				bad <- fmt.Sprintf("%s on %q", s.State, s.Owner)
				return
			}
		}
	}()
	return bad
}

func TestScriptKilledNoticedByPollRestartedInPlace(t *testing.T) {
	l := newRecoveryLab(t)
	killNoticedRestarted(t, l, 7200, `status_poll_interval="1"`, fmt.Sprintf(`<script name="app" file="%s"/>`, l.script("app")))
}

// rgmanager's per-resource <action name="status" interval>: the script is
// checked every second though the service-wide poll is hourly.
func TestScriptActionIntervalNoticedByPoll(t *testing.T) {
	l := newRecoveryLab(t)
	killNoticedRestarted(t, l, 7260, `status_poll_interval="3600"`,
		fmt.Sprintf(`<script name="app" file="%s"><action name="status" interval="1" timeout="5"/></script>`, l.script("app")))
}

// killNoticedRestarted kills the daemon of the service's script "app",
// which is checked every second, and checks that the status poll notices
// it within that second and the service restarts in place.
func killNoticedRestarted(t *testing.T, l *recoveryLab, base int, rmAttrs, body string) {
	t.Helper()
	const interval = time.Second
	c, master := recoveryCluster(t, base, rmAttrs, `recovery="restart"`, body)
	m := c.Node(master)
	s, _ := waitService(t, m, started, "started")
	owner := c.Node(s.Owner)
	l.waitRuns("app", 1, "first start")

	// Nothing tells quorated that an LSB script's daemon died: only the
	// status poll can notice.
	pid := l.pid("app", owner.Name, true)
	kills := map[string][]float64{owner.Name: {now()}}
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if _, ok := harness.Until(5*interval, 10*time.Millisecond, func() bool {
		var ok bool
		at, ok = loggedAfter(owner, "status poll found a failure", killed)
		return ok
	}); !ok {
		t.Fatalf("%s never noticed the dead script daemon:\n%s", owner.Name, owner.Log())
	}
	noticed := at.Sub(killed)
	s2, _ := waitService(t, m, func(s api.Service) bool { return started(s) && s.Restarts >= 1 }, "restarted")
	l.waitRuns("app", 2, "restart")
	t.Logf("script daemon killed -> noticed by the status poll after %v (interval %v; log time, ms resolution) -> running again on %s %v after the kill",
		noticed, interval, s2.Owner, time.Since(killed).Round(time.Millisecond))
	if noticed > interval+time.Second {
		t.Errorf("the failure was noticed after %v; want within the poll interval (%v) plus one status run", noticed, interval)
	}
	if s2.Owner != owner.Name {
		t.Errorf("recovery=restart: the service moved to %s instead of restarting on %s", s2.Owner, owner.Name)
	}
	// The restart stopped what was left (the dead daemon's pid file) and
	// started it again; nothing ran twice.
	time.Sleep(2 * interval) // two more polls: healthy, no further restart
	if s3 := service(m); s3.Restarts != s2.Restarts || s3.State != "started" {
		t.Errorf("after recovery the service is %s with %d restarts; want started with %d", s3.State, s3.Restarts, s2.Restarts)
	}
	l.wantRuns("app", 2, 0, "after one restart")
	l.checkAll(kills, "app")
}

// watchTree waits until the parent/child/worker service runs, each of
// its three resources started once, and watches (stayedStarted) that it
// stays started on its owner until done is closed.
func watchTree(t *testing.T, l *recoveryLab, c *harness.Cluster, master string) (m, owner *harness.Node, done chan struct{}, bad <-chan string) {
	t.Helper()
	m = c.Node(master)
	s, _ := waitService(t, m, started, "started")
	owner = c.Node(s.Owner)
	for _, n := range []string{"parent", "child", "worker"} {
		l.waitRuns(n, 1, "first start")
	}
	done = make(chan struct{})
	return m, owner, done, stayedStarted(m, owner.Name, done)
}

func TestIndependentSubtreeChildRestartedAlone(t *testing.T) {
	l := newRecoveryLab(t)
	body := fmt.Sprintf(`<script name="parent" file="%s">
        <script name="child" file="%s" __independent_subtree="1"/>
        <exec name="worker" command="%s" __independent_subtree="1"/>
      </script>`, l.script("parent"), l.script("child"), l.command("worker"))
	c, master := recoveryCluster(t, 7220, `status_poll_interval="1"`, `recovery="relocate"`, body)
	m, owner, done, bad := watchTree(t, l, c, master)
	kills := map[string][]float64{owner.Name: {}}

	// The script child dies: the poll notices, only the child restarts.
	kills[owner.Name] = append(kills[owner.Name], now())
	killed := time.Now()
	syscall.Kill(l.pid("child", owner.Name, true), syscall.SIGKILL)
	took := l.waitRuns("child", 2, "child restart")
	t.Logf("independent script child killed -> restarted alone after %v", took)

	// The exec worker dies: its agent reports at once, only it restarts.
	kills[owner.Name] = append(kills[owner.Name], now())
	killedW := time.Now()
	syscall.Kill(l.pid("worker", owner.Name, false), syscall.SIGKILL)
	tookW := l.waitRuns("worker", 2, "worker restart")
	t.Logf("independent exec worker killed -> restarted alone after %v (pushed by its agent, no poll)", tookW)
	if _, ok := loggedAfter(owner, "resource failed", killedW); !ok {
		t.Errorf("%s did not log the exec worker's pushed failure", owner.Name)
	}
	if tookW > 900*time.Millisecond {
		t.Errorf("the exec worker took %v to come back; its exit is pushed, want it back before the 1 s poll", tookW)
	}

	time.Sleep(1500 * time.Millisecond) // a poll or two more
	close(done)
	if b := <-bad; b != "" {
		t.Errorf("the service left started on %s during the recoveries: %s", owner.Name, b)
	}
	s2 := service(m)
	if s2.Owner != owner.Name || s2.Restarts != 0 || s2.State != "started" {
		t.Errorf("service %+v; want started on %s with no service restart (recovery=relocate would have moved it)", s2, owner.Name)
	}
	if _, ok := loggedAfter(owner, "service recovered in place: its failed independent subtrees restarted, the rest untouched", killed); !ok {
		t.Errorf("%s did not log the in-place recovery", owner.Name)
	}
	if _, ok := loggedAfter(owner, "service failed", killed); ok {
		t.Errorf("%s reported the service failed although only independent subtrees failed", owner.Name)
	}
	l.wantRuns("parent", 1, 0, "the parent is never restarted")
	l.wantRuns("child", 2, 0, "child killed once, restarted once")
	l.wantRuns("worker", 2, 0, "worker killed once, restarted once")
	l.checkAll(kills, "parent", "child", "worker")
}

// pushRM replaces the <rm> section of the cluster's configuration and
// pushes it as version v from node n.
func pushRM(t *testing.T, c *harness.Cluster, n *harness.Node, v uint64, oldRM, newRM string) {
	t.Helper()
	b, err := os.ReadFile(c.Conf)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, oldRM) {
		t.Fatalf("the configuration on disk does not hold the expected <rm>:\n%s", s)
	}
	s = strings.Replace(s, oldRM, newRM, 1)
	s = regexp.MustCompile(`config_version="[0-9]+"`).ReplaceAllString(s, fmt.Sprintf(`config_version="%d"`, v))
	if r := push(t, n, []byte(s)); !r.Accepted {
		t.Fatalf("push of version %d refused: %+v", v, r)
	}
	if _, ok := harness.Until(10*time.Second, 10*time.Millisecond, func() bool { return allAt(c, v) }); !ok {
		t.Fatalf("not every node at version %d: %v", v, versions(c))
	}
}

func TestConfigChangeRestartsOnlyWhatChanged(t *testing.T) {
	l := newRecoveryLab(t)
	parent, child, extra := l.script("parent"), l.script("child"), l.script("extra")
	worker := l.command("worker")
	body := func(childAttrs, more string) string {
		return fmt.Sprintf(`<script name="parent" file="%s"><script name="child" file="%s"%s/>%s</script><exec name="worker" command="%s"/>`,
			parent, child, childAttrs, more, worker)
	}
	rm1 := recoveryRM(`status_poll_interval="1"`, `recovery="restart"`, body("", ""))
	c, master := recoveryCluster(t, 7240, `status_poll_interval="1"`, `recovery="restart"`, body("", ""))
	m, owner, done, bad := watchTree(t, l, c, master)

	// v2: one parameter of the child changes: only the child restarts.
	rm2 := recoveryRM(`status_poll_interval="1"`, `recovery="restart"`, body(` opt="2"`, ""))
	t0 := time.Now()
	pushRM(t, c, victim(c, master), 2, rm1, rm2)
	l.waitRuns("child", 2, "child restarted with its new parameter")
	t.Logf("push of a changed child parameter -> child restarted with it %v after the push began", time.Since(t0).Round(time.Millisecond))
	if _, ok := harness.Until(5*time.Second, 10*time.Millisecond, func() bool {
		_, ok := loggedAfter(owner, "service definition applied", t0)
		return ok
	}); !ok {
		t.Fatalf("%s never applied version 2:\n%s", owner.Name, owner.Log())
	}
	l.wantRuns("parent", 1, 0, "v2 changed only the child")
	l.wantRuns("worker", 1, 0, "v2 changed only the child")
	l.wantRuns("child", 2, 1, "v2 restarted the child")

	// v3: a new resource under the parent: only it starts.
	rm3 := recoveryRM(`status_poll_interval="1"`, `recovery="restart"`, body(` opt="2"`, fmt.Sprintf(`<script name="extra" file="%s"/>`, extra)))
	pushRM(t, c, m, 3, rm2, rm3)
	l.waitRuns("extra", 1, "added resource started")

	// v4: service attributes only (and a slower poll): nothing restarts.
	rm4 := recoveryRM(`status_poll_interval="2"`, `recovery="relocate" max_restarts="3"`, body(` opt="2"`, fmt.Sprintf(`<script name="extra" file="%s"/>`, extra)))
	pushRM(t, c, m, 4, rm3, rm4)
	time.Sleep(time.Second) // what a restart would have logged by now
	l.wantRuns("parent", 1, 0, "v3 and v4 leave the parent alone")
	l.wantRuns("child", 2, 1, "v3 and v4 leave the child alone")
	l.wantRuns("worker", 1, 0, "v3 and v4 leave the worker alone")
	l.wantRuns("extra", 1, 0, "v3 started the extra resource, v4 left it alone")

	// v5: the extra resource is removed again: only it stops.
	rm5 := recoveryRM(`status_poll_interval="2"`, `recovery="relocate" max_restarts="3"`, body(` opt="2"`, ""))
	pushRM(t, c, m, 5, rm4, rm5)
	if _, ok := harness.Until(10*time.Second, 10*time.Millisecond, func() bool { _, o := l.runs("extra"); return o == 1 }); !ok {
		t.Fatalf("the removed resource never stopped")
	}
	close(done)
	if b := <-bad; b != "" {
		t.Errorf("the service left started on %s during the configuration changes: %s", owner.Name, b)
	}
	if s2 := service(m); s2.Restarts != 0 {
		t.Errorf("service %+v; want no service restart", s2)
	}
	l.wantRuns("parent", 1, 0, "v5 leaves the parent alone")
	l.wantRuns("worker", 1, 0, "v5 leaves the worker alone")
	l.checkAll(nil, "parent", "child", "worker", "extra")
}
