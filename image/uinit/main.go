// Command uinit is the quorate appliance's init, started by u-root's init
// as /bin/uinit after it mounted /proc, /sys and /dev. It loads the kernel
// modules the appliance needs, brings every network interface up with
// DHCP, optionally logs in to an iSCSI target, keeps a shell on the
// console, and then runs the boot sequence of package image/appliance:
// find the quorum disk by its label, read cluster.conf and the key from
// its config area, write /etc/cluster and keep quorated running. See
// image/README.md for the kernel command line.
//
// uinit never exits (u-root's init would then start a bare shell and
// nothing would supervise quorated) and never blocks forever in select:
// the Go runtime would call that a deadlock and exit.
package main

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/quorate/quorate/image/appliance"
)

func main() {
	if code, ok := prTool(os.Args[1:], os.Stdout); ok {
		os.Exit(code) // a tool command from the console (prtool.go), not init
	}
	log := consoleLogger(false)
	raw, _ := os.ReadFile("/proc/cmdline")
	p, err := appliance.ParseCmdline(string(raw))
	if p.Debug {
		log = consoleLogger(true)
	} else {
		stdlog.SetOutput(io.Discard) // u-root's dhclient dumps every DHCP packet; we log the results
	}
	log.Info("quorate appliance starting", "uptime", uptime())
	if err != nil {
		log.Error("kernel command line: " + err.Error())
	}
	setup(log)
	ctx, stop := context.WithCancel(context.Background())
	if p.Shell {
		go consoleShell(ctx, log)
	}
	if p.Label == "" {
		log.Error("no quorum disk label: nothing to do; reboot with quorate.label=LABEL")
		idle()
	}
	loadModules(log)
	watchPowerButton(stop, log)
	id := bringUpNetwork(ctx, log)
	if p.ISCSI != nil {
		go iscsiLogin(ctx, p, id, log)
	}
	b := &appliance.Boot{Params: p, Env: osEnv(id, log), Log: log, QuoratedPath: lookQuorated()}
	b.Run(ctx) // returns when the power button stopped it, after quorated exited
	powerOff(log)
	idle()
}

// lookQuorated finds quorated on $PATH (/bin/quorated, a link to the
// image's multi-call binary).
func lookQuorated() string {
	if p, err := exec.LookPath("quorated"); err == nil {
		return p
	}
	return "/bin/quorated"
}

// idle keeps init alive without a select{} the runtime would call a
// deadlock.
func idle() {
	for {
		time.Sleep(time.Hour)
	}
}

// setup creates the directories quorated and the tools need.
func setup(log *slog.Logger) {
	for _, d := range []string{"/etc/cluster", "/run/quorate", "/var/lib/quorate", "/var/log"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			log.Warn("mkdir", "dir", d, "err", err)
		}
	}
}

func uptime() string {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return "?"
	}
	var up float64
	fmt.Sscan(string(b), &up)
	return fmt.Sprintf("%.2fs", up)
}

// consoleLogger logs to the console without timestamps (the kernel's
// uptime is more telling on a fresh boot), each line tagged quorate-init.
func consoleLogger(debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.String("up", uptime())
			}
			return a
		}})
	return slog.New(h).With("src", "quorate-init")
}
