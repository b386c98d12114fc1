package fencer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Options configure a Fencer. Zero values select the defaults.
type Options struct {
	Log *slog.Logger     // nil = discard
	Now func() time.Time // timestamps of attempts; default time.Now
	// AgentDirs are searched, in order, for external agents; default
	// $PATH, /usr/sbin, /sbin.
	AgentDirs []string
	// Timeout bounds one agent call (one off, on or status); default 30s.
	Timeout time.Duration
	// VerifyTimeout bounds polling for "off" after an off; default 20s
	// (fence-agents' power_timeout), overridden per device by
	// power_timeout=.
	VerifyTimeout time.Duration
	// PollInterval is the pause between status polls; default 500ms.
	PollInterval time.Duration
	// Retries is how many more times a failed device is tried (not for
	// configuration or login errors); default 0.
	Retries int
	// RetryDelay is the pause before a retry; default 1s.
	RetryDelay time.Duration
	// History is the number of attempts kept; default 100.
	History int
	// Agents maps an agent= name to an implementation that is used
	// instead of native IPMI or an executable (tests, built-in agents).
	Agents map[string]Agent
	// IPMI tunes the native IPMI client; Log defaults to Options.Log.
	IPMI IPMIAgent
	// Self is the name of the node this Fencer runs on. The built-in
	// fence_scsi needs it: off preempts with this node's key, and on
	// registers only this node.
	Self string
	// OpenSG opens a LUN for SCSI commands (fence_scsi); default OpenSG.
	// A returned SGIO that is an io.Closer is closed after use.
	OpenSG func(path string) (SGIO, error)
}

// Fencer runs fence methods. It is safe for concurrent use; fencing
// decisions (who, when, how often) are the caller's.
type Fencer struct {
	opts Options
	log  *slog.Logger
	ipmi *IPMIAgent

	mu      sync.Mutex
	history []Attempt // ring, oldest first once full
	next    int
	meta    map[string]agentMeta // by agent path

	sleep func(context.Context, time.Duration) error // the delay= wait; tests replace it
}

// New returns a Fencer with opts, defaults filled in.
func New(opts Options) *Fencer {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AgentDirs == nil {
		opts.AgentDirs = defaultAgentDirs()
	}
	opts.Timeout = orDefault(opts.Timeout, 30*time.Second)
	opts.VerifyTimeout = orDefault(opts.VerifyTimeout, 20*time.Second)
	opts.PollInterval = orDefault(opts.PollInterval, 500*time.Millisecond)
	opts.RetryDelay = orDefault(opts.RetryDelay, time.Second)
	if opts.History <= 0 {
		opts.History = 100
	}
	opts.Retries = max(opts.Retries, 0)
	if opts.OpenSG == nil {
		opts.OpenSG = func(path string) (SGIO, error) { return OpenSG(path) }
	}
	log := logger(opts.Log).With("component", "fencer")
	ipmi := opts.IPMI
	if ipmi.Log == nil {
		ipmi.Log = log
	}
	return &Fencer{opts: opts, log: log, ipmi: &ipmi, sleep: sleepCtx}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Fence tries the node's <fence> methods in order until one succeeds. A
// method succeeds only when every one of its devices succeeded; a device
// asked for off or reboot succeeds only once the power-off was verified.
// Timeouts, unreachable devices, unknown agents, rejected logins and
// missing parameters are failures, never successes.
func (f *Fencer) Fence(ctx context.Context, r Request) Outcome {
	out := Outcome{Node: nodeName(r)}
	if err := checkRequest(r); err != nil {
		out.Err = err.Error()
		f.log.Error("cannot fence", "node", out.Node, "err", err)
		return out
	}
	if len(r.Node.Fence) == 0 {
		err := configError(ErrNoMethods, r.Node.Name, "", "", r.Node.Line, "no fence methods",
			`add <fence><method name="1"><device name="..."/></method></fence> to the <clusternode>`)
		out.Err = err.Error()
		f.log.Error("cannot fence", "node", out.Node, "err", err)
		return out
	}
	f.log.Info("fencing node", "node", out.Node, "methods", len(r.Node.Fence))
	var errs []string
	for _, m := range r.Node.Fence {
		ok, err := f.runMethod(ctx, r, m.Name, m.Devices, r.Action, &out)
		if ok {
			out.Success, out.Method = true, m.Name
			f.log.Info("node fenced", "node", out.Node, "method", m.Name)
			return out
		}
		errs = append(errs, fmt.Sprintf("method %s: %v", m.Name, err))
		if ctx.Err() != nil {
			errs = append(errs, "stopped: "+ctx.Err().Error())
			break
		}
	}
	out.Err = joinErrs(errs)
	f.log.Error("fencing failed", "node", out.Node, "err", out.Err)
	return out
}

// Unfence runs the node's <unfence> devices with action on (SCSI
// re-registration, switching a port back on). It succeeds only when every
// device succeeded; a node without <unfence> succeeds at once.
func (f *Fencer) Unfence(ctx context.Context, r Request) Outcome {
	out := Outcome{Node: nodeName(r)}
	if err := checkRequest(r); err != nil {
		out.Err = err.Error()
		return out
	}
	if len(r.Node.Unfence) == 0 {
		out.Success = true
		return out
	}
	ok, err := f.runMethod(ctx, r, "unfence", r.Node.Unfence, ActionOn, &out)
	out.Success = ok
	if ok {
		out.Method = "unfence"
		f.log.Info("node unfenced", "node", out.Node)
	} else {
		out.Err = err.Error()
		f.log.Error("unfencing failed", "node", out.Node, "err", err)
	}
	return out
}

// History returns the kept attempts, oldest first.
func (f *Fencer) History() []Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.history) < f.opts.History {
		return append([]Attempt(nil), f.history...)
	}
	out := append([]Attempt(nil), f.history[f.next:]...)
	return append(out, f.history[:f.next]...)
}

func (f *Fencer) record(a Attempt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.history) < f.opts.History {
		f.history = append(f.history, a)
		return
	}
	f.history[f.next] = a
	f.next = (f.next + 1) % f.opts.History
}

func nodeName(r Request) string {
	if r.Node == nil {
		return ""
	}
	return r.Node.Name
}

func checkRequest(r Request) error {
	if r.Node == nil || r.Cluster == nil {
		return fmt.Errorf("%w: request without node or cluster configuration", ErrConfig)
	}
	if r.Action != "" && !r.Action.valid() {
		return fmt.Errorf("%w: action %q (use off, on, reboot, status or monitor)", ErrBadParam, r.Action)
	}
	return nil
}

func joinErrs(errs []string) string {
	s := ""
	for i, e := range errs {
		if i > 0 {
			s += "; "
		}
		s += e
	}
	return s
}
