package svcmgr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrConfig: the resource's parameters in cluster.conf are wrong or
	// missing. No node can run it until the file is fixed.
	ErrConfig = errors.New("invalid resource configuration")
	// ErrNotInstalled: a program, script, unit, agent, user or device
	// this node needs is missing or unusable. Another node may do better.
	ErrNotInstalled = errors.New("not installed on this node")
	// ErrTimeout: an operation did not finish within its timeout.
	ErrTimeout = errors.New("timed out")
	// ErrNotIndependent: a failed resource lies outside every
	// __independent_subtree, so only recovering the whole service helps.
	ErrNotIndependent = errors.New("failure outside an independent subtree")
	// ErrTooManyFailures: an independent subtree failed more than its
	// __max_failures within __failure_expire_time.
	ErrTooManyFailures = errors.New("too many failures")
)

// ResourceError says which resource of which service failed in which
// operation. Err carries the reason and the fix.
type ResourceError struct {
	Service string
	Type    string // element name
	KeyAttr string // attribute that names it: address, name, unit or ref
	Key     string // its value
	Line    int    // line in cluster.conf, 0 when unknown
	Op      string // configure, validate, start, stop, status
	Err     error
}

func (e *ResourceError) Error() string {
	var b strings.Builder
	if e.Service != "" {
		fmt.Fprintf(&b, "service %q: ", e.Service)
	}
	fmt.Fprintf(&b, "<%s %s=%s>", e.Type, e.KeyAttr, strconv.Quote(e.Key))
	if e.Line > 0 {
		fmt.Fprintf(&b, " (cluster.conf:%d)", e.Line)
	}
	fmt.Fprintf(&b, ": %s: %v", e.Op, e.Err)
	return b.String()
}

func (e *ResourceError) Unwrap() error { return e.Err }

// Reason is err as the cluster shows it beside the service's name: a
// ResourceError without the service, which the reader already knows.
func Reason(err error) string {
	var re *ResourceError
	if errors.As(err, &re) && re.Service != "" {
		short := *re
		short.Service = ""
		return short.Error()
	}
	return err.Error()
}

// ExitError is a program (init script, OCF agent, fsck, mount) that
// exited with a code meaning failure.
type ExitError struct {
	Cmd     string // what ran, e.g. "/etc/init.d/httpd start"
	Code    int    // exit code, -1 when killed by a signal
	Meaning string // e.g. "OCF_ERR_CONFIGURED", "LSB: program is not running"
	Output  string // the tail of what it printed
	kind    error  // ErrConfig, ErrNotInstalled or nil
}

func (e *ExitError) Error() string {
	s := fmt.Sprintf("%s exited with %d", e.Cmd, e.Code)
	if e.Code < 0 {
		s = e.Cmd + " was killed by a signal"
	}
	if e.Meaning != "" {
		s += " (" + e.Meaning + ")"
	}
	if e.Output != "" {
		s += ": " + e.Output
	}
	return s
}

// Is reports ErrConfig or ErrNotInstalled for the exit codes that mean
// them (LSB and OCF: 2 and 6 configuration, 5 not installed).
func (e *ExitError) Is(target error) bool { return e.kind != nil && target == e.kind }

// configErr wraps ErrConfig: msg says what is wrong, fix how to fix it.
func configErr(msg, fix string) error {
	return fmt.Errorf("%w: %s; %s", ErrConfig, msg, fix)
}

// notInstalledErr wraps ErrNotInstalled.
func notInstalledErr(msg, fix string) error {
	return fmt.Errorf("%w: %s; %s", ErrNotInstalled, msg, fix)
}
