package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// options are clustat's command-line options.
type options struct {
	socket   string
	interval int // seconds between redraws; 0 draws once
	xml      bool
	json     bool
	quiet    bool
	member   string
	service  string
	long     bool
	nodeID   bool
	version  bool
}

// errUsage marks a command-line mistake (exit 2).
var errUsage = errors.New("usage error")

const usageText = `usage: clustat [options]
    -i <interval>      Refresh every <interval> seconds.  May not be used
                       with -x or --json.
    -I                 Display local node ID and exit
    -m <member>        Display status of <member> and exit
    -s <service>       Display status of <service> and exit
    -v                 Display version and exit
    -x                 Dump information as XML
    --json             Dump information as JSON
    -Q                 Return 0 if quorate, 1 if not (no output)
    -f                 Accepted for compatibility; no effect
    -l                 Use long format for services
    --socket <path>    quorated's control socket (default: $QUORATE_SOCKET,
                       else /run/quorate/quorated.sock)
`

// parseArgs parses args. It returns flag.ErrHelp for -h, and an error
// wrapping errUsage for any other mistake.
func parseArgs(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("clustat", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.socket, "socket", "", "")
	fs.IntVar(&o.interval, "i", 0, "")
	fs.BoolVar(&o.xml, "x", false, "")
	fs.BoolVar(&o.json, "json", false, "")
	fs.BoolVar(&o.quiet, "Q", false, "")
	fs.StringVar(&o.member, "m", "", "")
	fs.StringVar(&o.service, "s", "", "")
	fs.BoolVar(&o.long, "l", false, "")
	fs.BoolVar(&o.nodeID, "I", false, "")
	fs.BoolVar(&o.version, "v", false, "")
	fs.Bool("f", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return o, o.check(fs)
}

// check applies rgmanager's rules to the parsed options.
func (o *options) check(fs *flag.FlagSet) error {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "i" && o.interval <= 0 {
			o.interval = 1 // as rgmanager: -i 0 means every second
		}
	})
	if o.xml && o.json {
		return fmt.Errorf("%w: options -x and --json are mutually exclusive", errUsage)
	}
	if o.interval > 0 && (o.xml || o.json) {
		return fmt.Errorf("%w: option -i cannot be combined with -x or --json", errUsage)
	}
	return nil
}
