package svcmgr

import (
	"context"
	"slices"
	"time"

	"github.com/quorate/quorate/conf"
)

// check is one periodic status check of a resource: rgmanager's
// <action name="status" depth interval timeout>. Every resource has the
// depth-0 check, every Env.PollInterval (the daemon's <rm
// status_poll_interval>) unless its <action> says otherwise; deeper
// checks (10, 20: OCF_CHECK_LEVEL) exist only where an <action> asks for
// them.
type check struct {
	depth   int
	every   time.Duration // -1: the tree's poll interval; 0: off
	timeout time.Duration
	next    time.Time // zero: not scheduled (the service is not running)
}

// DeepChecker is an agent with status checks deeper than its plain
// Status, at rgmanager's depths 10 (read) and 20 (write). Agents without
// it run Status at every depth.
type DeepChecker interface {
	StatusDepth(ctx context.Context, depth int) (State, error)
}

// buildChecks turns a resource's <action>s into its checks and
// timeouts. A resource has the depth-0 check; depth "*" sets the
// interval and timeout of every check; an action for depth 0 changes the
// depth-0 check and one for depth 10 or 20 adds that check (given by
// number, it wins over "*" at its depth). The depth-0 check's timeout is
// the status timeout. <action name="start|stop" timeout> sets that
// timeout.
func buildChecks(acts []conf.Action, timeouts *Timeouts) []check {
	base := check{every: -1, timeout: timeouts.Status}
	apply := func(c *check, a conf.Action) {
		if a.Interval >= 0 {
			c.every = a.Interval
		}
		if a.Timeout > 0 {
			c.timeout = a.Timeout
		}
	}
	for _, a := range acts {
		switch {
		case a.Name == "start" && a.Timeout > 0:
			timeouts.Start = a.Timeout
		case a.Name == "stop" && a.Timeout > 0:
			timeouts.Stop = a.Timeout
		case a.Name == "status" && a.Depth == conf.AnyDepth:
			apply(&base, a)
		}
	}
	checks := []check{base}
	for _, a := range acts {
		if a.Name != "status" || a.Depth == conf.AnyDepth {
			continue
		}
		i := slices.IndexFunc(checks, func(c check) bool { return c.depth == a.Depth })
		if i < 0 {
			c := base
			c.depth = a.Depth
			checks, i = append(checks, c), len(checks)
		}
		apply(&checks[i], a)
	}
	timeouts.Status = checks[0].timeout
	return checks
}

// mergeActions overlays the actions given at a ref= site on the
// referenced resource's: the same name and depth is replaced.
func mergeActions(base, site []conf.Action) []conf.Action {
	out := append([]conf.Action(nil), base...)
	for _, a := range site {
		replaced := false
		for i := range out {
			if out[i].Name == a.Name && out[i].Depth == a.Depth {
				out[i], replaced = a, true
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

// interval is how often c runs in t (0: never).
func (t *Tree) interval(c *check) time.Duration {
	if c.every < 0 {
		return t.pollEvery
	}
	return c.every
}

// schedule sets the first run of every enabled check one interval from
// now (after a start, an adoption or a change of the poll interval).
func (t *Tree) schedule(nodes []*node) {
	now := t.env.Now()
	for _, n := range nodes {
		for i := range n.checks {
			c := &n.checks[i]
			c.next = time.Time{}
			if d := t.interval(c); d > 0 {
				c.next = now.Add(d)
			}
		}
	}
	t.recalc()
}

// SetPollInterval changes the interval of the checks that follow the
// tree's poll interval (<rm status_poll_interval>) and reschedules them.
func (t *Tree) SetPollInterval(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d <= 0 {
		d = conf.DefaultStatusPollInterval
	}
	t.pollEvery = d
	if t.started {
		t.schedule(t.order) // recalculates
		return
	}
	t.recalc()
}

// NextPoll is when the earliest scheduled check is due; zero when no
// check is scheduled (the service is not running, or every check is
// off). It does not wait for an operation in flight.
func (t *Tree) NextPoll() time.Time {
	if ns := t.nextPoll.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// MinPollInterval is the shortest interval of the tree's enabled checks
// (0 when every check is off). It does not wait for an operation in
// flight.
func (t *Tree) MinPollInterval() time.Duration { return time.Duration(t.minEvery.Load()) }

// recalc refreshes what NextPoll and MinPollInterval read; t.mu is held.
func (t *Tree) recalc() {
	var first time.Time
	var least time.Duration
	for _, n := range t.order {
		for i := range n.checks {
			c := &n.checks[i]
			if !c.next.IsZero() && (first.IsZero() || c.next.Before(first)) {
				first = c.next
			}
			if d := t.interval(c); d > 0 && (least == 0 || d < least) {
				least = d
			}
		}
	}
	var ns int64
	if !first.IsZero() {
		ns = first.UnixNano()
	}
	t.nextPoll.Store(ns)
	t.minEvery.Store(int64(least))
}

// Poll runs the checks that are due, each at its depth and under its
// timeout, deepest first for a resource with several due (a deeper
// check covers a shallower one, whose turn is then counted as run), and
// sums the tree up as Status does. A resource with nothing due counts
// as running if the tree started it (a benched one as stopped). ran is
// the number of resources checked.
func (t *Tree) Poll(ctx context.Context) (st State, list []ResourceStatus, ran int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.env.Now()
	list = make([]ResourceStatus, 0, len(t.order))
	for _, n := range t.order {
		deepest := -1
		for i := range n.checks {
			c := &n.checks[i]
			if c.next.IsZero() || c.next.After(now) {
				continue
			}
			c.next = now.Add(t.interval(c))
			if deepest < 0 || c.depth > n.checks[deepest].depth {
				deepest = i
			}
		}
		if deepest < 0 {
			list = append(list, t.assumed(n))
			continue
		}
		ran++
		c := n.checks[deepest]
		list = append(list, t.statusAt(ctx, n, c.depth, c.timeout))
	}
	t.recalc()
	if len(list) == 0 && t.started {
		return Running, list, ran
	}
	return summarize(list), list, ran
}

// assumed is the status of a resource whose checks are not due.
func (t *Tree) assumed(n *node) ResourceStatus {
	rs := ResourceStatus{ID: n.id(), Type: n.res.Type, Key: n.key, Line: n.res.Line, Benched: n.benched, State: Stopped}
	if r := n.indepRoot(); r != nil {
		rs.Independent = r.indep
	}
	if n.up.Load() {
		rs.State = Running
	}
	return rs
}

// PollTimeout bounds one Poll: the sum over the resources of their
// longest check timeout (checks[0]'s is the status timeout).
func (t *Tree) PollTimeout() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var d time.Duration
	for _, n := range t.order {
		var most time.Duration
		for _, c := range n.checks {
			most = max(most, c.timeout)
		}
		d += most
	}
	return d
}
