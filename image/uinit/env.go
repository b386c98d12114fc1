package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/quorate/quorate/image/appliance"
	"github.com/quorate/quorate/quorumdisk"
)

// osEnv is the real operating system for appliance.Boot.
func osEnv(st *netState, log *slog.Logger) appliance.Env {
	return appliance.Env{
		Scan: func() ([]quorumdisk.Found, error) { return quorumdisk.Scan(log) },
		ReadConfig: func(dev string) (quorumdisk.ConfigRecord, error) {
			d, err := quorumdisk.OpenReadOnly(dev, 5*time.Second, log)
			if err != nil {
				return quorumdisk.ConfigRecord{}, err
			}
			defer d.Close()
			return d.ReadConfig()
		},
		Identity: st.identity,
		Run:      runQuorated,
		Sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			case <-st.wake:
			}
			return nil
		},
		Now: time.Now,
	}
}

// runQuorated runs quorated on the console until it exits; ending ctx
// sends it SIGTERM (a clean leave) and, 10 s later, SIGKILL.
func runQuorated(ctx context.Context, args []string) error {
	if _, err := os.Stat(args[0]); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not in this image; rebuild it with image/build.sh after cmd/quorated exists", args[0])
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}
