package fencer

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// agentDir is the absolute path of the test fence agents.
func agentDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("testdata/agents")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cluster parses a cluster.conf with one node n1 (id 1) whose <fence>
// (and <unfence>) body is node and whose <fencedevices> body is devices.
func cluster(t *testing.T, node, devices string) *conf.Cluster {
	t.Helper()
	text := `<cluster name="alpha" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1" addr="10.0.0.1">
` + node + `
    </clusternode>
    <clusternode name="n2" nodeid="2" addr="10.0.0.2"/>
  </clusternodes>
  <fencedevices>
` + devices + `
  </fencedevices>
</cluster>
`
	c, err := conf.Parse("cluster.conf", []byte(text))
	if err != nil {
		t.Fatalf("test cluster.conf does not parse: %v\n%s", err, text)
	}
	return c
}

// testFencer is a Fencer that finds the test agents and polls quickly.
func testFencer(t *testing.T, opts Options) (*Fencer, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	opts.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.AgentDirs == nil {
		opts.AgentDirs = []string{agentDir(t)}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.VerifyTimeout == 0 {
		opts.VerifyTimeout = 2 * time.Second
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = 10 * time.Millisecond
	}
	return New(opts), &logs
}

func node1(c *conf.Cluster) *conf.Node { return &c.Nodes[0] }

// processGone reports whether pid has exited (or is a zombie).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// waitGone polls until pid is gone or d passes.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
