package fencer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quorate/quorate/conf"
)

// Sentinel errors; every error returned by this package wraps one of them.
var (
	// ErrUnknownAgent: the agent named in cluster.conf is not installed.
	ErrUnknownAgent = errors.New("fence agent not found")
	// ErrMissingParam: a parameter the agent needs is absent.
	ErrMissingParam = errors.New("fence device parameter missing")
	// ErrBadParam: a parameter has an unusable value.
	ErrBadParam = errors.New("fence device parameter invalid")
	// ErrConfig: the fence topology itself is wrong (no methods, a
	// device that names no <fencedevice>).
	ErrConfig = errors.New("fence configuration invalid")
	// ErrNoMethods: a node has no <fence> methods.
	ErrNoMethods = errors.New("node has no fence methods")
	// ErrAuth: the device rejected the credentials.
	ErrAuth = errors.New("fence device rejected the login")
	// ErrUnreachable: the device did not answer.
	ErrUnreachable = errors.New("fence device unreachable")
	// ErrTimeout: the call did not finish within its time limit.
	ErrTimeout = errors.New("fence device timed out")
	// ErrAgentFailed: the agent ran and reported failure.
	ErrAgentFailed = errors.New("fence agent failed")
	// ErrNotVerified: the device accepted "off" but never reported off.
	ErrNotVerified = errors.New("power off not verified")
	// ErrUnsupported: the agent cannot perform the action.
	ErrUnsupported = errors.New("action not supported by the agent")
)

// permanent reports whether retrying err cannot help: configuration and
// credential errors fail the device at once.
func permanent(err error) bool {
	for _, e := range []error{ErrUnknownAgent, ErrMissingParam, ErrBadParam, ErrConfig, ErrAuth, ErrUnsupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// ConfigError is one problem of a node's fence configuration, found by
// Validate or at the first fence. It formats like conf.Error
// (`cluster.conf:42: <device name="ipmi-n1">: node n1, method 1: ...; fix`)
// and unwraps to a sentinel (ErrUnknownAgent, ErrMissingParam, ErrBadParam
// or ErrConfig).
type ConfigError struct {
	Node, Method, Device string
	Line                 int // line of the <device> (or <clusternode>) in cluster.conf; 0 when unknown
	Msg, Fix             string
	Err                  error // the sentinel
}

func (e *ConfigError) Error() string {
	var where []string
	if e.Node != "" {
		where = append(where, "node "+e.Node)
	}
	if e.Method != "" {
		where = append(where, "method "+e.Method)
	}
	msg := e.Msg
	if len(where) > 0 {
		msg = strings.Join(where, ", ") + ": " + msg
	}
	el := ""
	if e.Device != "" {
		el = fmt.Sprintf("<device name=%q>", e.Device)
	}
	ce := conf.Error{File: "cluster.conf", Line: e.Line, Element: el, Msg: msg, Fix: e.Fix}
	return ce.Error()
}

// Unwrap returns the sentinel.
func (e *ConfigError) Unwrap() error { return e.Err }

func configError(sentinel error, node, method, device string, line int, msg, fix string) *ConfigError {
	return &ConfigError{Node: node, Method: method, Device: device, Line: line, Msg: msg, Fix: fix, Err: sentinel}
}
