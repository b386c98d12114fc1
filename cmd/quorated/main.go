// Command quorated is the quorate node daemon: it joins this node to the
// cluster over network heartbeats and the shared quorum disk and serves
// clustat and clusvcadm on a local Unix socket.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
