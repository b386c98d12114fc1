package fencer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// attempt drives one device once: the action, and for off and reboot the
// verification. It returns the filled-in Attempt and the error.
func (f *Fencer) attempt(ctx context.Context, p plan) (Attempt, error) {
	a := Attempt{Node: p.node, Method: p.method, Device: p.device, Agent: p.res.name, Action: p.action, Started: f.opts.Now()}
	tr := &transcript{}
	var err error
	switch p.action {
	case ActionStatus, ActionMonitor:
		a.Status, err = f.call(ctx, p, p.action, tr)
	case ActionOn:
		_, err = f.call(ctx, p, ActionOn, tr)
	case ActionOff:
		if err = f.delay(ctx, p, tr); err == nil {
			a.Status, err = f.powerOff(ctx, p, tr)
		}
	case ActionReboot:
		if err = f.delay(ctx, p, tr); err != nil {
			break
		}
		if a.Status, err = f.powerOff(ctx, p, tr); err == nil {
			f.powerOnAfterFence(ctx, p, tr)
		}
	}
	a.Duration = f.opts.Now().Sub(a.Started)
	a.Output = tr.String()
	a.Result = ResultSuccess
	if err != nil {
		a.Result, a.Err = ResultFailed, err.Error()
		if errors.Is(err, ErrTimeout) {
			a.Result = ResultTimeout
		}
	}
	return a, err
}

// delay waits the device's delay= before an off, as fence-agents do
// (external agents get delay= and wait themselves; p.delay is 0 for
// them). In a two-node cluster a delay on one node's device lets that
// node win a fence race.
func (f *Fencer) delay(ctx context.Context, p plan, tr *transcript) error {
	if p.delay <= 0 {
		return nil
	}
	tr.line(fmt.Sprintf("delay: waiting %v before %s", p.delay, p.action))
	if err := f.sleep(ctx, p.delay); err != nil {
		return fmt.Errorf("%w: during delay=%v: %v", ErrTimeout, p.delay, err)
	}
	return nil
}

// powerOff sends off, then polls status until the device reports off or
// the verify time is up.
func (f *Fencer) powerOff(ctx context.Context, p plan, tr *transcript) (Status, error) {
	if _, err := f.call(ctx, p, ActionOff, tr); err != nil {
		return Unknown, err
	}
	vctx, cancel := context.WithTimeout(ctx, p.verify)
	defer cancel()
	last, lastErr := Unknown, error(nil)
	for {
		st, err := f.call(vctx, p, ActionStatus, tr)
		if err == nil && st == Off {
			return Off, nil
		}
		if permanent(err) {
			return st, fmt.Errorf("%w: %w", ErrNotVerified, err)
		}
		if vctx.Err() == nil { // a poll cut short by the deadline says nothing
			last, lastErr = st, err
			if err == nil {
				lastErr = fmt.Errorf("device still reports %s", st)
			}
		}
		if sleepCtx(vctx, f.opts.PollInterval) != nil {
			if ctx.Err() != nil {
				return last, fmt.Errorf("%w: %v", ErrTimeout, ctx.Err())
			}
			if lastErr == nil {
				lastErr = errors.New("no status answer")
			}
			return last, fmt.Errorf("%w within %v: %v", ErrNotVerified, p.verify, lastErr)
		}
	}
}

// powerOnAfterFence is the second half of a reboot. The node is already
// fenced (off verified), so a failure here is logged and shown but does
// not undo the fence: the fence-agents API counts only the off part.
func (f *Fencer) powerOnAfterFence(ctx context.Context, p plan, tr *transcript) {
	if _, err := f.call(ctx, p, ActionOn, tr); err != nil {
		tr.line("note: the node is fenced (off verified) but powering it back on failed")
		f.log.Warn("power on after fence failed", "node", p.node, "device", p.device, "err", err)
	}
}

// call runs one agent action with the per-call timeout and writes a
// transcript line (plus the agent's own output).
func (f *Fencer) call(ctx context.Context, p plan, action Action, tr *transcript) (Status, error) {
	cctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	start := time.Now()
	var (
		st     Status
		output string
		err    error
	)
	if oa, ok := p.res.agent.(OutputAgent); ok {
		st, output, err = oa.DoOutput(cctx, action, p.params)
	} else {
		st, err = p.res.agent.Do(cctx, action, p.params)
	}
	if err != nil && cctx.Err() != nil && !errors.Is(err, ErrTimeout) {
		err = fmt.Errorf("%w after %v: %v", ErrTimeout, f.opts.Timeout, err)
	}
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case err != nil:
		tr.line(fmt.Sprintf("%s: error after %v: %v", action, took, err))
	case action.query():
		tr.line(fmt.Sprintf("%s: %s (%v)", action, st, took))
	default:
		tr.line(fmt.Sprintf("%s: ok (%v)", action, took))
	}
	tr.output(output)
	return st, err
}

// transcript is the bounded text kept in Attempt.Output.
type transcript struct{ b strings.Builder }

func (t *transcript) line(s string) {
	if t.b.Len() < maxOutput {
		t.b.WriteString(s)
		t.b.WriteByte('\n')
	}
}

func (t *transcript) output(s string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" {
			t.line("  | " + l)
		}
	}
}

func (t *transcript) String() string { return strings.TrimRight(t.b.String(), "\n") }
