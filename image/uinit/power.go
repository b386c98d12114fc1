package main

import (
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Linux input event codes (linux/input-event-codes.h).
const (
	evKey     = 1
	keyPower  = 116
	eventSize = 24 // struct input_event on 64-bit: timeval (16), type, code (2 each), value (4)
)

// watchPowerButton calls pressed once when any input device reports
// KEY_POWER (the ACPI power button: qemu's system_powerdown, a short
// press on a server).
func watchPowerButton(pressed func(), log *slog.Logger) {
	devs, _ := filepath.Glob("/dev/input/event*")
	ch := make(chan struct{}, 1)
	for _, d := range devs {
		go readKeys(d, ch)
	}
	log.Debug("watching the power button", "devices", len(devs))
	go func() {
		<-ch
		log.Warn("power button pressed: stopping quorated (it leaves the cluster), then powering off")
		pressed()
	}()
}

func readKeys(dev string, ch chan<- struct{}) {
	f, err := os.Open(dev)
	if err != nil {
		return
	}
	defer f.Close()
	ev := make([]byte, eventSize)
	for {
		if _, err := f.Read(ev); err != nil {
			return
		}
		typ, code := binary.LittleEndian.Uint16(ev[16:]), binary.LittleEndian.Uint16(ev[18:])
		if typ == evKey && code == keyPower && int32(binary.LittleEndian.Uint32(ev[20:])) == 1 {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// powerOff syncs the file systems and turns the machine off.
func powerOff(log *slog.Logger) {
	unix.Sync()
	log.Info("powering off")
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		log.Error("power off failed", "err", err)
	}
}
