package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/conf"
)

// options are quorated's command-line flags.
type options struct {
	config   string
	node     string
	socket   string
	http     string
	logLevel string
	cpuProf  string
	stateDir string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("quorated", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.config, "c", "/etc/cluster/cluster.conf", "cluster.conf to use")
	fs.StringVar(&o.node, "n", "", "this node's name in cluster.conf (default: the host name)")
	fs.StringVar(&o.socket, "socket", "", "control socket (default $QUORATE_SOCKET or "+api.DefaultSocket+")")
	fs.StringVar(&o.http, "http", "", "also serve the read-only status page on this TCP address, e.g. 127.0.0.1:8084")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.stateDir, "state-dir", "/run/quorate/state", "where service agents keep pid files and state (use a tmpfs)")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile to this file until exit (for performance work)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.node == "" {
		h, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("cannot tell this node's name (pass -n NODE): %w", err)
		}
		o.node = strings.SplitN(h, ".", 2)[0]
	}
	o.socket = api.SocketPath(o.socket)
	return o, nil
}

// Run is quorated's whole life: configure, join, serve, leave on ctx's end.
// It returns the process exit code: 0 after a clean leave, 1 on a
// configuration or start-up error, 2 on a usage error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "quorated:", err)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintln(stderr, "quorated: --log-level:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			fmt.Fprintln(stderr, "quorated:", err)
			return 1
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	c, err := conf.Load(o.config)
	if err != nil {
		fmt.Fprintf(stderr, "quorated: refusing to start: %v\n", err)
		return 1
	}
	d, err := newDaemon(c, o, log)
	if err != nil {
		fmt.Fprintf(stderr, "quorated: refusing to start: %v\n", err)
		return 1
	}
	if err := d.run(ctx); err != nil {
		fmt.Fprintf(stderr, "quorated: %v\n", err)
		return 1
	}
	return 0
}
