package svcmgr

import (
	"time"
)

// eventBuffer is how many events wait for the reader before new ones are
// dropped.
const eventBuffer = 64

// Event tells that a resource the tree started failed by itself.
type Event struct {
	Service  string
	Resource string // "type:key", as ResourceStatus.ID
	State    State  // Failed or Stopped
	Reason   string
	Time     time.Time
}

// Watch returns the channel on which the tree pushes failures the agents
// notice by themselves (an exec child exits, a systemd unit turns failed
// or inactive, a monitored link goes down), so the daemon learns of them
// at once rather than at its next Status poll. Only resources the tree
// started and is not stopping are reported: a failure during the
// resource's own Start (before it returned) shows in Start's error or
// at the next Status instead. Every call returns the same
// channel, which is never closed; it holds eventBuffer events, and newer
// ones are dropped while it is full (the next Status poll still sees
// them).
func (t *Tree) Watch() <-chan Event { return t.events }

// report is Env.Report for node n.
func (t *Tree) report(n *node, st State, reason error) {
	if st == Running || !n.up.Load() {
		return
	}
	ev := Event{Service: t.svc, Resource: n.id(), State: st, Time: t.env.Now()}
	if reason != nil {
		ev.Reason = reason.Error()
	}
	select {
	case t.events <- ev:
		t.env.Log.Error("resource failed", "resource", ev.Resource, "state", st, "reason", ev.Reason)
	default:
		t.env.Log.Warn("event dropped: watch channel full", "resource", ev.Resource)
	}
}
