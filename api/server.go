package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Backend is what the daemon provides to the API. Methods are called
// concurrently from request goroutines, must honour ctx, and report failures
// as *Error (or wrap a sentinel such as ErrNotFound) to choose the code the
// client sees; any other error is sent as CodeInternal.
type Backend interface {
	// Status returns a snapshot the caller may keep; it must not be
	// modified by the backend afterwards.
	Status(ctx context.Context) (*Status, error)
}

// Server serves the API on a Unix socket.
type Server struct {
	path string
	ln   *net.UnixListener
	lock *socketLock
	http *http.Server
	log  *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// NewServer prepares the socket at path (see the package documentation for
// the stale-socket and permission rules) and returns a server ready to
// Serve. It fails with ErrSocketInUse when another daemon owns path.
func NewServer(path string, b Backend, log *slog.Logger) (*Server, error) {
	return newServer(path, b, log, SocketGroup)
}

func newServer(path string, b Backend, log *slog.Logger, group string) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create socket directory for %s: %w", path, err)
	}
	lock, err := lockSocket(path)
	if err != nil {
		return nil, err
	}
	ln, err := bindSocket(path, lookupSocketPerms(group, log), log)
	if err != nil {
		lock.release()
		return nil, err
	}
	s := &Server{path: path, ln: ln, lock: lock, log: log}
	s.http = &http.Server{
		Handler:           newHandler(b, log, controlRoutes(b)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

func bindSocket(path string, perms socketPerms, log *slog.Logger) (*net.UnixListener, error) {
	if err := clearStale(path); err != nil {
		return nil, err
	}
	return listenPrivate(path, perms, log)
}

// Path is the socket the server listens on.
func (s *Server) Path() string { return s.path }

// Serve answers requests until Close; it then returns nil.
func (s *Server) Serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server at once (requests in flight are cut), removes the
// socket file and releases the lock. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		err := s.http.Close()
		if cerr := s.ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			err = errors.Join(err, cerr)
		}
		if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		s.closeErr = errors.Join(err, s.lock.release())
	})
	return s.closeErr
}

// NewHTTPHandler returns the read-only part of the API (status JSON and the
// HTML page) for serving on a TCP address. It never exposes control
// endpoints.
func NewHTTPHandler(b Backend) http.Handler {
	return newHandler(b, nil, nil)
}
