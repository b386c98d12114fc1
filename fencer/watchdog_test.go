package fencer

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestWatchdogIoctlNumbers(t *testing.T) {
	// Hand-computed from include/uapi/linux/watchdog.h and asm-generic/ioctl.h.
	for name, tc := range map[string]struct{ got, want uintptr }{
		"WDIOC_KEEPALIVE":  {wdiocKeepalive, 0x80045705},
		"WDIOC_SETTIMEOUT": {wdiocSetTimeout, 0xC0045706},
		"WDIOC_GETTIMEOUT": {wdiocGetTimeout, 0x80045707},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %#x, want %#x", name, tc.got, tc.want)
		}
	}
}

// fakeWatchdog records what a driver would see.
type fakeWatchdog struct {
	setTo    int32 // seconds asked for
	driverTo int32 // what the driver settles on (0 = as asked)
	setErr   error
	pets     int
	written  string
	closed   bool
}

func (f *fakeWatchdog) ioctl(req uintptr, arg *int32) error {
	switch req {
	case wdiocSetTimeout:
		if f.setErr != nil {
			return f.setErr
		}
		f.setTo = *arg
		if f.driverTo != 0 {
			*arg = f.driverTo
		}
	case wdiocGetTimeout:
		*arg = f.setTo
		if f.driverTo != 0 {
			*arg = f.driverTo
		}
	case wdiocKeepalive:
		f.pets++
	default:
		return syscall.ENOTTY
	}
	return nil
}

func (f *fakeWatchdog) Write(p []byte) (int, error) { f.written += string(p); return len(p), nil }
func (f *fakeWatchdog) Close() error                { f.closed = true; return nil }

func TestWatchdogArmPetClose(t *testing.T) {
	dev := &fakeWatchdog{}
	w, err := armWatchdog(dev, "/dev/watchdog", 1500*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dev.setTo != 2 || w.Timeout() != 2*time.Second {
		t.Errorf("timeout 1.5s set as %ds, reported %v; want rounded up to 2s", dev.setTo, w.Timeout())
	}
	must(t, w.Pet())
	must(t, w.Pet())
	if dev.pets != 2 {
		t.Errorf("pets = %d", dev.pets)
	}
	must(t, w.Close(true))
	if dev.written != "V" || !dev.closed {
		t.Errorf("clean close wrote %q, closed=%v; want the magic V then close", dev.written, dev.closed)
	}
}

func TestWatchdogCloseWithoutDisarmKeepsCounting(t *testing.T) {
	dev := &fakeWatchdog{driverTo: 60}
	w, err := armWatchdog(dev, "/dev/watchdog", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dev.setTo != 1 || w.Timeout() != 60*time.Second {
		t.Errorf("asked %ds (want the minimum 1), driver chose 60s, reported %v", dev.setTo, w.Timeout())
	}
	must(t, w.Close(false))
	if dev.written != "" || !dev.closed {
		t.Errorf("close without disarm wrote %q", dev.written)
	}
}

func TestOpenWatchdogOnARegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "watchdog")
	must(t, os.WriteFile(p, nil, 0o600))
	_, err := OpenWatchdog(p, 10*time.Second, nil)
	if !errors.Is(err, ErrNotWatchdog) {
		t.Fatalf("OpenWatchdog(regular file) = %v, want ErrNotWatchdog", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "V" {
		t.Errorf("a device that is not a watchdog must still get the magic V before close; got %q", b)
	}
	if _, err := OpenWatchdog(filepath.Join(t.TempDir(), "none"), time.Second, nil); err == nil {
		t.Error("missing watchdog device opened")
	}
}

func TestPoisonPillConfirmedAt(t *testing.T) {
	written := time.Now() // carries a monotonic reading
	got := PoisonPillConfirmedAt(written, 5*time.Second, 5*time.Second)
	if d := got.Sub(written); d != 10*time.Second {
		t.Errorf("msgwait = %v, want 2 × 5s (sbd default)", d)
	}
	if now := written.Add(9999 * time.Millisecond); !now.Before(got) {
		t.Error("confirmed before the deadline")
	}
	if now := written.Add(10 * time.Second); now.Before(got) {
		t.Error("not confirmed at the deadline")
	}
	if got := PoisonPillConfirmedAt(written, 5*time.Second, -time.Second); got.Sub(written) != 5*time.Second {
		t.Errorf("negative margin: %v", got.Sub(written))
	}
	for _, wd := range []time.Duration{0, -time.Second} {
		if got := PoisonPillConfirmedAt(written, wd, time.Hour); !got.Equal(Never) || !written.Add(100*365*24*time.Hour).Before(got) {
			t.Errorf("without a watchdog the pill must never count: %v", got)
		}
	}
}
