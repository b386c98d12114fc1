package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/quorate/quorate/quorumdisk"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// scanDevices lists quorum disks; tests replace it.
var scanDevices = quorumdisk.Scan

const usage = `usage:
  mkqdisk -c DEVICE -l LABEL [--cluster NAME] [--force] [--config FILE [--keyfile FILE]]
                           initialise DEVICE as a quorum disk, optionally storing
                           cluster.conf (and the cluster key) in its config area
  mkqdisk -L [--json]      list quorum disks on this machine's block devices
  mkqdisk -f LABEL [--json]
                           print the device(s) holding the quorum disk LABEL
  mkqdisk -d DEVICE [--json]
                           dump the header and every written slot (read-only)

options:
`

type options struct {
	create, label, cluster string
	force, list, json, v   bool
	find, dump             string
	config, keyfile        string
}

// cli carries the output streams and the logger of one Run.
type cli struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

// Run is mkqdisk with args (without the program name). It returns the exit
// status: 0 ok, 1 error, 2 usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code := parse(args, stderr)
	if code >= 0 {
		return code
	}
	c := &cli{stdout: stdout, stderr: stderr, log: slog.New(slog.DiscardHandler)}
	if o.v {
		c.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var err error
	switch {
	case o.create != "":
		err = c.create(ctx, o)
	case o.list:
		err = c.list(o.json)
	case o.find != "":
		err = c.find(o.find, o.json)
	default:
		err = c.dump(o.dump, o.json)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mkqdisk: %v\n", err)
		var ue *usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitError
	}
	return exitOK
}

// parse returns the options, or an exit code >= 0 when Run should stop.
func parse(args []string, stderr io.Writer) (options, int) {
	var o options
	fs := flag.NewFlagSet("mkqdisk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.create, "c", "", "initialise `DEVICE` (a block device, or a file of at least 6 MiB)")
	fs.StringVar(&o.label, "l", "", "`LABEL` to write with -c (at most 127 bytes)")
	fs.StringVar(&o.cluster, "cluster", "", "cluster `NAME` to stamp with -c (default: the first node to join stamps it)")
	fs.BoolVar(&o.force, "force", false, "with -c: overwrite another quorum disk, live-looking slots or other data")
	fs.StringVar(&o.config, "config", "", "with -c: validate cluster.conf `FILE` and store it in the config area")
	fs.StringVar(&o.keyfile, "keyfile", "", "with --config: also store the cluster key `FILE` (e.g. /etc/cluster/authkey)")
	fs.BoolVar(&o.list, "L", false, "list quorum disks")
	fs.StringVar(&o.find, "f", "", "print the device(s) with quorum disk `LABEL`")
	fs.StringVar(&o.dump, "d", "", "dump the quorum disk on `DEVICE`")
	fs.BoolVar(&o.json, "json", false, "print JSON (with -L, -f, -d)")
	fs.BoolVar(&o.v, "v", false, "log debugging details to stderr")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, exitOK
		}
		return o, exitUsage
	}
	if msg := o.check(fs.NArg()); msg != "" {
		fmt.Fprintf(stderr, "mkqdisk: %s\n", msg)
		fs.Usage()
		return o, exitUsage
	}
	return o, -1
}

// check returns what is wrong with the combination of options.
func (o options) check(nargs int) string {
	modes := 0
	for _, on := range []bool{o.create != "", o.list, o.find != "", o.dump != ""} {
		if on {
			modes++
		}
	}
	switch {
	case nargs > 0:
		return "unexpected arguments"
	case modes != 1:
		return "give exactly one of -c, -L, -f, -d"
	case o.create != "" && o.label == "":
		return "-c needs a label: -l LABEL"
	case o.create == "" && (o.label != "" || o.cluster != "" || o.force || o.config != ""):
		return "-l, --cluster, --force and --config go with -c"
	case o.keyfile != "" && o.config == "":
		return "--keyfile goes with --config"
	case o.create != "" && o.json:
		return "--json goes with -L, -f or -d"
	}
	return ""
}
