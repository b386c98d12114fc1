package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Validate checks every resource (parameters, programs, units, devices)
// without changing anything, and returns every problem at once, each a
// *ResourceError.
func (t *Tree) Validate() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.validate(t.order)
}

func (t *Tree) validate(nodes []*node) error {
	var errs []error
	for _, n := range nodes {
		errs = append(errs, t.wrap(n, "validate", n.agent.Validate()))
	}
	return errors.Join(errs...)
}

// Start validates every resource, then starts them in order: parents
// before children, typed siblings by start level. If a resource fails to
// start, Start stops it and everything started before it, in reverse,
// and returns an error naming the failing resource and why (a
// *ResourceError; stop errors of the rollback are joined to it).
// Nothing is started when validation fails.
func (t *Tree) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.validate(t.order); err != nil {
		return err
	}
	for _, n := range t.order {
		n.benched = false
		n.failures = nil
	}
	if err := t.startNodes(ctx, t.order); err != nil {
		return err
	}
	t.started = true
	t.schedule(t.order)
	t.env.Log.Info("service started", "resources", len(t.order))
	return nil
}

// startNodes starts nodes in order, rolling back on failure.
func (t *Tree) startNodes(ctx context.Context, nodes []*node) error {
	for i, n := range nodes {
		if err := t.call(ctx, n, "start", n.agent.Start, n.timeouts.Start); err != nil {
			undo := slices.Clone(nodes[:i+1])
			slices.Reverse(undo)
			if rb := t.stopNodes(context.WithoutCancel(ctx), undo); rb != nil {
				err = errors.Join(err, fmt.Errorf("while rolling back: %w", rb))
			}
			return err
		}
		n.up.Store(true)
	}
	return nil
}

// Stop stops every resource, children before parents, in the reverse of
// the start order. It goes on past failures and returns them joined.
func (t *Tree) Stop(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.started = false
	for _, n := range t.order {
		for i := range n.checks {
			n.checks[i].next = time.Time{}
		}
	}
	t.recalc()
	rev := slices.Clone(t.order)
	slices.Reverse(rev)
	err := t.stopNodes(ctx, rev)
	if err == nil {
		t.env.Log.Info("service stopped")
	}
	return err
}

func (t *Tree) stopNodes(ctx context.Context, nodes []*node) error {
	var errs []error
	for _, n := range nodes {
		n.up.Store(false)
		errs = append(errs, t.call(ctx, n, "stop", n.agent.Stop, n.timeouts.Stop))
	}
	return errors.Join(errs...)
}

// call runs one agent operation under its timeout and names the node in
// the error.
func (t *Tree) call(ctx context.Context, n *node, op string, f func(context.Context) error, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t.env.Log.Debug("resource "+op, "resource", n.id())
	err := f(ctx)
	switch {
	case err == nil || ctx.Err() == nil:
	case errors.Is(err, ErrTimeout):
		err = fmt.Errorf("after %v: %w", d, err)
	default:
		err = fmt.Errorf("%w after %v: %w", ErrTimeout, d, err)
	}
	return t.wrap(n, op, err)
}
