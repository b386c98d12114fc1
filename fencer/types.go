package fencer

import (
	"context"
	"time"

	"github.com/quorate/quorate/conf"
)

// Action is what a fence device is asked to do, with the names of the
// fence-agents API.
type Action string

// Actions understood by Fence and by Agent implementations. Fence
// decomposes ActionReboot into off, verify off, on; agents only ever see
// off, on, status and monitor from a Fencer.
const (
	ActionOff     Action = "off"
	ActionOn      Action = "on"
	ActionReboot  Action = "reboot"
	ActionStatus  Action = "status"
	ActionMonitor Action = "monitor"
)

// DefaultAction is used when neither the Request nor the device sets one,
// as fenced did.
const DefaultAction = ActionReboot

// valid reports whether a is one of the five actions above.
func (a Action) valid() bool {
	switch a {
	case ActionOff, ActionOn, ActionReboot, ActionStatus, ActionMonitor:
		return true
	}
	return false
}

// query reports whether a only reads the power state.
func (a Action) query() bool { return a == ActionStatus || a == ActionMonitor }

// Status is a device's power (or access) state as an agent reports it.
type Status int

// Power states. Unknown is returned with errors and by actions that do
// not read the state.
const (
	Unknown Status = iota
	On
	Off
)

// String returns "unknown", "on" or "off".
func (s Status) String() string {
	switch s {
	case On:
		return "on"
	case Off:
		return "off"
	}
	return "unknown"
}

// Attempt results.
const (
	ResultSuccess = "success"
	ResultFailed  = "failed"
	ResultTimeout = "timeout"
)

// Request asks for one node to be fenced (or unfenced). Node and Cluster
// come from the parsed cluster.conf; the node's <fence> methods and the
// cluster's <fencedevices> are used as they are.
type Request struct {
	Node    *conf.Node
	Cluster *conf.Cluster
	// Action overrides every device's action= parameter when set. Empty
	// means: the device's action= (from <device>, else <fencedevice>),
	// else DefaultAction.
	Action Action
}

// Attempt is one try of one device: the record kept in History and shown
// by clustat. Output holds what the agent printed (external agents) or
// the steps taken (native agents), with secrets replaced by "******".
type Attempt struct {
	Node, Method, Device, Agent string
	Action                      Action
	Result                      string // ResultSuccess, ResultFailed or ResultTimeout
	Err                         string // why it failed; empty on success
	Started                     time.Time
	Duration                    time.Duration
	Output                      string
	Status                      Status // last power state seen; Unknown when none was read
}

// Outcome is the result of Fence or Unfence for one node. Success is true
// only when every device of Method succeeded and, for off and reboot, the
// power-off was verified.
type Outcome struct {
	Node     string
	Success  bool
	Method   string // the method that succeeded; empty when none did
	Attempts []Attempt
	Err      string // why no method succeeded; empty on success
}

// Agent drives one kind of fence device. Do performs action once: no
// retries and no verification (the Fencer does both), bounded by ctx.
// params are the device's merged parameters in the fence-agents
// vocabulary (ipaddr, login, passwd, port, nodename, ...); the agent must
// not modify the map.
//
// For off and on a nil error means the device accepted the command; the
// returned Status may be Unknown. For status and monitor Do returns On or
// Off with a nil error, or an error when the state could not be read
// (which never means Off). Errors wrap ErrTimeout when ctx expired,
// ErrAuth for rejected credentials, ErrMissingParam or ErrBadParam for
// unusable parameters, and ErrAgentFailed otherwise.
type Agent interface {
	Do(ctx context.Context, action Action, params map[string]string) (Status, error)
}

// OutputAgent is an Agent that also returns its text output (stdout and
// stderr of an external agent), already stripped of secrets.
type OutputAgent interface {
	Agent
	DoOutput(ctx context.Context, action Action, params map[string]string) (Status, string, error)
}
