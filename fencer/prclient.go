package fencer

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Direction is the data phase of a SCSI command.
type Direction int

// Data directions.
const (
	DirNone Direction = iota
	DirIn             // device to host (data is filled)
	DirOut            // host to device (data is sent)
)

// SGResult is the completion of one SCSI command.
type SGResult struct {
	Status       SCSIStatus
	Sense        []byte // sense data written by the target (CHECK CONDITION)
	HostStatus   uint16 // 0 = DID_OK; anything else is a transport failure
	DriverStatus uint16 // low nibble 0 (OK) or 8 (SENSE) is normal
	Resid        int    // bytes of data not transferred
}

// SGIO sends SCSI commands to one logical unit through one I_T nexus
// (one initiator path). Exec sends cdb with data in dir, waits at most
// timeout and returns the completion. The caller owns cdb and data; for
// DirIn, Exec fills data and reports the untransferred tail in Resid. A
// non-nil error means the command could not be delivered (the ioctl
// failed); a delivered command's SCSI status, even CHECK CONDITION, is
// returned in SGResult with a nil error.
type SGIO interface {
	Exec(cdb []byte, dir Direction, data []byte, timeout time.Duration) (SGResult, error)
}

// PR issues SCSI-3 persistent reservation commands through one SGIO.
// Every command is retried once when it fails with UNIT ATTENTION (which
// a target reports once per event, e.g. after a reset or a preempt).
type PR struct {
	Dev     SGIO
	Type    PRType        // reservation type; default PRWriteExclusiveRegistrants
	Timeout time.Duration // per command; default 10s
	Log     *slog.Logger  // nil = discard
	// APTPL asks Register for registrations that persist through a
	// power loss of the target (fence_scsi's aptpl=1).
	APTPL bool
}

func (p *PR) prType() PRType {
	if p.Type == 0 {
		return PRWriteExclusiveRegistrants
	}
	return p.Type
}

// Register registers key for this I_T nexus with REGISTER AND IGNORE
// EXISTING KEY, replacing any key it had (fence_scsi's unfence). Call it
// only when the cluster admits the node: a fenced node must never
// re-register by itself.
func (p *PR) Register(key PRKey) error {
	if key == 0 {
		return fmt.Errorf("%w: reservation key 0", ErrBadParam)
	}
	return p.out(PROut{Action: PROutRegisterIgnore, SAKey: key, APTPL: p.APTPL})
}

// Unregister removes this nexus's registration (REGISTER key → 0).
func (p *PR) Unregister(key PRKey) error {
	return p.out(PROut{Action: PROutRegister, Key: key})
}

// Reserve takes the reservation (type p.Type, Write Exclusive –
// Registrants Only by default) with key. Reserving again with the same key
// and type succeeds; ErrReservationConflict means another key holds it.
func (p *PR) Reserve(key PRKey) error {
	return p.out(PROut{Action: PROutReserve, Type: p.prType(), Key: key})
}

// Release gives the reservation up.
func (p *PR) Release(key PRKey) error {
	return p.out(PROut{Action: PROutRelease, Type: p.prType(), Key: key})
}

// Clear removes every registration and the reservation.
func (p *PR) Clear(key PRKey) error {
	return p.out(PROut{Action: PROutClear, Key: key})
}

// Preempt fences the holder of victim: PREEMPT AND ABORT (which also
// aborts the victim's queued commands), or plain PREEMPT when the target
// rejects that with ILLEGAL REQUEST (tgt does). It then reads the keys
// and fails with ErrNotVerified if victim is still registered.
func (p *PR) Preempt(myKey, victim PRKey) error {
	_, _, err := p.PreemptWith(myKey, victim)
	return err
}

// PreemptWith is Preempt that also returns the command that removed the
// key (PREEMPT AND ABORT, or PREEMPT after the fallback) and the keys
// read afterwards.
func (p *PR) PreemptWith(myKey, victim PRKey) (PROutAction, Keys, error) {
	if victim == 0 || victim == myKey {
		return 0, Keys{}, fmt.Errorf("%w: preempting key %v with key %v (0 would remove every registrant; never preempt yourself)", ErrBadParam, victim, myKey)
	}
	cmd := PROut{Action: PROutPreemptAndAbort, Type: p.prType(), Key: myKey, SAKey: victim}
	err := p.out(cmd)
	if errors.Is(err, ErrIllegalRequest) {
		logger(p.Log).Info("target rejects PREEMPT AND ABORT, using PREEMPT", "err", err)
		cmd.Action = PROutPreempt
		err = p.out(cmd)
	}
	if err != nil {
		return cmd.Action, Keys{}, err
	}
	keys, err := p.ReadKeys()
	if err != nil {
		return cmd.Action, keys, fmt.Errorf("%w: reading keys after preempt: %v", ErrNotVerified, err)
	}
	if keys.Has(victim) {
		return cmd.Action, keys, fmt.Errorf("%w: key %v is still registered after %s", ErrNotVerified, victim, cmd.Action)
	}
	return cmd.Action, keys, nil
}

// ReadKeys returns the registered keys.
func (p *PR) ReadKeys() (Keys, error) {
	alloc := 1024
	for {
		b, err := p.in(PRInReadKeys, alloc)
		if err != nil {
			return Keys{}, err
		}
		if need := readKeysNeed(b); need > len(b) && len(b) == alloc && alloc < 0xffff {
			alloc = min(need, 0xffff)
			continue
		}
		return DecodeReadKeys(b)
	}
}

// ReadReservation returns the current reservation.
func (p *PR) ReadReservation() (Reservation, error) {
	b, err := p.in(PRInReadReservation, 24)
	if err != nil {
		return Reservation{}, err
	}
	return DecodeReadReservation(b)
}

func (p *PR) out(c PROut) error {
	cdb, params := c.CDB(), c.Params()
	_, err := p.exec("PR OUT "+c.Action.String(), cdb[:], DirOut, params[:])
	return err
}

func (p *PR) in(sa PRInAction, alloc int) ([]byte, error) {
	cdb := PRInCDB(sa, uint16(alloc))
	buf := make([]byte, alloc)
	n, err := p.exec(fmt.Sprintf("PR IN service action %d", sa), cdb[:], DirIn, buf)
	return buf[:n], err
}

// exec runs one command, retrying once on UNIT ATTENTION, and returns the
// number of data bytes transferred.
func (p *PR) exec(name string, cdb []byte, dir Direction, data []byte) (int, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	var err error
	for try := 0; try < 2; try++ {
		var r SGResult
		r, err = p.Dev.Exec(cdb, dir, data, timeout)
		if err != nil {
			return 0, fmt.Errorf("%s: %w: %w", name, ErrTransport, err)
		}
		if err = resultErr(name, r); err == nil {
			return max(len(data)-r.Resid, 0), nil
		}
		if !errors.Is(err, ErrUnitAttention) {
			return 0, err
		}
		logger(p.Log).Debug("unit attention, retrying once", "command", name, "err", err)
	}
	return 0, err
}

// resultErr turns a completion into nil or a *SCSIError.
func resultErr(name string, r SGResult) error {
	if r.HostStatus != 0 || (r.DriverStatus&0x0f != 0 && r.DriverStatus&0x0f != 8) {
		return fmt.Errorf("%s: %w: host status %#x, driver status %#x", name, ErrTransport, r.HostStatus, r.DriverStatus)
	}
	if r.Status == StatusGood || r.Status == StatusConditionMet {
		return nil
	}
	e := &SCSIError{Command: name, Status: r.Status}
	if len(r.Sense) > 0 {
		if s, err := DecodeSense(r.Sense); err == nil {
			e.Sense = &s
		}
	}
	return e
}
