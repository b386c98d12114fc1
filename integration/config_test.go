//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

func bump(t *testing.T, c *harness.Cluster, version string, extra string) []byte {
	t.Helper()
	b, err := os.ReadFile(c.Conf)
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`config_version="[0-9]+"`).ReplaceAllString(string(b), `config_version="`+version+`"`)
	if extra != "" && !strings.Contains(s, extra) {
		s = strings.Replace(s, "<totem ", "<totem "+extra+" ", 1)
	}
	return []byte(s)
}

func push(t *testing.T, n *harness.Node, data []byte) api.PushResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := api.NewClient(n.Socket).PushConfig(ctx, data)
	if err != nil {
		t.Fatalf("push on %s: %v", n.Name, err)
	}
	return r
}

func versions(c *harness.Cluster) map[string]uint64 {
	out := map[string]uint64{}
	for _, n := range c.Nodes {
		if st, err := n.Status(); err == nil {
			out[n.Name] = st.Cluster.ConfigVersion
		}
	}
	return out
}

func allAt(c *harness.Cluster, v uint64) bool {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		st, err := n.Status()
		if err != nil || st.Cluster.ConfigVersion != v {
			return false
		}
	}
	return true
}

func TestConfigPushDistributedAndAdopted(t *testing.T) {
	c, master := start(t, harness.Options{BasePort: 6100})
	pusher := victim(c, master) // push on a node that is not the master
	t0 := time.Now()
	r := push(t, pusher, bump(t, c, "2", `token="500"`))
	if !r.Accepted {
		t.Fatalf("push refused: %+v", r)
	}
	took, ok := harness.Until(5*time.Second, 5*time.Millisecond, func() bool { return allAt(c, 2) })
	if !ok {
		t.Fatalf("not every node at version 2: %v", versions(c))
	}
	t.Logf("push on %s -> all %d nodes at version 2 in %v (after the push returned: %v)", pusher.Name, len(c.Nodes), time.Since(t0), took)
	if b, _ := os.ReadFile(c.Conf); !strings.Contains(string(b), `config_version="2"`) {
		t.Errorf("the local cluster.conf was not rewritten")
	}
	if _, err := os.Stat(c.Conf + ".bak"); err != nil {
		t.Errorf("no cluster.conf.bak kept: %v", err)
	}

	// An invalid file is refused and changes nothing anywhere.
	bad := strings.Replace(string(bump(t, c, "3", "")), `nodeid="2"`, `nodeid="1"`, 1)
	if r := push(t, c.Nodes[0], []byte(bad)); r.Accepted || len(r.Errors) == 0 {
		t.Fatalf("an invalid push was not refused with its errors: %+v", r)
	}
	// A stale version is refused too.
	if r := push(t, c.Nodes[0], bump(t, c, "1", "")); r.Accepted || r.Reason != api.PushStale {
		t.Fatalf("a stale push was not refused: %+v", r)
	}
	time.Sleep(300 * time.Millisecond)
	if !allAt(c, 2) {
		t.Fatalf("a refused push changed something: %v", versions(c))
	}

	// A node stopped during two pushes comes back and adopts the newest.
	off := c.Nodes[len(c.Nodes)-1]
	if off.Name == master {
		off = c.Nodes[len(c.Nodes)-2]
	}
	off.Kill()
	for _, v := range []string{"3", "4"} {
		data := bump(t, c, v, "")
		if r := push(t, c.Node(master), data); !r.Accepted {
			t.Fatalf("push %s refused: %+v", v, r)
		}
	}
	os.WriteFile(c.Conf, bump(t, c, "1", ""), 0o644) // the returning node has an old local file
	if err := off.Start(); err != nil {
		t.Fatal(err)
	}
	if _, ok := harness.Until(10*time.Second, 20*time.Millisecond, func() bool { return allAt(c, 4) && off.Running() }); !ok {
		t.Fatalf("the returning node did not adopt version 4: %v", versions(c))
	}

	// The config area survives a full cluster restart.
	for _, n := range c.Nodes {
		n.Kill()
	}
	os.WriteFile(c.Conf, bump(t, c, "1", ""), 0o644)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFormed(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !allAt(c, 4) {
		t.Fatalf("after a full restart the cluster runs %v, want 4 from the quorum disk", versions(c))
	}
}

func TestConfigPushAddsChangesAndRemovesServices(t *testing.T) {
	c, master := start(t, harness.Options{BasePort: 6150})
	script, _ := filepath.Abs("testdata/svc.sh")
	logf := filepath.Join(t.TempDir(), "svc.log")
	os.WriteFile(logf, nil, 0o666)
	withService := func(version, extraArg string) []byte {
		b := string(bump(t, c, version, ""))
		rm := fmt.Sprintf(`<rm><service name="app"><exec name="app" command="%s %s %s"/></service></rm>`, script, logf, extraArg)
		if i := strings.Index(b, "<rm>"); i >= 0 {
			b = b[:i] + b[strings.Index(b, "</rm>")+len("</rm>"):]
		}
		return []byte(strings.Replace(b, "</cluster>", rm+"\n</cluster>", 1))
	}
	m := c.Node(master)
	count := func(word string) int { b, _ := os.ReadFile(logf); return strings.Count(string(b), word+" ") }

	if r := push(t, m, withService("2", "")); !r.Accepted {
		t.Fatalf("push adding a service refused: %+v", r)
	}
	s, took := waitService(t, m, started, "started after the push that added it")
	t.Logf("a pushed service started on %s %v after the push", s.Owner, took)

	if r := push(t, victim(c, master), withService("3", "changed")); !r.Accepted {
		t.Fatalf("push changing the service refused: %+v", r)
	}
	if _, ok := harness.Until(10*time.Second, 20*time.Millisecond, func() bool { return count("start") >= 2 && count("stop") >= 1 }); !ok {
		b, _ := os.ReadFile(logf)
		t.Fatalf("a changed service was not restarted:\n%s", b)
	}
	if s2 := service(m); s2.Owner != s.Owner {
		t.Errorf("a changed service moved from %s to %s; it should restart in place", s.Owner, s2.Owner)
	}

	b := string(bump(t, c, "4", ""))
	b = b[:strings.Index(b, "<rm>")] + b[strings.Index(b, "</rm>")+len("</rm>"):]
	if r := push(t, m, []byte(b)); !r.Accepted {
		t.Fatalf("push removing the service refused: %+v", r)
	}
	if _, ok := harness.Until(10*time.Second, 20*time.Millisecond, func() bool { return count("stop") >= 2 }); !ok {
		t.Fatalf("a removed service still runs")
	}
	if st, _ := m.Status(); len(st.Services) != 0 {
		t.Errorf("clustat still lists services after their removal: %+v", st.Services)
	}
	checkNoOverlap(t, logf, nil)
}
