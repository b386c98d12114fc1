package svcmgr

import (
	"context"
	"errors"
	"time"
)

// ResourceStatus is one resource's state in a Tree.Status report.
type ResourceStatus struct {
	ID     string // "type:key", e.g. "ip:10.0.0.5/24"
	Type   string
	Key    string
	Line   int // in cluster.conf
	State  State
	Reason string // why it is failed; empty otherwise
	// A resource the tree started that is found stopped is Failed.
	Independent int  // __independent_subtree of its subtree root: 0, 1 or 2
	Benched     bool // non-critical, left stopped after failing
}

// Status asks every agent for its state, in start order, and sums them
// up: Running when all run; Partial when all run except benched
// non-critical subtrees; Stopped when none runs and none failed; Failed
// otherwise (a failure, or some running and some not). A failed resource
// inside an __independent_subtree still makes the tree Failed; call
// RecoverIndependent to restart just that subtree.
func (t *Tree) Status(ctx context.Context) (State, []ResourceStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.statusAll(ctx)
	if len(list) == 0 && t.started {
		return Running, list
	}
	return summarize(list), list
}

func (t *Tree) statusAll(ctx context.Context) []ResourceStatus {
	out := make([]ResourceStatus, 0, len(t.order))
	for _, n := range t.order {
		out = append(out, t.status(ctx, n))
	}
	return out
}

// status asks one agent, under its status timeout.
func (t *Tree) status(ctx context.Context, n *node) ResourceStatus {
	return t.statusAt(ctx, n, 0, n.timeouts.Status)
}

// statusAt asks one agent for a check at depth, under timeout.
func (t *Tree) statusAt(ctx context.Context, n *node, depth int, timeout time.Duration) ResourceStatus {
	rs := ResourceStatus{ID: n.id(), Type: n.res.Type, Key: n.key, Line: n.res.Line, Benched: n.benched}
	if r := n.indepRoot(); r != nil {
		rs.Independent = r.indep
	}
	var st State
	err := t.call(ctx, n, "status", func(ctx context.Context) error {
		var err error
		if dc, ok := n.agent.(DeepChecker); ok && depth > 0 {
			st, err = dc.StatusDepth(ctx, depth)
		} else {
			st, err = n.agent.Status(ctx)
		}
		return err
	}, timeout)
	switch {
	case err != nil:
		rs.State, rs.Reason = Failed, err.Error()
	case st == Failed:
		rs.State, rs.Reason = Failed, t.wrap(n, "status", errors.New("failed")).Error()
	case st == Stopped && n.up.Load():
		rs.State, rs.Reason = Failed, t.wrap(n, "status", errors.New("not running, though started")).Error()
	default:
		rs.State = st
	}
	return rs
}

// summarize computes the tree state from its resources' states.
func summarize(list []ResourceStatus) State {
	running, stopped, benched := 0, 0, 0
	for _, rs := range list {
		switch {
		case rs.Benched:
			benched++
		case rs.State == Running:
			running++
		case rs.State == Stopped:
			stopped++
		}
	}
	counted := len(list) - benched
	switch {
	case running == counted && benched > 0:
		return Partial
	case running == counted && counted > 0:
		return Running
	case stopped == counted:
		return Stopped
	}
	return Failed
}

// indepRoot returns the nearest node at or above n that carries
// __independent_subtree, or nil.
func (n *node) indepRoot() *node {
	for x := n; x != nil; x = x.parent {
		if x.indep != 0 {
			return x
		}
	}
	return nil
}

// subtree returns n and its descendants in start order.
func (n *node) subtree() []*node {
	out := []*node{n}
	for _, k := range n.kids {
		out = append(out, k.subtree()...)
	}
	return out
}
