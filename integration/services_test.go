//go:build integration

package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// svcCluster starts three BMC-powered nodes running one exec service that
// logs its starts and stops to a shared file.
func svcCluster(t *testing.T, svcAttrs string, base int) (*harness.Cluster, string, string) {
	t.Helper()
	script, _ := filepath.Abs("testdata/svc.sh")
	logf := filepath.Join(t.TempDir(), "svc.log")
	os.WriteFile(logf, nil, 0o666)
	rm := fmt.Sprintf(`<rm>
    <failoverdomains><failoverdomain name="d" ordered="1" nofailback="1">
      <failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="2"/><failoverdomainnode name="node3" priority="3"/>
    </failoverdomain></failoverdomains>
    <service name="app" domain="d" %s><exec name="app" command="%s %s"/></service>
  </rm>`, svcAttrs, script, logf)
	c, master := startFenced(t, harness.Options{BasePort: base, Extra: rm})
	return c, master, logf
}

// service returns the service's entry as node n sees it.
func service(n *harness.Node) api.Service {
	st, err := n.Status()
	if err != nil {
		return api.Service{}
	}
	for _, s := range st.Services {
		if s.Name == "service:app" {
			return s
		}
	}
	return api.Service{}
}

func waitService(t *testing.T, n *harness.Node, cond func(api.Service) bool, what string) (api.Service, time.Duration) {
	t.Helper()
	var s api.Service
	took, ok := harness.Until(30*time.Second, 10*time.Millisecond, func() bool { s = service(n); return cond(s) })
	if !ok {
		t.Fatalf("service never %s; last seen %+v", what, s)
	}
	return s, took
}

func started(s api.Service) bool { return s.State == "started" }

// checkNoOverlap reads the shared log (plus the test's kill times) and
// fails if two nodes ever ran the service at once.
func checkNoOverlap(t *testing.T, logf string, kills map[string][]float64) {
	t.Helper()
	f, err := os.Open(logf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type span struct {
		node       string
		start, end float64
	}
	var spans []span
	open := map[string]int{} // by node and run id (pids repeat across PID namespaces)
	var lines [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, strings.Fields(sc.Text()))
	}
	for li, fs := range lines {
		if len(fs) == 3 && fs[0] == "stop" {
			// A stop record whose time was lost: it was written before the
			// next record, so that record's time bounds it.
			ts := "1e18"
			if li+1 < len(lines) && len(lines[li+1]) >= 3 {
				ts = lines[li+1][2]
			}
			fs = []string{fs[0], fs[1], ts, fs[2]}
		}
		if len(fs) < 4 {
			continue
		}
		ts, _ := strconv.ParseFloat(fs[2], 64)
		switch fs[0] {
		case "start":
			open[fs[1]+"/"+fs[3]] = len(spans)
			spans = append(spans, span{fs[1], ts, 1e18})
		case "stop":
			if i, ok := open[fs[1]+"/"+fs[3]]; ok {
				spans[i].end = ts
				delete(open, fs[1]+"/"+fs[3])
			}
		}
	}
	for _, i := range open { // killed (by the test, or with its node): ended at the next kill there
		for _, k := range kills[spans[i].node] {
			if k > spans[i].start && k < spans[i].end {
				spans[i].end = k
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		for j := 0; j < i; j++ {
			if spans[j].end > spans[i].start && spans[j].node != spans[i].node {
				b, _ := os.ReadFile(logf)
				t.Logf("log:\n%s\nkills: %v", b, kills)
				t.Errorf("service ran on %s and %s at once (%.3f..%.3f and %.3f..)", spans[j].node, spans[i].node, spans[j].start, spans[j].end, spans[i].start)
			}
		}
	}
	t.Logf("%d runs of the service checked for overlap", len(spans))
}

func now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

func TestServiceFailsOverOnlyAfterFence(t *testing.T) {
	c, master, logf := svcCluster(t, `recovery="relocate"`, 6200)
	s, _ := waitService(t, c.Node(master), started, "started")
	owner := c.Node(s.Owner)
	watcher := victim(c, s.Owner)
	if watcher == owner {
		watcher = c.Node(master)
	}
	kills := map[string][]float64{owner.Name: {now()}}
	owner.Signal(syscall.SIGKILL)
	s2, took := waitService(t, watcher, func(s api.Service) bool { return started(s) && s.Owner != owner.Name }, "moved")
	t.Logf("owner %s killed -> fenced -> service started on %s in %v", owner.Name, s2.Owner, took)
	if _, ok := fenceRecord(c.Node(func() string { st, _ := watcher.Status(); return st.QuorumDisk.Master }()), owner.Name, "success", time.Second); !ok {
		t.Errorf("the service moved but no successful fence of %s is recorded", owner.Name)
	}
	checkNoOverlap(t, logf, kills)
}

func TestServiceRestartedThenRelocated(t *testing.T) {
	c, master, logf := svcCluster(t, `recovery="restart" max_restarts="2" restart_expire_time="300"`, 6300)
	s, _ := waitService(t, c.Node(master), started, "started")
	first := s.Owner
	kills := map[string][]float64{}
	starts := func() int { b, _ := os.ReadFile(logf); return strings.Count(string(b), "start ") }
	for i := 1; i <= 3; i++ {
		// Kill only a process that has logged its start, or the log and
		// the kill times would not match.
		if _, ok := harness.Until(10*time.Second, 10*time.Millisecond, func() bool { return starts() >= i }); !ok {
			t.Fatalf("round %d: the service never logged its start", i)
		}
		out, _ := exec.Command("pgrep", "-f", "svc.sh "+logf).Output()
		pids := strings.Fields(string(out))
		if len(pids) != 1 {
			t.Fatalf("round %d: %d service processes running, want 1", i, len(pids))
		}
		pid, _ := strconv.Atoi(pids[0])
		kills[s.Owner] = append(kills[s.Owner], now()) // pids differ inside the node's PID namespace
		syscall.Kill(pid, syscall.SIGKILL)
		want := func(s api.Service) bool { return started(s) && s.Restarts >= i }
		if i == 3 {
			want = func(s api.Service) bool { return started(s) && s.Owner != first }
		}
		s, _ = waitService(t, c.Node(master), want, fmt.Sprintf("recovered after kill %d", i))
		if i < 3 && s.Owner != first {
			t.Fatalf("kill %d: relocated to %s before max_restarts", i, s.Owner)
		}
	}
	t.Logf("restarted twice on %s, relocated to %s on the third failure", first, s.Owner)
	checkNoOverlap(t, logf, kills)
}

func clusvcadm(c *harness.Cluster, n *harness.Node, args ...string) (string, error) {
	out, err := exec.Command(c.Opt.Bin+"/clusvcadm", append([]string{"--socket", n.Socket}, args...)...).CombinedOutput()
	return string(out), err
}

func TestClusvcadmOperations(t *testing.T) {
	c, master, logf := svcCluster(t, ``, 6400)
	m := c.Node(master)
	s, _ := waitService(t, m, started, "started")
	asker := victim(c, master) // commands work from any node
	target := "node3"
	if s.Owner == "node3" {
		target = "node2"
	}
	if out, err := clusvcadm(c, asker, "-r", "app", "-m", target); err != nil {
		t.Fatalf("relocate: %v %q", err, out)
	}
	waitService(t, m, func(s api.Service) bool { return started(s) && s.Owner == target }, "relocated to "+target)
	if out, err := clusvcadm(c, asker, "-d", "app"); err != nil {
		t.Fatalf("disable: %v %s", err, out)
	}
	waitService(t, m, func(s api.Service) bool { return s.State == "disabled" }, "disabled")
	if out, _ := exec.Command("pgrep", "-f", "svc.sh "+logf).Output(); len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("a disabled service still runs: %s", out)
	}
	if out, err := clusvcadm(c, asker, "-e", "app", "-m", "node1"); err != nil {
		t.Fatalf("enable: %v %s", err, out)
	}
	waitService(t, m, func(s api.Service) bool { return started(s) && s.Owner == "node1" }, "enabled on node1")
	starts := func() int { b, _ := os.ReadFile(logf); return strings.Count(string(b), "start node1 ") }
	before := starts()
	if out, err := clusvcadm(c, asker, "-R", "app"); err != nil {
		t.Fatalf("restart: %v %s", err, out)
	}
	if _, ok := harness.Until(10*time.Second, 20*time.Millisecond, func() bool { return starts() > before }); !ok {
		t.Fatalf("clusvcadm -R did not restart the service in place")
	}
	waitService(t, m, func(s api.Service) bool { return started(s) && s.Owner == "node1" }, "restarted in place")
	if out, err := clusvcadm(c, asker, "-Z", "app"); err != nil {
		t.Fatalf("freeze: %v %s", err, out)
	}
	waitService(t, m, func(s api.Service) bool { return s.Frozen }, "frozen")
	if _, err := clusvcadm(c, asker, "-r", "app"); err == nil {
		t.Errorf("relocating a frozen service was accepted")
	}
	if out, err := clusvcadm(c, asker, "-U", "app"); err != nil {
		t.Fatalf("unfreeze: %v %s", err, out)
	}
	if out, err := clusvcadm(c, asker, "-e", "nosuch"); err == nil || !strings.Contains(out, "nosuch") {
		t.Errorf("an unknown service was not refused clearly: %v %s", err, out)
	}
	// clustat -s exits with the state as rgmanager does (0 while started).
	if err := exec.Command(c.Opt.Bin+"/clustat", "--socket", asker.Socket, "-s", "app").Run(); err != nil {
		t.Errorf("clustat -s on a started service: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := api.NewClient(asker.Socket).ServiceOp(ctx, "relocate", "app", "nosuchnode"); err == nil {
		t.Errorf("relocating to an unknown member was accepted")
	}
	checkNoOverlap(t, logf, nil)
}

func TestGracefulLeaveOfOwnerMovesServiceWithoutFencing(t *testing.T) {
	c, master, logf := svcCluster(t, ``, 6500)
	s, _ := waitService(t, c.Node(master), started, "started")
	owner := c.Node(s.Owner)
	watcher := victim(c, s.Owner)
	owner.Signal(syscall.SIGTERM)
	s2, took := waitService(t, watcher, func(s api.Service) bool { return started(s) && s.Owner != owner.Name }, "moved")
	t.Logf("owner %s stopped cleanly -> service on %s in %v", owner.Name, s2.Owner, took)
	st, _ := watcher.Status()
	for _, f := range st.Fencing {
		if f.Node == owner.Name {
			t.Errorf("a node that left cleanly was fenced: %+v", f)
		}
	}
	checkNoOverlap(t, logf, nil)
}
