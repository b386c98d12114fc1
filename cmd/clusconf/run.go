package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// DefaultFile is the file clusconf edits unless -f names another.
const DefaultFile = "/etc/cluster/cluster.conf"

// options are the flags every command accepts, before or after its name.
type options struct {
	file   string
	socket string
	dryRun bool
}

// register adds the options to fs with their current values as
// defaults, so options given before the command survive its parsing.
func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.file, "f", o.file, "the cluster.conf `FILE` to work on")
	fs.StringVar(&o.socket, "socket", o.socket, "quorated's control socket `PATH` (default $QUORATE_SOCKET or /run/quorate/quorated.sock)")
	fs.BoolVar(&o.dryRun, "dry-run", o.dryRun, "print the change as a unified diff instead of writing it")
}

// runner carries one Run's streams, context and options.
type runner struct {
	ctx            context.Context
	stdout, stderr io.Writer
	opts           options
}

// command is one subcommand. run parses its own arguments with fs, which
// already carries the global options.
type command struct {
	args, help string
	run        func(r *runner, fs *flag.FlagSet, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"create":            {"NAME [--force]", "start a new cluster.conf", (*runner).create},
		"addnode":           {"NAME [--nodeid N] [--addr HOST[:PORT]] [--addr2 HOST[:PORT]] [--votes V]", "add a <clusternode>", (*runner).addNode},
		"rmnode":            {"NAME", "remove a node (and its failover domain entries)", (*runner).rmNode},
		"addfencedev":       {"NAME agent=AGENT [key=value...]", "add a <fencedevice>", (*runner).addFenceDev},
		"rmfencedev":        {"NAME", "remove an unused <fencedevice>", (*runner).rmFenceDev},
		"addmethod":         {"NODE METHOD DEVICE [key=value...]", "add DEVICE to fence method METHOD of NODE (creating the method)", (*runner).addMethod},
		"rmmethod":          {"NODE METHOD", "remove a fence method of NODE", (*runner).rmMethod},
		"addfailoverdomain": {"NAME [--ordered] [--restricted] [--nofailback] NODE[:PRIORITY]...", "add a <failoverdomain>", (*runner).addDomain},
		"rmfailoverdomain":  {"NAME", "remove an unused <failoverdomain>", (*runner).rmDomain},
		"addresource":       {"TYPE key=value...", "add a shared resource to <resources>", (*runner).addResource},
		"rmresource":        {"TYPE KEY", "remove an unreferenced shared resource", (*runner).rmResource},
		"addservice":        {"NAME [--domain D] [--recovery R] [--autostart 0|1] [--exclusive] [key=value...] RESOURCE...", "add a <service>", (*runner).addService},
		"rmservice":         {"NAME", "remove a <service>", (*runner).rmService},
		"setquorumd":        {"key=value...", "set <quorumd> attributes (key= removes one)", setter("quorumd")},
		"settotem":          {"key=value...", "set <totem> attributes (key= removes one)", setter("totem")},
		"setcman":           {"key=value...", "set <cman> attributes (key= removes one)", setter("cman")},
		"setfencedaemon":    {"key=value...", "set <fence_daemon> attributes (key= removes one)", setter("fence_daemon")},
		"validate":          {"[FILE]", "check FILE (default: -f) and summarise it", (*runner).validate},
		"show":              {"[--xml]", "print the configuration with defaults filled in (--xml: canonical XML)", (*runner).show},
		"diff":              {"[FILE] [--canonical]", "diff FILE (default: FILE.bak) against -f FILE", (*runner).diff},
		"push":              {"", "submit -f FILE to the running cluster", (*runner).push},
		"sync":              {"--status", "show which node runs which config_version", (*runner).sync},
	}
}

const usageHead = `usage: clusconf [-f FILE] [--socket PATH] [--dry-run] COMMAND [ARGS]

Edits cluster.conf (default ` + DefaultFile + `). Every edit raises config_version,
validates the whole result, and writes it atomically, keeping FILE.bak.

RESOURCE (addservice) is TYPE:REF, a reference to <resources>, or
TYPE:key=value,key=value (\, for a comma in a value); a leading + nests it
in the resource before it (++ two levels).

commands:
`

func usageText() string {
	var b strings.Builder
	b.WriteString(usageHead)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %s %s\n      %s\n", n, commands[n].args, commands[n].help)
	}
	return b.String()
}

// Run is clusconf with args (without the program name). It returns the
// exit status: 0 ok, 1 error (invalid configuration, refused push, I/O),
// 2 usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	r := &runner{ctx: ctx, stdout: stdout, stderr: stderr, opts: options{file: DefaultFile}}
	fs := r.flagSet("clusconf")
	if err := fs.Parse(args); err != nil {
		return r.exit(flagError(err))
	}
	if fs.NArg() == 0 {
		return r.exit(usageErrorf("no command given"))
	}
	name := fs.Arg(0)
	if name == "help" {
		io.WriteString(stdout, usageText())
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		return r.exit(usageErrorf("unknown command %q", name))
	}
	return r.exit(cmd.run(r, r.flagSet("clusconf "+name), fs.Args()[1:]))
}

// flagSet is a FlagSet carrying the global options, reporting errors
// through Run rather than printing them.
func (r *runner) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	r.opts.register(fs)
	return fs
}

// exit prints err and maps it to an exit code.
func (r *runner) exit(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		io.WriteString(r.stdout, usageText())
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(r.stderr, "clusconf: %v\n%s", err, usageText())
		return exitUsage
	case errors.Is(err, errReported):
		return exitError
	}
	fmt.Fprintf(r.stderr, "clusconf: %v\n", err)
	return exitError
}

// errReported: the command printed its own failure.
var errReported = errors.New("reported")

// usageError is a bad command line; Run exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{msg: err.Error()}
}

// parseArgs parses args with fs, flags and positional arguments in any
// order ("addnode n3 --nodeid 3" and "addnode --nodeid 3 n3" alike), and
// checks the number of positional arguments.
func parseArgs(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, flagError(err)
	}
	cmd := strings.TrimPrefix(fs.Name(), "clusconf ")
	switch {
	case len(pos) < minArgs:
		return nil, usageErrorf("%s needs %s", cmd, strings.TrimSpace(commands[cmd].args))
	case maxArgs >= 0 && len(pos) > maxArgs:
		return nil, usageErrorf("%s: unexpected argument %q", cmd, pos[maxArgs])
	}
	return pos, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// keyValues parses key=value arguments, keeping their order. Keys named
// in reserved are refused (they are positional arguments).
func keyValues(cmd string, args []string, reserved ...string) ([][2]string, error) {
	out := make([][2]string, 0, len(args))
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, usageErrorf("%s: %q is not key=value", cmd, a)
		}
		if slices.Contains(reserved, k) {
			return nil, usageErrorf("%s: %s is given as an argument, not as %s=", cmd, k, k)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}
