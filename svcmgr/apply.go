package svcmgr

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"
)

// Diff says what Apply changes in a running tree. Each list holds
// resource ids ("type:key") in the order Apply acts on them.
type Diff struct {
	// Stop: resources the new definition drops, stopped children first.
	Stop []string
	// Restart: resources whose parameters or parent changed, and every
	// resource below them, stopped (children first) and started again
	// with the new definition (parents first).
	Restart []string
	// Start: resources the new definition adds, started in start order.
	Start []string
	// Kept counts the resources left untouched.
	Kept int
}

// Empty reports whether Apply would stop or start nothing.
func (d Diff) Empty() bool { return len(d.Stop)+len(d.Restart)+len(d.Start) == 0 }

func (d Diff) String() string {
	if d.Empty() {
		return fmt.Sprintf("no resource changes (%d kept)", d.Kept)
	}
	var parts []string
	for _, p := range []struct {
		verb string
		ids  []string
	}{{"stop", d.Stop}, {"restart", d.Restart}, {"start", d.Start}} {
		if len(p.ids) > 0 {
			parts = append(parts, p.verb+" "+strings.Join(p.ids, " "))
		}
	}
	return fmt.Sprintf("%s; %d kept", strings.Join(parts, "; "), d.Kept)
}

// plan is Diff with the nodes themselves.
type plan struct {
	stop  []*node         // old nodes to stop (removed or replaced), in stop order
	fresh []*node         // next's nodes to start (changed, below a changed one, or added), in start order
	keep  map[*node]*node // next's node -> the running node that stands for it
	dirty map[*node]bool  // next's nodes in fresh
	diff  Diff
}

// Diff compares t with next, a tree NewTree built for the same service
// from a newer cluster.conf, as Apply would: a resource is the same when
// its type and key ("type:key") are; it changed when an attribute other
// than rgmanager's __ flags differs or its parent is another resource.
// It reads only the two definitions.
func (t *Tree) Diff(next *Tree) Diff {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.plan(next).diff
}

func (t *Tree) plan(next *Tree) plan {
	old := map[string]*node{}
	for _, n := range t.order {
		old[n.id()] = n
	}
	p := plan{keep: map[*node]*node{}, dirty: map[*node]bool{}}
	replaced := map[*node]bool{}
	for _, nn := range next.order { // parents before children
		on := old[nn.id()]
		switch {
		case on == nil:
			p.diff.Start = append(p.diff.Start, nn.id())
		case nn.parent != nil && p.dirty[nn.parent], changed(on, nn):
			p.diff.Restart = append(p.diff.Restart, nn.id())
			replaced[on] = true
		default:
			p.keep[nn] = on
			p.diff.Kept++
			continue
		}
		p.dirty[nn] = true
		p.fresh = append(p.fresh, nn)
	}
	kept := map[*node]bool{}
	for _, on := range p.keep {
		kept[on] = true
	}
	for i := len(t.order) - 1; i >= 0; i-- {
		on := t.order[i]
		if !kept[on] {
			p.stop = append(p.stop, on)
			if !replaced[on] {
				p.diff.Stop = append(p.diff.Stop, on.id())
			}
		}
	}
	return p
}

// changed reports whether the resource must restart to take nn's
// definition: another parent, or other parameters. rgmanager's __ flags
// (timeouts, independent subtrees, failure counts) are taken over
// without a restart.
func changed(on, nn *node) bool {
	if parentID(on) != parentID(nn) {
		return true
	}
	return !maps.Equal(agentParams(on.res.Attrs), agentParams(nn.res.Attrs))
}

func parentID(n *node) string {
	if n.parent == nil {
		return ""
	}
	return n.parent.id()
}

// agentParams drops the __ flags, which only the Tree reads.
func agentParams(attrs map[string]string) map[string]string {
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if !strings.HasPrefix(k, "__") {
			out[k] = v
		}
	}
	return out
}

// Apply changes t, a tree of this service, into next, a tree NewTree
// built for the same service from a newer cluster.conf, and restarts
// only what changed, as rgmanager does when a resource is edited:
//
//   - resources next drops are stopped, children first;
//   - a resource whose parameters or parent changed is stopped and
//     started again with its new definition, together with every
//     resource below it (they depend on it);
//   - resources next adds are started in start order, after their
//     parents;
//   - every other resource keeps running, untouched: its agent, its
//     failure count and its place in the tree stay; new __ flags
//     (timeouts, __independent_subtree, __max_failures) apply from now.
//
// The resources to start are validated first; when one is invalid
// nothing is touched. When a stop or a start fails, Apply stops there
// and returns the error (a *ResourceError naming the resource): the
// tree is then partly running (Status says Failed) and only recovering
// the whole service helps. On a tree that is not started, Apply only
// takes over next's definition. Apply returns what it changed.
//
// Apply takes next over: next must not be used afterwards. Events of
// next's resources arrive on t.Watch.
func (t *Tree) Apply(ctx context.Context, next *Tree) (Diff, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if next.svc != t.svc {
		closeAgents(next.order)
		return Diff{}, fmt.Errorf("svcmgr: Apply: tree of service %q given to service %q", next.svc, t.svc)
	}
	p := t.plan(next)
	if err := t.validate(p.fresh); err != nil {
		closeAgents(next.order)
		return p.diff, err
	}
	if t.started {
		if err := t.stopNodes(ctx, p.stop); err != nil {
			closeAgents(next.order)
			return p.diff, fmt.Errorf("stopping what changed: %w", err)
		}
	}
	t.adopt(next, p)
	t.recalc()
	if t.started {
		t.schedule(t.order) // checks as next defines them, from now
		if err := t.startNodes(ctx, t.startable(p.fresh)); err != nil {
			return p.diff, err
		}
	}
	if !p.diff.Empty() {
		t.env.Log.Info("service reconfigured", "changes", p.diff.String())
	}
	return p.diff, nil
}

// adopt makes next's structure t's: kept nodes stand in for their
// counterparts in next, with next's definition (lines, __ flags); new
// nodes come from next. Agents no longer used are closed.
func (t *Tree) adopt(next *Tree, p plan) {
	next.events = t.events // next's agents report through t from now on
	pick := func(nn *node) *node {
		if on := p.keep[nn]; on != nil {
			return on
		}
		return nn
	}
	order := make([]*node, 0, len(next.order))
	var unused []*node
	for _, nn := range next.order {
		x := pick(nn)
		if x != nn {
			x.res, x.keyAttr = nn.res, nn.keyAttr
			x.indep, x.maxFail, x.expire, x.timeouts, x.checks = nn.indep, nn.maxFail, nn.expire, nn.timeouts, nn.checks
			unused = append(unused, nn)
		}
		// x may be nn itself: read nn's links before writing x's.
		var parent *node
		if nn.parent != nil {
			parent = pick(nn.parent)
		}
		kids := make([]*node, 0, len(nn.kids))
		for _, k := range nn.kids {
			kids = append(kids, pick(k))
		}
		x.parent, x.kids = parent, kids
		order = append(order, x)
	}
	closeAgents(p.stop)
	closeAgents(unused)
	t.order = order
}

// startable drops, from the nodes to start, those below a benched
// (non-critical, left stopped) resource: they stay benched with it.
func (t *Tree) startable(fresh []*node) []*node {
	var out []*node
	for _, n := range fresh {
		if n.parent != nil && n.parent.benched {
			n.benched = true
			continue
		}
		out = append(out, n)
	}
	return out
}

// closeAgents releases the agents of nodes that leave the tree (their
// watchers and connections; Close never changes a resource).
func closeAgents(nodes []*node) {
	for _, n := range nodes {
		if c, ok := n.agent.(io.Closer); ok {
			c.Close()
		}
	}
}

// StatusTimeout bounds one Status call: the sum of every resource's
// status timeout (Env.Timeouts.Status or __status_timeout), since
// Status asks the agents one after the other.
func (t *Tree) StatusTimeout() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var d time.Duration
	for _, n := range t.order {
		d += n.timeouts.Status
	}
	return d
}
