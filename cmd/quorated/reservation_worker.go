package main

// The PR worker's side of reservation.go: the SCSI commands, run on the
// PR worker goroutine only (never on the loop).

import (
	"errors"
	"fmt"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/fencer"
)

// prOpen returns dev's open PR handle, opening it when needed. Handles
// stay open for the daemon's life: closing a block device opened for
// writing makes udev re-probe it, which a check every few seconds must
// not cause.
func (d *daemon) prOpen(dev string) (*prHandle, error) {
	h := d.res.handles[dev]
	if h == nil {
		h = &prHandle{}
		d.res.handles[dev] = h
	}
	if h.pr == nil {
		pr, closer, err := d.fencer.OpenPR(dev)
		if err != nil {
			return h, err
		}
		pr.Timeout = 10 * time.Second
		h.pr, h.closer = pr, closer
	}
	return h, nil
}

// dropOnTransportError closes a handle whose device stopped answering,
// so the next job opens it again.
func (h *prHandle) dropOnTransportError(err error) {
	if h.pr != nil && errors.Is(err, fencer.ErrTransport) {
		h.closer.Close()
		h.pr, h.closer = nil, nil
	}
}

// read fills v with the device's keys and reservation.
func (h *prHandle) read(v *api.Reservation) (fencer.Keys, fencer.Reservation, error) {
	v.Checked = time.Now()
	keys, err := h.pr.ReadKeys()
	if err != nil {
		h.dropOnTransportError(err)
		return keys, fencer.Reservation{}, err
	}
	v.Keys = make([]string, len(keys.Keys))
	for i, k := range keys.Keys {
		v.Keys[i] = k.String()
	}
	resv, err := h.pr.ReadReservation()
	if err != nil {
		h.dropOnTransportError(err)
		return keys, resv, err
	}
	v.Holder, v.Type = "", ""
	if resv.Reserved {
		v.Holder, v.Type = resv.Key.String(), resv.Type.String()
	}
	return keys, resv, nil
}

// prRegister registers cfg.Key on every device (REGISTER AND IGNORE
// EXISTING KEY), verified by READ KEYS. A device registered by an earlier,
// partly failed attempt of this process is only checked: its key gone
// means the node was fenced meanwhile, never a reason to register again.
func (d *daemon) prRegister(cfg fencer.SCSIConfig, master bool) prResult {
	res := prResult{registered: true}
	var errs []error
	openFailed := false
	for _, dev := range cfg.Devices {
		v := api.Reservation{Device: dev, Key: cfg.Key.String(), State: "not registered"}
		err := d.prRegisterOne(cfg, dev, &v, &res)
		var oe *openError
		if errors.As(err, &oe) {
			openFailed = true
		}
		if err != nil {
			res.registered = false
			v.Error = err.Error()
			errs = append(errs, fmt.Errorf("%s: %w", dev, err))
		}
		res.view = append(res.view, v)
	}
	res.err = errors.Join(errs...)
	res.retry = openFailed && len(res.gone) == 0
	if res.registered && master {
		res.holder = d.prReserve(cfg, res.view)
	}
	return res
}

// openError is a device that could not be opened: no command reached the
// target, so registering again later is safe.
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }

func (d *daemon) prRegisterOne(cfg fencer.SCSIConfig, dev string, v *api.Reservation, res *prResult) error {
	h, err := d.prOpen(dev)
	if err != nil {
		return &openError{err}
	}
	if !h.registered {
		h.pr.APTPL = cfg.APTPL
		if err := h.pr.Register(cfg.Key); err != nil {
			h.dropOnTransportError(err)
			return err
		}
		h.registered = true
	}
	keys, _, err := h.read(v)
	switch {
	case err != nil:
		return err
	case !keys.Has(cfg.Key):
		res.gone = append(res.gone, dev)
		v.State = "fenced"
		return fmt.Errorf("key %v is not registered (keys %v)", cfg.Key, v.Keys)
	}
	v.State = "registered"
	return nil
}

// prCheck reads every device: our key must still be where we registered
// it; as master, the reservation must exist (it is taken when missing).
func (d *daemon) prCheck(cfg fencer.SCSIConfig, master bool) prResult {
	var res prResult
	var errs []error
	for _, dev := range cfg.Devices {
		v := api.Reservation{Device: dev, Key: cfg.Key.String(), State: "unknown"}
		h, err := d.prOpen(dev)
		if err == nil {
			var keys fencer.Keys
			keys, _, err = h.read(&v)
			switch {
			case err != nil:
			case keys.Has(cfg.Key):
				v.State = "registered"
			case h.registered:
				res.gone = append(res.gone, dev)
				v.State = "fenced"
			default:
				v.State = "not registered"
			}
		}
		if err != nil {
			v.Error = err.Error()
			errs = append(errs, fmt.Errorf("%s: %w", dev, err))
		}
		res.view = append(res.view, v)
	}
	res.err = errors.Join(errs...)
	if master && len(res.gone) == 0 {
		res.holder = d.prReserve(cfg, res.view)
	}
	return res
}

// prReserve takes the WERO reservation on every device that has none
// and returns another node's key that holds one (0 when none does).
// A conflict (someone reserved first) is fine: the type protects the LUN.
func (d *daemon) prReserve(cfg fencer.SCSIConfig, view []api.Reservation) fencer.PRKey {
	var other fencer.PRKey
	for i := range view {
		v := &view[i]
		h := d.res.handles[v.Device]
		if h == nil || h.pr == nil || v.Error != "" {
			continue
		}
		if v.Holder == "" {
			err := h.pr.Reserve(cfg.Key)
			if err != nil && !errors.Is(err, fencer.ErrReservationConflict) {
				h.dropOnTransportError(err)
				d.log.Warn("taking the WERO reservation failed", "device", v.Device, "err", err)
				continue
			}
			if err == nil {
				d.log.Info("WERO reservation taken (this node holds the arbiter lease)", "device", v.Device, "key", cfg.Key.String())
			}
			if _, _, err := h.read(v); err != nil {
				continue
			}
		}
		if v.Holder != "" && v.Holder != cfg.Key.String() {
			if _, resv, err := h.read(v); err == nil && resv.Reserved {
				other = resv.Key
			}
		}
	}
	return other
}

// prUnregister removes this node's key from every device (a graceful
// leave): REGISTER with our key and service action key 0.
func (d *daemon) prUnregister(cfg fencer.SCSIConfig) {
	for _, dev := range cfg.Devices {
		h := d.res.handles[dev]
		if h == nil || h.pr == nil || !h.registered {
			continue
		}
		if err := h.pr.Unregister(cfg.Key); err != nil {
			d.log.Warn("unregistering the reservation key failed", "device", dev, "key", cfg.Key.String(), "err", err)
			continue
		}
		h.registered = false
		d.log.Info("reservation key unregistered (graceful leave)", "device", dev, "key", cfg.Key.String())
	}
}
