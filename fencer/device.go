package fencer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quorate/quorate/conf"
)

// plan is everything needed to drive one <device> of a node.
type plan struct {
	node, method, device string
	action               Action
	res                  resolved
	params               map[string]string // as passed to the agent
	verify               time.Duration
	delay                time.Duration // delay=: wait before off (built-in agents; external ones wait themselves)
}

// runMethod drives the devices in order and stops at the first one that
// fails; the method succeeds only if all of them succeed.
func (f *Fencer) runMethod(ctx context.Context, r Request, method string, devs []conf.FenceDeviceRef, forced Action, out *Outcome) (bool, error) {
	if len(devs) == 0 {
		return false, configError(ErrConfig, r.Node.Name, method, "", r.Node.Line, "method has no devices", `add <device name="..."/>`)
	}
	for _, ref := range devs {
		if err := f.runDevice(ctx, r, method, ref, forced, out); err != nil {
			return false, fmt.Errorf("device %s: %w", ref.Name, err)
		}
	}
	return true, nil
}

// runDevice tries one device, retrying transient failures.
func (f *Fencer) runDevice(ctx context.Context, r Request, method string, ref conf.FenceDeviceRef, forced Action, out *Outcome) error {
	p, err := f.plan(r.Cluster, r.Node, method, ref, forced)
	if err != nil {
		now := f.opts.Now()
		a := Attempt{Node: r.Node.Name, Method: method, Device: ref.Name, Agent: p.res.name, Action: p.action,
			Result: ResultFailed, Err: err.Error(), Started: now}
		f.finish(a, out)
		return err
	}
	for try := 0; ; try++ {
		a, err := f.attempt(ctx, p)
		f.finish(a, out)
		if err == nil || permanent(err) || try >= f.opts.Retries || ctx.Err() != nil {
			return err
		}
		if sleepCtx(ctx, f.opts.RetryDelay) != nil {
			return err
		}
	}
}

// plan resolves a <device> reference: its <fencedevice>, merged
// parameters, action, agent and required parameters. Errors are
// *ConfigError.
func (f *Fencer) plan(c *conf.Cluster, n *conf.Node, method string, ref conf.FenceDeviceRef, forced Action) (plan, error) {
	p := plan{node: n.Name, method: method, device: ref.Name}
	cfgErr := func(sentinel error, msg, fix string) (plan, error) {
		return p, configError(sentinel, n.Name, method, ref.Name, ref.Line, msg, fix)
	}
	dev := c.FenceDeviceByName(ref.Name)
	if dev == nil {
		return cfgErr(ErrConfig, fmt.Sprintf("fence device %q is not defined", ref.Name),
			fmt.Sprintf(`add <fencedevice name=%q agent="fence_..."/> to <fencedevices>`, ref.Name))
	}
	p.res.name = dev.Agent
	merged := mergeParams(dev.Params, ref.Params)
	res, err := f.resolve(dev.Agent, merged)
	if err != nil {
		return cfgErr(sentinelOf(err), message(err), fixFor(err, dev))
	}
	if res.name == conf.FenceSCSI && res.kind == "native" {
		res.agent = f.scsiAgentFor(c, n)
	}
	p.res = res
	if msg := p.setAction(merged, forced, f.defaultAction(res)); msg != "" {
		return cfgErr(ErrBadParam, msg, `use action="off", "on" or "reboot"`)
	}
	if err := checkParams(res, merged, c, n); err != nil {
		return cfgErr(sentinelOf(err), message(err), fixFor(err, dev))
	}
	p.params = agentParams(merged, n.Name)
	p.verify = f.opts.VerifyTimeout
	if s, ok, err := paramSeconds(merged, "power_timeout"); err != nil {
		return cfgErr(ErrBadParam, err.Error(), `write power_timeout="20" (seconds)`)
	} else if ok && s > 0 {
		p.verify = time.Duration(s * float64(time.Second))
	}
	if s, ok, err := paramSeconds(merged, "delay"); err != nil {
		return cfgErr(ErrBadParam, err.Error(), `write delay="5" (seconds to wait before fencing this node)`)
	} else if _, external := res.agent.(*ExternalAgent); ok && !external {
		p.delay = time.Duration(s * float64(time.Second))
	}
	return p, nil
}

// setAction picks the action: forced, else action= (or the deprecated
// option=) of the device, else def (reboot, or off for a fabric agent,
// which can never reboot). It returns what is wrong, or "".
func (p *plan) setAction(params map[string]string, forced, def Action) string {
	p.action = forced
	if p.action == "" {
		if v, ok := first(params, "action", "option"); ok {
			p.action = Action(v)
		}
	}
	if p.action == "" {
		p.action = def
	}
	switch {
	case !p.action.valid():
		return fmt.Sprintf("action %q is not off, on, reboot, status or monitor", p.action)
	case p.action == ActionReboot && def == ActionOff:
		return fmt.Sprintf("%s is a fabric agent (its metadata has no reboot): it cannot reboot a node; leave action out or use off", p.res.name)
	}
	return ""
}

// checkParams applies the parameter rules of the agents quorate knows.
func checkParams(res resolved, params map[string]string, c *conf.Cluster, n *conf.Node) error {
	switch {
	case res.kind == "custom":
		return nil
	case res.name == conf.FenceSCSI:
		_, err := parseSCSIParams(params, c.Name, n.ID)
		return err
	case ipmiAgents[res.name]:
		_, err := parseIPMIParams(params, res.kind == "native")
		return err
	}
	return nil
}

// agentParams is what the agent receives: the merged parameters without
// quorate's own (native) and the action (sent separately), plus
// nodename= (fenced always passed it; port= still wins in the agents).
func agentParams(merged map[string]string, node string) map[string]string {
	out := make(map[string]string, len(merged)+1)
	for k, v := range merged {
		switch k {
		case "action", "option", paramNative, paramCheckInterval:
			continue
		}
		out[k] = v
	}
	if _, ok := out["nodename"]; !ok {
		out["nodename"] = node
	}
	return out
}

// defaultAction is reboot, or off for fabric agents (fence-agents API):
// an external agent whose metadata lists no reboot, or the built-in
// fence_scsi.
func (f *Fencer) defaultAction(res resolved) Action {
	if ea, ok := res.agent.(*ExternalAgent); ok && f.metadata(ea.Path).fabric() {
		return ActionOff
	}
	if fa, ok := res.agent.(interface{ fabric() bool }); ok && fa.fabric() {
		return ActionOff
	}
	return DefaultAction
}

// message is err's text without the leading sentinel text.
func message(err error) string {
	return strings.TrimPrefix(err.Error(), sentinelOf(err).Error()+": ")
}

func sentinelOf(err error) error {
	for _, s := range []error{ErrUnknownAgent, ErrMissingParam, ErrBadParam, ErrConfig} {
		if errors.Is(err, s) {
			return s
		}
	}
	return ErrConfig
}

func fixFor(err error, dev *conf.FenceDevice) string {
	at := fmt.Sprintf("<fencedevice name=%q> (line %d) or the <device>", dev.Name, dev.Line)
	switch {
	case errors.Is(err, ErrUnknownAgent):
		return "install fence-agents or correct agent= of " + at
	case errors.Is(err, ErrMissingParam):
		return "add it to " + at
	}
	return "correct it in " + at
}

// finish stamps, logs and records an attempt.
func (f *Fencer) finish(a Attempt, out *Outcome) {
	out.Attempts = append(out.Attempts, a)
	f.record(a)
	args := []any{"node", a.Node, "method", a.Method, "device", a.Device, "agent", a.Agent,
		"action", string(a.Action), "result", a.Result, "duration", a.Duration}
	if a.Result == ResultSuccess {
		f.log.Info("fence device done", args...)
		f.log.Debug("fence device output", "device", a.Device, "output", a.Output)
		return
	}
	f.log.Error("fence device failed", append(args, "err", a.Err, "output", a.Output)...)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
