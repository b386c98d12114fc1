//go:build integration

// Package integration holds the tests that run quorate on real OS parts:
// quorated processes, a quorum disk on a loop device opened O_DIRECT,
// iptables partitions, blkio-throttled disks, SIGSTOP and SIGKILL.
package integration

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/integration/harness"
)

// start brings up a cluster for one test and tears it down after.
func start(t *testing.T, opt harness.Options) (*harness.Cluster, string) {
	t.Helper()
	opt.Log = t.Logf
	c, err := harness.New(opt)
	if err != nil {
		t.Skipf("integration prerequisites missing: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.Nodes {
				t.Logf("---- %s log ----\n%s", n.Name, n.Log())
			}
		}
		c.Close()
	})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	master, err := c.WaitFormed(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c, master
}

// victim picks a node other than the master.
func victim(c *harness.Cluster, master string) *harness.Node {
	for i := len(c.Nodes) - 1; i >= 0; i-- {
		if c.Nodes[i].Name != master {
			return c.Nodes[i]
		}
	}
	return nil
}

func TestClusterFormsQuorate(t *testing.T) {
	c, master := start(t, harness.Options{})
	for _, n := range c.Nodes {
		st, err := n.Status()
		if err != nil {
			t.Fatal(err)
		}
		if !st.Quorum.Quorate || st.Quorum.Votes != 5 || st.Quorum.Expected != 5 {
			t.Errorf("%s: quorum %+v, want quorate 5 of 5", n.Name, st.Quorum)
		}
		if st.QuorumDisk.State != "online" || st.QuorumDisk.Master != master {
			t.Errorf("%s: quorum disk %+v, want online with master %s", n.Name, st.QuorumDisk, master)
		}
	}
	out, err := exec.Command(c.Opt.Bin+"/clustat", "--socket", c.Nodes[0].Socket).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Member Status: Quorate") {
		t.Fatalf("clustat: %v\n%s", err, out)
	}
	if err := exec.Command(c.Opt.Bin+"/clustat", "--socket", c.Nodes[0].Socket, "-Q").Run(); err != nil {
		t.Fatalf("clustat -Q on a quorate node: %v", err)
	}
}

func TestKilledNodeShownOffline(t *testing.T) {
	c, master := start(t, harness.Options{})
	v := victim(c, master)
	v.Signal(syscall.SIGKILL)
	m := c.Node(master)
	took, ok := harness.Until(5*time.Second, 5*time.Millisecond, func() bool { return m.MemberState(v.Name) == "offline" })
	if !ok {
		t.Fatalf("%s not shown offline after kill -9:\n%s", v.Name, c.Describe())
	}
	t.Logf("kill -9 of %s noticed by master in %v", v.Name, took)
	for _, n := range c.Nodes {
		if n != v && n.MemberState(v.Name) != "offline" {
			harness.Until(time.Second, 10*time.Millisecond, func() bool { return n.MemberState(v.Name) == "offline" })
			if s := n.MemberState(v.Name); s != "offline" {
				t.Errorf("%s shows %s as %q", n.Name, v.Name, s)
			}
		}
	}
}

func TestKilledMasterReplaced(t *testing.T) {
	c, master := start(t, harness.Options{})
	c.Node(master).Signal(syscall.SIGKILL)
	other := victim(c, master)
	took, ok := harness.Until(5*time.Second, 5*time.Millisecond, func() bool {
		st, err := other.Status()
		return err == nil && st.Quorum.Quorate && st.QuorumDisk.Master != "" && st.QuorumDisk.Master != master &&
			other.MemberState(master) == "offline"
	})
	if !ok {
		t.Fatalf("no new master after killing %s:\n%s", master, c.Describe())
	}
	t.Logf("new master after killing master %s: %v", master, took)
}

func TestPartitionedNodeEvictedAndObeys(t *testing.T) {
	c, master := start(t, harness.Options{})
	v := victim(c, master)
	if err := c.Isolate(v); err != nil {
		t.Skipf("iptables: %v", err)
	}
	m := c.Node(master)
	if _, ok := harness.Until(5*time.Second, 10*time.Millisecond, func() bool { return m.MemberState(v.Name) == "evicted" }); !ok {
		t.Fatalf("%s not evicted after the cut:\n%s", v.Name, c.Describe())
	}
	// The cut node obeys: it leaves and is not quorate any more.
	if _, ok := harness.Until(3*time.Second, 10*time.Millisecond, func() bool {
		st, err := v.Status()
		return err == nil && !st.Quorum.Quorate && v.MemberState(v.Name) == "evicted"
	}); !ok {
		t.Fatalf("%s did not obey its eviction:\n%s", v.Name, c.Describe())
	}
	if err := exec.Command(c.Opt.Bin+"/clustat", "--socket", v.Socket, "-Q").Run(); err == nil {
		t.Errorf("clustat -Q on the evicted node exits 0")
	}
	// Exactly one side stays quorate.
	for _, n := range c.Nodes {
		st, err := n.Status()
		if err != nil {
			t.Fatal(err)
		}
		if want := n != v; st.Quorum.Quorate != want {
			t.Errorf("%s quorate=%v, want %v", n.Name, st.Quorum.Quorate, want)
		}
	}
}

func TestPartitionedMasterAbdicates(t *testing.T) {
	c, master := start(t, harness.Options{})
	m := c.Node(master)
	if err := c.Isolate(m); err != nil {
		t.Skipf("iptables: %v", err)
	}
	other := victim(c, master)
	if _, ok := harness.Until(8*time.Second, 10*time.Millisecond, func() bool {
		st, err := other.Status()
		return err == nil && st.Quorum.Quorate && st.QuorumDisk.Master != master && st.QuorumDisk.Master != ""
	}); !ok {
		t.Fatalf("the majority did not take over from the cut master:\n%s", c.Describe())
	}
	if _, ok := harness.Until(3*time.Second, 10*time.Millisecond, func() bool {
		st, err := m.Status()
		return err == nil && !st.Quorum.Quorate
	}); !ok {
		t.Fatalf("the cut master %s is still quorate:\n%s", master, c.Describe())
	}
}

func TestStalledDiskGivesUpMembership(t *testing.T) {
	c, master := start(t, harness.Options{})
	v := victim(c, master)
	if err := c.StallDisk(v); err != nil {
		t.Skipf("blkio throttling unavailable: %v", err)
	}
	if _, ok := harness.Until(5*time.Second, 10*time.Millisecond, func() bool {
		st, err := v.Status()
		return err == nil && !st.Quorum.Quorate && v.MemberState(v.Name) == "down"
	}); !ok {
		t.Fatalf("%s kept its membership with a stalled disk:\n%s", v.Name, c.Describe())
	}
	if !strings.Contains(v.Log(), "giving up membership") {
		t.Errorf("%s's log does not say it gave up", v.Name)
	}
	m := c.Node(master)
	if _, ok := harness.Until(3*time.Second, 10*time.Millisecond, func() bool {
		s := m.MemberState(v.Name)
		return s != "online" && s != ""
	}); !ok {
		t.Errorf("master still shows %s online", v.Name)
	}
	harness.UnstallDisk(v)
	if _, err := c.WaitFormed(10 * time.Second); err != nil {
		t.Fatalf("%s did not come back after its disk recovered: %v", v.Name, err)
	}
}

func TestGracefulLeaveSeenAtOnce(t *testing.T) {
	c, master := start(t, harness.Options{})
	v := victim(c, master)
	v.Signal(syscall.SIGTERM)
	if err, ok := v.Wait(3 * time.Second); !ok || err != nil {
		t.Fatalf("quorated did not exit cleanly on SIGTERM: exited=%v err=%v", ok, err)
	}
	m := c.Node(master)
	took, ok := harness.Until(2*time.Second, 2*time.Millisecond, func() bool { return m.MemberState(v.Name) == "offline" })
	if !ok || took > 300*time.Millisecond {
		t.Fatalf("graceful leave seen after %v (ok=%v), want at once", took, ok)
	}
	if strings.Contains(m.Log(), "evicting node") {
		t.Errorf("a graceful leave caused an eviction:\n%s", m.Log())
	}
}

func TestRestartedNodeRejoins(t *testing.T) {
	c, master := start(t, harness.Options{})
	v := victim(c, master)
	v.Kill()
	m := c.Node(master)
	harness.Until(5*time.Second, 10*time.Millisecond, func() bool { return m.MemberState(v.Name) == "offline" })
	if err := v.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFormed(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfigRefusedWithoutTouchingDisk(t *testing.T) {
	c, err := harness.New(harness.Options{Log: t.Logf})
	if err != nil {
		t.Skipf("integration prerequisites missing: %v", err)
	}
	defer c.Close()
	before := checksum(t, c.Image)
	good, _ := os.ReadFile(c.Conf)
	cases := map[string]string{
		"duplicate nodeid":    strings.Replace(string(good), `nodeid="2"`, `nodeid="1"`, 1),
		"unknown element":     strings.Replace(string(good), "<clusternodes>", "<clusternodes><clusternoode/>", 1),
		"timeouts":            strings.Replace(string(good), `label="itest"`, `label="itest" interval="0.1" io_timeout="0.5"`, 1),
		"quorum disk missing": strings.Replace(string(good), `<quorumd device="`+c.Device+`" label="itest" />`, "", 1),
	}
	for name, text := range cases {
		if text == string(good) {
			t.Fatalf("%s: the test's edit did not apply", name)
		}
		path := c.Dir + "/bad.conf"
		os.WriteFile(path, []byte(text), 0o644)
		out, err := exec.Command(c.Opt.Bin+"/quorated", "-c", path, "-n", "node1", "--socket", c.Dir+"/bad.sock").CombinedOutput()
		ee, _ := err.(*exec.ExitError)
		if ee == nil || ee.ExitCode() != 1 || !strings.Contains(string(out), "bad.conf:") {
			t.Errorf("%s: exit %v, output:\n%s", name, err, out)
		}
	}
	if after := checksum(t, c.Image); after != before {
		t.Errorf("a refused configuration changed the quorum disk")
	}
	// A quorum disk of another cluster is refused too.
	other := strings.Replace(string(good), `name="itest"`, `name="other"`, 1)
	os.WriteFile(c.Dir+"/other.conf", []byte(other), 0o644)
	c.Start()
	c.WaitFormed(10 * time.Second)
	out, err := exec.Command(c.Opt.Bin+"/quorated", "-c", c.Dir+"/other.conf", "-n", "node1", "--socket", c.Dir+"/o.sock").CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte(`belongs to cluster "itest"`)) {
		t.Errorf("a disk of another cluster was not refused: %v\n%s", err, out)
	}
}

func checksum(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
