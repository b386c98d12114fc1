package api

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestServerLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	path := filepath.Join(dir, "q.sock")
	srv, err := newServer(path, &fakeBackend{st: sampleStatus()}, nil, "quorate-test-no-such-group")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("parent dir: %v, %v; want 0755", fi, err)
	}
	go srv.Serve()
	if _, err := NewClient(path).Status(context.Background()); err != nil {
		t.Fatalf("Status: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".qbind*"))
	if len(leftovers) != 0 {
		t.Errorf("bind directories left behind: %v", leftovers)
	}
	// The path is free again.
	srv2, err := newServer(path, &fakeBackend{}, nil, "quorate-test-no-such-group")
	if err != nil {
		t.Fatalf("newServer after Close: %v", err)
	}
	srv2.Close()
}

func TestNewServerReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.sock")
	makeStaleSocket(t, path)
	srv, err := newServer(path, &fakeBackend{st: sampleStatus()}, nil, "quorate-test-no-such-group")
	if err != nil {
		t.Fatalf("newServer over a stale socket: %v", err)
	}
	defer srv.Close()
	go srv.Serve()
	if _, err := NewClient(path).Status(context.Background()); err != nil {
		t.Fatalf("Status: %v", err)
	}
}

func TestNewServerRefusesRunningDaemon(t *testing.T) {
	_, path := startServer(t, &fakeBackend{st: sampleStatus()})
	_, err := newServer(path, &fakeBackend{}, nil, "quorate-test-no-such-group")
	if !errors.Is(err, ErrSocketInUse) {
		t.Fatalf("second server: %v, want ErrSocketInUse", err)
	}
	// The first server must be untouched.
	if _, err := NewClient(path).Status(context.Background()); err != nil {
		t.Fatalf("first server broken by the refused second one: %v", err)
	}
}

func TestNewServerRefusesForeignListener(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = newServer(path, &fakeBackend{}, nil, "quorate-test-no-such-group")
	if !errors.Is(err, ErrSocketInUse) {
		t.Fatalf("newServer over a live listener: %v, want ErrSocketInUse", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSocket == 0 {
		t.Fatalf("live socket was removed: %v", err)
	}
}

func TestNewServerRefusesNonSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.sock")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := newServer(path, &fakeBackend{}, nil, "quorate-test-no-such-group")
	if err == nil {
		t.Fatal("newServer replaced a regular file")
	}
	if data, _ := os.ReadFile(path); string(data) != "precious" {
		t.Errorf("regular file clobbered: %q", data)
	}
}

func TestSocketModeWithoutGroup(t *testing.T) {
	srv, path := startServer(t, &fakeBackend{})
	_ = srv
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode without group = %o, want 600", got)
	}
}

func TestSocketModeWithGroup(t *testing.T) {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no name for our gid %d: %v", os.Getgid(), err)
	}
	path := filepath.Join(t.TempDir(), "q.sock")
	srv, err := newServer(path, &fakeBackend{}, nil, g.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o660 {
		t.Errorf("mode with group %s = %o, want 660", g.Name, got)
	}
	if gid := fi.Sys().(*syscall.Stat_t).Gid; strconv.Itoa(int(gid)) != g.Gid {
		t.Errorf("socket gid = %d, want %s", gid, g.Gid)
	}
}

func TestNewServerRejectsOverlongPath(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, strings.Repeat("d", maxSocketPath-len(dir)-10))
	_, err := newServer(filepath.Join(long, "q.sock"), &fakeBackend{}, nil, "quorate-test-no-such-group")
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("newServer with an overlong path: %v, want a 'too long' error", err)
	}
}
