package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type fakeBackend struct {
	st  *Status
	err error
}

func (f *fakeBackend) Status(ctx context.Context) (*Status, error) { return f.st, f.err }

func sampleStatus() *Status {
	t0 := time.Date(2026, 11, 25, 18, 1, 2, 0, time.UTC)
	return &Status{
		Time:    t0,
		Cluster: ClusterInfo{Name: "demo", ConfigVersion: 4, Generation: 7},
		Quorum:  QuorumInfo{Quorate: true, Votes: 3, Expected: 3, Quorum: 2},
		Local:   "node1", LocalID: 1,
		Members: []Member{
			{Name: "node1", ID: 1, Votes: 1, State: "online", Local: true, Master: true, Network: true, Disk: true},
			{Name: "node2", ID: 2, Votes: 1, State: "online", Network: true, Disk: true},
			{Name: "node3", ID: 3, Votes: 1, State: "evicted", Reason: "missed 5 heartbeats"},
		},
		QuorumDisk: QuorumDisk{State: "online", Master: "node1", Label: "qdemo", Device: "/dev/loop0", Votes: 1},
		Services: []Service{
			{Name: "service:web", State: "started", Owner: "node2", LastOwner: "node1", Restarts: 1, LastTransition: t0.Add(-time.Minute)},
		},
		Fencing: []FenceEvent{
			{Node: "node3", Method: "1", Device: "ipmi3", Result: "success", Started: t0.Add(-2 * time.Minute), DurationMS: 4200},
		},
		Counters: map[string]uint64{"net_dropped": 3},
	}
}

// startServer runs a server on a socket in a fresh temp dir.
func startServer(t *testing.T, b Backend) (*Server, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.sock")
	srv, err := newServer(path, b, nil, "quorate-test-no-such-group")
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after Close, want nil", err)
		}
	})
	return srv, path
}

func TestSocketPath(t *testing.T) {
	t.Setenv(SocketEnv, "")
	if got := SocketPath(""); got != DefaultSocket {
		t.Errorf("SocketPath(\"\") without env = %q, want %q", got, DefaultSocket)
	}
	t.Setenv(SocketEnv, "/tmp/env.sock")
	if got := SocketPath(""); got != "/tmp/env.sock" {
		t.Errorf("SocketPath(\"\") with env = %q, want the env value", got)
	}
	if got := SocketPath("/tmp/flag.sock"); got != "/tmp/flag.sock" {
		t.Errorf("SocketPath(flag) = %q, want the flag value", got)
	}
}

func TestClientStatusRoundTrip(t *testing.T) {
	want := sampleStatus()
	_, path := startServer(t, &fakeBackend{st: want})
	got, err := NewClient(path).Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Status round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestClientCarriesDaemonErrors(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		is      error
		message string
	}{
		{"wrapped sentinel", fmt.Errorf("service %q: %w", "web", ErrNotFound), ErrNotFound, `service "web": not found`},
		{"typed", Errorf(CodeNoQuorum, "cluster demo is inquorate"), ErrNoQuorum, "cluster demo is inquorate"},
		{"plain error", errors.New("disk on fire"), ErrInternal, "disk on fire"},
		{"not ready", ErrUnavailable, ErrUnavailable, ErrUnavailable.Message},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, path := startServer(t, &fakeBackend{err: tc.err})
			_, err := NewClient(path).Status(context.Background())
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v (%T) is not %v", err, err, tc.is)
			}
			if err.Error() != tc.message {
				t.Errorf("message = %q, want %q", err.Error(), tc.message)
			}
		})
	}
}

func TestClientUnreachable(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.sock")
	stale := filepath.Join(dir, "stale.sock")
	makeStaleSocket(t, stale)
	for _, path := range []string{missing, stale} {
		_, err := NewClient(path).Status(context.Background())
		if !errors.Is(err, ErrDaemonUnreachable) {
			t.Fatalf("%s: error %v is not ErrDaemonUnreachable", path, err)
		}
		for _, want := range []string{path, "is quorated running", "--socket", SocketEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", path, err, want)
			}
		}
	}
}

func TestClientCancellationReachesBackend(t *testing.T) {
	seen := make(chan error, 1)
	b := backendFunc(func(ctx context.Context) (*Status, error) {
		<-ctx.Done()
		seen <- ctx.Err()
		return nil, ctx.Err()
	})
	_, path := startServer(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := NewClient(path).Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Status error = %v, want deadline exceeded", err)
	}
	select {
	case err := <-seen:
		if err == nil {
			t.Error("backend saw a live context")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backend never saw the cancellation")
	}
}

type backendFunc func(ctx context.Context) (*Status, error)

func (f backendFunc) Status(ctx context.Context) (*Status, error) { return f(ctx) }

// makeStaleSocket leaves a socket file at path that nothing listens on.
func makeStaleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSocket == 0 {
		t.Fatalf("stale socket not left behind: %v %v", fi, err)
	}
}
