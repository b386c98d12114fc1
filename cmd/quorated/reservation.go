package main

// SCSI-3 persistent reservations of this node (its fence_scsi LUNs). The
// rules, as issue 3 states them: on join a node registers its key
// (derived from the cluster name and node id) and the master holds a
// Write Exclusive – Registrants Only reservation; fencing preempts the
// victim's key (fencer's fence_scsi); a command is retried once on a unit
// attention (fencer.PR); a fenced node never re-registers by itself;
// rejoining through the cluster unfences it.
//
// Here that means: this quorated registers once, when the master's record
// first admits its incarnation, and StartService actions wait until that
// is done. It never registers again: a later incarnation of the brain
// (after it gave up its membership and came back) only checks that the
// key is still there. The key is checked every SCSIConfig.Interval, at
// once when the node leaves the membership and when it becomes master;
// when it is gone the node is fenced: it stops petting the watchdog,
// refuses every further quorum-disk write (so the brain gives up its
// membership and stops its services, and the master sees it as dead and
// fences it, which finds the key already gone) and stays so until
// quorated restarts. While it holds the arbiter lease it makes sure the
// WERO reservation exists. A graceful leave unregisters. Every SCSI
// command runs on the PR worker goroutine, never on the loop.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/fencer"
)

// prPhase is where this quorated stands with its registration.
type prPhase int

const (
	prWaiting     prPhase = iota // not admitted yet: nothing registered
	prRegistering                // the registration job runs
	prRegistered                 // key registered on every device
	prFailed                     // registration failed; services are refused here
	prFenced                     // our key was removed: fenced until quorated restarts
	prLeft                       // unregistered on a graceful leave
)

var prPhaseNames = [...]string{"waiting", "registering", "registered", "failed", "fenced", "left"}

// errFencedByPR is what a refused quorum-disk write reports to the brain.
var errFencedByPR = errors.New("this node's SCSI reservation key was removed (fenced): quorum-disk writes stopped until quorated restarts")

// prJobTimeout bounds one job of the PR worker (all devices).
const prJobTimeout = 30 * time.Second

// reservations is the loop's bookkeeping (loop goroutine only, except
// fenced, which the disk worker reads).
type reservations struct {
	on       bool
	cfg      fencer.SCSIConfig
	conf     *conf.Cluster // the configuration cfg was taken from
	phase    prPhase
	why      string // why registration failed, or how the node was fenced
	retry    bool   // a failed registration is retried (a device could not be opened)
	inc      uint64 // brain incarnation last admitted and handled
	busy     bool   // a job runs on the worker
	again    bool   // check again as soon as the running job ends
	next     time.Time
	state    cluster.NodeState
	master   bool
	waiting  map[uint64]cluster.StartService
	holders  map[fencer.PRKey]bool // reservation holders already logged
	view     []api.Reservation
	fenced   atomic.Bool
	jobs     chan func()
	handles  map[string]*prHandle // worker goroutine only
	stopOnce bool
}

// prHandle is one open device of the worker.
type prHandle struct {
	pr         *fencer.PR
	closer     io.Closer
	registered bool // we registered our key here in this process
}

// startReservations reads this node's fence_scsi set-up and starts the PR
// worker (run calls it once, before the loop).
func (d *daemon) startReservations() {
	r := &reservations{waiting: map[uint64]cluster.StartService{}, holders: map[fencer.PRKey]bool{},
		handles: map[string]*prHandle{}, jobs: make(chan func(), 4), conf: d.conf}
	d.res = r
	cfg, ok, err := fencer.LocalSCSI(d.conf, d.self)
	if err != nil {
		d.log.Error("fence_scsi configuration of this node is unusable; it will not register any reservation key", "err", err)
		return
	}
	if !ok {
		return
	}
	r.on, r.cfg = true, cfg
	d.log.Info("SCSI-3 reservations: will register when admitted", "key", cfg.Key.String(), "devices", cfg.Devices, "check_every", cfg.Interval)
	for _, dev := range cfg.Devices {
		r.view = append(r.view, api.Reservation{Device: dev, Key: cfg.Key.String(), State: "waiting"})
	}
	go func() {
		for job := range r.jobs {
			job()
		}
	}()
}

// reservationCycle runs after every loop iteration: register once
// admitted, check the key when due, hold the reservation as master.
func (d *daemon) reservationCycle() {
	r := d.res
	if r == nil || !r.on || r.phase == prFenced || r.phase == prLeft {
		return
	}
	d.prConfigChanged()
	state, inc, master := d.node.State(), d.node.Incarnation(), d.node.IsMaster()
	if state == cluster.StateLeaving {
		return // the leave unregisters; a check now could race with it
	}
	urgent := (r.state == cluster.StateMember && state != cluster.StateMember) || (master && !r.master)
	r.state, r.master = state, master
	if urgent {
		r.next, r.again = time.Time{}, r.busy // a job in flight started before this: check again after it
	}
	if r.busy {
		return
	}
	now := time.Now()
	switch {
	case (r.phase == prWaiting || (r.phase == prFailed && r.retry && !now.Before(r.next))) && d.selfAdmitted(inc):
		r.inc = inc
		d.registerKey()
	case r.phase == prRegistered && inc != r.inc && d.selfAdmitted(inc):
		r.inc = inc
		d.checkKey("this node was admitted again as a new incarnation")
	case r.phase == prRegistered && !now.Before(r.next):
		d.checkKey("")
	}
}

// selfAdmitted reports whether the trusted master record lists incarnation
// inc of this node as a member.
func (d *daemon) selfAdmitted(inc uint64) bool {
	if d.node.State() != cluster.StateMember {
		return false
	}
	_, rec, ok := d.node.View()
	return ok && rec.Admits(cluster.NodeID(d.self.ID), inc)
}

// prConfigChanged logs once that a new configuration changes this
// node's reservation set-up, which takes effect only at a restart.
func (d *daemon) prConfigChanged() {
	r := d.res
	if r.conf == d.conf {
		return
	}
	r.conf = d.conf
	cfg, ok, err := fencer.LocalSCSI(d.conf, d.self)
	if err != nil || !ok || cfg.Key != r.cfg.Key || !slices.Equal(cfg.Devices, r.cfg.Devices) {
		d.log.Warn("the new configuration changes this node's fence_scsi devices or key; quorated keeps the ones it registered until it restarts",
			"registered_key", r.cfg.Key.String(), "registered_devices", r.cfg.Devices)
	}
}

// scheduleCheck sets the next key check: one interval on, or at once
// when something urgent happened while the last job ran.
func (r *reservations) scheduleCheck() {
	r.next = time.Now().Add(r.cfg.Interval)
	if r.again {
		r.next, r.again = time.Time{}, false
	}
}

// prResult is what a worker job reports back to the loop.
type prResult struct {
	view       []api.Reservation
	registered bool     // the key is registered on every device
	retry      bool     // failed only because a device could not be opened
	gone       []string // devices on which our registered key is missing
	holder     fencer.PRKey
	err        error
}

// registerKey registers this node's key on every device (and runs the
// node's other <unfence> devices), on the worker.
func (d *daemon) registerKey() {
	r := d.res
	r.phase, r.busy = prRegistering, true
	master, cfg := d.node.IsMaster(), r.cfg
	req := fencer.Request{Node: d.self, Cluster: d.conf}
	unfence := otherUnfenceDevices(d.conf, d.self)
	d.log.Info("admitted: registering this node's reservation key", "key", cfg.Key.String(), "devices", cfg.Devices)
	r.jobs <- func() {
		ctx, cancel := context.WithTimeout(context.Background(), prJobTimeout)
		defer cancel()
		var res prResult
		if unfence {
			if out := d.fencer.Unfence(ctx, req); !out.Success {
				res.err = fmt.Errorf("unfencing (<unfence> devices): %s", out.Err)
			}
		}
		if res.err == nil {
			res = d.prRegister(cfg, master)
		}
		d.inLoop(func() { d.keyRegistered(res) })
	}
}

// otherUnfenceDevices reports whether n's <unfence> names a device that
// is not fence_scsi (e.g. a switch port to turn back on): the Fencer's
// Unfence runs those at join, as cman's init script did.
func otherUnfenceDevices(c *conf.Cluster, n *conf.Node) bool {
	for _, ref := range n.Unfence {
		if dev := c.FenceDeviceByName(ref.Name); dev != nil && dev.Agent != conf.FenceSCSI {
			return true
		}
	}
	return false
}

// keyRegistered handles the end of the registration job.
func (d *daemon) keyRegistered(res prResult) {
	r := d.res
	r.busy = false
	if r.phase != prRegistering {
		return // left or fenced meanwhile
	}
	r.applyView(res.view)
	if len(res.gone) > 0 {
		r.phase = prRegistered // it was, on those devices
		d.fencedByPR(res.gone)
		return
	}
	if res.registered && res.err == nil {
		r.phase, r.why = prRegistered, ""
		r.scheduleCheck()
		d.log.Info("reservation key registered", "key", r.cfg.Key.String(), "devices", r.cfg.Devices)
		d.logPRHolder(res.holder)
		d.releaseHeldStarts()
		return
	}
	r.phase, r.retry, r.next = prFailed, res.retry, time.Now().Add(r.cfg.Interval)
	r.why = "registering this node's SCSI reservation key failed: " + errText(res.err)
	if res.retry {
		r.why += fmt.Sprintf(" (retrying every %v while a device is missing)", r.cfg.Interval)
	}
	d.log.Error("SCSI reservation key NOT registered: this node cannot write the shared LUNs and refuses services until it is; fix the device and restart quorated (or run fence_node -U on this node)",
		"key", r.cfg.Key.String(), "err", errText(res.err), "retry", res.retry)
	d.refuseHeldStarts(r.why)
}

// checkKey reads the keys (and, as master, the reservation) on the worker.
func (d *daemon) checkKey(why string) {
	r := d.res
	r.busy = true
	master, cfg := d.node.IsMaster(), r.cfg
	if why != "" {
		d.log.Info("checking this node's reservation key", "reason", why)
	}
	r.jobs <- func() {
		res := d.prCheck(cfg, master)
		d.inLoop(func() { d.keyChecked(res) })
	}
}

// keyChecked handles the end of a key check.
func (d *daemon) keyChecked(res prResult) {
	r := d.res
	r.busy = false
	if r.phase != prRegistered {
		return
	}
	r.applyView(res.view)
	r.scheduleCheck()
	if len(res.gone) > 0 {
		d.fencedByPR(res.gone)
		return
	}
	if res.err != nil {
		d.log.Warn("checking this node's reservation key failed (not a fence: the key may still be there)", "err", res.err)
	}
	d.logPRHolder(res.holder)
}

// fencedByPR is the node learning that its key was preempted: it was
// fenced. It acts as on its own eviction, for good (until restarted).
func (d *daemon) fencedByPR(devs []string) {
	r := d.res
	r.phase = prFenced
	r.fenced.Store(true)
	r.why = fmt.Sprintf("this node's reservation key %v was removed from %v: it has been fenced", r.cfg.Key, devs)
	for i := range r.view {
		for _, dev := range devs {
			if r.view[i].Device == dev {
				r.view[i].State = "fenced"
			}
		}
	}
	d.log.Error("FENCED: this node's SCSI reservation key was removed; stopping services, no more quorum-disk writes, the watchdog (if any) resets the machine; restart quorated (or reboot) to rejoin",
		"key", r.cfg.Key.String(), "devices", devs)
	d.refuseHeldStarts(r.why)
}

// logHolder logs, once per key, that another node holds the reservation
// while we are master (a previous master; fencing it moves the
// reservation to us).
func (d *daemon) logPRHolder(holder fencer.PRKey) {
	r := d.res
	if holder == 0 || holder == r.cfg.Key || r.holders[holder] {
		return
	}
	r.holders[holder] = true
	d.log.Info("the WERO reservation is held by another node's key (a previous master); fine: its type protects the LUNs, and fencing that node moves it here",
		"holder", holder.String(), "key", r.cfg.Key.String())
}

// startWhenRegistered carries out a StartService once the node's key is
// registered: at once when it is (or the node has no fence_scsi device),
// later when the registration is still to come, never when it failed or
// the node was fenced (the brain then recovers the service elsewhere).
func (d *daemon) startWhenRegistered(a cluster.StartService) {
	r := d.res
	switch {
	case r == nil || !r.on || r.phase == prRegistered:
		d.startService(a)
	case r.phase == prWaiting || r.phase == prRegistering:
		r.waiting[a.Key] = a
		d.log.Info("service waits until this node's reservation key is registered", "service", a.Name)
	default:
		d.refusePRStart(a, r.why)
	}
}

// forgetHeldStart drops a held StartService when the brain stops the
// service instead.
func (d *daemon) forgetHeldStart(key uint64) {
	if d.res != nil {
		delete(d.res.waiting, key)
	}
}

func (d *daemon) releaseHeldStarts() {
	for key, a := range d.res.waiting {
		delete(d.res.waiting, key)
		if d.node.Runs(key) {
			d.startService(a)
		}
	}
}

func (d *daemon) refuseHeldStarts(why string) {
	for key, a := range d.res.waiting {
		delete(d.res.waiting, key)
		d.refusePRStart(a, why)
	}
}

func (d *daemon) refusePRStart(a cluster.StartService, why string) {
	d.log.Error("service not started here", "service", a.Name, "reason", why)
	ev := cluster.ServiceDone{Key: a.Key, Gen: a.Gen, State: cluster.SvcFailed, Reason: why}
	go func() { d.events <- ev }()
}

// operatorUnfenced is fence_node -U on this node (an API goroutine): a
// failed registration is tried again (the operator fixed the device); a
// node fenced by its key stays fenced until quorated restarts. It returns
// a note for the operator.
func (d *daemon) operatorUnfenced(ctx context.Context) string {
	note := make(chan string, 1)
	select {
	case d.loopFns <- func() {
		r := d.res
		switch {
		case r == nil || !r.on:
			note <- ""
		case r.phase == prFailed:
			r.phase, r.retry, r.inc = prWaiting, false, 0
			d.log.Info("fence_node -U on this node: registering the reservation key again")
			note <- "; quorated registers its key again and then accepts services"
		case r.phase == prFenced:
			note <- "; but quorated on this node was fenced and stays out of the cluster until it restarts"
		default:
			note <- ""
		}
	}:
	case <-ctx.Done():
		return ""
	}
	select {
	case s := <-note:
		return s
	case <-ctx.Done():
		return ""
	}
}

// fencedWrite is non-nil once the node was fenced by its reservation key:
// the disk worker then refuses the brain's slot writes.
func (d *daemon) fencedWrite() error {
	if d.res != nil && d.res.fenced.Load() {
		return errFencedByPR
	}
	return nil
}

// prFenced reports whether the node found its reservation key removed.
func (d *daemon) prFenced() bool { return d.res != nil && d.res.fenced.Load() }

// releaseReservations unregisters on a graceful leave (shutdown), waiting
// at most a few seconds for the worker.
func (d *daemon) releaseReservations() {
	r := d.res
	if r == nil || !r.on || r.stopOnce {
		return
	}
	r.stopOnce = true
	wasRegistered := r.phase == prRegistered || r.phase == prRegistering || r.phase == prFailed
	r.phase = prLeft
	done := make(chan struct{})
	r.jobs <- func() {
		defer close(done)
		if wasRegistered {
			d.prUnregister(r.cfg)
		}
		for _, h := range r.handles {
			h.closer.Close()
		}
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		d.log.Warn("unregistering the reservation key did not finish in time")
	}
}

// withReservations adds the PR view to a status snapshot (loop goroutine).
func (d *daemon) withReservations(st *api.Status) *api.Status {
	r := d.res
	if r == nil || !r.on {
		return st
	}
	st.Reservations = make([]api.Reservation, len(r.view))
	copy(st.Reservations, r.view)
	for i := range st.Reservations {
		switch r.phase {
		case prFailed:
			st.Reservations[i].State = "failed"
			if st.Reservations[i].Error == "" {
				st.Reservations[i].Error = r.why
			}
		case prLeft:
			st.Reservations[i].State = "left"
		}
	}
	return st
}

// applyView keeps the latest per-device view.
func (r *reservations) applyView(v []api.Reservation) {
	if len(v) > 0 {
		r.view = v
	}
}

func errText(err error) string {
	if err == nil {
		return "not registered on every device"
	}
	return err.Error()
}

// String names the phase (logs, tests).
func (p prPhase) String() string { return prPhaseNames[p] }
