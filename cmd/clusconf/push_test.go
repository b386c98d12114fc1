package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
)

// fakeDaemon is an api.Backend with the configuration endpoints.
type fakeDaemon struct {
	mu     sync.Mutex
	pushed [][]byte
	result api.PushResult
	err    error
	sync   api.ConfigSync
}

func (f *fakeDaemon) Status(context.Context) (*api.Status, error) { return &api.Status{}, nil }

func (f *fakeDaemon) PushConfig(_ context.Context, data []byte) (api.PushResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushed = append(f.pushed, data)
	return f.result, f.err
}

func (f *fakeDaemon) ConfigStatus(context.Context) (api.ConfigSync, error) { return f.sync, f.err }

// startDaemon serves f on a socket in a temp dir and returns its path.
func startDaemon(t *testing.T, f *fakeDaemon) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.sock")
	srv, err := api.NewServer(path, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return path
}

func TestPush(t *testing.T) {
	f := &fakeDaemon{result: api.PushResult{Accepted: true, Version: 41, Current: 41, Message: "stored on the quorum disk"}}
	sock := startDaemon(t, f)
	path, orig := baseFile(t)
	code, stdout, stderr := run(t, "-f", path, "--socket", sock, "push")
	if code != exitOK || stdout != path+": accepted, the cluster is at config_version 41; stored on the quorum disk\n" {
		t.Fatalf("push: exit %d, %q %q", code, stdout, stderr)
	}
	if len(f.pushed) != 1 || !bytes.Equal(f.pushed[0], orig) {
		t.Fatalf("daemon received %q, want the file's bytes", f.pushed)
	}
	// The socket also comes from $QUORATE_SOCKET.
	t.Setenv(api.SocketEnv, sock)
	f.result = api.PushResult{Accepted: true, Unchanged: true, Version: 41, Current: 41}
	if code, stdout, _ := run(t, "-f", path, "push"); code != exitOK || !strings.Contains(stdout, "already runs config_version 41") {
		t.Errorf("unchanged push: exit %d %q", code, stdout)
	}
	f.result = api.PushResult{Version: 41, Current: 43, Reason: api.PushStale,
		Message: "config_version 41 is below the cluster's 43; raise it above 43", Errors: []string{"cluster.conf:3: x"}}
	code, stdout, stderr = run(t, "-f", path, "push")
	if code != exitError || stdout != "" {
		t.Errorf("refused push: exit %d, stdout %q", code, stdout)
	}
	mustContain(t, "refusal", stderr, "refused by the cluster (stale, cluster at config_version 43): config_version 41 is below", "\ncluster.conf:3: x\n")
	f.err = api.ErrNoQuorum
	if code, _, stderr := run(t, "-f", path, "push"); code != exitError || !strings.Contains(stderr, "requires quorum") {
		t.Errorf("push without quorum: exit %d %s", code, stderr)
	}
}

func TestPushRefusesInvalidFileLocally(t *testing.T) {
	f := &fakeDaemon{}
	sock := startDaemon(t, f)
	path := filepath.Join(t.TempDir(), "cluster.conf")
	os.WriteFile(path, []byte("<cluster name=\"a\" config_version=\"1\">\n  <totm/>\n</cluster>\n"), 0o644)
	code, _, stderr := run(t, "-f", path, "--socket", sock, "push")
	if code != exitError || !strings.Contains(stderr, "did you mean <totem>?") || !strings.Contains(stderr, "nothing was sent") {
		t.Errorf("push of an invalid file: exit %d %s", code, stderr)
	}
	if len(f.pushed) != 0 {
		t.Error("an invalid file reached the daemon")
	}
}

func TestPushWithoutDaemon(t *testing.T) {
	path, _ := baseFile(t)
	code, _, stderr := run(t, "-f", path, "--socket", filepath.Join(t.TempDir(), "none.sock"), "push")
	if code != exitError || !strings.Contains(stderr, "is quorated running?") {
		t.Errorf("exit %d %s", code, stderr)
	}
}

func TestSyncStatus(t *testing.T) {
	f := &fakeDaemon{sync: api.ConfigSync{Version: 42, Checksum: "0123456789abcdef0123", Writer: "db2",
		Stored: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		Nodes: []api.NodeConfig{
			{Name: "db1", ID: 1, Version: 42, State: api.ConfigCurrent},
			{Name: "db2", ID: 2, Version: 42, State: api.ConfigCurrent},
			{Name: "web1", ID: 3, State: api.ConfigUnknown},
		}}}
	sock := startDaemon(t, f)
	code, stdout, stderr := run(t, "--socket", sock, "sync", "--status")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, stderr)
	}
	mustContain(t, "sync --status", stdout, "accepted config_version 42 (sha256 0123456789ab), stored by db2 at ",
		"ID  NODE  VERSION  STATE\n", "1   db1   42       current\n", "3   web1  -        unknown\n",
		"1 of 3 nodes do not run the accepted version\n")
	f.sync = api.ConfigSync{}
	if _, stdout, _ := run(t, "--socket", sock, "sync", "--status"); !strings.Contains(stdout, "no accepted configuration yet") {
		t.Errorf("empty sync: %q", stdout)
	}
}
