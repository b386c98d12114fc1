package svcmgr

import (
	"context"
	"log/slog"
	"time"

	godbus "github.com/godbus/dbus/v5"

	"github.com/quorate/quorate/conf"
)

// State is what an agent or a tree reports.
type State int

const (
	// Stopped: not running, and nothing is wrong.
	Stopped State = iota
	// Running: up and healthy.
	Running
	// Failed: broken; the error beside it says why.
	Failed
	// Partial is reported by Tree only: everything runs except
	// non-critical subtrees (__independent_subtree="2") that failed and
	// were left stopped.
	Partial
)

func (s State) String() string {
	switch s {
	case Stopped:
		return "stopped"
	case Running:
		return "running"
	case Failed:
		return "failed"
	case Partial:
		return "partial"
	}
	return "unknown"
}

// Agent drives one resource on the local machine.
//
// Contract:
//   - Start and Stop are idempotent: starting a running resource and
//     stopping a stopped one succeed. Stop must succeed after a failed or
//     partial Start, so a tree can roll back.
//   - Every method returns once its context is done (the Tree gives each
//     call a deadline from Env.Timeouts), wrapping ErrTimeout when it gave
//     up because of it.
//   - Status returns (Running, nil), (Stopped, nil) or (Failed, reason).
//     Any non-nil error means Failed, whatever the State.
//   - Validate checks what can be checked without changing anything:
//     parameters, programs, scripts, units, devices. It bounds its own
//     time.
//   - Errors wrap ErrConfig when cluster.conf must change (no node can
//     run the resource) and ErrNotInstalled when something this node
//     lacks is missing (another node may do better). They name the
//     parameter or file and the fix, not the resource: the Tree adds that.
//   - An agent that learns of a failure by itself (a child exits, a unit
//     fails, a link goes down) calls Env.Report at once. An agent that
//     holds connections or goroutines also implements io.Closer.
type Agent interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Status(ctx context.Context) (State, error)
	Validate() error
}

// Factory builds the agent for one resource. It checks the resource's
// parameters (wrapping ErrConfig) but touches nothing on the machine.
// r has ref= already resolved: Attrs and Children are the referenced
// resource's, overlaid with the referencing element's.
type Factory func(r conf.Resource, env Env) (Agent, error)

// Registry maps a resource type (the element name) to its factory.
type Registry map[string]Factory

// Builtin returns a fresh registry of the agents in this package: ip,
// fs, script, systemd, ocf, exec and portblock.
func Builtin() Registry {
	return Registry{
		"ip":        newIP,
		"fs":        newFS,
		"script":    newScript,
		"systemd":   newSystemd,
		"ocf":       newOCF,
		"exec":      newExec,
		"portblock": newPortblock,
	}
}

// Defaults for Env.
const (
	DefaultOCFRoot  = "/usr/lib/ocf"
	DefaultStateDir = "/run/quorate/svcmgr"
)

// Timeouts bound each agent call the Tree makes. A resource overrides
// them with __start_timeout, __stop_timeout and __status_timeout
// (seconds).
type Timeouts struct {
	Start, Stop, Status time.Duration
}

// DefaultTimeouts are used for zero fields of Env.Timeouts.
var DefaultTimeouts = Timeouts{Start: 60 * time.Second, Stop: 60 * time.Second, Status: 20 * time.Second}

// Env is what agents get from their surroundings. The zero value works:
// every empty field takes its default.
type Env struct {
	Log         *slog.Logger // nil: discard
	ServiceName string
	OCFRoot     string // default DefaultOCFRoot
	// SystemdBus dials one fully initialised connection to the bus
	// systemd is on (authenticated, Hello done); it is called twice per
	// systemd resource. nil: the system bus. See BusAt.
	SystemdBus func() (*godbus.Conn, error)
	// StateDir holds pid files and state markers (created on demand);
	// default DefaultStateDir. Put it on a tmpfs so a reboot clears it.
	StateDir string
	Agents   Registry // default Builtin()
	Timeouts Timeouts // zero fields: DefaultTimeouts
	// PollInterval is how often Tree.Poll checks a resource whose
	// <action>s do not say (<rm status_poll_interval>); default
	// conf.DefaultStatusPollInterval.
	PollInterval time.Duration
	Now          func() time.Time
	// Report is set by Tree for each resource's agent: the agent calls it
	// when it learns by itself that the resource failed.
	Report func(st State, reason error)
}

func (e Env) withDefaults() Env {
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.OCFRoot == "" {
		e.OCFRoot = DefaultOCFRoot
	}
	if e.StateDir == "" {
		e.StateDir = DefaultStateDir
	}
	if e.Agents == nil {
		e.Agents = Builtin()
	}
	if e.Timeouts.Start <= 0 {
		e.Timeouts.Start = DefaultTimeouts.Start
	}
	if e.Timeouts.Stop <= 0 {
		e.Timeouts.Stop = DefaultTimeouts.Stop
	}
	if e.Timeouts.Status <= 0 {
		e.Timeouts.Status = DefaultTimeouts.Status
	}
	if e.PollInterval <= 0 {
		e.PollInterval = conf.DefaultStatusPollInterval
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	return e
}

// report calls Report when set.
func (e Env) report(st State, reason error) {
	if e.Report != nil {
		e.Report(st, reason)
	}
}

// log returns Log, or a discarding logger.
func (e Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}
