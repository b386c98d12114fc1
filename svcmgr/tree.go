package svcmgr

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorate/quorate/conf"
)

// Tree is one service's resource tree on this node. Its methods are
// safe for concurrent use; Start, Stop, Status, RecoverIndependent and
// Apply run one at a time.
type Tree struct {
	svc     string
	env     Env
	order   []*node // start order: pre-order, siblings by start level
	mu      sync.Mutex
	started bool // Start succeeded and Stop was not called since
	events  chan Event
	// pollEvery is the interval of checks that follow the poll interval
	// (Env.PollInterval, SetPollInterval).
	pollEvery time.Duration
	// nextPoll (unix ns, 0: none) and minEvery (ns) mirror the schedule
	// for NextPoll and MinPollInterval, which must not wait for t.mu.
	nextPoll, minEvery atomic.Int64
}

// node is one resource of the tree.
type node struct {
	res      conf.Resource // ref= resolved, Children unused (see kids)
	keyAttr  string
	key      string
	agent    Agent
	parent   *node
	kids     []*node
	indep    int // __independent_subtree: 0, 1 (restart alone) or 2 (non-critical)
	maxFail  int
	expire   time.Duration
	timeouts Timeouts
	checks   []check     // periodic status checks (Poll); [0] is depth 0
	up       atomic.Bool // started by the tree and not yet being stopped
	benched  bool        // non-critical subtree left stopped after failing
	failures []time.Time // independent-subtree failures, for __max_failures
}

// id names the node in statuses and events: "type:key".
func (n *node) id() string { return n.res.Type + ":" + n.key }

// wrap names the node in err.
func (t *Tree) wrap(n *node, op string, err error) error {
	if err == nil {
		return nil
	}
	return &ResourceError{Service: t.svc, Type: n.res.Type, KeyAttr: n.keyAttr, Key: n.key, Line: n.res.Line, Op: op, Err: err}
}

// NewTree builds svc's resource tree: it resolves ref= against c's
// <resources> (c may be nil when nothing is referenced), orders typed
// children by start level, and builds each resource's agent from
// env.Agents. It reports every bad resource at once, each error a
// *ResourceError wrapping ErrConfig. NewTree touches nothing on the
// machine; Validate and Start do.
func NewTree(svc conf.Service, c *conf.Cluster, env Env) (*Tree, error) {
	t := &Tree{svc: svc.Name, env: env.withDefaults(), events: make(chan Event, eventBuffer)}
	t.pollEvery = t.env.PollInterval
	t.env.ServiceName = svc.Name
	t.env.Log = t.env.Log.With("service", svc.Name)
	b := builder{t: t, c: c, seen: map[string]int{}}
	b.list(svc.Children, nil)
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	t.recalc()
	return t, nil
}

// builder assembles nodes and collects errors.
type builder struct {
	t    *Tree
	c    *conf.Cluster
	seen map[string]int // node id -> line
	errs []error
}

func (b *builder) list(rs []conf.Resource, parent *node) []*node {
	resolved := make([]conf.Resource, 0, len(rs))
	for _, r := range rs {
		if rr, ok := b.resolve(r); ok {
			resolved = append(resolved, rr)
		}
	}
	var out []*node
	for _, r := range sortChildren(resolved) {
		n := b.node(r, parent)
		b.t.order = append(b.t.order, n)
		n.kids = b.list(r.Children, n)
		out = append(out, n)
	}
	return out
}

// resolve replaces a ref= by the referenced resource, overlaid with the
// referencing element's own attributes; children of both are kept.
func (b *builder) resolve(r conf.Resource) (conf.Resource, bool) {
	if r.Ref == "" {
		return r, true
	}
	var base *conf.Resource
	if b.c != nil {
		base = b.c.ResourceByRef(r.Type, r.Ref)
	}
	if base == nil {
		b.errs = append(b.errs, &ResourceError{Service: b.t.svc, Type: r.Type, KeyAttr: "ref", Key: r.Ref, Line: r.Line, Op: "configure",
			Err: configErr(fmt.Sprintf("ref %q matches no <%s> in <resources>", r.Ref, r.Type), "define it in <resources> or fix ref=")})
		return r, false
	}
	out := conf.Resource{Type: r.Type, Attrs: maps.Clone(base.Attrs), Line: r.Line}
	if out.Attrs == nil {
		out.Attrs = map[string]string{}
	}
	maps.Copy(out.Attrs, r.Attrs)
	out.Actions = mergeActions(base.Actions, r.Actions)
	out.Children = append(append([]conf.Resource(nil), base.Children...), r.Children...)
	return out, true
}

func (b *builder) node(r conf.Resource, parent *node) *node {
	n := &node{res: r, parent: parent}
	n.keyAttr, n.key = keyOf(r)
	fail := func(err error) { b.errs = append(b.errs, b.t.wrap(n, "configure", err)) }
	if line, dup := b.seen[n.id()]; dup {
		fail(configErr(fmt.Sprintf("the resource appears twice in this service (also line %d)", line), "use it once"))
	}
	b.seen[n.id()] = r.Line
	if err := b.flags(n); err != nil {
		fail(err)
	}
	factory := b.t.env.Agents[r.Type]
	if factory == nil {
		fail(configErr(fmt.Sprintf("no agent for resource type %q", r.Type), "use one of "+strings.Join(typeNames(b.t.env.Agents), ", ")))
		n.agent = missingAgent{}
		return n
	}
	env := b.t.env
	env.Log = env.Log.With("resource", n.id())
	env.Report = func(st State, reason error) { b.t.report(n, st, reason) }
	a, err := factory(r, env)
	if err != nil {
		fail(err)
		a = missingAgent{}
	}
	n.agent = a
	return n
}

// flags reads the rgmanager per-resource attributes.
func (b *builder) flags(n *node) error {
	p := params(n.res.Attrs)
	switch v := strings.ToLower(strings.TrimSpace(p["__independent_subtree"])); v {
	case "", "0", "no", "false":
	case "1", "yes", "true":
		n.indep = 1
	case "2", "non-critical":
		n.indep = 2
	default:
		return configErr(fmt.Sprintf("__independent_subtree=%q is not valid", v), `use "1" (restart alone) or "2" (non-critical)`)
	}
	var errs [5]error
	n.maxFail, errs[0] = p.integer("__max_failures", 0, 0, 1000000)
	n.expire, errs[1] = p.seconds("__failure_expire_time", 0)
	d := b.t.env.Timeouts
	n.timeouts.Start, errs[2] = p.seconds("__start_timeout", d.Start)
	n.timeouts.Stop, errs[3] = p.seconds("__stop_timeout", d.Stop)
	n.timeouts.Status, errs[4] = p.seconds("__status_timeout", d.Status)
	n.checks = buildChecks(n.res.Actions, &n.timeouts)
	return errors.Join(errs[:]...)
}

// keyOf returns the attribute naming r and its value.
func keyOf(r conf.Resource) (string, string) {
	if r.Ref != "" {
		return "ref", r.Ref
	}
	names := []string{"name"}
	switch r.Type {
	case "ip":
		names = []string{"address"}
	case "systemd":
		names = []string{"name", "unit"}
	}
	for _, a := range names {
		if v := r.Attrs[a]; v != "" {
			return a, v
		}
	}
	return names[0], ""
}

func typeNames(r Registry) []string {
	var out []string
	for k := range r {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Close releases the agents' connections and goroutines. It does not
// stop the resources.
func (t *Tree) Close() error {
	var errs []error
	for _, n := range t.order {
		if c, ok := n.agent.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// missingAgent stands in for an agent that could not be built; NewTree
// never returns a tree holding one.
type missingAgent struct{ Agent }
