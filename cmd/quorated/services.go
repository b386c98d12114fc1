package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
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

// localService is one service's resource tree on this node.
type localService struct {
	tree *svcmgr.Tree
	gen  uint64
	stop chan struct{}
}

// startService runs a StartService in the background.
func (d *daemon) startService(a cluster.StartService) {
	svc := d.conf.ServiceByName(a.Name)
	if svc == nil {
		d.events <- cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcFailed, Reason: "not in cluster.conf"}
		return
	}
	ls := d.services[a.Key]
	if ls == nil {
		tree, err := svcmgr.NewTree(*svc, d.conf, svcmgr.Env{Log: d.log.With("service", a.Name), ServiceName: a.Name, StateDir: d.opts.stateDir})
		if err != nil {
			d.log.Error("service cannot be built", "service", a.Name, "err", err)
			d.events <- cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcFailed, Reason: err.Error()}
			return
		}
		ls = &localService{tree: tree, stop: make(chan struct{})}
		d.services[a.Key] = ls
		go d.watchService(a.Key, ls)
	}
	ls.gen = a.Gen
	tree, gen := ls.tree, a.Gen
	d.log.Info("starting service", "service", a.Name, "gen", gen, "restart", a.Restart)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if a.Restart {
			tree.Stop(ctx)
		}
		ev := cluster.ServiceDone{Key: a.Key, Gen: gen, State: cluster.SvcStarted}
		if err := tree.Start(ctx); err != nil {
			d.log.Error("service failed to start", "service", a.Name, "err", err)
			ev.State, ev.Reason = cluster.SvcFailed, err.Error()
		} else {
			d.log.Info("service started", "service", a.Name, "gen", gen)
		}
		d.events <- ev
	}()
}

// stopService runs a StopService in the background.
func (d *daemon) stopService(a cluster.StopService) {
	ls := d.services[a.Key]
	if ls == nil {
		d.events <- cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcStopped}
		return
	}
	tree := ls.tree
	d.log.Info("stopping service", "service", a.Name, "gen", a.Gen)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		ev := cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcStopped}
		if err := tree.Stop(ctx); err != nil {
			// A stop that fails leaves the service possibly running: keep
			// saying so, so it is never started elsewhere unfenced.
			d.log.Error("service did not stop cleanly", "service", a.Name, "err", err)
			ev.State, ev.Reason = cluster.SvcStopping, err.Error()
		}
		d.events <- ev
	}()
}

// watchService turns failures the agents notice into ServiceDone at once.
func (d *daemon) watchService(key uint64, ls *localService) {
	for {
		select {
		case ev := <-ls.tree.Watch():
			d.inLoop(func() {
				d.log.Error("service failed", "service", ev.Service, "resource", ev.Resource, "reason", ev.Reason)
				d.node.Step(d.mono(), cluster.ServiceDone{Key: key, Gen: ls.gen, State: cluster.SvcFailed,
					Reason: fmt.Sprintf("%s: %s", ev.Resource, ev.Reason)})
			})
		case <-ls.stop:
			return
		}
	}
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
			LastOwner: name(e.LastOwner), Restarts: int(e.Restarts), Frozen: e.Frozen})
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

// refreshServices handles a new configuration's effect on the services
// this node holds: a service whose definition changed is rebuilt, and
// restarted here if it runs here (its owner stays the same, so nothing
// moves). Services added or removed are the master's business: it places
// new ones and drops removed ones from the table, and owners follow.
func (d *daemon) refreshServices(old, cur *conf.Cluster) {
	for key, ls := range d.services {
		var name string
		for _, s := range old.RM.Services {
			if cluster.ServiceKey(s.Name) == key {
				name = s.Name
			}
		}
		ns := cur.ServiceByName(name)
		if name == "" || ns == nil || fingerprint(old, old.ServiceByName(name)) == fingerprint(cur, ns) {
			continue
		}
		close(ls.stop)
		delete(d.services, key)
		if !d.node.Runs(key) {
			continue
		}
		d.log.Info("service definition changed: restarting it here", "service", name)
		oldTree, gen := ls.tree, ls.gen
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			oldTree.Stop(ctx)
			d.inLoop(func() { d.startService(cluster.StartService{Key: key, Name: name, Gen: gen}) })
		}()
	}
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
