//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// Bad resources: a missing parameter, a script that is not executable.
// Each such service ends failed with the reason in clustat, on every
// node; the good service beside them starts and stays, nobody is fenced
// and every node stays a member.
func TestBadResourcesFailWithTheirReason(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "notexec.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, master := plainCluster(t, 7300, fmt.Sprintf(`
    <service name="good" domain="d"><exec name="good" command="/bin/sleep 3600"/></service>
    <service name="noparam" domain="d" recovery="relocate"><exec name="np"/></service>
    <service name="noexec" domain="d" recovery="relocate"><script name="ne" file="%s"/></service>`, notExec), nil)
	want := map[string]string{"service:noparam": "command", "service:noexec": "notexec.sh"}
	var last []api.Service
	_, ok := harness.Until(30*time.Second, 50*time.Millisecond, func() bool {
		st, err := c.Node(master).Status()
		if err != nil {
			return false
		}
		last = st.Services
		done := 0
		for _, s := range st.Services {
			switch {
			case s.Name == "service:good" && s.State == "started":
				done++
			case want[s.Name] != "" && s.State == "failed" && strings.Contains(s.Reason, want[s.Name]):
				done++
			}
		}
		return done == 3
	})
	if !ok {
		t.Fatalf("want good started and both bad services failed with their reason; services: %+v\n%s", last, c.Describe())
	}
	for _, s := range last {
		t.Logf("%s: %s %q", s.Name, s.State, s.Reason)
	}
	// Every node shows the same, and nothing else happened.
	time.Sleep(2 * time.Second)
	for _, n := range c.Nodes {
		st, err := n.Status()
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		for _, s := range st.Services {
			if w := want[s.Name]; w != "" && (s.State != "failed" || !strings.Contains(s.Reason, w)) {
				t.Errorf("%s shows %s as %s %q, want failed naming %q", n.Name, s.Name, s.State, s.Reason, w)
			}
			if s.Name == "service:good" && s.State != "started" {
				t.Errorf("%s shows the good service %s", n.Name, s.State)
			}
		}
		for _, m := range st.Members {
			if m.State != "online" {
				t.Errorf("%s sees %s %s: bad resources must not touch membership", n.Name, m.Name, m.State)
			}
		}
		if len(st.Fencing) > 0 {
			t.Errorf("%s fenced %+v over a bad resource", n.Name, st.Fencing)
		}
	}
	b, err := exec.Command(c.Opt.Bin+"/clustat", "--socket", c.Node(master).Socket, "-l").CombinedOutput()
	out := string(b)
	if err != nil || !strings.Contains(out, "Reason") || !strings.Contains(out, "notexec.sh") {
		t.Errorf("clustat -l does not show the reason (%v):\n%s", err, out)
	}
}
