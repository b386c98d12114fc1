package svcmgr

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// lab is a test's scratch directory, shared with testdata/lsb.sh and
// testdata/child.sh through $SVCMGR_TEST_DIR.
type lab struct {
	t   *testing.T
	dir string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("SVCMGR_TEST_DIR", dir)
	return &lab{t: t, dir: dir}
}

// env is an Env writing logs to the test output and state under the lab.
func (l *lab) env() Env {
	return Env{
		Log:      slog.New(slog.NewTextHandler(l.t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		StateDir: filepath.Join(l.dir, "state"),
		OCFRoot:  abs(l.t, "testdata/ocf"),
		Timeouts: Timeouts{Start: 10 * time.Second, Stop: 10 * time.Second, Status: 5 * time.Second},
	}
}

// script returns the path of an LSB script called name.
func (l *lab) script(name string) string {
	l.t.Helper()
	p := filepath.Join(l.dir, "bin", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		l.t.Fatal(err)
	}
	if err := os.Symlink(abs(l.t, "testdata/lsb.sh"), p); err != nil && !os.IsExist(err) {
		l.t.Fatal(err)
	}
	return p
}

// touch creates a control file such as "b.fail-start".
func (l *lab) touch(name string) {
	l.t.Helper()
	if err := os.WriteFile(filepath.Join(l.dir, name), nil, 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) write(name, content string) {
	l.t.Helper()
	if err := os.WriteFile(filepath.Join(l.dir, name), []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) remove(name string) {
	l.t.Helper()
	if err := os.Remove(filepath.Join(l.dir, name)); err != nil {
		l.t.Fatal(err)
	}
}

// log returns the recorded actions, without status checks.
func (l *lab) log() []string {
	data, err := os.ReadFile(filepath.Join(l.dir, "log"))
	if err != nil && !os.IsNotExist(err) {
		l.t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line != "" && !strings.HasSuffix(line, " status") {
			out = append(out, line)
		}
	}
	return out
}

// clearLog forgets the recorded actions.
func (l *lab) clearLog() {
	os.Remove(filepath.Join(l.dir, "log"))
}

// waitLog waits until line is logged.
func (l *lab) waitLog(line string) {
	l.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(l.log(), line) {
		if time.Now().After(deadline) {
			l.t.Fatalf("%q never logged; log: %q", line, l.log())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// child is the exec command line running testdata/child.sh as name.
func (l *lab) child(name string) string {
	return Quote([]string{abs(l.t, "testdata/child.sh"), name})
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// parse reads a cluster.conf holding the given <rm> body.
func parse(t *testing.T, rm string) *conf.Cluster {
	t.Helper()
	c, err := conf.Parse("cluster.conf", []byte(`<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>
  <rm>`+rm+`</rm>
</cluster>`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tree builds the tree of the first service in rm.
func (l *lab) tree(rm string, env Env) *Tree {
	l.t.Helper()
	c := parse(l.t, rm)
	tr, err := NewTree(c.RM.Services[0], c, env)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		tr.Stop(context.Background())
		tr.Close()
	})
	return tr
}

// scriptRegistry treats the fs and ip types as LSB scripts (file=), so
// ordering tests run real scripts without root.
func scriptRegistry() Registry {
	r := Builtin()
	r["fs"] = newScript
	r["ip"] = newScript
	r["portblock"] = newScript
	return r
}

func states(list []ResourceStatus) map[string]State {
	m := map[string]State{}
	for _, rs := range list {
		m[rs.ID] = rs.State
	}
	return m
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// dies reports whether pid is gone within a second (a signalled process
// takes a moment to exit).
func dies(pid int) bool {
	for range 200 {
		if !alive(pid) {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

func resource(typ string, attrs map[string]string) conf.Resource {
	return conf.Resource{Type: typ, Attrs: attrs}
}
