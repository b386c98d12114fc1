package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quorate/quorate/cluster"
)

// Operator requests that only the master can carry out (fence_node, and
// later service and configuration commands) travel to it inside the
// authenticated heartbeat extension: a node lists its pending requests in
// every heartbeat until the master lists the answer in its own.

// request is one operator request on the wire.
type request struct {
	ID      uint64         `json:"id"`
	Kind    string         `json:"kind"`
	Node    cluster.NodeID `json:"node,omitempty"`
	Version uint64         `json:"version,omitempty"` // config: the staged file's version
}

// requestResult is the master's answer.
type requestResult struct {
	Origin cluster.NodeID `json:"origin"`
	ID     uint64         `json:"id"`
	OK     bool           `json:"ok"`
	Msg    string         `json:"msg"`
}

// extension is the heartbeat extension payload.
type extension struct {
	Requests []request       `json:"req,omitempty"`
	Done     []requestResult `json:"done,omitempty"`
}

// pendingRequest is a local request waiting for its result.
type pendingRequest struct {
	kind    string
	node    cluster.NodeID
	version uint64
	reply   chan requestResult
	sent    time.Time
	id      uint64
}

// masterJob is a forwarded request the master is working on.
type masterJob struct {
	origin  cluster.NodeID
	id      uint64
	node    cluster.NodeID
	started bool
	done    time.Time
	result  requestResult
}

// requestState is kept by the loop goroutine only.
type requestState struct {
	nextID  uint64
	pending map[uint64]*pendingRequest
	jobs    map[[2]uint64]*masterJob // by (origin, id)
}

// submit takes a local request: run it if we are master, else forward it.
func (d *daemon) submit(p pendingRequest) {
	rs := &d.reqs
	rs.nextID++
	p.id, p.sent = rs.nextID, time.Now()
	rs.pending[p.id] = &p
	d.updateExtension()
}

// onExtension handles the extension of a heartbeat from node from.
func (d *daemon) onExtension(from cluster.NodeID, b []byte) {
	if len(b) == 0 {
		return
	}
	var ext extension
	if err := json.Unmarshal(b, &ext); err != nil {
		d.log.Warn("bad heartbeat extension", "peer", from, "err", err)
		return
	}
	for _, r := range ext.Done {
		if r.Origin != cluster.NodeID(d.self.ID) {
			continue
		}
		if p := d.reqs.pending[r.ID]; p != nil {
			p.reply <- r
			delete(d.reqs.pending, r.ID)
			d.updateExtension()
		}
	}
	if d.node.IsMaster() && len(ext.Requests) > 0 {
		for _, r := range ext.Requests {
			d.acceptJob(from, r)
		}
		d.updateExtension() // publish answers of jobs that finished at once
	}
}

// acceptJob starts a forwarded request once.
func (d *daemon) acceptJob(origin cluster.NodeID, r request) {
	key := [2]uint64{uint64(origin), r.ID}
	if d.reqs.jobs[key] != nil {
		return
	}
	j := &masterJob{origin: origin, id: r.ID, node: r.Node}
	d.reqs.jobs[key] = j
	switch r.Kind {
	case "fence":
		d.log.Warn("fence requested by an operator", "peer", r.Node, "from", origin)
		d.node.Step(d.mono(), cluster.FenceRequest{Node: r.Node})
		j.started = true
	case "config":
		d.log.Info("configuration pushed on another node", "from", origin, "version", r.Version)
		d.takeStagedConfig(j, r.Version)
	default:
		if op, name, ok := strings.Cut(strings.TrimPrefix(r.Kind, "svc:"), ":"); ok && strings.HasPrefix(r.Kind, "svc:") {
			if err := d.node.ServiceCommand(op, name, r.Node); err != nil {
				j.finish(false, fmt.Sprintf("%s %s: %v", op, name, err))
			} else {
				j.finish(true, fmt.Sprintf("%s %s: done", op, name))
			}
			return
		}
		j.finish(false, fmt.Sprintf("unknown request %q", r.Kind))
	}
}

func (j *masterJob) finish(ok bool, msg string) {
	j.done = time.Now()
	j.result = requestResult{Origin: j.origin, ID: j.id, OK: ok, Msg: msg}
}

// requestCycle runs after every loop turn: local requests on the master
// become jobs, jobs finish when their fence is confirmed, and answered or
// stale entries are dropped.
func (d *daemon) requestCycle() {
	self := cluster.NodeID(d.self.ID)
	changed := false
	for id, p := range d.reqs.pending {
		switch {
		case d.node.IsMaster():
			d.acceptJob(self, request{ID: id, Kind: p.kind, Node: p.node, Version: p.version})
		case time.Since(p.sent) > 2*time.Minute:
			p.reply <- requestResult{OK: false, Msg: "no master answered"}
			delete(d.reqs.pending, id)
			changed = true
		}
	}
	for key, j := range d.reqs.jobs {
		if j.started && j.done.IsZero() && !d.node.Fencing(j.node) {
			if d.node.IsMaster() {
				j.finish(true, fmt.Sprintf("node %d fenced", j.node))
			} else {
				j.finish(false, "the master lost its lease before the fence finished; ask again")
			}
			changed = true
		}
		if !j.done.IsZero() && j.origin == self {
			if p := d.reqs.pending[j.id]; p != nil {
				p.reply <- j.result
				delete(d.reqs.pending, j.id)
			}
		}
		if !j.done.IsZero() && time.Since(j.done) > 10*time.Second {
			delete(d.reqs.jobs, key)
			changed = true
		}
	}
	if changed {
		d.updateExtension()
	}
}

// updateExtension publishes our pending requests and the master's answers.
func (d *daemon) updateExtension() {
	var ext extension
	for id, p := range d.reqs.pending {
		ext.Requests = append(ext.Requests, request{ID: id, Kind: p.kind, Node: p.node, Version: p.version})
	}
	for _, j := range d.reqs.jobs {
		if !j.done.IsZero() {
			ext.Done = append(ext.Done, j.result)
		}
	}
	var b []byte
	if len(ext.Requests)+len(ext.Done) > 0 {
		b, _ = json.Marshal(ext)
	}
	if err := d.net.SetExtension(b); err != nil {
		d.log.Warn("too many pending requests for one heartbeat", "err", err)
	}
}
