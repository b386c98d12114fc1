package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/quorate/quorate/api"
)

// version is set at link time (-ldflags "-X main.version=…"); otherwise
// the module version from the build info is used.
var version = ""

// clearScreen homes the cursor and clears the terminal (tput clear).
const clearScreen = "\x1b[H\x1b[2J"

// Run is clustat's whole behaviour; main only wires it to the process.
// It returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, time.After)
}

// runWith is Run with the redraw timer injected for tests.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, after func(time.Duration) <-chan time.Time) int {
	opts, err := parseArgs(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.WriteString(stdout, usageText)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "clustat: %v\n%s", err, usageText)
		return 2
	}
	if opts.version {
		fmt.Fprintf(stdout, "clustat version %s\n", versionString())
		return 0
	}
	c := api.NewClient(api.SocketPath(opts.socket))
	if opts.interval > 0 && !opts.quiet && !opts.nodeID {
		return refresh(ctx, c, opts, stdout, after)
	}
	return once(ctx, c, opts, stdout, stderr)
}

// once fetches the status once and prints it.
func once(ctx context.Context, c *api.Client, opts options, stdout, stderr io.Writer) int {
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "clustat: %v\n", err)
		return 1
	}
	switch {
	case opts.quiet:
		if st.Quorum.Quorate {
			return 0
		}
		return 1
	case opts.nodeID:
		fmt.Fprintf(stdout, "0x%08x\n", uint32(st.LocalID))
		return 0
	}
	var buf bytes.Buffer
	code, err := render(&buf, st, opts)
	if err != nil {
		fmt.Fprintf(stderr, "clustat: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(stderr, "clustat: write output: %v\n", err)
		return 1
	}
	return code
}

// render writes st in the format opts asks for and returns the exit code
// implied by -m and -s.
func render(w io.Writer, st *api.Status, opts options) (int, error) {
	r, err := newReport(st, opts.member, opts.service)
	if err != nil {
		return 1, err
	}
	switch {
	case opts.xml:
		err = writeXML(w, r)
	case opts.json:
		err = writeJSON(w, r)
	default:
		writeText(w, r, opts.long)
	}
	return r.exit, err
}

// writeJSON prints the status, its member and service lists narrowed by -m
// and -s.
func writeJSON(w io.Writer, r *report) error {
	st := *r.st
	if !r.showSummary {
		st.Members = filterMembers(st.Members, r)
		st.Services = r.services
		if !r.showServices {
			st.Services = nil
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&st)
}

// filterMembers keeps the members the report shows (none for -s alone).
func filterMembers(in []api.Member, r *report) []api.Member {
	out := []api.Member{}
	if !r.showMembers {
		return out
	}
	for _, m := range in {
		for _, row := range r.members {
			if !row.qdisk && row.name == m.Name {
				out = append(out, m)
			}
		}
	}
	return out
}

// refresh redraws the text view every opts.interval seconds until ctx is
// done. Errors are drawn in place so a restarting daemon can be watched.
func refresh(ctx context.Context, c *api.Client, opts options, stdout io.Writer, after func(time.Duration) <-chan time.Time) int {
	every := time.Duration(opts.interval) * time.Second
	for {
		st, err := c.Status(ctx)
		if ctx.Err() != nil {
			return 0
		}
		var buf bytes.Buffer
		buf.WriteString(clearScreen)
		if err == nil {
			_, err = render(&buf, st, opts)
		}
		if err != nil {
			fmt.Fprintf(&buf, "clustat: %v\n", err)
		}
		stdout.Write(buf.Bytes())
		select {
		case <-ctx.Done():
			return 0
		case <-after(every):
		}
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
