package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/svcmgr"
)

// serviceInfos translates <rm> services and failover domains for placement.
func serviceInfos(c *conf.Cluster) []cluster.ServiceInfo {
	var out []cluster.ServiceInfo
	for _, s := range c.RM.Services {
		si := cluster.ServiceInfo{Name: s.Name, Autostart: s.Autostart, Recovery: s.Recovery,
			MaxRestarts: s.MaxRestarts, RestartExpire: s.RestartExpire}
		si.Exclusive = s.Exclusive
		si.Depend, si.DependSoft = s.Dependency()
		if d := c.DomainByName(s.Domain); d != nil {
			si.Ordered, si.Restricted, si.NoFailback = d.Ordered, d.Restricted, d.NoFailback
			nodes := append([]conf.DomainNode(nil), d.Nodes...)
			if d.Ordered {
				sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].Priority < nodes[j].Priority })
			}
			for _, dn := range nodes {
				if n := c.NodeByName(dn.Name); n != nil {
					si.Domain = append(si.Domain, cluster.NodeID(n.ID))
				}
			}
		}
		out = append(out, si)
	}
	return out
}

// serviceOpTimeout bounds one start, stop, restart or reconfiguration of
// a service's tree (each agent call has its own, shorter, timeout).
const serviceOpTimeout = 5 * time.Minute

// localService is one service's resource tree on this node. Its fields
// belong to the loop goroutine; the work on the tree runs in the
// background and reports back through inLoop. One operation at a time
// is current: a newer one (the brain's start or stop order) supersedes
// the one in flight, whose result is then dropped (the tree itself runs
// its operations one after the other).
type localService struct {
	key  uint64
	name string
	tree *svcmgr.Tree
	fp   string        // fingerprint of the definition the tree carries out
	gen  uint64        // generation of the brain's last order
	stop chan struct{} // ends watchService

	op      uint64 // number of the current operation
	busy    string // the current operation while it runs: start, restart, stop, check, reconfigure
	up      bool   // started for gen and whole as far as we know: polled
	clean   bool   // nothing of the tree runs: never started, or stopped without error
	failed  bool   // a failure was reported for gen: the next start stops the tree first
	stale   bool   // cluster.conf changed the definition and the tree has not followed yet
	recheck string // a failure the agents reported while busy: checked once idle
}

// begin starts operation what and returns its number.
func (ls *localService) begin(what string) uint64 {
	ls.op++
	ls.busy = what
	return ls.op
}

// end reports whether op is still current, and ends it if so.
func (ls *localService) end(op uint64) bool {
	if op != ls.op {
		return false
	}
	ls.busy = ""
	return true
}

// newService builds the tree of service name from the running
// configuration and starts watching it.
func (d *daemon) newService(key uint64, name string) (*localService, error) {
	svc := d.conf.ServiceByName(name)
	if svc == nil {
		return nil, fmt.Errorf("service %q is not in cluster.conf (version %d)", name, d.conf.ConfigVersion)
	}
	tree, err := d.buildTree(svc)
	if err != nil {
		return nil, err
	}
	ls := &localService{key: key, name: name, tree: tree, fp: fingerprint(d.conf, svc), stop: make(chan struct{}), clean: true}
	d.services[key] = ls
	go d.watchService(ls, tree, ls.stop)
	return ls, nil
}

func (d *daemon) buildTree(svc *conf.Service) (*svcmgr.Tree, error) {
	return svcmgr.NewTree(*svc, d.conf, svcmgr.Env{Log: d.log, ServiceName: svc.Name, StateDir: d.opts.stateDir, PollInterval: d.pollInterval()})
}

// dropService forgets an idle tree that runs nothing; the next start
// builds it again from the running configuration.
func (d *daemon) dropService(ls *localService) {
	close(ls.stop)
	ls.tree.Close()
	delete(d.services, ls.key)
}

// pollInterval is <rm status_poll_interval>.
func (d *daemon) pollInterval() time.Duration {
	if v := d.conf.RM.StatusPollInterval; v > 0 {
		return v
	}
	return conf.DefaultStatusPollInterval
}

// startService carries out a StartService in the background. A tree
// that failed, or that the brain restarts, is stopped first; a tree whose
// definition changed meanwhile is then built again.
func (d *daemon) startService(a cluster.StartService) {
	ls := d.services[a.Key]
	if ls != nil && ls.stale && ls.clean && ls.busy == "" {
		d.dropService(ls)
		ls = nil
	}
	if ls == nil {
		var err error
		if ls, err = d.newService(a.Key, a.Name); err != nil {
			d.log.Error("service cannot be built", "service", a.Name, "err", err)
			d.node.Step(d.mono(), cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcFailed, Reason: svcmgr.Reason(err)})
			return
		}
	}
	ls.gen, ls.up = a.Gen, false
	if (a.Restart || ls.failed) && !ls.clean {
		d.restartService(ls, a)
		return
	}
	ls.failed, ls.clean = false, false
	op, tree := ls.begin("start"), ls.tree
	d.log.Info("starting service", "service", a.Name, "gen", a.Gen)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), serviceOpTimeout)
		defer cancel()
		err := tree.Start(ctx)
		d.inLoop(func() { d.started(ls, op, err) })
	}()
}

func (d *daemon) started(ls *localService, op uint64, err error) {
	if !ls.end(op) {
		return
	}
	ev := cluster.ServiceDone{Key: ls.key, Gen: ls.gen, State: cluster.SvcStarted}
	if err != nil {
		d.log.Error("service failed to start", "service", ls.name, "err", err)
		ev.State, ev.Reason = cluster.SvcFailed, svcmgr.Reason(err)
		ls.failed = true
	} else {
		d.log.Info("service started", "service", ls.name, "gen", ls.gen)
		ls.up = true
	}
	d.node.Step(d.mono(), ev)
	d.settle(ls)
}

// restartService stops the tree, then starts the service again.
func (d *daemon) restartService(ls *localService, a cluster.StartService) {
	op, tree := ls.begin("restart"), ls.tree
	d.log.Info("restarting service: stopping it first", "service", a.Name, "gen", a.Gen)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), serviceOpTimeout)
		defer cancel()
		err := tree.Stop(ctx)
		d.inLoop(func() {
			if !ls.end(op) {
				return
			}
			if err != nil {
				d.log.Warn("service did not stop cleanly before its restart; starting it anyway", "service", a.Name, "err", err)
			} else {
				ls.clean = true
			}
			ls.failed, a.Restart = false, false
			d.startService(a)
		})
	}()
}

// stopService carries out a StopService in the background.
func (d *daemon) stopService(a cluster.StopService) {
	ls := d.services[a.Key]
	if ls == nil {
		d.node.Step(d.mono(), cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcStopped})
		return
	}
	ls.gen, ls.up, ls.recheck = a.Gen, false, ""
	op, tree := ls.begin("stop"), ls.tree
	d.log.Info("stopping service", "service", a.Name, "gen", a.Gen)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), serviceOpTimeout)
		defer cancel()
		err := tree.Stop(ctx)
		d.inLoop(func() { d.stopped(ls, op, err) })
	}()
}

func (d *daemon) stopped(ls *localService, op uint64, err error) {
	if !ls.end(op) {
		return
	}
	ev := cluster.ServiceDone{Key: ls.key, Gen: ls.gen, State: cluster.SvcStopped}
	if err != nil {
		// A stop that fails leaves the service possibly running: keep
		// saying so, so it is never started elsewhere unfenced.
		d.log.Error("service did not stop cleanly", "service", ls.name, "err", err)
		ev.State, ev.Reason = cluster.SvcStopping, err.Error()
	} else {
		ls.clean, ls.failed = true, false
	}
	d.node.Step(d.mono(), ev)
	d.settle(ls)
}

// settle runs what waited for the tree to be idle: a failure reported
// meanwhile, then a changed definition.
func (d *daemon) settle(ls *localService) {
	if ls.busy != "" || d.services[ls.key] != ls {
		return
	}
	if r := ls.recheck; r != "" {
		ls.recheck = ""
		if ls.up {
			d.check(ls, r)
			return
		}
	}
	if ls.stale {
		d.reconfigure(ls)
	}
}

// watchService feeds the loop with the failures tree's agents push and,
// when the tree's next status check is due (each resource's own
// <action> interval, or <rm status_poll_interval>), a status poll.
func (d *daemon) watchService(ls *localService, tree *svcmgr.Tree, stop chan struct{}) {
	timer := time.NewTimer(pollWait(tree))
	defer timer.Stop()
	for {
		select {
		case ev := <-tree.Watch():
			d.inLoop(func() { d.onResourceEvent(ls, ev) })
		case <-timer.C:
			if next := tree.NextPoll(); !next.IsZero() && !next.After(time.Now()) {
				d.inLoop(func() { d.pollService(ls) })
			}
			timer.Reset(pollWait(tree))
		case <-stop:
			return
		}
	}
}

// pollWait is how long watchService sleeps: until the next check is
// due, or, while none is scheduled or the due one has not run yet (the
// tree is starting, busy or frozen), the shortest check interval (a
// minute when every check is off), so that it never spins.
func pollWait(tree *svcmgr.Tree) time.Duration {
	floor := tree.MinPollInterval()
	if floor <= 0 {
		floor = time.Minute
	}
	if next := tree.NextPoll(); !next.IsZero() {
		if wait := time.Until(next); wait > 0 {
			return min(wait, floor)
		}
	}
	return floor
}

// onResourceEvent checks the service at once when an agent reports a
// failure (after the operation in flight, if any).
func (d *daemon) onResourceEvent(ls *localService, ev svcmgr.Event) {
	reason := ev.Resource + ": " + ev.Reason
	switch {
	case d.services[ls.key] != ls:
	case d.frozen(ls.key):
		d.log.Warn("resource failure ignored: the service is frozen", "service", ls.name, "resource", ev.Resource, "reason", ev.Reason)
	case ls.busy != "":
		ls.recheck = reason
	case ls.up:
		d.check(ls, reason)
	}
}

// pollService checks a service that runs here, is whole as far as we
// know, is not frozen and has no operation in flight (rgmanager's status
// poll; it never overlaps a start, a stop or another poll).
func (d *daemon) pollService(ls *localService) {
	if d.services[ls.key] != ls || !ls.up || ls.busy != "" || !d.node.Runs(ls.key) || d.frozen(ls.key) {
		return
	}
	d.check(ls, "")
}

// frozen reports whether the service table has the service frozen: no
// status checks then, as in rgmanager.
func (d *daemon) frozen(key uint64) bool {
	_, rec, ok := d.node.View()
	if !ok {
		return false
	}
	e := rec.Service(key)
	return e != nil && e.Frozen
}

// checkResult is what one check of a service found.
type checkResult struct {
	healthy   bool   // the status poll found the tree whole (running or partial)
	failed    string // the failed resources the poll found
	recovered bool   // RecoverIndependent made the tree whole again
	err       error  // why it could not
}

// check polls the tree in the background (bounded by the sum of its
// status timeouts); on a failure it first restarts the failed
// independent subtrees, and tells the brain only when that cannot help.
// trigger is the agent's report that caused it, "" for a periodic poll.
func (d *daemon) check(ls *localService, trigger string) {
	op, tree := ls.begin("check"), ls.tree
	log := d.log.With("service", ls.name)
	go func() {
		r := runCheck(tree, log, trigger)
		d.inLoop(func() { d.checked(ls, op, trigger, r) })
	}()
}

// runCheck runs the checks that are due (a periodic poll), or every
// resource's plain status check when an agent reported a failure.
func runCheck(tree *svcmgr.Tree, log *slog.Logger, trigger string) checkResult {
	t0 := time.Now()
	var st svcmgr.State
	var list []svcmgr.ResourceStatus
	if trigger == "" {
		ctx, cancel := context.WithTimeout(context.Background(), tree.PollTimeout()+time.Second)
		st, list, _ = tree.Poll(ctx)
		cancel()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), tree.StatusTimeout()+time.Second)
		st, list = tree.Status(ctx)
		cancel()
	}
	if st == svcmgr.Running || st == svcmgr.Partial {
		return checkResult{healthy: true}
	}
	var failed []string
	for _, rs := range list {
		if rs.State == svcmgr.Failed && !rs.Benched {
			failed = append(failed, rs.Reason)
		}
	}
	r := checkResult{failed: strings.Join(failed, "; ")}
	if trigger == "" {
		log.Error("status poll found a failure", "state", st, "failed", r.failed, "poll_ms", time.Since(t0).Milliseconds())
	}
	ctx, cancel := context.WithTimeout(context.Background(), serviceOpTimeout)
	defer cancel()
	r.recovered, r.err = tree.RecoverIndependent(ctx)
	return r
}

func (d *daemon) checked(ls *localService, op uint64, trigger string, r checkResult) {
	if !ls.end(op) {
		return
	}
	switch {
	case r.healthy && trigger != "":
		d.log.Info("reported failure no longer seen by the status poll", "service", ls.name, "report", trigger)
	case r.healthy:
	case r.recovered:
		d.log.Warn("service recovered in place: its failed independent subtrees restarted, the rest untouched", "service", ls.name, "failed", r.failed)
	default:
		reason := r.failed
		if r.err != nil {
			reason = r.err.Error()
		}
		d.reportFailure(ls, reason)
	}
	d.settle(ls)
}

// reportFailure tells the brain the service failed here; it restarts,
// relocates or disables it by the service's recovery policy.
func (d *daemon) reportFailure(ls *localService, reason string) {
	ls.up, ls.failed = false, true
	d.log.Error("service failed", "service", ls.name, "gen", ls.gen, "reason", reason)
	d.node.Step(d.mono(), cluster.ServiceDone{Key: ls.key, Gen: ls.gen, State: cluster.SvcFailed, Reason: reason})
}

// stopAllServices stops every local service (a graceful leave).
func (d *daemon) stopAllServices() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ls := range d.services {
		ls.tree.Stop(ctx)
	}
}

// serviceStatus is the table as clustat shows it.
func (d *daemon) serviceStatus() []api.Service {
	out := []api.Service{}
	_, rec, ok := d.node.View()
	if !ok {
		return out
	}
	name := func(id cluster.NodeID) string {
		if n := d.conf.NodeByID(int(id)); n != nil {
			return n.Name
		}
		return ""
	}
	byKey := map[uint64]cluster.ServiceEntry{}
	for _, e := range rec.Services {
		byKey[e.Key] = e
	}
	for _, s := range d.conf.RM.Services {
		e, ok := byKey[cluster.ServiceKey(s.Name)]
		if !ok {
			continue
		}
		out = append(out, api.Service{Name: "service:" + s.Name, State: e.State.String(), Owner: name(e.Owner),
			LastOwner: name(e.LastOwner), Restarts: int(e.Restarts), Frozen: e.Frozen, Reason: d.node.ServiceReason(e.Key)})
	}
	return out
}

// ServiceOp serves clusvcadm: the master applies it, any other node
// forwards it over the heartbeats.
func (d *daemon) ServiceOp(ctx context.Context, op, service, member string) (string, error) {
	var target cluster.NodeID
	if member != "" {
		n := d.conf.NodeByName(member)
		if n == nil {
			return "", api.Errorf(api.CodeNotFound, "no member %q in cluster.conf", member)
		}
		target = cluster.NodeID(n.ID)
	}
	name := service
	if len(name) > 8 && name[:8] == "service:" {
		name = name[8:]
	}
	if d.conf.ServiceByName(name) == nil {
		return "", api.Errorf(api.CodeNotFound, "no service %q in cluster.conf", name)
	}
	reply := make(chan requestResult, 1)
	select {
	case d.requests <- pendingRequest{kind: "svc:" + op + ":" + name, node: target, reply: reply}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case r := <-reply:
		if !r.OK {
			return "", api.Errorf(api.CodeConflict, "%s", r.Msg)
		}
		return r.Msg, nil
	case <-ctx.Done():
		return "", api.Errorf(api.CodeUnavailable, "no answer from the master (%v)", ctx.Err())
	}
}

// refreshServices follows a new configuration in the services this node
// holds. A changed definition is applied to a running tree in place,
// restarting only the resources that changed (svcmgr.Tree.Apply); a tree
// that runs nothing is simply built again at its next start; a failed
// tree or one with an operation in flight follows once the operation or
// the brain's recovery is done. Services added or removed are the
// master's business: it places new ones and drops removed ones from the
// table, and owners follow.
func (d *daemon) refreshServices(old, cur *conf.Cluster) {
	if old.RM.StatusPollInterval != cur.RM.StatusPollInterval {
		for _, ls := range d.services {
			ls.tree.SetPollInterval(d.pollInterval())
		}
	}
	for _, ls := range d.services {
		d.reconfigure(ls)
	}
}

// reconfigure brings ls's tree to the running configuration's definition
// when it can now, and marks it stale otherwise.
func (d *daemon) reconfigure(ls *localService) {
	svc := d.conf.ServiceByName(ls.name)
	if svc == nil {
		return // removed: the master stops it
	}
	fp := fingerprint(d.conf, svc)
	if fp == ls.fp {
		ls.stale = false
		return
	}
	ls.stale = true
	switch {
	case ls.busy != "":
		// settle comes back here when the operation ends.
	case ls.clean:
		d.dropService(ls)
	case ls.up:
		d.applyDefinition(ls, svc, fp)
	default:
		// Failed, or a stop failed: the brain recovers it, and the tree is
		// built again after its next clean stop.
	}
}

// applyDefinition changes a running tree to the new definition in the
// background. If that fails the service is reported failed, so the
// brain recovers it whole; it is never left half-running silently.
func (d *daemon) applyDefinition(ls *localService, svc *conf.Service, fp string) {
	next, err := d.buildTree(svc)
	if err != nil {
		d.reportFailure(ls, "the changed definition cannot be built: "+err.Error())
		return
	}
	op, tree := ls.begin("reconfigure"), ls.tree
	d.log.Info("service definition changed: applying it in place", "service", ls.name)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), serviceOpTimeout)
		defer cancel()
		diff, err := tree.Apply(ctx, next)
		d.inLoop(func() {
			if !ls.end(op) {
				return
			}
			if err != nil {
				d.reportFailure(ls, "applying the changed definition: "+err.Error())
			} else {
				ls.fp, ls.stale = fp, false
				d.log.Info("service definition applied", "service", ls.name, "changes", diff.String())
			}
			d.settle(ls)
		})
	}()
}

// fingerprint identifies a service's definition (its tree and the shared
// resources it may reference), ignoring line numbers.
func fingerprint(c *conf.Cluster, s *conf.Service) string {
	if s == nil {
		return ""
	}
	type def struct {
		Svc conf.Service
		Res []conf.Resource
	}
	strip := func(rs []conf.Resource) []conf.Resource {
		var out []conf.Resource
		var walk func(r conf.Resource) conf.Resource
		walk = func(r conf.Resource) conf.Resource {
			r.Line = 0
			var kids []conf.Resource
			for _, k := range r.Children {
				kids = append(kids, walk(k))
			}
			r.Children = kids
			return r
		}
		for _, r := range rs {
			out = append(out, walk(r))
		}
		return out
	}
	sv := *s
	sv.Line = 0
	sv.Children = strip(sv.Children)
	b, _ := json.Marshal(def{Svc: sv, Res: strip(c.RM.Resources)})
	return string(b)
}
