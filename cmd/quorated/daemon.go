package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/fencer"
	"github.com/quorate/quorate/netheart"
	"github.com/quorate/quorate/quorumdisk"
)

// maxTickGap bounds the wait between two ticks of the brain; it usually
// wakes earlier, when the brain's next deadline (NextTick) is due.
const maxTickGap = 100 * time.Millisecond

// bulkIOTimeout bounds one I/O of a configuration transfer.
const bulkIOTimeout = 5 * time.Second

// leaveTimeout bounds a graceful leave on SIGTERM.
const leaveTimeout = 2 * time.Second

// daemon wires the real adapters to one cluster.Node, in one loop.
type daemon struct {
	conf  *conf.Cluster
	self  *conf.Node
	opts  options
	log   *slog.Logger
	start time.Time
	node  *cluster.Node
	disk  *quorumdisk.Disk
	// bulk is a second handle on the quorum disk for configuration transfers:
	// they take longer than one slot I/O and must never hold up the slot
	// path (nor leave it busy after a timeout).
	bulk   *quorumdisk.Disk
	net    *netheart.Transport
	server *api.Server
	web    *http.Server

	fencer   *fencer.Fencer
	res      *reservations    // SCSI-3 PR of this node's fence_scsi LUNs (reservation.go)
	watchdog *fencer.Watchdog // nil without <quorumd watchdog=...>
	lastPet  time.Time

	diskReqs chan cluster.Action
	diskDone chan cluster.Event
	events   chan cluster.Event // results of background work (fencing)
	requests chan pendingRequest
	reqs     requestState
	cfg      cfgState
	services map[uint64]*localService
	loopFns  chan func() // work handed to the loop goroutine
	statusCh chan chan *api.Status
}

func newDaemon(c *conf.Cluster, o options, log *slog.Logger) (*daemon, error) {
	self := c.NodeByName(o.node)
	if self == nil {
		return nil, fmt.Errorf("%s has no <clusternode name=%q>; pass -n with one of its node names", o.config, o.node)
	}
	d := &daemon{conf: c, self: self, opts: o, log: log.With("node", self.Name), start: time.Now(),
		diskReqs: make(chan cluster.Action, 1), diskDone: make(chan cluster.Event, 1), statusCh: make(chan chan *api.Status),
		services: map[uint64]*localService{},
		events:   make(chan cluster.Event, 16), requests: make(chan pendingRequest), loopFns: make(chan func(), 16),
		reqs: requestState{pending: map[uint64]*pendingRequest{}, jobs: map[[2]uint64]*masterJob{}}}
	d.fencer = fencer.New(fencer.Options{Log: d.log, Self: self.Name})
	for _, err := range d.fencer.Validate(c) {
		d.log.Warn("fencing configuration", "err", err)
	}
	var err error
	if d.disk, err = openQuorumDisk(c, d.log); err != nil {
		return nil, err
	}
	if d.bulk, err = quorumdisk.Open(d.disk.Name(), bulkIOTimeout, d.log); err != nil {
		d.disk.Close()
		return nil, fmt.Errorf("quorum disk %s: %w", d.disk.Name(), err)
	}
	if c = d.startupConfig(c); c.NodeByName(o.node) == nil {
		d.disk.Close()
		return nil, fmt.Errorf("the cluster's configuration (version %d) has no node %q", c.ConfigVersion, o.node)
	}
	self = c.NodeByName(o.node)
	d.conf, d.self = c, self
	cfg := brainConfig(c, self)
	if s, err := d.disk.ReadSlot(cluster.NodeID(self.ID)); err == nil {
		// Disk Paxos needs our promises to outlive this incarnation, and a
		// master's evictions must outlive its crash.
		cfg.Ballot, cfg.Released = s.Ballot, s.Master
		cfg.SeenGen, cfg.SeenOwner, cfg.SeenOwnerInc = s.SeenGen, s.SeenOwner, s.SeenOwnerInc
	}
	if d.node, err = cluster.NewNode(cfg, 0); err != nil {
		d.disk.Close()
		return nil, err
	}
	if d.net, err = openTransport(c, self, cfg.Incarnation, d.log); err != nil {
		d.disk.Close()
		return nil, err
	}
	if c.Quorumd.Watchdog != "" {
		if d.watchdog, err = fencer.OpenWatchdog(c.Quorumd.Watchdog, c.Quorumd.WatchdogTimeout, d.log); err != nil {
			d.disk.Close()
			d.net.Close()
			return nil, fmt.Errorf("<quorumd watchdog=%q>: %w (load the watchdog driver, or remove the attribute to rely on power fencing only)", c.Quorumd.Watchdog, err)
		}
	}
	if d.server, err = api.NewServer(o.socket, d, d.log); err != nil {
		d.disk.Close()
		d.net.Close()
		return nil, err
	}
	return d, nil
}

// brainConfig translates cluster.conf into the state machine's Config.
func brainConfig(c *conf.Cluster, self *conf.Node) cluster.Config {
	cfg := cluster.Config{Self: cluster.NodeID(self.ID), QdiskVotes: c.Quorumd.Votes,
		ExpectedVotes: c.CMAN.ExpectedVotes, TwoNode: c.CMAN.TwoNode,
		Heartbeat: c.Totem.Heartbeat, Token: c.Totem.Token, Interval: c.Quorumd.Interval,
		TKO: c.Quorumd.TKO, TKOUp: c.Quorumd.TKOUp, IOTimeout: c.Quorumd.IOTimeout,
		LeaseTimeout: c.Quorumd.LeaseTimeout, ConfigVersion: c.ConfigVersion, Incarnation: randomUint64(),
		PostFailDelay: c.FenceDaemon.PostFailDelay, Services: serviceInfos(c)}
	if c.Quorumd.Watchdog != "" {
		cfg.WatchdogTimeout = c.Quorumd.WatchdogTimeout
	}
	for _, n := range c.Nodes {
		cfg.Nodes = append(cfg.Nodes, cluster.NodeInfo{ID: cluster.NodeID(n.ID), Name: n.Name, Votes: n.Votes, Fence: len(n.Fence) > 0})
	}
	return cfg
}

func randomUint64() uint64 {
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]); v != 0 {
			return v
		}
	}
}

// openQuorumDisk finds the quorum disk by device or label, and checks (or
// stamps) that it belongs to this cluster. It never writes to a disk of
// another cluster.
func openQuorumDisk(c *conf.Cluster, log *slog.Logger) (*quorumdisk.Disk, error) {
	path := c.Quorumd.Device
	if path == "" {
		found, err := quorumdisk.FindByLabel(c.Quorumd.Label, log)
		if err != nil {
			return nil, fmt.Errorf("looking for the quorum disk labelled %q: %w", c.Quorumd.Label, err)
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("no quorum disk labelled %q on this machine's block devices; label one with 'mkqdisk -c DEVICE -l %s' or set <quorumd device=\"...\">", c.Quorumd.Label, c.Quorumd.Label)
		case 1:
			path = found[0].Device
		default:
			return nil, fmt.Errorf("%d devices carry the quorum disk label %q (%s, %s, …); set <quorumd device=\"...\"> to choose one", len(found), c.Quorumd.Label, found[0].Device, found[1].Device)
		}
	}
	d, err := quorumdisk.Open(path, c.Quorumd.IOTimeout, log)
	if err != nil {
		return nil, fmt.Errorf("quorum disk %s: %w", path, err)
	}
	if c.Quorumd.Label != "" && d.Header().Label != c.Quorumd.Label {
		d.Close()
		return nil, fmt.Errorf("quorum disk %s is labelled %q, cluster.conf expects %q", path, d.Header().Label, c.Quorumd.Label)
	}
	err = d.CheckCluster(c.Name)
	if errors.Is(err, quorumdisk.ErrUnstamped) {
		err = d.StampCluster(c.Name)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("quorum disk %s: %w", path, err)
	}
	return d, nil
}

// openTransport binds the heartbeat links of this node.
func openTransport(c *conf.Cluster, self *conf.Node, inc uint64, log *slog.Logger) (*netheart.Transport, error) {
	var key []byte
	if c.Totem.SecAuth {
		k, err := netheart.LoadKey(c.Totem.Keyfile)
		if err != nil {
			return nil, err
		}
		key = k
	}
	links := []netheart.Link{{Listen: self.Addr, Peers: map[cluster.NodeID]string{}}}
	if self.Addr2 != "" {
		links = append(links, netheart.Link{Listen: self.Addr2, Peers: map[cluster.NodeID]string{}})
	}
	for _, n := range c.Nodes {
		if n.ID == self.ID {
			continue
		}
		links[0].Peers[cluster.NodeID(n.ID)] = n.Addr
		if len(links) > 1 && n.Addr2 != "" {
			links[1].Peers[cluster.NodeID(n.ID)] = n.Addr2
		}
	}
	_ = inc
	return netheart.New(netheart.Config{Cluster: c.Name, Self: cluster.NodeID(self.ID), Key: key, Links: links, Log: log})
}

// mono is the daemon's monotonic clock as the brain sees it.
func (d *daemon) mono() time.Duration { return time.Since(d.start) }

// run is the loop: collect I/O results, step or tick the brain, carry out
// its actions. It returns after a graceful leave when ctx ends.
func (d *daemon) run(ctx context.Context) error {
	d.startReservations()
	go d.diskWorker()
	go func() {
		if err := d.server.Serve(); err != nil {
			d.log.Error("control socket stopped", "err", err)
		}
	}()
	if d.opts.http != "" {
		d.web = &http.Server{Addr: d.opts.http, Handler: api.NewHTTPHandler(d), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := d.web.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("status page stopped", "err", err)
			}
		}()
	}
	d.log.Info("quorated started", "cluster", d.conf.Name, "config_version", d.conf.ConfigVersion,
		"quorum_disk", d.disk.Name(), "socket", d.opts.socket, "incarnation", fmt.Sprintf("%016x", d.node.Incarnation()))
	timer := time.NewTimer(0)
	defer timer.Stop()
	done := ctx.Done()
	var leaveBy <-chan time.Time
	for {
		select {
		case <-done:
			d.log.Info("leaving the cluster: stopping services first")
			d.stopAllServices()
			d.node.Step(d.mono(), cluster.LeaveRequest{})
			done = nil
			leaveBy = time.After(leaveTimeout)
		case <-leaveBy:
			d.log.Warn("leave not confirmed on the quorum disk in time; exiting anyway")
			return d.shutdown()
		case <-timer.C:
			d.node.Tick(d.mono())
		case r, ok := <-d.net.Received():
			if ok {
				d.node.Step(d.mono(), cluster.HeartbeatIn{HB: r.Heartbeat})
				d.onExtension(r.Heartbeat.From, r.Ext)
			}
		case ev := <-d.diskDone:
			d.node.Step(d.mono(), ev)
		case ev := <-d.events:
			d.node.Step(d.mono(), ev)
		case p := <-d.requests:
			d.submit(p)
		case f := <-d.loopFns:
			f()
		case reply := <-d.statusCh:
			d.node.Tick(d.mono())
			reply <- d.withReservations(d.status())
		}
		d.carryOut(d.node.Ready())
		d.requestCycle()
		d.configCycle()
		d.reservationCycle()
		d.carryOut(d.node.Ready())
		d.petWatchdog()
		timer.Reset(d.untilNextTick())
		if leaveBy != nil && d.node.Left() {
			d.log.Info("left the cluster")
			return d.shutdown()
		}
	}
}

// untilNextTick is how long the loop may sleep before the brain's next
// deadline (a millisecond late, so the deadline has surely passed).
func (d *daemon) untilNextTick() time.Duration {
	wait := d.node.NextTick() - d.mono() + time.Millisecond
	return max(time.Millisecond, min(wait, maxTickGap))
}

// petWatchdog keeps the hardware watchdog quiet while the node is a
// healthy member. An evicted, inquorate or disk-less node stops petting and
// the watchdog resets the machine: the self-fence the master counts on.
func (d *daemon) petWatchdog() {
	if d.watchdog == nil || time.Since(d.lastPet) < d.watchdog.Timeout()/5 {
		return
	}
	if !d.node.Healthy() || d.prFenced() {
		return
	}
	if err := d.watchdog.Pet(); err != nil {
		d.log.Error("petting the watchdog failed", "err", err)
		return
	}
	d.lastPet = time.Now()
}

func (d *daemon) shutdown() error {
	d.releaseReservations()
	if d.watchdog != nil {
		d.watchdog.Close(true) // a clean leave disarms it (magic close)
	}
	d.server.Close()
	if d.web != nil {
		d.web.Close()
	}
	d.net.Close()
	close(d.diskReqs)
	d.bulk.Close()
	return d.disk.Close()
}

// carryOut performs the brain's actions.
func (d *daemon) carryOut(actions []cluster.Action) {
	for _, a := range actions {
		switch a := a.(type) {
		case cluster.SendHeartbeat:
			if err := d.net.Send(a.HB); err != nil {
				d.log.Debug("heartbeat send failed", "err", err)
			}
		case cluster.FenceNode:
			d.fence(a)
		case cluster.StartService:
			d.startWhenRegistered(a)
		case cluster.StopService:
			d.forgetHeldStart(a.Key)
			d.stopService(a)
		case cluster.WriteSlot, cluster.ReadSlots:
			d.diskReqs <- a // the brain has at most one disk operation outstanding
		case cluster.Notice:
			d.log.Log(context.Background(), noticeLevel(a.Level), a.Msg, "peer", a.Node, "reason", a.Reason)
		}
	}
}

func noticeLevel(l cluster.NoticeLevel) slog.Level {
	return [...]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}[l]
}

// diskWorker performs the brain's disk operations one at a time; the
// quorumdisk.Disk enforces the I/O deadline.
func (d *daemon) diskWorker() {
	for a := range d.diskReqs {
		switch a := a.(type) {
		case cluster.WriteSlot:
			err := d.fencedWrite() // a node fenced by its reservation key writes no more
			if err == nil {
				err = d.disk.WriteSlot(&a.Slot)
			}
			d.diskDone <- cluster.WriteDone{Op: a.Op, Err: err}
		case cluster.ReadSlots:
			res, err := d.disk.ReadSlots(a.First, a.Last)
			ev := cluster.ReadDone{Op: a.Op, Err: err}
			for _, r := range res {
				sr := cluster.SlotRead{Node: r.Node, Slot: r.Slot, Err: r.Err}
				if errors.Is(r.Err, quorumdisk.ErrEmpty) {
					sr.Err = fmt.Errorf("%w: %w", cluster.ErrSlotEmpty, r.Err)
				}
				ev.Slots = append(ev.Slots, sr)
			}
			d.diskDone <- ev
		}
	}
}

// Status serves the control API; the snapshot is taken inside the loop.
func (d *daemon) Status(ctx context.Context) (*api.Status, error) {
	reply := make(chan *api.Status, 1)
	select {
	case d.statusCh <- reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case s := <-reply:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
