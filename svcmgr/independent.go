package svcmgr

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// RecoverIndependent handles failures inside independent subtrees in
// place, as rgmanager does. It checks every resource; each failed one
// must lie in a subtree whose root carries __independent_subtree. Such a
// subtree is stopped (children first) and started again alone, the rest
// of the service untouched.
//
// It returns true when the service is whole again: nothing had failed,
// or every failed subtree restarted, or a failed non-critical subtree
// (__independent_subtree="2") was left stopped (Status then says
// Partial). It returns false, with the reason, when only recovering the
// whole service can help: a failure outside every independent subtree
// (ErrNotIndependent), a subtree past __max_failures within
// __failure_expire_time (ErrTooManyFailures), or a subtree that would
// not start again.
func (t *Tree) RecoverIndependent(ctx context.Context) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	roots, err := t.failedRoots(t.statusAll(ctx))
	if err != nil {
		return false, err
	}
	for _, r := range roots {
		if err := t.recoverSubtree(ctx, r); err != nil {
			return false, err
		}
	}
	return true, nil
}

// failedRoots maps failed resources to the outermost failed independent
// subtree roots, in start order.
func (t *Tree) failedRoots(list []ResourceStatus) ([]*node, error) {
	set := map[*node]bool{}
	for i, rs := range list {
		n := t.order[i]
		if n.benched || rs.State == Running {
			continue
		}
		r := n.indepRoot()
		if r == nil {
			return nil, t.wrap(n, "status", fmt.Errorf("%w: %s", ErrNotIndependent, orState(rs)))
		}
		set[r] = true
	}
	var out []*node
	for _, n := range t.order {
		if set[n] && !hasAncestorIn(n, set) {
			out = append(out, n)
		}
	}
	return out, nil
}

func orState(rs ResourceStatus) string {
	if rs.Reason != "" {
		return rs.Reason
	}
	return rs.State.String()
}

func hasAncestorIn(n *node, set map[*node]bool) bool {
	for x := n.parent; x != nil; x = x.parent {
		if set[x] {
			return true
		}
	}
	return false
}

// recoverSubtree restarts the subtree rooted at r, or benches it when it
// is non-critical and will not come back.
func (t *Tree) recoverSubtree(ctx context.Context, r *node) error {
	nodes := r.subtree()
	if err := t.countFailure(r); err != nil {
		return t.benchOr(ctx, r, nodes, err)
	}
	rev := slices.Clone(nodes)
	slices.Reverse(rev)
	if err := t.stopNodes(ctx, rev); err != nil {
		return t.benchOr(ctx, r, nodes, err)
	}
	if err := t.startNodes(ctx, nodes); err != nil {
		return t.benchOr(ctx, r, nodes, err)
	}
	t.env.Log.Info("independent subtree restarted", "resource", r.id())
	return nil
}

// countFailure records a failure of r's subtree and refuses past
// __max_failures within __failure_expire_time (0: forever).
func (t *Tree) countFailure(r *node) error {
	now := t.env.Now()
	keep := r.failures[:0]
	for _, at := range r.failures {
		if r.expire == 0 || now.Sub(at) < r.expire {
			keep = append(keep, at)
		}
	}
	r.failures = append(keep, now)
	if r.maxFail > 0 && len(r.failures) > r.maxFail {
		return t.wrap(r, "recover", fmt.Errorf("%w: %d failures within %v, more than __max_failures=%d",
			ErrTooManyFailures, len(r.failures), window(r.expire), r.maxFail))
	}
	return nil
}

func window(d time.Duration) string {
	if d == 0 {
		return "the service's lifetime"
	}
	return d.String()
}

// benchOr returns err for a critical subtree; a non-critical one is
// stopped and left out of the service instead.
func (t *Tree) benchOr(ctx context.Context, r *node, nodes []*node, err error) error {
	if r.indep != 2 {
		return err
	}
	rev := slices.Clone(nodes)
	slices.Reverse(rev)
	if stopErr := t.stopNodes(context.WithoutCancel(ctx), rev); stopErr != nil {
		t.env.Log.Error("non-critical subtree did not stop", "resource", r.id(), "reason", stopErr)
	}
	for _, n := range nodes {
		n.benched = true
	}
	t.env.Log.Warn("non-critical subtree left stopped", "resource", r.id(), "reason", err)
	return nil
}
