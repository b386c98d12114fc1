package api

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// DefaultSocket is where quorated listens unless told otherwise.
const DefaultSocket = "/run/quorate/quorated.sock"

// SocketGroup is the group allowed to use the socket besides root.
const SocketGroup = "haclient"

// SocketEnv names the environment variable that overrides DefaultSocket.
const SocketEnv = "QUORATE_SOCKET"

// SocketPath picks the socket path: flagValue if set, else $QUORATE_SOCKET,
// else DefaultSocket.
func SocketPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv(SocketEnv); env != "" {
		return env
	}
	return DefaultSocket
}

// socketPerms is how the socket file is owned: gid -1 means "leave the group
// alone".
type socketPerms struct {
	gid  int
	mode fs.FileMode
}

// lookupSocketPerms decides the socket's group and mode from group name.
func lookupSocketPerms(group string, log *slog.Logger) socketPerms {
	g, err := user.LookupGroup(group)
	if err != nil {
		log.Info("group not found; the control socket is root-only (0600); create the group to let its members run clustat",
			"group", group, "reason", err)
		return socketPerms{gid: -1, mode: 0o600}
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		log.Info("group has a non-numeric gid; the control socket is root-only (0600)", "group", group, "gid", g.Gid)
		return socketPerms{gid: -1, mode: 0o600}
	}
	return socketPerms{gid: gid, mode: 0o660}
}

// socketLock is the flock(2) on "<socket>.lock" held while a server runs.
type socketLock struct{ f *os.File }

func lockSocket(path string) (*socketLock, error) {
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w (it holds %s); stop it first or pass --socket / %s for a second daemon",
				path, ErrSocketInUse, lockPath, SocketEnv)
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	return &socketLock{f: f}, nil
}

// release drops the lock. The lock file stays: removing it would let a
// daemon that opened the old file and one that creates a new file both lock.
func (l *socketLock) release() error { return l.f.Close() }

// clearStale removes a socket file that nobody answers on. It refuses when
// the path is not a socket or when a server still answers there.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket (%v); remove it or pass --socket / %s", path, fi.Mode().Type(), SocketEnv)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("%s: %w (something answers on it); stop it first or pass --socket / %s", path, ErrSocketInUse, SocketEnv)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("probe existing socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

// maxSocketPath is the longest path bind(2) takes for a Unix socket on
// Linux (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// listenPrivate binds a Unix socket at path whose final owner and mode are
// set before the path becomes visible: it binds inside a fresh 0700
// directory, fixes the permissions there and renames the socket into place.
// The listener does not unlink on Close; the caller removes path. The
// detour costs about 16 bytes of the Unix socket path limit.
func listenPrivate(path string, perms socketPerms, log *slog.Logger) (*net.UnixListener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".qbind")
	if err != nil {
		return nil, fmt.Errorf("make bind directory next to %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	if len(tmp) > maxSocketPath {
		return nil, fmt.Errorf("socket directory %s is too long: quorated binds at %s first, which exceeds the %d-byte limit of Unix socket paths; pass a shorter --socket",
			filepath.Dir(path), tmp, maxSocketPath)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := setPerms(tmp, perms, log); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("move socket into place at %s: %w", path, err)
	}
	return ln, nil
}

// setPerms applies perms; if the group cannot be set it falls back to 0600.
func setPerms(path string, perms socketPerms, log *slog.Logger) error {
	mode := perms.mode
	if perms.gid >= 0 {
		if err := os.Chown(path, -1, perms.gid); err != nil {
			log.Warn("cannot give the control socket to its group; it stays root-only (0600)",
				"group", SocketGroup, "gid", perms.gid, "reason", err)
			mode = 0o600
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("chmod %o %s: %w", mode, path, err)
	}
	return nil
}
