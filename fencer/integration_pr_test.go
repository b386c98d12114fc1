//go:build integration

package fencer

// SCSI-3 persistent reservations against a real LUN through SG_IO. It
// needs a SCSI device that supports PR: set QUORATE_PR_DEVICE=/dev/sdX
// (and QUORATE_PR_DEVICE2 for a second path to the same LUN through
// another I_T nexus, e.g. a second iSCSI session), or let the test probe
// /dev/sg*. Hosts without one (the CI host: no iSCSI initiator in its
// kernel) skip it; the qemu appliance with scsi-block over tgt provides
// one. The test registers its own keys and removes them again.

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// prDevice finds a device that answers PR IN READ KEYS.
func prDevice(t *testing.T, env string) (*PR, string) {
	t.Helper()
	var paths []string
	if p := os.Getenv(env); p != "" {
		paths = []string{p}
	} else if env == "QUORATE_PR_DEVICE" {
		paths, _ = filepath.Glob("/dev/sg*")
	}
	for _, p := range paths {
		d, err := OpenSG(p)
		if err != nil {
			continue
		}
		pr := &PR{Dev: d}
		if _, err := pr.ReadKeys(); err == nil {
			t.Cleanup(func() { d.Close() })
			return pr, p
		}
		d.Close()
	}
	return nil, ""
}

func TestIntegrationSCSIPR(t *testing.T) {
	a, path := prDevice(t, "QUORATE_PR_DEVICE")
	if a == nil {
		t.Skip("no SCSI device with persistent reservation support (no /dev/sg* answers READ KEYS; set QUORATE_PR_DEVICE=/dev/sdX, e.g. inside the qemu appliance with scsi-block over tgt)")
	}
	t.Logf("using %s", path)
	ka, _ := KeyFor("quorate-pr-test", 1)
	must(t, a.Register(ka))
	t.Cleanup(func() { _ = a.Unregister(ka) })
	must(t, a.Reserve(ka))
	r, err := a.ReadReservation()
	if err != nil || !r.Reserved || r.Key != ka || r.Type != PRWriteExclusiveRegistrants {
		t.Fatalf("reservation = %+v, %v", r, err)
	}
	if k, err := a.ReadKeys(); err != nil || !k.Has(ka) {
		t.Fatalf("keys = %+v, %v", k, err)
	}
	b, path2 := prDevice(t, "QUORATE_PR_DEVICE2")
	if b == nil {
		must(t, a.Release(ka))
		t.Skip("registration and reservation work; preempting needs a second path: set QUORATE_PR_DEVICE2")
	}
	t.Logf("second path %s", path2)
	kb, _ := KeyFor("quorate-pr-test", 2)
	must(t, b.Register(kb))
	t.Cleanup(func() { _ = b.Clear(kb) })
	must(t, b.Preempt(kb, ka))
	if r, err := b.ReadReservation(); err != nil || r.Key != kb {
		t.Errorf("after preempt: %+v, %v", r, err)
	}
	if err := a.Reserve(ka); !errors.Is(err, ErrReservationConflict) {
		t.Errorf("fenced path reserving = %v, want RESERVATION CONFLICT", err)
	}
}
