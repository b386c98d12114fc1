package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/quorate/quorate/api"
)

// Run is fence_node: exit 0 when the fence (or unfence) was confirmed, 1
// when it failed or the daemon could not be reached, 2 on a usage error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fence_node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	unfence := fs.Bool("U", false, "unfence the node instead")
	socket := api.SocketFlag(fs)
	timeout := fs.Duration("timeout", 3*time.Minute, "give up waiting for the confirmation after this long")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: fence_node [-U] [--socket PATH] NODE") }
	if code := api.ParseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	msg, err := api.NewClient(api.SocketPath(*socket)).FenceNode(ctx, fs.Arg(0), *unfence)
	if err != nil {
		fmt.Fprintf(stderr, "fence_node: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "fence_node:", msg)
	return 0
}
