package main

import (
	"context"
	"fmt"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/fencer"
)

// fence carries out a FenceNode action in the background and reports
// FenceDone to the loop. The lease was checked by the brain right after a
// full read; it is checked once more here, just before the BMC is touched.
func (d *daemon) fence(a cluster.FenceNode) {
	node := d.conf.NodeByID(int(a.Node))
	if node == nil || !d.node.IsMaster() {
		d.events <- cluster.FenceDone{Node: a.Node, Incarnation: a.Incarnation, Err: "not the lease holder any more"}
		return
	}
	d.log.Warn("fencing", "peer", node.Name, "reason", a.Reason.String(), "attempt", a.Attempt, "generation", a.Generation)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out := d.fencer.Fence(ctx, fencer.Request{Node: node, Cluster: d.conf})
		ev := cluster.FenceDone{Node: a.Node, Incarnation: a.Incarnation, OK: out.Success, Method: out.Method, Err: out.Err}
		if out.Success {
			d.log.Warn("fence confirmed", "peer", node.Name, "method", out.Method)
		} else {
			d.log.Error("fence failed", "peer", node.Name, "err", out.Err)
		}
		d.events <- ev
	}()
}

// fenceHistory is the fencer's record in the API's form, newest last.
func (d *daemon) fenceHistory() []api.FenceEvent {
	var out []api.FenceEvent
	for _, a := range d.fencer.History() {
		out = append(out, api.FenceEvent{Node: a.Node, Method: a.Method, Device: a.Device, Result: a.Result,
			Started: a.Started, DurationMS: a.Duration.Milliseconds()})
	}
	return out
}

// FenceNode serves fence_node: the master fences at once; any other node
// forwards the request to the master over the authenticated heartbeats.
func (d *daemon) FenceNode(ctx context.Context, name string, unfence bool) (string, error) {
	node := d.conf.NodeByName(name)
	if node == nil {
		return "", api.Errorf(api.CodeNotFound, "no node %q in cluster.conf", name)
	}
	if unfence {
		out := d.fencer.Unfence(ctx, fencer.Request{Node: node, Cluster: d.conf})
		if !out.Success {
			return "", api.Errorf(api.CodeConflict, "unfencing %s failed: %s", name, out.Err)
		}
		msg := fmt.Sprintf("%s unfenced (%s)", name, out.Method)
		if name == d.self.Name {
			msg += d.operatorUnfenced(ctx)
		}
		return msg, nil
	}
	reply := make(chan requestResult, 1)
	select {
	case d.requests <- pendingRequest{kind: "fence", node: cluster.NodeID(node.ID), reply: reply}:
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
		return "", api.Errorf(api.CodeUnavailable, "fencing %s: no answer from the master yet (%v); see clustat for its progress", name, ctx.Err())
	}
}
