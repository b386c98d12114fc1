package fencer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/quorate/quorate/conf"
)

// scsiAgent is the built-in fence_scsi for one request: the node the
// request is about (the victim of off, the node to register for on) and
// the node this Fencer runs on (Options.Self), whose own key preempts.
// Every action runs through this node's own path to each device.
type scsiAgent struct {
	f        *Fencer
	cluster  string
	target   string // node name
	targetID int
	local    bool  // target is the node this Fencer runs on
	selfKey  PRKey // 0: Options.Self is unknown or not in cluster.conf
}

// scsiAgentFor binds the built-in fence_scsi to node n of cluster c.
func (f *Fencer) scsiAgentFor(c *conf.Cluster, n *conf.Node) *scsiAgent {
	a := &scsiAgent{f: f, cluster: c.Name, target: n.Name, targetID: n.ID, local: f.opts.Self != "" && n.Name == f.opts.Self}
	if self := c.NodeByName(f.opts.Self); self != nil {
		a.selfKey = localKey(c, self)
	}
	return a
}

// fabric: fence_scsi cuts a node off its storage and never reboots it.
func (a *scsiAgent) fabric() bool { return true }

// scsiParams are what fence_scsi reads from a device's parameters.
type scsiParams struct {
	devices []string
	key     PRKey // the target's
	aptpl   bool
}

// parseSCSIParams reads devices= (required), key= (else derived from the
// cluster name and the target's nodeid) and aptpl=.
func parseSCSIParams(p map[string]string, cluster string, nodeID int) (scsiParams, error) {
	var sp scsiParams
	v, ok := p["devices"]
	if !ok {
		return sp, fmt.Errorf("%w: fence_scsi needs devices=, the shared LUNs (e.g. devices=\"/dev/sdb,/dev/sdc\")", ErrMissingParam)
	}
	devs, err := conf.ParseSCSIDevices(v)
	if err != nil {
		return sp, fmt.Errorf("%w: fence_scsi %v", ErrBadParam, err)
	}
	sp.devices = devs
	if v, ok := p["key"]; ok {
		k, err := conf.ParseSCSIKey(v)
		if err != nil {
			return sp, fmt.Errorf("%w: fence_scsi %v", ErrBadParam, err)
		}
		sp.key = PRKey(k)
	} else if sp.key, err = KeyFor(cluster, nodeID); err != nil {
		return sp, err
	}
	sp.aptpl, err = paramBool(p, "aptpl", false)
	return sp, err
}

// Do implements Agent.
func (a *scsiAgent) Do(ctx context.Context, action Action, params map[string]string) (Status, error) {
	st, _, err := a.DoOutput(ctx, action, params)
	return st, err
}

// DoOutput implements OutputAgent: off preempts the target's key on every
// device (all are tried; it fails if any fails), on registers this
// node's key on every device, status reads the keys (On: registered on
// every device, Off: on none).
func (a *scsiAgent) DoOutput(ctx context.Context, action Action, params map[string]string) (Status, string, error) {
	sp, err := parseSCSIParams(params, a.cluster, a.targetID)
	if err != nil {
		return Unknown, "", err
	}
	var out []string
	note := func(s string) { out = append(out, s) }
	switch action {
	case ActionOff:
		err = a.off(ctx, sp, note)
	case ActionOn:
		err = a.on(ctx, sp, note)
	case ActionStatus, ActionMonitor:
		var st Status
		st, err = a.status(ctx, sp, note)
		return st, strings.Join(out, "\n"), err
	default:
		err = fmt.Errorf("fence_scsi %s: %w", action, ErrUnsupported)
	}
	return Unknown, strings.Join(out, "\n"), err
}

func (a *scsiAgent) off(ctx context.Context, sp scsiParams, note func(string)) error {
	switch {
	case a.local:
		return fmt.Errorf("%w: fence_scsi will not fence %s from %s itself: that would remove its own key; another node fences it", ErrBadParam, a.target, a.target)
	case a.selfKey == 0:
		return fmt.Errorf("%w: fence_scsi does not know which node it runs on, so it has no key to preempt with (Options.Self)", ErrConfig)
	case a.selfKey == sp.key:
		return fmt.Errorf("%w: fence_scsi: %s's key %v is this node's own key; give each node its own key=", ErrBadParam, a.target, sp.key)
	}
	return a.eachDevice(ctx, sp, func(dev string, pr *PR) error {
		keys, err := pr.ReadKeys()
		if err != nil {
			return err
		}
		if !keys.Has(a.selfKey) {
			return fmt.Errorf("this node's key %v is not registered on %s, so it cannot fence %s there (keys %s); quorated registers it when the cluster admits this node",
				a.selfKey, dev, a.target, keyList(keys))
		}
		if !keys.Has(sp.key) {
			note(fmt.Sprintf("%s: key %v of %s is not registered (keys %s)", dev, sp.key, a.target, keyList(keys)))
		} else {
			how, after, err := pr.PreemptWith(a.selfKey, sp.key)
			if err != nil {
				return err
			}
			note(fmt.Sprintf("%s: %s removed key %v of %s (by %v); keys now %s", dev, how, sp.key, a.target, a.selfKey, keyList(after)))
		}
		return a.mustBeReserved(pr, dev, note)
	})
}

// mustBeReserved makes sure the device carries a reservation: without
// one, a node whose key is gone can still write. Any type keeps
// unregistered initiators from writing; when there is none, this node
// (registered, and fencing: the master) takes WERO.
func (a *scsiAgent) mustBeReserved(pr *PR, dev string, note func(string)) error {
	r, err := pr.ReadReservation()
	if err != nil {
		return err
	}
	if r.Reserved {
		note(fmt.Sprintf("%s: reservation %v held by %v: %s cannot write", dev, r.Type, r.Key, a.target))
		return nil
	}
	if err := pr.Reserve(a.selfKey); err != nil && !errors.Is(err, ErrReservationConflict) {
		return fmt.Errorf("%w: %s has no reservation, so %s could still write, and taking one failed: %v", ErrNotVerified, dev, a.target, err)
	}
	if r, err = pr.ReadReservation(); err != nil || !r.Reserved {
		return fmt.Errorf("%w: %s has no reservation after RESERVE (%v), so %s could still write", ErrNotVerified, dev, err, a.target)
	}
	note(fmt.Sprintf("%s: there was no reservation; now %v held by %v: %s cannot write", dev, r.Type, r.Key, a.target))
	return nil
}

func (a *scsiAgent) on(ctx context.Context, sp scsiParams, note func(string)) error {
	if !a.local {
		return fmt.Errorf("%w: fence_scsi registers only the node it runs on; unfence %s on %s itself (fence_node -U %s there), or let the cluster admit it", ErrBadParam, a.target, a.target, a.target)
	}
	return a.eachDevice(ctx, sp, func(dev string, pr *PR) error {
		pr.APTPL = sp.aptpl
		if err := pr.Register(sp.key); err != nil {
			return err
		}
		keys, err := pr.ReadKeys()
		if err != nil {
			return err
		}
		if !keys.Has(sp.key) {
			return fmt.Errorf("%w: key %v not listed after REGISTER (keys %s)", ErrNotVerified, sp.key, keyList(keys))
		}
		note(fmt.Sprintf("%s: registered key %v of %s; keys now %s", dev, sp.key, a.target, keyList(keys)))
		return nil
	})
}

func (a *scsiAgent) status(ctx context.Context, sp scsiParams, note func(string)) (Status, error) {
	var on, off []string
	err := a.eachDevice(ctx, sp, func(dev string, pr *PR) error {
		keys, err := pr.ReadKeys()
		if err != nil {
			return err
		}
		if keys.Has(sp.key) {
			on = append(on, dev)
		} else {
			off = append(off, dev)
		}
		note(fmt.Sprintf("%s: keys %s", dev, keyList(keys)))
		return nil
	})
	switch {
	case err != nil:
		return Unknown, err
	case len(off) == 0:
		return On, nil
	case len(on) == 0:
		return Off, nil
	}
	return Unknown, fmt.Errorf("%w: key %v of %s is registered on %s but not on %s", ErrAgentFailed, sp.key, a.target,
		strings.Join(on, ","), strings.Join(off, ","))
}

// eachDevice runs fn on every device (all of them, even after a failure)
// and joins the failures. Each device gets its own PR handle, opened for
// the call; fn runs in its own goroutine so that a hanging SG_IO cannot
// outlive ctx for the caller (it ends by its own SCSI timeout).
func (a *scsiAgent) eachDevice(ctx context.Context, sp scsiParams, fn func(dev string, pr *PR) error) error {
	var errs []error
	for _, dev := range sp.devices {
		if err := a.oneDevice(ctx, dev, fn); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (a *scsiAgent) oneDevice(ctx context.Context, dev string, fn func(string, *PR) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fence_scsi %s: %w: %v", dev, ErrTimeout, err)
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(dl)), 100*time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		pr, closer, err := a.f.OpenPR(dev)
		if err != nil {
			done <- fmt.Errorf("fence_scsi %s: %w: %v", dev, ErrUnreachable, err)
			return
		}
		defer closer.Close()
		pr.Timeout = timeout
		if err := fn(dev, pr); err != nil {
			done <- scsiErr(dev, err)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("fence_scsi %s: %w: no answer from the device in time", dev, ErrTimeout)
	}
}

// scsiErr wraps a device failure in ErrAgentFailed unless it already
// carries one of the package's sentinels.
func scsiErr(dev string, err error) error {
	for _, s := range []error{ErrNotVerified, ErrBadParam, ErrConfig, ErrTimeout, ErrUnreachable} {
		if errors.Is(err, s) {
			return fmt.Errorf("fence_scsi %s: %w", dev, err)
		}
	}
	return fmt.Errorf("fence_scsi %s: %w: %w", dev, ErrAgentFailed, err)
}

// OpenPR opens one device for persistent reservation commands through
// Options.OpenSG (SG_IO on the real device by default). Close the
// returned closer when done.
func (f *Fencer) OpenPR(path string) (*PR, io.Closer, error) {
	dev, err := f.opts.OpenSG(path)
	if err != nil {
		return nil, nil, err
	}
	c, ok := dev.(io.Closer)
	if !ok {
		c = noClose{}
	}
	return &PR{Dev: dev, Log: f.log}, c, nil
}

type noClose struct{}

func (noClose) Close() error { return nil }

func keyList(k Keys) string {
	if len(k.Keys) == 0 {
		return "(none)"
	}
	s := make([]string, len(k.Keys))
	for i, x := range k.Keys {
		s[i] = x.String()
	}
	return strings.Join(s, " ")
}

// localKey is node n's own reservation key: that of its fence_scsi
// references (conf checks they agree), else the derived one.
func localKey(c *conf.Cluster, n *conf.Node) PRKey {
	for _, ref := range conf.NodeDeviceRefs(n) {
		if dev := c.FenceDeviceByName(ref.Name); dev != nil && dev.Agent == conf.FenceSCSI {
			if k, err := conf.SCSIRefKey(c, n, dev, ref); err == nil {
				return PRKey(k)
			}
		}
	}
	k, _ := KeyFor(c.Name, n.ID)
	return k
}
