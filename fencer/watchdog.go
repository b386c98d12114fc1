package fencer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// ioc builds a Linux ioctl request number: dir<<30 | size<<16 | type<<8 | nr.
func ioc(dir, typ, nr, size uintptr) uintptr { return dir<<30 | size<<16 | typ<<8 | nr }

// Watchdog ioctls (include/uapi/linux/watchdog.h), all with an int argument.
var (
	wdiocKeepalive  = ioc(2, 'W', 5, 4) // _IOR('W', 5, int)  = 0x80045705
	wdiocSetTimeout = ioc(3, 'W', 6, 4) // _IOWR('W', 6, int) = 0xC0045706
	wdiocGetTimeout = ioc(2, 'W', 7, 4) // _IOR('W', 7, int)  = 0x80045707
)

// ErrNotWatchdog: the path opened but does not answer watchdog ioctls.
var ErrNotWatchdog = errors.New("not a watchdog device")

// wdDev is the device under a Watchdog (a file, or a fake in tests).
type wdDev interface {
	ioctl(req uintptr, arg *int32) error
	Write(p []byte) (int, error)
	Close() error
}

// Watchdog is an open hardware watchdog (/dev/watchdog). Once open it
// resets the machine unless Pet is called within Timeout, or Close(true)
// disarms it. quorated pets it only while the node is a healthy member.
type Watchdog struct {
	dev     wdDev
	path    string
	timeout time.Duration
	log     *slog.Logger
}

// OpenWatchdog opens and arms the watchdog at path and sets its timeout
// (whole seconds, rounded up, at least 1). The driver may adjust it;
// Timeout returns what the driver reports. A path that is not a watchdog
// is closed again with the magic 'V' and ErrNotWatchdog is returned.
func OpenWatchdog(path string, timeout time.Duration, log *slog.Logger) (*Watchdog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open watchdog %s: %w", path, err)
	}
	return armWatchdog(fileDev{f}, path, timeout, log)
}

func armWatchdog(dev wdDev, path string, timeout time.Duration, log *slog.Logger) (*Watchdog, error) {
	w := &Watchdog{dev: dev, path: path, log: logger(log)}
	secs := int32((timeout + time.Second - 1) / time.Second)
	secs = max(secs, 1)
	if err := dev.ioctl(wdiocSetTimeout, &secs); err != nil {
		_, _ = dev.Write([]byte("V"))
		_ = dev.Close()
		return nil, fmt.Errorf("%s: %w (WDIOC_SETTIMEOUT: %v); check <quorumd watchdog=...>", path, ErrNotWatchdog, err)
	}
	got := secs
	if err := dev.ioctl(wdiocGetTimeout, &got); err != nil || got <= 0 {
		got = secs
	}
	w.timeout = time.Duration(got) * time.Second
	w.log.Info("watchdog armed", "path", path, "timeout", w.timeout)
	return w, nil
}

// Timeout is the interval within which Pet must be called.
func (w *Watchdog) Timeout() time.Duration { return w.timeout }

// Pet restarts the watchdog's countdown (WDIOC_KEEPALIVE).
func (w *Watchdog) Pet() error {
	var dummy int32
	if err := w.dev.ioctl(wdiocKeepalive, &dummy); err != nil {
		return fmt.Errorf("pet watchdog %s: %w", w.path, err)
	}
	return nil
}

// Close closes the device. With disarm it first writes the magic 'V' so
// the driver stops the countdown (a clean shutdown); without it the
// countdown continues and the machine resets after Timeout (unless the
// driver was built without nowayout and ignores the close).
func (w *Watchdog) Close(disarm bool) error {
	if disarm {
		if _, err := w.dev.Write([]byte("V")); err != nil {
			_ = w.dev.Close()
			return fmt.Errorf("disarm watchdog %s: %w", w.path, err)
		}
	}
	w.log.Info("watchdog closed", "path", w.path, "disarmed", disarm)
	return w.dev.Close()
}

// fileDev is a real watchdog device file.
type fileDev struct{ *os.File }

func (f fileDev) ioctl(req uintptr, arg *int32) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(unsafe.Pointer(arg)))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}
