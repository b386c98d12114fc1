package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/quorate/quorate/api"
)

// Run is clusvcadm. Exit codes: 0 done, 1 refused or failed (the message
// says why: no quorum, unknown service, member not allowed, fencing
// pending…), 2 usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clusvcadm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ops = map[string]*string{}
	for _, o := range []struct{ flag, op, help string }{
		{"e", "enable", "enable (start) SERVICE"}, {"d", "disable", "disable (stop and keep down) SERVICE"},
		{"s", "stop", "stop SERVICE until its next transition"}, {"r", "relocate", "relocate SERVICE (to -m MEMBER)"},
		{"R", "restart", "restart SERVICE in place"}, {"Z", "freeze", "freeze SERVICE (no checks, no failover)"},
		{"U", "unfreeze", "unfreeze SERVICE"},
	} {
		ops[o.op] = fs.String(o.flag, "", o.help)
	}
	member := fs.String("m", "", "member to enable or relocate on")
	quiet := fs.Bool("q", false, "quiet")
	socket := api.SocketFlag(fs)
	if code := api.ParseFlags(fs, args); code >= 0 {
		return code
	}
	op, svc := "", ""
	for name, v := range ops {
		if *v != "" {
			if op != "" {
				fmt.Fprintln(stderr, "clusvcadm: give one operation")
				return 2
			}
			op, svc = name, *v
		}
	}
	if op == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !*quiet {
		fmt.Fprintf(stdout, "Local machine trying to %s service:%s...", op, svc)
	}
	msg, err := api.NewClient(api.SocketPath(*socket)).ServiceOp(ctx, op, svc, *member)
	if err != nil {
		if !*quiet {
			fmt.Fprintln(stdout, "Failure")
		}
		fmt.Fprintf(stderr, "clusvcadm: %v\n", err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stdout, "Success (%s)\n", msg)
	}
	return 0
}
